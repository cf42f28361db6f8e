import {
  compareFractions,
  EntryResult,
  formatFraction,
  fraction,
  JudgeSheet,
  maxTotal,
  rankEntries,
  RoundCriterion,
  sheetTotal,
} from '../../src/judging/judging-results';
import { DEFAULT_CRITERIA } from '../../src/database/migrations/1765200000000-JudgingAndAwards';

const criteria: RoundCriterion[] = DEFAULT_CRITERIA.map(({ name, weight, scale_max }, i) => ({ position: i + 1, name, weight, scaleMax: scale_max }));

/** Scores in DEFAULT_CRITERIA order: 独創性, 実現性, 効果 (×2), 経済性, 汎用性. */
const sheet = (proposalId: number, judgeId: number, scores: number[]): JudgeSheet => ({
  proposalId,
  judgeId,
  scores: Object.fromEntries(scores.map((s, i) => [i + 1, s])),
});

// With a single 1..30 criterion a sheet's total is its score, so ranking tests can state totals directly.
const overall: RoundCriterion[] = [{ position: 1, name: '総合', weight: 1, scaleMax: 30 }];
const totalsOf = (proposalId: number, totals: number[]): JudgeSheet[] => totals.map((t, i) => ({ proposalId, judgeId: i + 1, scores: { 1: t } }));

const byId = (results: EntryResult[], proposalId: number): EntryResult => {
  const found = results.find((r) => r.proposalId === proposalId);
  if (!found) throw new Error(`no result for ${proposalId}`);
  return found;
};
const order = (results: EntryResult[]) => results.map((r) => r.proposalId);
const ranks = (results: EntryResult[]) => results.map((r) => [r.proposalId, r.rank]);

describe('default criteria (審査基準, seeded by the migration)', () => {
  it('are the five published criteria, 効果 counting double', () => {
    expect(criteria.map((c) => [c.position, c.name, c.weight, c.scaleMax])).toEqual([
      [1, '独創性', 1, 5],
      [2, '実現性', 1, 5],
      [3, '効果（市民サービス・業務効率）', 2, 5],
      [4, '経済性（費用対効果）', 1, 5],
      [5, '汎用性（横展開の可能性）', 1, 5],
    ]);
    for (const c of DEFAULT_CRITERIA) expect(c.description.length).toBeGreaterThan(0);
    expect(maxTotal(criteria)).toBe(30);
  });
});

describe('sheet totals', () => {
  it('weights each score', () => {
    expect(sheetTotal(criteria, sheet(1, 1, [3, 3, 3, 3, 3]).scores)).toBe(18);
    expect(sheetTotal(criteria, sheet(1, 1, [5, 5, 5, 5, 5]).scores)).toBe(30);
    expect(sheetTotal(criteria, sheet(1, 1, [1, 1, 1, 1, 1]).scores)).toBe(6);
    // the same raw points count more on 効果
    expect(sheetTotal(criteria, sheet(1, 1, [5, 1, 1, 1, 1]).scores)).toBe(10);
    expect(sheetTotal(criteria, sheet(1, 1, [1, 1, 5, 1, 1]).scores)).toBe(14);
  });

  it('is null until every criterion is scored', () => {
    expect(sheetTotal(criteria, {})).toBeNull();
    expect(sheetTotal(criteria, sheet(1, 1, [5, 5, 5, 5]).scores)).toBeNull();
    expect(sheetTotal(criteria, { 1: 5, 2: 5, 4: 5, 5: 5 })).toBeNull();
    // a field cleared in the database arrives as null, not as a score of 0
    expect(sheetTotal(criteria, { 1: 5, 2: 5, 3: null as unknown as number, 4: 5, 5: 5 })).toBeNull();
  });

  it('ignores scores for criteria that are not in the round', () => {
    expect(sheetTotal(criteria, { ...sheet(1, 1, [2, 2, 2, 2, 2]).scores, 6: 5 })).toBe(12);
  });

  it('refuses scores off the scale', () => {
    expect(() => sheetTotal(criteria, sheet(1, 1, [0, 3, 3, 3, 3]).scores)).toThrow(RangeError);
    expect(() => sheetTotal(criteria, sheet(1, 1, [6, 3, 3, 3, 3]).scores)).toThrow(RangeError);
    expect(() => sheetTotal(criteria, sheet(1, 1, [2.5, 3, 3, 3, 3]).scores)).toThrow(RangeError);
  });

  it('uses each criterion’s own scale and weight', () => {
    const custom: RoundCriterion[] = [
      { position: 10, name: 'A', weight: 3, scaleMax: 10 },
      { position: 20, name: 'B', weight: 1, scaleMax: 3 },
    ];
    expect(maxTotal(custom)).toBe(33);
    expect(sheetTotal(custom, { 10: 7, 20: 2 })).toBe(23);
    expect(() => sheetTotal(custom, { 10: 7, 20: 4 })).toThrow(RangeError);
    expect(maxTotal([])).toBe(0);
    expect(sheetTotal([], {})).toBe(0);
  });

  it('refuses criteria that would distort every total', () => {
    const bad = (c: Partial<RoundCriterion>): RoundCriterion[] => [{ position: 1, name: 'x', weight: 1, scaleMax: 5, ...c }];
    for (const c of [bad({ weight: 0 }), bad({ weight: -1 }), bad({ weight: 1.5 }), bad({ scaleMax: 0 }), bad({ scaleMax: 4.5 })]) {
      expect(() => maxTotal(c)).toThrow(RangeError);
      expect(() => sheetTotal(c, { 1: 1 })).toThrow(RangeError);
      expect(() => rankEntries(c, [1], [], { trimmed: false })).toThrow(RangeError);
    }
    expect(() => maxTotal([...criteria, { ...criteria[0] }])).toThrow(RangeError); // duplicate position
  });
});

describe('fractions', () => {
  it('reduce to lowest terms', () => {
    expect(fraction(14, 6)).toEqual({ num: 7, den: 3 });
    expect(fraction(0, 5)).toEqual({ num: 0, den: 1 });
    expect(fraction(24, 1)).toEqual({ num: 24, den: 1 });
    expect(() => fraction(1, 0)).toThrow(RangeError);
    expect(() => fraction(1, -2)).toThrow(RangeError);
    expect(() => fraction(0.5, 2)).toThrow(RangeError);
  });

  it.each([
    [{ num: 1, den: 3 }, { num: 2, den: 6 }, 0],
    [{ num: 41, den: 2 }, { num: 82, den: 4 }, 0],
    [{ num: 2, den: 3 }, { num: 3, den: 5 }, 1],
    [{ num: 7, den: 3 }, { num: 5, den: 2 }, -1],
    [{ num: 0, den: 1 }, { num: 0, den: 7 }, 0],
    [{ num: 100, den: 3 }, { num: 33, den: 1 }, 1],
  ])('compare %o with %o → %i', (a, b, sign) => {
    expect(Math.sign(compareFractions(a, b))).toBe(sign);
    expect(Math.sign(compareFractions(b, a))).toBe(-sign || 0);
  });

  it('refuse to compare with a non-positive denominator (the sign would flip)', () => {
    expect(() => compareFractions({ num: 1, den: 0 }, { num: 1, den: 1 })).toThrow(RangeError);
    expect(() => compareFractions({ num: 1, den: 1 }, { num: 1, den: -1 })).toThrow(RangeError);
  });

  it.each([
    [7, 3, 2, '2.33'],
    [5, 2, 0, '3'], // exactly 2.5 → half up
    [1, 8, 2, '0.13'], // exactly 0.125
    [3, 8, 2, '0.38'], // exactly 0.375
    [1, 8, 3, '0.125'],
    [1, 16, 3, '0.063'], // exactly 0.0625
    [201, 200, 2, '1.01'], // 1.005, which (1.005).toFixed(2) gets wrong as "1.00"
    [1, 200, 2, '0.01'], // exactly 0.005
    [1, 201, 2, '0.00'], // just under 0.005
    [2, 3, 2, '0.67'],
    [1, 3, 4, '0.3333'],
    [9995, 1000, 2, '10.00'], // rounding carries into the whole part
    [0, 1, 2, '0.00'],
    [24, 1, 2, '24.00'],
    [24, 1, 0, '24'],
    [11, 2, 1, '5.5'],
    [7, 2, 0, '4'], // 3.5
    [9, 4, 0, '2'], // 2.25
  ])('%i / %i to %i places → %s', (num, den, decimals, expected) => {
    expect(formatFraction({ num, den }, decimals)).toBe(expected);
  });

  it('formats to two places by default and refuses what it cannot format', () => {
    expect(formatFraction({ num: 22, den: 3 })).toBe('7.33');
    expect(formatFraction({ num: 14, den: 6 })).toBe('2.33'); // unreduced input is fine
    expect(() => formatFraction({ num: -1, den: 3 })).toThrow(RangeError);
    expect(() => formatFraction({ num: 1, den: 0 })).toThrow(RangeError);
    expect(() => formatFraction({ num: 1.5, den: 2 })).toThrow(RangeError);
    expect(() => formatFraction({ num: 1, den: 2 }, -1)).toThrow(RangeError);
    expect(() => formatFraction({ num: 1, den: 2 }, 1.5)).toThrow(RangeError);
  });
});

describe('ranking entries', () => {
  it('reports every figure for an entry', () => {
    const results = rankEntries(criteria, [7], [sheet(7, 1, [5, 4, 3, 2, 1]), sheet(7, 2, [4, 4, 4, 4, 4]), sheet(7, 3, [3, 3, 3, 3, 3])], {
      trimmed: false,
    });
    expect(results).toEqual([
      {
        proposalId: 7,
        judgeCount: 3,
        totals: [18, 18, 24],
        sum: 60,
        mean: { num: 20, den: 1 },
        trimmedMean: { num: 18, den: 1 },
        score: { num: 20, den: 1 },
        trimmedApplied: false,
        spread: 6,
        criterionMeans: [
          { num: 4, den: 1 },
          { num: 11, den: 3 },
          { num: 10, den: 3 },
          { num: 3, den: 1 },
          { num: 8, den: 3 },
        ],
        rank: 1,
        tiedWith: [],
      },
    ]);
  });

  it('lets the weights decide: 効果 counts double', () => {
    // Both entries have 21 raw points; B put its points on 効果.
    const results = rankEntries(criteria, [1, 2], [sheet(1, 1, [5, 5, 1, 5, 5]), sheet(2, 1, [4, 4, 5, 4, 4])], { trimmed: false });
    expect(order(results)).toEqual([2, 1]);
    expect(byId(results, 1).sum).toBe(22);
    expect(byId(results, 2).sum).toBe(26);
  });

  it('counts only complete sheets', () => {
    const results = rankEntries(criteria, [1], [sheet(1, 1, [5, 5, 5, 5, 5]), sheet(1, 2, [3, 3, 3, 3, 3]), sheet(1, 3, [1, 1, 1, 1])], {
      trimmed: false,
    });
    const r = byId(results, 1);
    expect(r.judgeCount).toBe(2);
    expect(r.totals).toEqual([18, 30]);
    expect(r.mean).toEqual({ num: 24, den: 1 });
    expect(r.trimmedMean).toBeNull();
  });

  it('ranks by the mean, so a judge excluded for a conflict of interest is not a zero', () => {
    // A: three judges at 20 (sum 60). B: judge 3 is excluded, two judges at 24 (sum 48).
    const sheets = [...totalsOf(1, [20, 20, 20]), ...totalsOf(2, [24, 24])];
    const results = rankEntries(overall, [1, 2], sheets, { trimmed: false });
    expect(ranks(results)).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(byId(results, 2).judgeCount).toBe(2);
    expect(byId(results, 2).mean).toEqual({ num: 24, den: 1 });
    expect(byId(results, 1).sum).toBeGreaterThan(byId(results, 2).sum);
  });

  it('compares means over different judge counts exactly', () => {
    // 41/2 and 82/4 are the same mean, 61/3 is just below it
    const sheets = [...totalsOf(1, [20, 21]), ...totalsOf(2, [20, 21, 20, 21]), ...totalsOf(3, [20, 20, 21])];
    const results = rankEntries(overall, [1, 2, 3], sheets, { trimmed: false });
    expect(ranks(results)).toEqual([
      [1, 1],
      [2, 1],
      [3, 3],
    ]);
    expect(byId(results, 2).mean).toEqual({ num: 41, den: 2 });
  });

  describe('trimmed mean', () => {
    const sheets = [...totalsOf(1, [6, 24, 24]), ...totalsOf(2, [21, 21, 21]), ...totalsOf(3, [25, 25])];

    it('drops one highest and one lowest total when asked, and falls back to the mean under three judges', () => {
      const results = rankEntries(overall, [1, 2, 3], sheets, { trimmed: true });
      expect(ranks(results)).toEqual([
        [3, 1],
        [1, 2],
        [2, 3],
      ]);
      expect(byId(results, 1)).toMatchObject({ mean: { num: 18, den: 1 }, trimmedMean: { num: 24, den: 1 }, score: { num: 24, den: 1 }, trimmedApplied: true });
      expect(byId(results, 3)).toMatchObject({ mean: { num: 25, den: 1 }, trimmedMean: null, score: { num: 25, den: 1 }, trimmedApplied: false });
    });

    it('is still reported, but does not rank, when not asked for', () => {
      const results = rankEntries(overall, [1, 2, 3], sheets, { trimmed: false });
      expect(ranks(results)).toEqual([
        [3, 1],
        [2, 2],
        [1, 3],
      ]);
      expect(byId(results, 1)).toMatchObject({ trimmedMean: { num: 24, den: 1 }, score: { num: 18, den: 1 }, trimmedApplied: false });
    });

    it('drops exactly one of each even when extremes repeat', () => {
      const results = rankEntries(
        overall,
        [1, 2, 3, 4],
        [...totalsOf(1, [5, 5, 5, 9]), ...totalsOf(2, [3, 3, 3]), ...totalsOf(3, [10, 20, 21, 22, 30]), ...totalsOf(4, [1, 30, 30, 30])],
        {
          trimmed: true,
        },
      );
      expect(byId(results, 1).trimmedMean).toEqual({ num: 5, den: 1 });
      expect(byId(results, 2).trimmedMean).toEqual({ num: 3, den: 1 });
      expect(byId(results, 3).trimmedMean).toEqual({ num: 21, den: 1 });
      expect(byId(results, 3).mean).toEqual({ num: 103, den: 5 });
      expect(byId(results, 4).trimmedMean).toEqual({ num: 30, den: 1 });
    });

    it('has no trimmed mean without judges', () => {
      const [r] = rankEntries(overall, [1], [], { trimmed: true });
      expect(r).toMatchObject({ trimmedMean: null, score: null, trimmedApplied: false, rank: null });
    });
  });

  it('shares a rank on a two-way tie and skips the next (1, 2, 2, 4)', () => {
    const sheets = [...totalsOf(1, [20]), ...totalsOf(2, [20]), ...totalsOf(3, [25]), ...totalsOf(4, [10])];
    const results = rankEntries(overall, [1, 2, 3, 4], sheets, { trimmed: false });
    expect(ranks(results)).toEqual([
      [3, 1],
      [1, 2],
      [2, 2],
      [4, 4],
    ]);
    expect(byId(results, 1).tiedWith).toEqual([2]);
    expect(byId(results, 2).tiedWith).toEqual([1]);
    expect(byId(results, 3).tiedWith).toEqual([]);
    expect(byId(results, 4).tiedWith).toEqual([]);
  });

  it('shares a rank on a three-way tie (1, 2, 2, 2, 5)', () => {
    const sheets = [...totalsOf(1, [20]), ...totalsOf(2, [20, 20]), ...totalsOf(3, [19, 21]), ...totalsOf(4, [25]), ...totalsOf(5, [15])];
    const results = rankEntries(overall, [1, 2, 3, 4, 5], sheets, { trimmed: false });
    expect(ranks(results)).toEqual([
      [4, 1],
      [1, 2],
      [2, 2],
      [3, 2],
      [5, 5],
    ]);
    expect(byId(results, 1).tiedWith).toEqual([2, 3]);
    expect(byId(results, 2).tiedWith).toEqual([1, 3]);
    expect(byId(results, 3).tiedWith).toEqual([1, 2]);
  });

  it('ranks everyone first when all are tied', () => {
    const results = rankEntries(overall, [1, 2, 3], [...totalsOf(1, [12]), ...totalsOf(2, [12]), ...totalsOf(3, [12])], { trimmed: false });
    expect(results.map((r) => r.rank)).toEqual([1, 1, 1]);
    expect(byId(results, 2).tiedWith).toEqual([1, 3]);
  });

  it('keeps tied entries in entry order, not by id', () => {
    const sheets = [...totalsOf(30, [20]), ...totalsOf(10, [20]), ...totalsOf(20, [20]), ...totalsOf(5, [26])];
    const results = rankEntries(overall, [30, 10, 5, 20], sheets, { trimmed: false });
    expect(order(results)).toEqual([5, 30, 10, 20]);
    expect(byId(results, 30).tiedWith).toEqual([10, 20]);
  });

  it('puts entries without a complete sheet last, unranked, in entry order', () => {
    const sheets = [...totalsOf(2, [10]), ...totalsOf(4, [20]), { proposalId: 3, judgeId: 1, scores: {} }];
    const results = rankEntries(overall, [5, 2, 3, 4, 1], sheets, { trimmed: false });
    expect(order(results)).toEqual([4, 2, 5, 3, 1]);
    expect(byId(results, 3)).toEqual({
      proposalId: 3,
      judgeCount: 0,
      totals: [],
      sum: 0,
      mean: null,
      trimmedMean: null,
      score: null,
      trimmedApplied: false,
      spread: null,
      criterionMeans: [null],
      rank: null,
      tiedWith: [],
    });
    expect(byId(results, 5).rank).toBeNull();
  });

  it('ignores sheets for proposals that are not entries of the round', () => {
    const results = rankEntries(overall, [1], [...totalsOf(1, [10]), ...totalsOf(99, [30, 30])], { trimmed: false });
    expect(order(results)).toEqual([1]);
    expect(results[0]).toMatchObject({ judgeCount: 1, sum: 10, rank: 1, tiedWith: [] });
  });

  it('counts a judge once when the same sheet was saved twice', () => {
    const results = rankEntries(overall, [1], [...totalsOf(1, [10, 20]), { proposalId: 1, judgeId: 1, scores: { 1: 14 } }], { trimmed: false });
    expect(results[0]).toMatchObject({ judgeCount: 2, totals: [14, 20], sum: 34 });
  });

  it('reports the spread between the highest and lowest total, ascending totals', () => {
    const results = rankEntries(overall, [1, 2], [...totalsOf(1, [27, 12, 20]), ...totalsOf(2, [17])], { trimmed: false });
    expect(byId(results, 1)).toMatchObject({ totals: [12, 20, 27], spread: 15 });
    expect(byId(results, 2)).toMatchObject({ totals: [17], spread: 0 });
  });

  it('averages each criterion’s raw score over complete sheets only', () => {
    const sheets = [sheet(1, 1, [5, 4, 3, 2, 1]), sheet(1, 2, [4, 4, 4, 4, 4]), sheet(1, 3, [1, 1, 1, 1])];
    const [r] = rankEntries(criteria, [1], sheets, { trimmed: false });
    expect(r.criterionMeans).toEqual([
      { num: 9, den: 2 },
      { num: 4, den: 1 },
      { num: 7, den: 2 },
      { num: 3, den: 1 },
      { num: 5, den: 2 },
    ]);
    // raw scores, not weighted: 効果 averages 3.5 on its 1..5 scale
    expect(r.criterionMeans.map((m) => (m ? formatFraction(m) : '―'))).toEqual(['4.50', '4.00', '3.50', '3.00', '2.50']);
    expect(r.mean).toEqual({ num: 21, den: 1 }); // (18 + 24) / 2
  });

  it('returns nothing for a round without entries', () => {
    expect(rankEntries(criteria, [], [sheet(1, 1, [3, 3, 3, 3, 3])], { trimmed: true })).toEqual([]);
  });

  it('refuses an off-scale score rather than ranking on it', () => {
    expect(() => rankEntries(criteria, [1], [sheet(1, 1, [9, 3, 3, 3, 3])], { trimmed: false })).toThrow(RangeError);
  });
});
