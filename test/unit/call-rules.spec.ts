import { evaluateInZone } from '../factories/in-zone';
import { callPhase, callPhaseAt, closedMessage, mayAnswer, periodProblems } from '../../src/calls/call-rules';

const call = (over: Partial<{ opensOn: string; closesOn: string; closedAt: Date | null }> = {}) => ({
  opensOn: '2026-06-01',
  closesOn: '2026-06-30',
  closedAt: null,
  ...over,
});

describe('call period (Japan dates, both ends included)', () => {
  it.each([
    ['2026-05-31', 'upcoming'],
    ['2026-06-01', 'open'],
    ['2026-06-15', 'open'],
    ['2026-06-30', 'open'],
    ['2026-07-01', 'closed'],
  ] as const)('on %s the call is %s', (today, phase) => {
    expect(callPhase(call(), today)).toBe(phase);
  });

  it('is closed from the moment the office closes it early, whatever the dates say', () => {
    expect(callPhase(call({ closedAt: new Date('2026-06-10T03:00:00Z') }), '2026-06-10')).toBe('closed');
    expect(callPhase(call({ closedAt: new Date('2026-05-20T03:00:00Z') }), '2026-05-25')).toBe('closed');
  });

  // the instants are absolute; the server's zone (TZ) never enters: these hold under any TZ the suite runs in
  it.each([
    ['2026-05-31T14:59:59Z', 'upcoming'], // 23:59:59 JST on 31 May
    ['2026-05-31T15:00:00Z', 'open'], // 00:00 JST on 1 June
    ['2026-06-30T14:59:59Z', 'open'], // 23:59:59 JST on 30 June
    ['2026-06-30T15:00:00Z', 'closed'], // 00:00 JST on 1 July
    ['2026-06-30T23:00:00-08:00', 'closed'], // a server in California on the evening of 30 June: already 1 July in Japan
    ['2026-06-01T00:30:00+02:00', 'open'], // a server in Europe just after midnight on 1 June: 07:30 JST
  ] as const)('at %s the call is %s', (instant, phase) => {
    expect(callPhaseAt(call(), new Date(instant))).toBe(phase);
  });

  // a server in another zone: the rule runs in a process whose clock zone (TZ) is that zone; the offset
  // (minutes behind UTC, in June) shows the zone really was in effect there
  it.each([
    ['America/Los_Angeles', 420],
    ['Europe/Berlin', -120],
    ['UTC', 0],
    ['Pacific/Kiritimati', -840],
  ] as const)('opens at 00:00 and closes after 23:59:59 Japan time with the server clock in %s', (zone, offset) => {
    const instants = ['2026-05-31T23:59:59+09:00', '2026-06-01T00:00:00+09:00', '2026-06-30T23:59:59+09:00', '2026-07-01T00:00:00+09:00'];
    const result = evaluateInZone<{ offset: number; value: string[] }>(
      zone,
      'src/calls/call-rules.ts',
      `${JSON.stringify(instants)}.map((at) => m.callPhaseAt({ opensOn: '2026-06-01', closesOn: '2026-06-30', closedAt: null }, new Date(at)))`,
    );
    expect(result).toEqual({ offset, value: ['upcoming', 'open', 'open', 'closed'] });
  });

  it('says why a call takes no answer', () => {
    expect(closedMessage(call(), '2026-06-30')).toBeNull();
    expect(closedMessage(call(), '2026-05-31')).toBe('このテーマの募集はまだ始まっていません。');
    expect(closedMessage(call(), '2026-07-01')).toBe('このテーマの募集は終了しました。');
  });

  it('checks a new period: the close not before the opening, and not in the past', () => {
    expect(periodProblems({ opensOn: '2026-06-01', closesOn: '2026-06-01' }, '2026-06-01')).toEqual({});
    expect(periodProblems({ opensOn: '2026-06-10', closesOn: '2026-06-09' }, '2026-06-01')).toEqual({
      closesOn: ['締切日は募集開始日以降の日付にしてください。'],
    });
    expect(periodProblems({ opensOn: '2026-05-01', closesOn: '2026-05-31' }, '2026-06-01')).toEqual({
      closesOn: ['締切日には今日以降の日付を入力してください。'],
    });
  });
});

describe('who may answer a call', () => {
  // 1 市民局 ← 2 市民生活部 ← 3 市民課; 10 中央区 ← 11 区民部 ← 12 区民課; 20 財政局
  const parents = new Map<number, number | null>([
    [1, null],
    [2, 1],
    [3, 2],
    [10, null],
    [11, 10],
    [12, 11],
    [20, null],
  ]);

  it('opens an "all" call to everyone, even someone without a division', () => {
    expect(mayAnswer({ audience: 'all', divisionIds: [] }, null, parents)).toBe(true);
    expect(mayAnswer({ audience: 'all', divisionIds: [] }, 20, parents)).toBe(true);
  });

  it('opens a call for a 局 to every 課 under it, and not to others', () => {
    const rule = { audience: 'divisions' as const, divisionIds: [1] };
    expect(mayAnswer(rule, 3, parents)).toBe(true);
    expect(mayAnswer(rule, 2, parents)).toBe(true);
    expect(mayAnswer(rule, 1, parents)).toBe(true);
    expect(mayAnswer(rule, 12, parents)).toBe(false);
    expect(mayAnswer(rule, null, parents)).toBe(false);
  });

  it('opens a call for a 課 to that 課 only, not to its 局 or its sibling', () => {
    const rule = { audience: 'divisions' as const, divisionIds: [12] };
    expect(mayAnswer(rule, 12, parents)).toBe(true);
    expect(mayAnswer(rule, 10, parents)).toBe(false);
    expect(mayAnswer(rule, 3, parents)).toBe(false);
  });
});
