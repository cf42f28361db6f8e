import { participationChart, rateScaleMax, shortLabel } from '../../src/participation/participation-chart';
import { Credit, DivisionInfo, parseStaffCount, participationFigures, ParticipationInput, rates } from '../../src/participation/participation-figures';

/** 局 A (id 1) with 部 (2) holding 課 a1 (3) and a2 (4); 局 B (10) with 課 b1 (11) directly under it. */
const DIVISIONS: DivisionInfo[] = [
  { id: 1, name: '総務局', code: '100', kind: 'bureau', parentId: null, sortOrder: 100 },
  { id: 2, name: '総務部', code: '110', kind: 'department', parentId: 1, sortOrder: 110 },
  { id: 4, name: '人事課', code: '112', kind: 'section', parentId: 2, sortOrder: 112 },
  { id: 3, name: '総務課', code: '111', kind: 'section', parentId: 2, sortOrder: 111 },
  { id: 11, name: '区民課', code: '411', kind: 'section', parentId: 10, sortOrder: 411 },
  { id: 10, name: '中央区', code: '400', kind: 'bureau', parentId: null, sortOrder: 400 },
];

const credit = (userId: number, divisionId: number | null, count = 1): Credit => ({ userId, divisionId, count });

function input(overrides: Partial<ParticipationInput> = {}): ParticipationInput {
  return {
    divisions: DIVISIONS,
    accounts: new Map<number | null, number>([
      [3, 10],
      [4, 3],
      [11, 16],
    ]),
    entered: new Map(),
    proposals: new Map(),
    proposers: [],
    reporters: [],
    ...overrides,
  };
}

const rowOf = (figures: ReturnType<typeof participationFigures>, divisionId: number, kind = 'section') =>
  figures.bureaus.flatMap((b) => [b.bureau, ...b.rows]).find((r) => r.divisionId === divisionId && r.kind === kind)!;

describe('participation rates', () => {
  it.each([
    // proposers, staff → 参加率
    [1, 16, 6.3], // 6.25 exactly: half up
    [1, 8, 12.5],
    [1, 3, 33.3],
    [2, 3, 66.7],
    [1, 2000, 0.1], // 0.05 → 0.1
    [1, 2001, 0.0], // 0.04998 → 0.0
    [3, 3, 100],
    [5, 4, 125], // more proposers than an entered staff number: shown as it is
  ])('%i proposers of %i staff → %d %%', (proposers, staff, expected) => {
    expect(rates({ staff, proposals: 0, proposers }).participationRate).toBe(expected);
  });

  it('has no rate without staff', () => {
    expect(rates({ staff: 0, proposals: 3, proposers: 2 })).toEqual({ participationRate: null, proposalsPer100: null });
  });

  it('counts proposals per 100 staff with the same rounding', () => {
    expect(rates({ staff: 16, proposals: 1, proposers: 0 }).proposalsPer100).toBe(6.3);
    expect(rates({ staff: 3, proposals: 7, proposers: 0 }).proposalsPer100).toBe(233.3);
  });
});

describe('participation figures', () => {
  it('rolls 課 up to their 局・区 through the 部, in tree order, with a total', () => {
    const figures = participationFigures(
      input({
        proposals: new Map<number | null, number>([
          [3, 4],
          [4, 1],
          [11, 2],
        ]),
        proposers: [credit(100, 3, 3), credit(101, 3), credit(102, 4), credit(200, 11, 2)],
      }),
    );
    expect(figures.bureaus.map((b) => [b.bureau.name, b.rows.map((r) => r.name)])).toEqual([
      ['総務局', ['総務課', '人事課']],
      ['中央区', ['区民課']],
    ]);
    const a = figures.bureaus[0].bureau;
    expect([a.staff, a.proposals, a.proposers, a.participationRate, a.proposalsPer100]).toEqual([13, 5, 3, 23.1, 38.5]);
    expect([rowOf(figures, 3).proposers, rowOf(figures, 3).participationRate]).toEqual([2, 20]);
    expect([figures.total.staff, figures.total.proposals, figures.total.proposers, figures.total.participationRate]).toEqual([29, 7, 4, 13.8]);
    expect(figures.unassigned).toBeNull();
  });

  it('counts a person once per row and once in the total, wherever they are credited', () => {
    const figures = participationFigures(
      input({
        // person 7 proposed in 総務課 and co-proposed from 人事課 (moved); person 8 in 総務課 and 区民課
        proposers: [credit(7, 3, 2), credit(7, 4), credit(8, 3), credit(8, 11)],
        reporters: [credit(7, 3), credit(9, 11, 3), credit(9, 11)],
      }),
    );
    expect(rowOf(figures, 3).proposers).toBe(2);
    expect(rowOf(figures, 4).proposers).toBe(1);
    expect(rowOf(figures, 1, 'bureau').proposers).toBe(2); // 7 and 8, once each
    expect(rowOf(figures, 11).proposers).toBe(1);
    expect(figures.total.proposers).toBe(2);
    expect(figures.total.reporters).toBe(2);
    expect(rowOf(figures, 11).reporters).toBe(1);
  });

  it('uses an entered staff number instead of the accounts and says so up to the total', () => {
    const figures = participationFigures(input({ entered: new Map([[4, 40]]), proposers: [credit(1, 4), credit(2, 4)] }));
    const jinji = rowOf(figures, 4);
    expect([jinji.staff, jinji.accounts, jinji.staffSource, jinji.enteredStaff, jinji.participationRate]).toEqual([40, 3, 'entered', 40, 5]);
    expect(rowOf(figures, 3).staffSource).toBe('accounts');
    expect([rowOf(figures, 1, 'bureau').staff, rowOf(figures, 1, 'bureau').staffSource]).toEqual([50, 'partly']);
    expect(rowOf(figures, 10, 'bureau').staffSource).toBe('accounts');
    expect([figures.total.staff, figures.total.staffSource]).toEqual([66, 'partly']);
  });

  it('an entered 0 is a number: no rate, not the accounts', () => {
    const figures = participationFigures(input({ entered: new Map([[11, 0]]), proposers: [credit(1, 11)] }));
    expect([rowOf(figures, 11).staff, rowOf(figures, 11).participationRate]).toEqual([0, null]);
    expect(rowOf(figures, 10, 'bureau').participationRate).toBeNull();
  });

  it('adds the people of a 局・区 or 部 itself in a row of their own, and those without a division to the total', () => {
    const figures = participationFigures(
      input({
        accounts: new Map<number | null, number>([
          [1, 2],
          [2, 1],
          [3, 10],
          [null, 5],
          [11, 16],
        ]),
        proposals: new Map<number | null, number>([
          [2, 1],
          [null, 2],
          [99, 1], // a division no longer known
        ]),
        proposers: [credit(5, 2), credit(6, null), credit(7, 99)],
      }),
    );
    const direct = figures.bureaus[0].rows.find((r) => r.kind === 'direct')!;
    expect([direct.staff, direct.proposals, direct.proposers]).toEqual([3, 1, 1]);
    expect(figures.bureaus[0].bureau.staff).toBe(13); // 総務課 10 + 人事課 0 + 3 direct
    expect(figures.bureaus[1].rows.some((r) => r.kind === 'direct')).toBe(false);
    expect([figures.unassigned!.staff, figures.unassigned!.proposals, figures.unassigned!.proposers]).toEqual([5, 3, 2]);
    expect([figures.total.staff, figures.total.proposals, figures.total.proposers]).toEqual([13 + 16 + 5, 4, 3]);
  });

  it('shows every 課 of the year, even one with no accounts', () => {
    const figures = participationFigures(input({ accounts: new Map() }));
    expect(rowOf(figures, 4)).toMatchObject({ staff: 0, proposers: 0, participationRate: null });
  });
});

describe('staff numbers as typed', () => {
  it.each([
    ['1200', 1200],
    ['1,200', 1200],
    ['１，２００', 1200],
    [' 0 ', 0],
    ['100000', 100000],
    ['100,000', 100000],
  ])('%j → %d', (typed, expected) => expect(parseStaffCount(typed)).toBe(expected));

  it('clears with an empty box', () => {
    expect(parseStaffCount('')).toBeNull();
    expect(parseStaffCount('　')).toBeNull();
  });

  it.each(['100001', '-1', '1.5', '12,00', '1,2000', 'abc', '1e3', '0x10', '12人'])('refuses %j', (typed) => expect(parseStaffCount(typed)).toBeUndefined());
});

describe('participation chart (SVG)', () => {
  it('scales to a round end above the highest rate', () => {
    expect([rateScaleMax(0), rateScaleMax(23.4), rateScaleMax(100), rateScaleMax(130.1)]).toEqual([10, 30, 100, 140]);
  });

  it('draws a bar per 局・区 as long as its rate, shortens long names in the bars and names them in full in the text alternative', () => {
    const chart = participationChart(
      [
        { name: 'とても長い名前の局', rate: 12.5 },
        { name: '中央区', rate: null },
        { name: '市民局', rate: 25 },
      ],
      '2026年度 局・区別の参加率',
    );
    expect(chart.grid.map((g) => g.label)).toEqual(['0%', '15%', '30%']);
    const [long, none, full] = chart.bars;
    expect([long.label, long.valueText, long.tooltip]).toEqual(['とても長い…', '12.5%', 'とても長い名前の局 参加率 12.5%']);
    expect([none.width, none.valueText]).toEqual([0, '―']);
    // 25 of a 30 % scale: five sixths of the widest bar; 12.5 is half of 25
    expect(full.width / (chart.grid[2].x - chart.grid[0].x)).toBeCloseTo(25 / 30);
    expect(long.width * 2).toBeCloseTo(full.width);
    expect(chart.desc).toBe(
      '局・区ごとの参加率（提案者数÷職員数）の横棒グラフです。とても長い名前の局 12.5%、中央区 職員数なし、市民局 25.0%。数値は下の表にもあります。',
    );
    expect(chart.height).toBeGreaterThan(chart.bars.at(-1)!.y + chart.bars.at(-1)!.height);
    expect(shortLabel('中央区')).toBe('中央区');
    expect(shortLabel('あいうえおかきくけ')).toBe('あいうえお…');
  });
});
