/**
 * 審査結果: weighted totals per judge, per-entry means and the ranking.
 * Means are exact fractions, not floats: whether two entries tie must not depend on how a float was accumulated
 * (0.1 + 0.2 !== 0.3), and a mean exactly halfway must round up on the results page ((1.005).toFixed(2) is "1.00").
 * Every value is a small integer (scores × weights × judges), far below Number.MAX_SAFE_INTEGER.
 */

export interface RoundCriterion {
  position: number;
  name: string;
  weight: number;
  scaleMax: number;
}

/** scores: criterion position -> score (1..scaleMax) */
export interface JudgeSheet {
  proposalId: number;
  judgeId: number;
  scores: Record<number, number>;
}

/** An exact rational number: means are compared and rounded without floating point. den > 0. */
export interface Fraction {
  num: number;
  den: number;
}

export interface EntryResult {
  proposalId: number;
  judgeCount: number;
  totals: number[];
  sum: number;
  mean: Fraction | null;
  trimmedMean: Fraction | null;
  score: Fraction | null;
  trimmedApplied: boolean;
  spread: number | null;
  criterionMeans: (Fraction | null)[];
  rank: number | null;
  tiedWith: number[];
}

const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0;

// A round configured with a zero weight or a fractional scale would silently distort every total, so refuse it.
function checkCriteria(criteria: RoundCriterion[]): void {
  const positions = new Set<number>();
  for (const c of criteria) {
    if (!isPositiveInteger(c.weight) || !isPositiveInteger(c.scaleMax) || positions.has(c.position)) {
      throw new RangeError(`criterion ${c.position} (${c.name}): weight ${c.weight}, scale 1..${c.scaleMax}`);
    }
    positions.add(c.position);
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Lowest terms, so equal means are also equal objects (handy in tests and templates). */
export function fraction(num: number, den: number): Fraction {
  if (!Number.isInteger(num) || !isPositiveInteger(den)) throw new RangeError(`fraction ${num} / ${den}`);
  const g = gcd(Math.abs(num), den);
  return { num: num / g, den: den / g };
}

/** Σ score × weight when every criterion is scored, else null (an unfinished sheet is not a low score). */
export function sheetTotal(criteria: RoundCriterion[], scores: Record<number, number>): number | null {
  checkCriteria(criteria);
  let total = 0;
  for (const c of criteria) {
    const score = scores[c.position];
    if (score === undefined || score === null) return null; // null: a cleared field loaded from the database
    // An off-scale score means the form's validation was bypassed; ranking on it would be wrong either way.
    if (!Number.isInteger(score) || score < 1 || score > c.scaleMax) {
      throw new RangeError(`score ${score} for ${c.name} (1..${c.scaleMax})`);
    }
    total += score * c.weight;
  }
  return total;
}

export function maxTotal(criteria: RoundCriterion[]): number {
  checkCriteria(criteria);
  return criteria.reduce((sum, c) => sum + c.scaleMax * c.weight, 0);
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareFractions(a: Fraction, b: Fraction): number {
  if (a.den <= 0 || b.den <= 0) throw new RangeError(`denominator ${a.den}, ${b.den}`);
  return Math.sign(a.num * b.den - b.num * a.den);
}

/** Half up to `decimals` places, as a string with exactly that many decimals: 7/3 → "2.33", 5/2 at 0 → "3", 1/8 → "0.13". */
export function formatFraction(f: Fraction, decimals = 2): string {
  if (!Number.isInteger(f.num) || f.num < 0 || !isPositiveInteger(f.den) || !Number.isInteger(decimals) || decimals < 0) {
    throw new RangeError(`format ${f.num} / ${f.den} to ${decimals} places`);
  }
  const unit = 10 ** decimals;
  const scaled = Math.floor((f.num * unit * 2 + f.den) / (f.den * 2));
  const whole = String(Math.floor(scaled / unit));
  return decimals === 0 ? whole : `${whole}.${String(scaled % unit).padStart(decimals, '0')}`;
}

/**
 * Ranked by a mean, never the sum: a judge excluded for a conflict of interest leaves an entry fewer sheets, and a sum
 * would punish it for that. Competition ranking (1, 2, 2, 4); ties, and unranked entries (last), keep entry order.
 */
export function rankEntries(criteria: RoundCriterion[], entries: number[], sheets: JudgeSheet[], options: { trimmed: boolean }): EntryResult[] {
  checkCriteria(criteria);
  const byEntry = new Map<number, Map<number, Record<number, number>>>(entries.map((id) => [id, new Map()]));
  for (const sheet of sheets) {
    // Keyed by judge so a sheet saved twice counts once (the later one wins).
    byEntry.get(sheet.proposalId)?.set(sheet.judgeId, sheet.scores);
  }

  const results: EntryResult[] = [...byEntry].map(([proposalId, sheetsByJudge]) => {
    const complete = [...sheetsByJudge.values()].filter((scores) => sheetTotal(criteria, scores) !== null);
    const totals = complete.map((scores) => sheetTotal(criteria, scores)!).sort((a, b) => a - b);
    const n = totals.length;
    const meanOf = (total: number): Fraction | null => (n === 0 ? null : fraction(total, n));
    const sum = totals.reduce((s, t) => s + t, 0);
    // One highest and one lowest are dropped even when others share their value, so the divisor is always n − 2.
    const trimmedMean = n < 3 ? null : fraction(sum - totals[0] - totals[n - 1], n - 2);
    const trimmedApplied = options.trimmed && trimmedMean !== null;
    return {
      proposalId,
      judgeCount: n,
      totals,
      sum,
      mean: meanOf(sum),
      trimmedMean,
      score: trimmedApplied ? trimmedMean : meanOf(sum),
      trimmedApplied,
      spread: n === 0 ? null : totals[n - 1] - totals[0],
      criterionMeans: criteria.map((c) => meanOf(complete.reduce((s, scores) => s + scores[c.position], 0))),
      rank: null,
      tiedWith: [],
    };
  });

  // Array.prototype.sort is stable, which is what keeps tied entries in entry order.
  const ranked = results.filter((r) => r.score !== null).sort((a, b) => compareFractions(b.score as Fraction, a.score as Fraction));
  ranked.forEach((r, i) => {
    const previous = ranked[i - 1];
    r.rank = previous && compareFractions(previous.score as Fraction, r.score as Fraction) === 0 ? previous.rank : i + 1;
  });
  for (const r of ranked) r.tiedWith = ranked.filter((o) => o !== r && o.rank === r.rank).map((o) => o.proposalId);
  return [...ranked, ...results.filter((r) => r.score === null)];
}
