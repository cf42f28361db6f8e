import { ADDRESS_LOGIN_RULE, ADDRESS_RULE, bucketsFor, DEVICE_RULE, LOGIN_RULE, lookBack, retryAt, WindowRule } from '../../src/auth/login-throttle-rules';

const MINUTE = 60_000;
const NOW = 1_750_000_000_000;
/** `n` failures, newest first, `gapMs` apart, the newest `ageMs` ago. */
const failures = (n: number, gapMs = 1000, ageMs = 0): number[] => Array.from({ length: n }, (_, i) => NOW - ageMs - i * gapMs);

describe('bucketsFor', () => {
  it('counts a browser with a device token for the login only against that token', () => {
    expect(bucketsFor({ clientKey: '10.0.0.1', loginKey: 'sato', deviceKey: 'dev1' })).toEqual([
      { name: 'device', key: { deviceKey: 'dev1' }, rule: DEVICE_RULE },
    ]);
  });

  it('counts an unknown browser for address+login, for the login everywhere, and for the address', () => {
    const buckets = bucketsFor({ clientKey: '10.0.0.1', loginKey: 'sato', deviceKey: null });
    expect(buckets.map((b) => [b.name, b.key, b.rule])).toEqual([
      ['address+login', { clientKey: '10.0.0.1', loginKey: 'sato', deviceKey: null }, ADDRESS_LOGIN_RULE],
      ['login', { loginKey: 'sato', deviceKey: null }, LOGIN_RULE],
      ['address', { clientKey: '10.0.0.1', deviceKey: null }, ADDRESS_RULE],
    ]);
  });
});

describe('retryAt, window rules', () => {
  const rule: WindowRule = { kind: 'window', max: 5, windowMs: 15 * MINUTE };

  it.each([0, 1, 4])('allows with %i failures in the window', (n) => {
    expect(retryAt(rule, failures(n), NOW)).toBe(0);
  });

  it('refuses the attempt after the 5th failure until the oldest counted one leaves the window', () => {
    const times = failures(5);
    expect(retryAt(rule, times, NOW)).toBe(times[4] + 15 * MINUTE);
    expect(retryAt(rule, failures(9), NOW)).toBe(NOW - 4000 + 15 * MINUTE);
  });

  it('ignores failures older than the window', () => {
    expect(retryAt(rule, failures(5, 1000, 15 * MINUTE), NOW)).toBe(0);
    expect(retryAt(rule, [...failures(4), NOW - 16 * MINUTE], NOW)).toBe(0);
  });
});

describe('retryAt, growing delays (one login from all unknown browsers)', () => {
  it('gives 20 free failures, then waits 1, 2, 4, 8 and at most 15 minutes after the latest', () => {
    expect(retryAt(LOGIN_RULE, failures(19), NOW)).toBe(0);
    const delays = [20, 21, 22, 23, 24, 30, 100].map((n) => retryAt(LOGIN_RULE, failures(n), NOW) - NOW);
    expect(delays).toEqual([1, 2, 4, 8, 15, 15, 15].map((m) => m * MINUTE));
  });

  it('lets the next try through once the delay has passed, and forgets after a day', () => {
    expect(retryAt(LOGIN_RULE, failures(21, 1000, 2 * MINUTE), NOW)).toBe(0);
    expect(retryAt(LOGIN_RULE, failures(21, 1000, 2 * MINUTE - 1), NOW)).toBe(NOW + 1);
    expect(retryAt(LOGIN_RULE, failures(30, 1000, 24 * 60 * MINUTE), NOW)).toBe(0);
  });

  it('needs no more rows than lookBack says to reach the longest delay', () => {
    const { rows, sinceMs } = lookBack(LOGIN_RULE);
    expect(sinceMs).toBe(24 * 60 * MINUTE);
    expect(retryAt(LOGIN_RULE, failures(rows), NOW) - NOW).toBe(LOGIN_RULE.maxDelayMs);
    expect(lookBack(ADDRESS_RULE)).toEqual({ sinceMs: 15 * MINUTE, rows: 30 });
  });
});
