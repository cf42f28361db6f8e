import { cookieWithNewToken, deriveKey, DEVICE_TOKEN_MAX_AGE_MS, DEVICE_TOKENS_PER_BROWSER, readCookie, trustedDeviceFor } from '../../src/auth/device-cookie';

const KEY = deriveKey('s'.repeat(48), 'device-token');
const NOW = 1_750_000_000_000;

describe('device tokens', () => {
  it('are trusted for the login they were issued for, and for no other', () => {
    const cookie = cookieWithNewToken(KEY, undefined, 'sato', NOW);
    const id = trustedDeviceFor(KEY, cookie, 'sato', NOW + 1000);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cookie.startsWith(`${id}.`)).toBe(true);
    expect(trustedDeviceFor(KEY, cookie, 'suzuki', NOW)).toBeNull();
    expect(cookie).not.toContain('sato');
  });

  it('are not trusted when altered, signed with another key, expired or from the future', () => {
    const cookie = cookieWithNewToken(KEY, undefined, 'sato', NOW);
    const [id, issuedAt, mac] = cookie.split('.');
    expect(trustedDeviceFor(KEY, `${id}.${Number(issuedAt) + 1}.${mac}`, 'sato', NOW)).toBeNull();
    expect(trustedDeviceFor(KEY, `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}.${issuedAt}.${mac}`, 'sato', NOW)).toBeNull();
    expect(trustedDeviceFor(deriveKey('t'.repeat(48), 'device-token'), cookie, 'sato', NOW)).toBeNull();
    expect(trustedDeviceFor(deriveKey('s'.repeat(48), 'anonymous-csrf'), cookie, 'sato', NOW)).toBeNull();
    expect(trustedDeviceFor(KEY, cookie, 'sato', NOW + DEVICE_TOKEN_MAX_AGE_MS + 1)).toBeNull();
    expect(trustedDeviceFor(KEY, cookieWithNewToken(KEY, undefined, 'sato', NOW + 3_600_000), 'sato', NOW)).toBeNull();
    for (const junk of ['', 'x', '~~~', 'a.b.c', `${cookie}garbage`]) expect(trustedDeviceFor(KEY, junk, 'sato', NOW)).toBeNull();
  });

  it('keep one token per login, newest first, for the last few people who signed in with the browser', () => {
    let cookie: string | undefined;
    const logins = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const [i, login] of logins.entries()) cookie = cookieWithNewToken(KEY, cookie, login, NOW + i);
    expect(cookie!.split('~')).toHaveLength(DEVICE_TOKENS_PER_BROWSER);
    expect(trustedDeviceFor(KEY, cookie, 'a', NOW + 10)).toBeNull(); // the oldest dropped out
    for (const login of logins.slice(1)) expect(trustedDeviceFor(KEY, cookie, login, NOW + 10)).not.toBeNull();

    // signing in again as "c" replaces c's token (a new id) and puts it first
    const before = trustedDeviceFor(KEY, cookie, 'c', NOW + 10);
    const again = cookieWithNewToken(KEY, cookie, 'c', NOW + 20);
    const after = trustedDeviceFor(KEY, again, 'c', NOW + 30);
    expect(after).not.toBe(before);
    expect(again.startsWith(`${after}.`)).toBe(true);
    expect(again.split('~')).toHaveLength(DEVICE_TOKENS_PER_BROWSER);
  });
});

describe('readCookie', () => {
  it('finds one cookie by exact name and decodes it', () => {
    const header = 'tane.sid=s%3Aabc.def; tane.device=x%7Ey; other.tane.device=no';
    expect(readCookie(header, 'tane.device')).toBe('x~y');
    expect(readCookie(header, 'tane.sid')).toBe('s:abc.def');
    expect(readCookie(header, 'missing')).toBeUndefined();
    expect(readCookie(undefined, 'tane.device')).toBeUndefined();
    expect(readCookie('tane.device=%E0%A4%A', 'tane.device')).toBeUndefined();
  });
});
