/**
 * The year-by-year chart as server-rendered SVG: bars for 提案件数 and 実施件数 per fiscal year and a
 * line for 実施率 on its own scale. No script and nothing from elsewhere; every piece of text in it
 * is escaped here, so the template may insert the markup as is. The data table beside it on the page
 * carries the same figures for screen readers and printing.
 */

export interface ChartYear {
  label: string;
  submitted: number;
  implemented: number;
  implementationRate: number | null;
}

const WIDTH = 760;
const HEIGHT = 320;
const PAD = { top: 40, right: 56, bottom: 56, left: 56 };

export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A round upper bound for the axis, split into four equal whole-number steps: 342 → 400 (steps of
 * 100), 4 → 4, 9 → 20, 0 → 4.
 */
export function niceMax(value: number): number {
  const rough = Math.max(1, value / 4);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const multipliers = magnitude >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10];
  const step = multipliers.map((m) => m * magnitude).find((candidate) => candidate >= rough)!;
  return step * 4;
}

export function yearChartSvg(years: ChartYear[], title: string): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...years.map((y) => y.submitted)));
  const slot = years.length ? plotW / years.length : plotW;
  const barW = Math.max(4, Math.min(28, slot / 3));
  const y = (count: number) => PAD.top + plotH - (count / max) * plotH;
  const rateY = (rate: number) => PAD.top + plotH - (rate / 100) * plotH;
  const parts: string[] = [];

  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" class="chart">`,
    `<title id="chart-title">${escapeXml(title)}</title>`,
    `<desc id="chart-desc">${escapeXml(`棒グラフは年度ごとの提案件数と実施件数、折れ線は実施率です。数値は隣の表にあります。`)}</desc>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" class="chart__title">${escapeXml(title)}</text>`,
  );
  for (let i = 0; i <= 4; i++) {
    const value = (max / 4) * i;
    const gy = y(value);
    parts.push(
      `<line x1="${PAD.left}" y1="${gy}" x2="${WIDTH - PAD.right}" y2="${gy}" class="chart__grid"/>`,
      `<text x="${PAD.left - 6}" y="${gy + 4}" text-anchor="end" class="chart__axis">${escapeXml(String(Math.round(value)))}</text>`,
      `<text x="${WIDTH - PAD.right + 6}" y="${rateY(25 * i) + 4}" class="chart__axis">${25 * i}%</text>`,
    );
  }
  const points: string[] = [];
  years.forEach((year, i) => {
    const cx = PAD.left + slot * i + slot / 2;
    parts.push(
      `<rect x="${cx - barW - 1}" y="${y(year.submitted)}" width="${barW}" height="${PAD.top + plotH - y(year.submitted)}" class="chart__bar chart__bar--submitted"><title>${escapeXml(`${year.label} 提案件数 ${year.submitted}`)}</title></rect>`,
      `<rect x="${cx + 1}" y="${y(year.implemented)}" width="${barW}" height="${PAD.top + plotH - y(year.implemented)}" class="chart__bar chart__bar--implemented"><title>${escapeXml(`${year.label} 実施件数 ${year.implemented}`)}</title></rect>`,
      `<text x="${cx}" y="${HEIGHT - PAD.bottom + 18}" text-anchor="middle" class="chart__axis">${escapeXml(year.label)}</text>`,
    );
    if (year.implementationRate !== null) points.push(`${cx},${rateY(year.implementationRate)}`);
  });
  if (points.length > 1) parts.push(`<polyline points="${points.join(' ')}" class="chart__line"/>`);
  for (const point of points) {
    const [px, py] = point.split(',');
    parts.push(`<circle cx="${px}" cy="${py}" r="3.5" class="chart__dot"/>`);
  }
  const legendY = HEIGHT - 14;
  parts.push(
    `<rect x="${PAD.left}" y="${legendY - 10}" width="12" height="12" class="chart__bar--submitted"/>`,
    `<text x="${PAD.left + 18}" y="${legendY}" class="chart__legend">提案件数</text>`,
    `<rect x="${PAD.left + 100}" y="${legendY - 10}" width="12" height="12" class="chart__bar--implemented"/>`,
    `<text x="${PAD.left + 118}" y="${legendY}" class="chart__legend">実施件数</text>`,
    `<line x1="${PAD.left + 200}" y1="${legendY - 4}" x2="${PAD.left + 222}" y2="${legendY - 4}" class="chart__line"/>`,
    `<text x="${PAD.left + 228}" y="${legendY}" class="chart__legend">実施率（右目盛）</text>`,
    `</svg>`,
  );
  return parts.join('\n');
}
