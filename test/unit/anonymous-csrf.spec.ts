import type { Request } from 'express';
import { AnonymousCsrf } from '../../src/auth/csrf';

/** Enough of a request for the anonymous CSRF token: cookies, a body, and a response to set a cookie on. */
function fakeRequest(cookieHeader?: string, body: Record<string, unknown> = {}) {
  const set: { name: string; value: string; options: Record<string, unknown> }[] = [];
  const req = {
    headers: { cookie: cookieHeader },
    body,
    query: {},
    is: () => false,
    res: { cookie: (name: string, value: string, options: Record<string, unknown>) => set.push({ name, value, options }) },
  } as unknown as Request;
  return { req, set };
}

describe('AnonymousCsrf (signed double-submit)', () => {
  const csrf = new AnonymousCsrf('s'.repeat(48), false);

  it('sets a random cookie once per request and signs its value into the token', () => {
    const { req, set } = fakeRequest();
    const first = csrf.token(req);
    const second = csrf.token(req);
    expect(first).toBe(second);
    expect(set).toHaveLength(1);
    expect(set[0]).toMatchObject({ name: 'tane.csrf', options: { httpOnly: true, sameSite: 'lax', secure: false, path: '/' } });
    expect(first).not.toBe(set[0].value);

    const post = fakeRequest(`tane.csrf=${set[0].value}`, { _csrf: first });
    expect(csrf.isValid(post.req)).toBe(true);
  });

  it('refuses a missing, wrong or foreign token, a missing cookie, and a token signed with another secret', () => {
    const { req, set } = fakeRequest();
    const token = csrf.token(req);
    const cookie = `tane.csrf=${set[0].value}`;
    const other = fakeRequest();
    const otherToken = csrf.token(other.req);
    const otherSecret = new AnonymousCsrf('t'.repeat(48), false).token(fakeRequest(cookie).req);

    expect(csrf.isValid(fakeRequest(cookie, {}).req)).toBe(false);
    expect(csrf.isValid(fakeRequest(cookie, { _csrf: 'x'.repeat(43) }).req)).toBe(false);
    expect(csrf.isValid(fakeRequest(cookie, { _csrf: otherToken }).req)).toBe(false);
    expect(csrf.isValid(fakeRequest(undefined, { _csrf: token }).req)).toBe(false);
    expect(csrf.isValid(fakeRequest(cookie, { _csrf: otherSecret }).req)).toBe(false);
  });

  it('uses a __Host- cookie over HTTPS, so a sibling subdomain cannot plant one', () => {
    const secure = new AnonymousCsrf('s'.repeat(48), true);
    const { req, set } = fakeRequest();
    secure.token(req);
    expect(set[0]).toMatchObject({ name: '__Host-tane.csrf', options: { secure: true, path: '/' } });
  });
});
