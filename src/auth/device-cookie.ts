import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device tokens (OWASP "device cookie"): after a successful login the browser gets a token saying
 * "this browser signed in as <login> before". Attempts at that login from that browser then count
 * against the token alone (login-throttle-rules.ts), so an attacker at the same address cannot lock
 * the person out of their own browser.
 *
 * A token is `<id>.<issuedAt>.<mac>`: a random id (the throttle's key), the issue time, and an HMAC
 * over the id, the time and the login. The login itself is not in the cookie (shared PCs: the cookie
 * does not tell the next person who signed in), so a token is checked against the login being tried.
 * One cookie holds the tokens of the last few people who signed in with that browser.
 */

export const DEVICE_COOKIE = 'tane.device';
/** A token older than this gives no allowance (each successful login issues a new one). */
export const DEVICE_TOKEN_MAX_AGE_MS = 180 * 24 * 60 * 60 * 1000;
/** Tokens one browser keeps: a shared desk PC used by a few colleagues. */
export const DEVICE_TOKENS_PER_BROWSER = 5;

/** A separate key per purpose, so a MAC made for one thing can never pass for another. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`tane:${purpose}`).digest();
}

function mac(key: Buffer, id: string, issuedAt: number, loginKey: string): string {
  return createHmac('sha256', key).update(`${id}.${issuedAt}.${loginKey}`).digest('base64url');
}

function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface ParsedToken {
  raw: string;
  id: string;
  issuedAt: number;
  mac: string;
}

function parseTokens(cookieValue: string | undefined): ParsedToken[] {
  if (!cookieValue) return [];
  const tokens: ParsedToken[] = [];
  for (const raw of cookieValue.split('~').slice(0, DEVICE_TOKENS_PER_BROWSER)) {
    const match = /^([A-Za-z0-9_-]{16,43})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(raw);
    if (match) tokens.push({ raw, id: match[1], issuedAt: Number(match[2]), mac: match[3] });
  }
  return tokens;
}

/** The id of the token in the cookie that was issued for this login and is still valid, or null. */
export function trustedDeviceFor(key: Buffer, cookieValue: string | undefined, loginKey: string, now: number): string | null {
  for (const token of parseTokens(cookieValue)) {
    if (now - token.issuedAt > DEVICE_TOKEN_MAX_AGE_MS || token.issuedAt > now + 60_000) continue;
    if (macEquals(token.mac, mac(key, token.id, token.issuedAt, loginKey))) return token.id;
  }
  return null;
}

/**
 * The cookie value after a successful login: a new token for this login first, then the other logins'
 * tokens (this login's old one is dropped: its id's failures no longer matter), at most
 * DEVICE_TOKENS_PER_BROWSER in all.
 */
export function cookieWithNewToken(key: Buffer, cookieValue: string | undefined, loginKey: string, now: number): string {
  const id = randomBytes(16).toString('base64url');
  const fresh = `${id}.${now}.${mac(key, id, now, loginKey)}`;
  const others = parseTokens(cookieValue)
    .filter((t) => !macEquals(t.mac, mac(key, t.id, t.issuedAt, loginKey)))
    .filter((t) => now - t.issuedAt <= DEVICE_TOKEN_MAX_AGE_MS)
    .map((t) => t.raw);
  return [fresh, ...others].slice(0, DEVICE_TOKENS_PER_BROWSER).join('~');
}

/** One cookie's value from a Cookie header (express has no cookie parser here, and this is the only one read by hand). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
