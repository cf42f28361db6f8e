import { DIVISION_KINDS, DivisionKind } from '../../src/organization/division.entity';
import { canBeParentOf, DivisionLike, flattenDivisionTree, isValidOn } from '../../src/organization/division-tree';

function division(over: Partial<DivisionLike> & Pick<DivisionLike, 'id' | 'name'>): DivisionLike {
  return {
    code: `C${String(over.id).padStart(3, '0')}`,
    kind: 'section',
    parentId: null,
    validFrom: '2000-04-01',
    validTo: null,
    sortOrder: 0,
    ...over,
  };
}

const summary = (rows: ReturnType<typeof flattenDivisionTree>) => rows.map((r) => [r.division.id, r.depth, r.path]);

describe('isValidOn', () => {
  const fy2018 = { validFrom: '2018-04-01', validTo: '2019-03-31' };

  it('includes the first day', () => {
    expect(isValidOn(fy2018, '2018-04-01')).toBe(true);
  });

  it('includes the last day', () => {
    expect(isValidOn(fy2018, '2019-03-31')).toBe(true);
  });

  it('includes a day in between', () => {
    expect(isValidOn(fy2018, '2018-10-15')).toBe(true);
  });

  it('excludes the day before it starts', () => {
    expect(isValidOn(fy2018, '2018-03-31')).toBe(false);
  });

  it('excludes the day after it ends', () => {
    expect(isValidOn(fy2018, '2019-04-01')).toBe(false);
  });

  it('has no end when validTo is null', () => {
    const open = { validFrom: '2018-04-01', validTo: null };
    expect(isValidOn(open, '2018-04-01')).toBe(true);
    expect(isValidOn(open, '2099-12-31')).toBe(true);
    expect(isValidOn(open, '2018-03-31')).toBe(false);
  });

  it('treats a division valid for one day as valid on that day only', () => {
    const oneDay = { validFrom: '2020-01-01', validTo: '2020-01-01' };
    expect(isValidOn(oneDay, '2020-01-01')).toBe(true);
    expect(isValidOn(oneDay, '2019-12-31')).toBe(false);
    expect(isValidOn(oneDay, '2020-01-02')).toBe(false);
  });

  it('compares dates across month and year lengths correctly (zero-padded ISO dates)', () => {
    const span = { validFrom: '2019-09-30', validTo: '2019-10-01' };
    expect(isValidOn(span, '2019-09-30')).toBe(true);
    expect(isValidOn(span, '2019-10-01')).toBe(true);
    expect(isValidOn(span, '2019-10-02')).toBe(false);
    expect(isValidOn(span, '2019-09-29')).toBe(false);
  });
});

describe('canBeParentOf', () => {
  it('knows the three levels from highest to lowest', () => {
    expect(DIVISION_KINDS).toEqual(['bureau', 'department', 'section']);
  });

  it.each<[DivisionKind, DivisionKind, boolean]>([
    ['bureau', 'bureau', false],
    ['bureau', 'department', true],
    ['bureau', 'section', true],
    ['department', 'bureau', false],
    ['department', 'department', false],
    ['department', 'section', true],
    ['section', 'bureau', false],
    ['section', 'department', false],
    ['section', 'section', false],
  ])('%s as parent of %s → %s', (parent, child, expected) => {
    expect(canBeParentOf(parent, child)).toBe(expected);
  });
});

describe('flattenDivisionTree', () => {
  it('returns nothing for no divisions', () => {
    expect(flattenDivisionTree([])).toEqual([]);
  });

  it('puts parents before children with depth and the full path', () => {
    const rows = flattenDivisionTree([
      division({ id: 3, name: '市民課', kind: 'section', parentId: 2 }),
      division({ id: 2, name: '市民部', kind: 'department', parentId: 1 }),
      division({ id: 1, name: '市民局', kind: 'bureau' }),
    ]);
    expect(summary(rows)).toEqual([
      [1, 0, '市民局'],
      [2, 1, '市民局 > 市民部'],
      [3, 2, '市民局 > 市民部 > 市民課'],
    ]);
  });

  it('returns the very objects it was given', () => {
    const input = [division({ id: 1, name: 'A' }), division({ id: 2, name: 'B', parentId: 1 })];
    const rows = flattenDivisionTree(input);
    expect(rows[0].division).toBe(input[0]);
    expect(rows[1].division).toBe(input[1]);
  });

  it('orders siblings by sort order, then by code', () => {
    const rows = flattenDivisionTree([
      division({ id: 1, name: '局', kind: 'bureau', code: '100' }),
      division({ id: 2, name: 'c', parentId: 1, sortOrder: 2, code: '001' }),
      division({ id: 3, name: 'b', parentId: 1, sortOrder: 1, code: '300' }),
      division({ id: 4, name: 'a', parentId: 1, sortOrder: 1, code: '200' }),
      division({ id: 5, name: 'd', parentId: 1, sortOrder: 0, code: '999' }),
    ]);
    expect(rows.map((r) => r.division.name)).toEqual(['局', 'd', 'a', 'b', 'c']);
  });

  it('orders roots by sort order then code too, and keeps each subtree together', () => {
    const rows = flattenDivisionTree([
      division({ id: 10, name: '西区', kind: 'bureau', code: 'B', sortOrder: 5 }),
      division({ id: 20, name: '東区', kind: 'bureau', code: 'A', sortOrder: 5 }),
      division({ id: 30, name: '総務局', kind: 'bureau', code: 'Z', sortOrder: 1 }),
      division({ id: 11, name: '西区区民課', parentId: 10 }),
      division({ id: 21, name: '東区区民課', parentId: 20 }),
      division({ id: 31, name: '人事課', parentId: 30, sortOrder: 2 }),
      division({ id: 32, name: '総務課', parentId: 30, sortOrder: 1 }),
    ]);
    expect(summary(rows)).toEqual([
      [30, 0, '総務局'],
      [32, 1, '総務局 > 総務課'],
      [31, 1, '総務局 > 人事課'],
      [20, 0, '東区'],
      [21, 1, '東区 > 東区区民課'],
      [10, 0, '西区'],
      [11, 1, '西区 > 西区区民課'],
    ]);
  });

  it('lets a bureau hold a section directly', () => {
    const rows = flattenDivisionTree([division({ id: 1, name: '中央区', kind: 'bureau' }), division({ id: 2, name: '区民課', kind: 'section', parentId: 1 })]);
    expect(summary(rows)).toEqual([
      [1, 0, '中央区'],
      [2, 1, '中央区 > 区民課'],
    ]);
  });

  it('shows a division whose parent is not in the list as a root', () => {
    const rows = flattenDivisionTree([
      division({ id: 1, name: '市民局', kind: 'bureau', code: 'A' }),
      // Its parent (id 99) ended and was filtered out.
      division({ id: 2, name: '旧企画課', parentId: 99, code: 'B' }),
      division({ id: 3, name: '旧企画係', parentId: 2, code: 'C' }),
    ]);
    expect(summary(rows)).toEqual([
      [1, 0, '市民局'],
      [2, 0, '旧企画課'],
      [3, 1, '旧企画課 > 旧企画係'],
    ]);
  });

  it('does not change the order of the array it was given', () => {
    const input = [division({ id: 2, name: 'B', code: 'B' }), division({ id: 1, name: 'A', code: 'A' })];
    flattenDivisionTree(input);
    expect(input.map((d) => d.id)).toEqual([2, 1]);
  });

  it('returns with a cycle in the data (A → B → A) and still lists the rest correctly', () => {
    const rows = flattenDivisionTree([
      division({ id: 1, name: '市民局', kind: 'bureau', code: 'A' }),
      division({ id: 2, name: '市民課', parentId: 1, code: 'B' }),
      division({ id: 3, name: '循環A', parentId: 4, code: 'C' }),
      division({ id: 4, name: '循環B', parentId: 3, code: 'D' }),
    ]);
    expect(summary(rows).slice(0, 2)).toEqual([
      [1, 0, '市民局'],
      [2, 1, '市民局 > 市民課'],
    ]);
    const ids = rows.map((r) => r.division.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('returns with a division that is its own parent', () => {
    const rows = flattenDivisionTree([division({ id: 1, name: 'A', code: 'A' }), division({ id: 2, name: '自己参照', parentId: 2, code: 'B' })]);
    expect(rows[0]).toMatchObject({ depth: 0, path: 'A' });
    expect(rows.filter((r) => r.division.id === 2).length).toBeLessThanOrEqual(1);
  });

  it('still lists every division of a cycle, once each, so an administrator can see and repair them', () => {
    // The doc comment promises every division in tree order, and the `seen` guard is there for cycles;
    // bad data must not make divisions silently disappear from the admin list.
    const rows = flattenDivisionTree([
      division({ id: 1, name: '市民局', kind: 'bureau', code: 'A' }),
      division({ id: 3, name: '循環A', parentId: 4, code: 'C' }),
      division({ id: 4, name: '循環B', parentId: 3, code: 'D' }),
      division({ id: 5, name: '自己参照', parentId: 5, code: 'E' }),
    ]);
    expect(rows.map((r) => r.division.id).sort()).toEqual([1, 3, 4, 5]);
  });

  it('handles a deep chain without trouble', () => {
    const chain = Array.from({ length: 200 }, (_, i) => division({ id: i + 1, name: `d${i + 1}`, parentId: i === 0 ? null : i }));
    const rows = flattenDivisionTree(chain.slice().reverse());
    expect(rows).toHaveLength(200);
    expect(rows[199].depth).toBe(199);
    expect(rows[2].path).toBe('d1 > d2 > d3');
  });
});
