/**
 * The login throttle's rules, without I/O (LoginThrottleService applies them to the rows in
 * login_failures). Built on OWASP's "device cookie" scheme, so that brute force stays slow while the
 * colleagues of an attacker behind the same address (a city hall sits behind NAT and VDI) can still
 * sign in:
 *
 * - A browser in which a user signed in before carries a device token for that login (device-cookie.ts).
 *   Its attempts at that login count only against the token: whatever anybody else does, it keeps
 *   its own allowance.
 * - Every other attempt comes from an "unknown browser" and counts three ways: for the address and
 *   the login (the old limit: typos at one desk do not hold back the same login elsewhere), for the
 *   login from all addresses together (so many addresses cannot guess one account fast: delays grow
 *   with each failure), and for the address across all logins (guessing many accounts).
 *
 * An attempt is counted before its password is checked (the service reserves it as a failure row,
 * atomically) and the reservation is released if the password was right, so parallel attempts can
 * never overrun a limit.
 */

const MINUTE = 60 * 1000;

/** At most `max` failures within a sliding `windowMs`; then wait until the oldest of them leaves it. */
export interface WindowRule {
  kind: 'window';
  max: number;
  windowMs: number;
}

/**
 * `free` failures within `memoryMs`; after that each attempt waits `baseDelayMs`, doubled for each
 * further failure, at most `maxDelayMs`, after the latest failure.
 */
export interface GrowingDelayRule {
  kind: 'delay';
  free: number;
  memoryMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type ThrottleRule = WindowRule | GrowingDelayRule;

/** A browser with a valid device token for this login: 10 failures per 15 minutes, for that token only. */
export const DEVICE_RULE: WindowRule = { kind: 'window', max: 10, windowMs: 15 * MINUTE };
/** One address, one login, unknown browser. */
export const ADDRESS_LOGIN_RULE: WindowRule = { kind: 'window', max: 5, windowMs: 15 * MINUTE };
/** One login from all unknown browsers: 20 free, then 1, 2, 4, 8, 15, 15 … minutes between tries. */
export const LOGIN_RULE: GrowingDelayRule = {
  kind: 'delay',
  free: 20,
  memoryMs: 24 * 60 * MINUTE,
  baseDelayMs: MINUTE,
  maxDelayMs: 15 * MINUTE,
};
/** One address across all logins, unknown browsers only (a known browser is not slowed by its neighbours). */
export const ADDRESS_RULE: WindowRule = { kind: 'window', max: 30, windowMs: 15 * MINUTE };

/** The oldest failure any rule still looks at; older rows can be deleted. */
export const LONGEST_MEMORY_MS = Math.max(DEVICE_RULE.windowMs, ADDRESS_LOGIN_RULE.windowMs, LOGIN_RULE.memoryMs, ADDRESS_RULE.windowMs);

/** Which failures one bucket counts: the rows matching all given keys. `deviceKey: null` = unknown browsers. */
export interface BucketKey {
  clientKey?: string;
  loginKey?: string;
  deviceKey: string | null;
}

export interface Bucket {
  name: 'device' | 'address+login' | 'login' | 'address';
  key: BucketKey;
  rule: ThrottleRule;
}

export interface Attempt {
  /** The client's address. */
  clientKey: string;
  /** The normalized login typed. */
  loginKey: string;
  /** The id of a valid device token for this login that the browser sent, or null. */
  deviceKey: string | null;
}

/** The buckets an attempt counts in (and all of which must have room for it). */
export function bucketsFor(attempt: Attempt): Bucket[] {
  if (attempt.deviceKey) return [{ name: 'device', key: { deviceKey: attempt.deviceKey }, rule: DEVICE_RULE }];
  return [
    { name: 'address+login', key: { clientKey: attempt.clientKey, loginKey: attempt.loginKey, deviceKey: null }, rule: ADDRESS_LOGIN_RULE },
    { name: 'login', key: { loginKey: attempt.loginKey, deviceKey: null }, rule: LOGIN_RULE },
    { name: 'address', key: { clientKey: attempt.clientKey, deviceKey: null }, rule: ADDRESS_RULE },
  ];
}

/** How far back a rule looks, and how many of the newest failures it needs to decide. */
export function lookBack(rule: ThrottleRule): { sinceMs: number; rows: number } {
  if (rule.kind === 'window') return { sinceMs: rule.windowMs, rows: rule.max };
  // beyond this many failures past the free ones the delay is at its maximum anyway
  const doublings = Math.ceil(Math.log2(rule.maxDelayMs / rule.baseDelayMs));
  return { sinceMs: rule.memoryMs, rows: rule.free + doublings + 1 };
}

/**
 * When the next attempt may be made, given the times of the failures in the bucket (newest first, at
 * least `lookBack(rule).rows` of them if there are that many within `lookBack(rule).sinceMs`);
 * 0 when it may be made now.
 */
export function retryAt(rule: ThrottleRule, failuresNewestFirst: readonly number[], now: number): number {
  if (rule.kind === 'window') {
    const recent = failuresNewestFirst.filter((at) => at > now - rule.windowMs);
    if (recent.length < rule.max) return 0;
    const at = recent[rule.max - 1] + rule.windowMs;
    return at > now ? at : 0;
  }
  const recent = failuresNewestFirst.filter((at) => at > now - rule.memoryMs);
  if (recent.length < rule.free) return 0;
  const excess = recent.length - rule.free;
  const delay = Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** excess);
  const at = recent[0] + delay;
  return at > now ? at : 0;
}
