import { blindFileName, conflictOf, scoringWindow, splitTypedList } from '../../src/judging/judging-rules';
import { lineage } from '../../src/organization/division-tree';

describe('the scoring window (Japan dates, both ends included)', () => {
  const round = (status: 'preparing' | 'open' | 'closed') => ({ status, opensOn: '2026-12-01', closesOn: '2026-12-20' });

  it.each([
    ['2026-11-30', 'before'],
    ['2026-12-01', 'open'],
    ['2026-12-20', 'open'],
    ['2026-12-21', 'after'],
  ])('on %s an open round is %s', (today, expected) => {
    expect(scoringWindow(round('open'), today)).toBe(expected);
  });

  it('is shut before the office opens the round and after it closes it, whatever the date', () => {
    expect(scoringWindow(round('preparing'), '2026-12-05')).toBe('preparing');
    expect(scoringWindow(round('closed'), '2026-12-05')).toBe('closed');
  });
});

describe('the conflict of interest rule', () => {
  // 中央区 (1) > 区民部 (2) > 区民課 (3); 市民局 (10) > 市民課 (11)
  const parents = new Map<number, number | null>([
    [1, null],
    [2, 1],
    [3, 2],
    [10, null],
    [11, 10],
  ]);
  const entry = { proposerId: 100, coproposers: [{ userId: 101 }], divisionIds: [...lineage(3, parents), ...lineage(11, parents)] };

  it('leaves out the proposer and every colleague named on the proposal', () => {
    expect(conflictOf({ userId: 100, divisionId: null }, entry)).toBe('own');
    expect(conflictOf({ userId: 101, divisionId: 99 }, entry)).toBe('own');
  });

  it("leaves out a judge of the proposer's or a co-proposer's division, and of any division above it", () => {
    expect(conflictOf({ userId: 200, divisionId: 3 }, entry)).toBe('division');
    expect(conflictOf({ userId: 200, divisionId: 2 }, entry)).toBe('division');
    expect(conflictOf({ userId: 200, divisionId: 1 }, entry)).toBe('division');
    expect(conflictOf({ userId: 200, divisionId: 10 }, entry)).toBe('division');
  });

  it('lets every other judge score, a judge without a division included', () => {
    expect(conflictOf({ userId: 200, divisionId: 99 }, entry)).toBeNull();
    expect(conflictOf({ userId: 200, divisionId: null }, entry)).toBeNull();
  });

  it('walks a division up to the top, and stops on a loop in bad data', () => {
    expect(lineage(3, parents)).toEqual([3, 2, 1]);
    expect(lineage(null, parents)).toEqual([]);
    expect(
      lineage(
        5,
        new Map([
          [5, 6],
          [6, 5],
        ]),
      ),
    ).toEqual([5, 6]);
  });
});

describe('what a blind round shows of an attachment', () => {
  it('keeps the number and the extension, never the name', () => {
    expect(blindFileName(0, '市民課_山田_改善案.XLSX')).toBe('添付資料1.xlsx');
    expect(blindFileName(2, '山田の写真.jpeg')).toBe('添付資料3.jpeg');
    expect(blindFileName(1, '拡張子なし')).toBe('添付資料2');
    expect(blindFileName(0, '山田.名前.長すぎる拡張子abcdef')).toBe('添付資料1');
  });
});

describe('a typed list of proposal numbers or login ids', () => {
  it('splits on spaces, commas, 、 and lines, and drops repeats and blanks', () => {
    expect(splitTypedList(' 2026-0001, 2026-0002、2026-0003\n2026-0001\r\n\t2026-0004，')).toEqual(['2026-0001', '2026-0002', '2026-0003', '2026-0004']);
    expect(splitTypedList('')).toEqual([]);
  });
});
