import { SESSION_COOKIE } from '../../src/configure-app';

/** One response, read whole. */
export interface Page {
  status: number;
  headers: Headers;
  text: string;
  /** The Location of a redirect. */
  location: string | null;
}

/**
 * A person with a browser, against apps running as separate processes (fetch over loopback): keeps
 * the session cookie and may send it to any instance (`base` per request), which is what a load
 * balancer in front of several instances does.
 */
export class WebSession {
  /** The session cookie (name=value). */
  cookie: string | null = null;
  /** The other cookies the app set (the login form's CSRF cookie, the device cookie), by name. */
  readonly otherCookies = new Map<string, string>();

  /** `headers` go with every request (e.g. the X-Forwarded-For a reverse proxy adds). */
  constructor(
    readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(method: 'GET' | 'POST', path: string, init: { body?: RequestInit['body']; contentType?: string; base?: string } = {}): Promise<Page> {
    const headers: Record<string, string> = { ...this.headers };
    const cookies = [...this.otherCookies.values(), ...(this.cookie ? [this.cookie] : [])];
    if (cookies.length) headers.cookie = cookies.join('; ');
    if (init.contentType) headers['content-type'] = init.contentType;
    const res = await fetch(`${init.base ?? this.base}${path}`, { method, headers, body: init.body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      const name = pair.slice(0, pair.indexOf('='));
      if (name === SESSION_COOKIE) this.cookie = pair;
      else this.otherCookies.set(name, pair);
    }
    // A status that arrived is an answer even if the body did not (the server may die right after
    // sending it: the tests that kill it count every 303 they saw).
    const text = await res.text().catch(() => '');
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
  }

  get(path: string, base?: string): Promise<Page> {
    return this.request('GET', path, { base });
  }

  /** An urlencoded form post, as a browser sends one. */
  postForm(path: string, fields: Record<string, string>, base?: string): Promise<Page> {
    return this.request('POST', path, { body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded', base });
  }

  /** multipart/form-data; fetch sets the boundary. */
  postMultipart(path: string, form: FormData, base?: string): Promise<Page> {
    return this.request('POST', path, { body: form, base });
  }

  /** The CSRF token of the first form on a page. */
  async csrfToken(path = '/', base?: string): Promise<string> {
    const page = await this.get(path, base);
    const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
    if (!match) throw new Error(`no CSRF token on ${path} (status ${page.status})`);
    return match[1];
  }

  /** Opens the login page and posts the form; the response to the post. */
  async login(login: string, password: string, base?: string): Promise<Page> {
    const token = await this.csrfToken('/login', base);
    return this.postForm('/login', { _csrf: token, login, password }, base);
  }

  /** As login, but the test fails unless it signed in. */
  async signIn(login: string, password: string, base?: string): Promise<this> {
    const res = await this.login(login, password, base);
    if (res.status !== 303) throw new Error(`login as ${login} failed with ${res.status}`);
    return this;
  }
}

/** The proposal id in a redirect to /proposals/:id, or null. */
export function proposalIdIn(location: string | null): number | null {
  const match = /^\/proposals\/(\d+)$/.exec(location ?? '');
  return match ? Number(match[1]) : null;
}
