/**
 * 採用率・実施率: count ÷ 提案件数 × 100, one decimal, rounded half up (96 / 342 → 28.1).
 * Integer arithmetic only, so a rate that is exactly halfway (1 / 16 = 6.25 %) rounds up to 6.3 rather
 * than falling to 6.2 through a binary floating-point error. Null when there is nothing to divide by.
 */
export function ratePercent(count: number, total: number): number | null {
  if (!Number.isInteger(count) || !Number.isInteger(total) || count < 0 || total < 0) {
    throw new RangeError(`rate of ${count} / ${total}`);
  }
  if (total === 0) return null;
  const tenthsOfPercent = Math.floor((count * 2000 + total) / (total * 2));
  return tenthsOfPercent / 10;
}

/** 28.1 → "28.1", 20 → "20.0", null → "―" (for pages); CSV uses formatRateForCsv. */
export const formatRate = (rate: number | null): string => (rate === null ? '―' : rate.toFixed(1));

/** In CSV a missing rate is an empty cell, so spreadsheets treat it as blank rather than text. */
export const formatRateForCsv = (rate: number | null): string => (rate === null ? '' : rate.toFixed(1));
