import request, { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { LoginFailure } from '../../src/auth/login-failure.entity';
import { SessionRecord } from '../../src/auth/session-record.entity';
import { SESSION_COOKIE } from '../../src/configure-app';
import { User } from '../../src/users/user.entity';
import { TestApp } from './test-app';
import { csrfToken } from './users';

/** The raw Set-Cookie header line of the session cookie, attributes included, or undefined. */
export function sessionSetCookie(res: Response): string | undefined {
  const header = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.find((line) => line.startsWith(`${SESSION_COOKIE}=`));
}

/** "tane.sid=s%3A…" — the name=value pair to send back in a Cookie header. */
export function sessionCookie(res: Response): string | undefined {
  return sessionSetCookie(res)?.split(';')[0];
}

/** The session id inside a signed cookie pair ("tane.sid=s%3A<sid>.<signature>"). */
export function sidOf(cookiePair: string): string {
  const value = decodeURIComponent(cookiePair.slice(cookiePair.indexOf('=') + 1));
  const match = /^s:(.+)\.[^.]+$/.exec(value);
  if (!match) throw new Error(`not a signed session cookie: ${cookiePair}`);
  return match[1];
}

export interface LoginAttempt {
  agent: TestAgent;
  /** The response to POST /login. */
  res: Response;
  /**
   * The session cookie set by the login page, if any. An anonymous visit stores no session, so for a new
   * agent this is undefined (its CSRF token rides on a signed cookie instead: see src/auth/csrf.ts).
   */
  cookieBefore: string | undefined;
  /** The session cookie set by the login response (undefined when none was set). */
  cookieAfter: string | undefined;
}

/** Opens the login page with a new agent (or the given one) and posts the form. */
export async function attemptLogin(
  t: TestApp,
  fields: { login: string; password: string; next?: string },
  agent: TestAgent = request.agent(t.app.getHttpServer()),
): Promise<LoginAttempt> {
  const page = await agent.get('/login');
  const cookieBefore = sessionCookie(page);
  const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
  if (!match) throw new Error(`the login page gave no CSRF token (status ${page.status})`);
  const res = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: match[1], ...fields });
  return { agent, res, cookieBefore, cookieAfter: sessionCookie(res) };
}

/** Posts a form with the CSRF token taken from `tokenPage` (default: the dashboard, whose layout has the logout form). */
export async function postForm(agent: TestAgent, path: string, fields: Record<string, string | string[]>, tokenPage = '/'): Promise<Response> {
  const token = await csrfToken(agent, tokenPage);
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: token, ...fields });
}

export function sessionRows(t: TestApp, where: { userId?: number; sid?: string }): Promise<SessionRecord[]> {
  return t.dataSource.getRepository(SessionRecord).find({ where });
}

/** Changes the stored JSON of a session, as if time had passed since it was written. */
export async function patchSessionData(t: TestApp, sid: string, patch: Record<string, unknown>): Promise<void> {
  const repo = t.dataSource.getRepository(SessionRecord);
  const row = await repo.findOneOrFail({ where: { sid } });
  await repo.update({ sid }, { data: JSON.stringify({ ...JSON.parse(row.data), ...patch }) });
}

export async function setSessionExpiry(t: TestApp, sid: string, expiresAtMs: number): Promise<void> {
  await t.dataSource.getRepository(SessionRecord).update({ sid }, { expiresAt: expiresAtMs });
}

export function loginFailureRows(t: TestApp, loginKey: string): Promise<LoginFailure[]> {
  return t.dataSource.getRepository(LoginFailure).find({ where: { loginKey } });
}

/** Every Set-Cookie line of a response. */
export function setCookieLines(res: Response): string[] {
  const header = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}

/** The name=value pair of a cookie the response set, or undefined. */
export function cookiePair(res: Response, name: string): string | undefined {
  return setCookieLines(res)
    .find((line) => line.startsWith(`${name}=`))
    ?.split(';')[0];
}

export async function sessionRowCount(t: TestApp): Promise<number> {
  return t.dataSource.getRepository(SessionRecord).count();
}

/** The stored argon2 hash, which the entity never loads by default. */
export async function passwordHashOf(t: TestApp, userId: number): Promise<string> {
  const row = await t.dataSource.getRepository(User).createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :id', { id: userId }).getOneOrFail();
  return row.passwordHash;
}

export function userRow(t: TestApp, userId: number): Promise<User> {
  return t.dataSource.getRepository(User).findOneOrFail({ where: { id: userId } });
}

/** A request that carries exactly this cookie, not an agent's jar (to replay an old or stolen cookie). */
export function withCookie(t: TestApp, cookiePair: string) {
  return {
    get: (path: string) => request(t.app.getHttpServer()).get(path).set('Cookie', cookiePair),
  };
}

/** The text of the page without tags, for checks on what a person reads. */
export function visibleText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Text a stack trace, a driver error or SQL would leave on a page. */
export const INTERNAL_TEXT =
  /Error:|\bat [\w.<>]+ \(|node_modules|\.ts:\d+|\.js:\d+|QueryFailedError|SQLITE_|no such table|does not exist|\bSELECT\b|\bFROM\b|\bINSERT INTO\b/;
