import { formatRate, formatRateForCsv, ratePercent } from '../../src/reports/rates';
import { escapeXml, niceMax, yearChartSvg } from '../../src/reports/year-chart';

describe('採用率・実施率', () => {
  it.each([
    [96, 342, 28.1], // FY2017 in DOMAIN.md
    [103, 514, 20.0], // FY2018
    [1, 3, 33.3],
    [2, 3, 66.7],
    [1, 16, 6.3], // exactly 6.25 → half up
    [1, 8, 12.5],
    [1, 40, 2.5], // exactly 2.5
    [1, 400, 0.3], // 0.25 → 0.3
    [1, 2000, 0.1], // 0.05 → 0.1
    [1, 2001, 0.0], // 0.0499… → 0.0
    [0, 10, 0],
    [10, 10, 100],
  ])('%i / %i → %d', (count, total, expected) => {
    expect(ratePercent(count, total)).toBe(expected);
  });

  it('has no rate without proposals and refuses nonsense', () => {
    expect(ratePercent(0, 0)).toBeNull();
    expect(() => ratePercent(-1, 3)).toThrow(RangeError);
    expect(() => ratePercent(1.5, 3)).toThrow(RangeError);
  });

  it('shows one decimal on pages and in CSV', () => {
    expect(formatRate(20)).toBe('20.0');
    expect(formatRate(null)).toBe('―');
    expect(formatRateForCsv(28.1)).toBe('28.1');
    expect(formatRateForCsv(null)).toBe('');
  });
});

describe('year chart (SVG)', () => {
  it('rounds the axis up to a readable value', () => {
    expect(niceMax(0)).toBe(4);
    expect(niceMax(4)).toBe(4);
    expect(niceMax(9)).toBe(20);
    expect(niceMax(342)).toBe(400);
    expect(niceMax(514)).toBe(800);
    expect(niceMax(200)).toBe(200);
    expect(niceMax(1000)).toBe(1000);
    // every grid step is a whole number
    for (const v of [1, 3, 7, 13, 57, 99, 1234]) expect(Number.isInteger(niceMax(v) / 4)).toBe(true);
  });

  it('draws two bars per year, a rate line, a title and escapes text', () => {
    const svg = yearChartSvg(
      [
        { label: '2017', submitted: 342, implemented: 96, implementationRate: 28.1 },
        { label: '2018', submitted: 514, implemented: 103, implementationRate: 20.0 },
      ],
      '年度別 <提案> & 実施',
    );
    expect(svg.match(/class="chart__bar chart__bar--submitted"/g)).toHaveLength(2);
    expect(svg.match(/class="chart__bar chart__bar--implemented"/g)).toHaveLength(2);
    expect(svg).toContain('<polyline');
    expect(svg).toContain('年度別 &lt;提案&gt; &amp; 実施');
    expect(svg).not.toContain('<提案>');
    expect(svg).toContain('2017 提案件数 342');
    expect(svg).not.toMatch(/<script|style=|on\w+=/);
  });

  it('draws an empty chart without failing', () => {
    expect(yearChartSvg([], 't')).toContain('</svg>');
    expect(escapeXml(`"'`)).toBe('&quot;&#39;');
  });
});
