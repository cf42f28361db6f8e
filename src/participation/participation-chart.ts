/**
 * 参加率 per 局・区 as server-rendered SVG: one horizontal bar per 局・区, its name on the left and the rate at the
 * end of the bar, so that it reads on a 390 px phone as well as on a desktop (the names need no rotating).
 * This module computes the geometry; the template views/participation/chart.hbs writes the SVG, so Handlebars
 * escapes every text in it and no markup is built by hand. No script and nothing from elsewhere. The table
 * on the page carries the same figures for screen readers and printing.
 *
 * Sizes are SVG attributes, not the year chart's classes: those set font sizes in CSS, which would win.
 */

export interface ChartBar {
  name: string;
  rate: number | null;
}

// small units: the figure is at most 640 px wide on a desk and about 340 px on a 390 px phone, where the
// labels still come out at about 14 px
const WIDTH = 400;
const LABEL_W = 112;
const ROW_H = 34;
const TOP = 36;
const BOTTOM = 30;
const FONT = 16;

/** A round end for the scale: 23.4 → 30, 0 → 10, 100 → 100, 130 → 130 (rates above 100 % exist with entered numbers). */
export function rateScaleMax(maxRate: number): number {
  return Math.max(10, Math.ceil(maxRate / 10) * 10);
}

/** At most `max` characters of a name, with an ellipsis when cut (the full name is in the bar's title and the table). */
export function shortLabel(name: string, max = 6): string {
  const chars = Array.from(name);
  return chars.length <= max ? name : `${chars.slice(0, max - 1).join('')}…`;
}

export interface ParticipationChart {
  width: number;
  titleX: number;
  height: number;
  title: string;
  desc: string;
  font: { title: number; label: number; value: number; axis: number };
  grid: { x: number; y1: number; y2: number; labelY: number; label: string }[];
  bars: {
    name: string;
    label: string;
    labelX: number;
    textY: number;
    x: number;
    y: number;
    width: number;
    height: number;
    valueX: number;
    valueText: string;
    tooltip: string;
  }[];
}

/** The chart's geometry and texts; views/participation/chart.hbs draws it (Handlebars escapes every text). */
export function participationChart(bars: ChartBar[], title: string): ParticipationChart {
  const height = TOP + Math.max(1, bars.length) * ROW_H + BOTTOM;
  const max = rateScaleMax(Math.max(0, ...bars.map((b) => b.rate ?? 0)));
  const plotW = WIDTH - LABEL_W - 62;
  const x = (rate: number) => LABEL_W + (rate / max) * plotW;
  const plotBottom = TOP + bars.length * ROW_H;
  const rateText = (rate: number | null) => (rate === null ? '―' : `${rate.toFixed(1)}%`);
  return {
    width: WIDTH,
    titleX: WIDTH / 2,
    height,
    title,
    desc: bars.length
      ? `局・区ごとの参加率（提案者数÷職員数）の横棒グラフです。${bars.map((b) => `${b.name} ${b.rate === null ? '職員数なし' : rateText(b.rate)}`).join('、')}。数値は下の表にもあります。`
      : '表示できる局・区がありません。',
    font: { title: FONT + 1, label: FONT, value: FONT - 1, axis: FONT - 2 },
    grid: [0, 1, 2].map((i) => {
      const value = (max / 2) * i;
      return { x: x(value), y1: TOP - 4, y2: plotBottom, labelY: plotBottom + 20, label: `${value}%` };
    }),
    bars: bars.map((bar, i) => {
      const top = TOP + i * ROW_H;
      const end = bar.rate === null ? LABEL_W : x(bar.rate);
      return {
        name: bar.name,
        label: shortLabel(bar.name),
        labelX: LABEL_W - 8,
        textY: top + ROW_H / 2 + 5,
        x: LABEL_W,
        y: top + 6,
        width: Math.max(0, end - LABEL_W),
        height: ROW_H - 12,
        valueX: end + 6,
        valueText: rateText(bar.rate),
        tooltip: `${bar.name} 参加率 ${rateText(bar.rate)}`,
      };
    }),
  };
}
