import * as argon2 from 'argon2';
import { randomInt } from 'node:crypto';
import { FairSemaphore } from '../common/semaphore';

/**
 * argon2id, OWASP's minimum profile (19 MiB, 2 passes): fast enough for a login on a 2-core server,
 * slow enough to make a stolen table expensive. Unlike bcrypt it uses every byte of the password,
 * so a long Japanese passphrase is not cut at 72 bytes.
 */
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * At most this many hashes at once; the rest wait their turn. Each takes 19 MiB and a core for tens
 * of milliseconds: ten people signing in at the same moment (the start of the working day) would
 * otherwise take four threads' worth (libuv's pool), about 80 MB more memory that the process keeps
 * afterwards, and the cores the pages need. Also caps what a flood of login attempts can take.
 */
export const CONCURRENT_HASHES = 2;
/**
 * Turns are shared out per client (see FairSemaphore), one hash at a time each: a flood of logins or
 * password changes from one client queues behind itself, and another person's login waits for at most
 * one hash per busy client, not for the whole flood.
 */
const hashing = new FairSemaphore(CONCURRENT_HASHES, 1);

/**
 * Whose turn a hash is taken from: a browser with a device cookie, an address, a signed-in user.
 * Work nobody in particular asked for (seeding, imports) shares one client of its own.
 */
export type HashClient = string;
const BACKGROUND: HashClient = 'background';

export function hashPassword(password: string, client: HashClient = BACKGROUND): Promise<string> {
  return hashing.run(client, () => argon2.hash(password.normalize('NFC'), HASH_OPTIONS));
}

export async function verifyPassword(hash: string, password: string, client: HashClient = BACKGROUND): Promise<boolean> {
  try {
    return await hashing.run(client, () => argon2.verify(hash, password.normalize('NFC')));
  } catch {
    return false;
  }
}

/** A hash to verify against when the login does not exist, so both cases take the same time. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  return (dummyHash ??= hashPassword('no-such-user-' + randomInt(1e9)));
}

/** Why a new password is not acceptable, or null. */
export function passwordProblem(password: string, login?: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `パスワードは${PASSWORD_MIN_LENGTH}文字以上にしてください。`;
  if (length > PASSWORD_MAX_LENGTH) return `パスワードは${PASSWORD_MAX_LENGTH}文字以内にしてください。`;
  if (login && password.normalize('NFKC').toLowerCase().includes(login)) return 'パスワードにログインIDを含めないでください。';
  if (/^(.)\1+$/u.test(password)) return '同じ文字の繰り返しだけのパスワードは使えません。';
  return null;
}

/** A temporary password an administrator hands over; without look-alike characters (0/O, 1/l/I). */
export function generateTemporaryPassword(length = 14): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let result = '';
  for (let i = 0; i < length; i++) result += alphabet[randomInt(alphabet.length)];
  return result;
}

/** Logins are compared after NFKC and lower-casing, so full-width input from an IME still matches. */
export function normalizeLogin(login: string): string {
  return login.normalize('NFKC').trim().toLowerCase();
}
