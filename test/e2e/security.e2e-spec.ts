import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Category } from '../../src/organization/category.entity';
import { User } from '../../src/users/user.entity';
import {
  attemptLogin,
  INTERNAL_TEXT,
  passwordHashOf,
  postForm,
  sessionCookie,
  sessionRows,
  sessionSetCookie,
  setCookieLines,
  sidOf,
  userRow,
  visibleText,
} from '../factories/auth-helpers';
import { createTestApp, LogLine, TestApp } from '../factories/test-app';
import { createUser, csrfToken, signIn, TEST_PASSWORD } from '../factories/users';

const CSRF_MESSAGE = 'フォームの有効期限が切れたか、不正な送信です。';

const categoryCount = (t: TestApp, name: string): Promise<number> => t.dataSource.getRepository(Category).count({ where: { name } });
const events = (t: TestApp, event: string): LogLine[] => t.logs.filter((l) => l.event === event);

function expectJapanesePage(res: request.Response, status: number, heading: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toMatch(/<html lang="ja">/);
  expect(res.text).toContain(`<h1>${heading}</h1>`);
  expect(res.text).not.toMatch(INTERNAL_TEXT);
}

/** Every POST route the application has, read from the router, so a new form cannot be forgotten. */
function postRoutes(t: TestApp): string[] {
  const router = (t.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router;
  return router.stack.filter((layer) => layer.route?.methods.post).map((layer) => layer.route!.path);
}

describe('CSRF protection', () => {
  let t: TestApp;
  let admin: User;
  let adminAgent: TestAgent;
  let victim: User;
  let categoryId: number;

  beforeAll(async () => {
    t = await createTestApp();
    // Holds every role, so no route is refused for lack of a role before the token is checked.
    admin = await createUser(t, { roles: ['staff', 'reviewer', 'office', 'admin'], login: 'csrf.admin' });
    adminAgent = await signIn(t, admin.login);
    victim = await createUser(t, { roles: ['staff'], login: 'csrf.victim' });
    categoryId = (await t.dataSource.getRepository(Category).findOneOrFail({ where: { name: 'その他' } })).id;
  });
  afterAll(() => t.close());

  it('refuses every form POST without a token with a Japanese 403 page, a csrf_failure log line and no change', async () => {
    const routes = postRoutes(t);
    expect(routes).toEqual(expect.arrayContaining(['/login', '/logout', '/account/password', '/admin/categories', '/admin/users/:id/disable']));
    const victimHash = await passwordHashOf(t, victim.id);
    const adminHash = await passwordHashOf(t, admin.id);
    const categoriesBefore = await t.dataSource.getRepository(Category).find({ order: { id: 'ASC' } });
    const failuresBefore = events(t, 'csrf_failure').length;

    const body = {
      name: 'CSRFで作られた名前',
      sortOrder: '1',
      active: 'on',
      roles: 'admin',
      login: 'csrf.created',
      code: '999',
      currentPassword: TEST_PASSWORD,
      newPassword: 'のっとられた新しいパスワード',
      newPasswordConfirm: 'のっとられた新しいパスワード',
      password: TEST_PASSWORD,
    };
    for (const route of routes) {
      const path = route.replace(
        /:id\b/,
        route.startsWith('/admin/users') ? String(victim.id) : route.startsWith('/admin/categories') ? String(categoryId) : '1',
      );
      const res = await adminAgent.post(path).type('form').send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.text).toMatch(/<html lang="ja">/);
      expect(res.text).toContain(CSRF_MESSAGE);
      const logged = events(t, 'csrf_failure').filter((l) => l.path === path);
      expect({ path, logged: logged.length }).toEqual({ path, logged: 1 });
      expect(logged[0]).toMatchObject({ level: 'warn', userId: admin.id, method: 'POST' });
    }
    expect(events(t, 'csrf_failure').length - failuresBefore).toBe(routes.length);

    // Nothing happened: still signed in, nobody disabled or reset, no password changed, no record written.
    expect((await adminAgent.get('/')).status).toBe(200);
    expect(await passwordHashOf(t, victim.id)).toBe(victimHash);
    expect(await passwordHashOf(t, admin.id)).toBe(adminHash);
    const victimNow = await userRow(t, victim.id);
    expect(Boolean(victimNow.disabled)).toBe(false);
    expect(Boolean(victimNow.mustChangePassword)).toBe(false);
    expect(victimNow.roles).toEqual(['staff']);
    expect(await t.dataSource.getRepository(Category).find({ order: { id: 'ASC' } })).toEqual(categoriesBefore);
    expect(await t.dataSource.getRepository(User).count({ where: { login: 'csrf.created' } })).toBe(0);
    expect(await t.dataSource.query(`SELECT id FROM divisions WHERE code = '999'`)).toHaveLength(0);
  });

  it('refuses a login post from a client that never opened the login page (login CSRF)', async () => {
    const res = await request(t.app.getHttpServer()).post('/login').type('form').send({ login: admin.login, password: TEST_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.text).toContain(CSRF_MESSAGE);
    expect(sessionSetCookie(res)).toBeUndefined();
    expect(await sessionRows(t, { userId: admin.id })).toHaveLength(1);
  });

  it('refuses a token taken from another session', async () => {
    const other = await createUser(t, { roles: ['staff'] });
    const otherAgent = await signIn(t, other.login);
    const foreignToken = await csrfToken(otherAgent, '/');
    const anonymousToken = await csrfToken(request.agent(t.app.getHttpServer()), '/login');
    const hashBefore = await passwordHashOf(t, admin.id);

    for (const token of [foreignToken, anonymousToken]) {
      const created = await adminAgent.post('/admin/categories').type('form').send({ _csrf: token, name: '他人のトークンの分野', sortOrder: '1' });
      expectJapanesePage(created, 403, '権限がありません');
      expect(created.text).toContain(CSRF_MESSAGE);

      const changed = await adminAgent
        .post('/account/password')
        .type('form')
        .send({ _csrf: token, currentPassword: TEST_PASSWORD, newPassword: '他人のトークンで変更', newPasswordConfirm: '他人のトークンで変更' });
      expect(changed.status).toBe(403);
      expect(changed.text).toContain(CSRF_MESSAGE);
    }
    expect(await categoryCount(t, '他人のトークンの分野')).toBe(0);
    expect(await passwordHashOf(t, admin.id)).toBe(hashBefore);
    expect((await attemptLogin(t, { login: admin.login, password: TEST_PASSWORD })).res.status).toBe(303);
    expect(events(t, 'csrf_failure').filter((l) => l.path === '/admin/categories' && l.userId === admin.id).length).toBeGreaterThanOrEqual(3);
  });

  it('does not accept the token of the pre-login session after login', async () => {
    const agent = request.agent(t.app.getHttpServer());
    const preLoginToken = await csrfToken(agent, '/login');
    const login = await agent.post('/login').type('form').send({ _csrf: preLoginToken, login: admin.login, password: TEST_PASSWORD });
    expect(login.status).toBe(303);
    const res = await agent.post('/admin/categories').type('form').send({ _csrf: preLoginToken, name: 'ログイン前のトークンの分野', sortOrder: '1' });
    expect(res.status).toBe(403);
    expect(await categoryCount(t, 'ログイン前のトークンの分野')).toBe(0);
  });

  it("accepts the same post with the session's own token (the refusals above were about the token)", async () => {
    const res = await postForm(adminAgent, '/admin/categories', { name: '正しいトークンの分野', sortOrder: '1', active: 'on' }, '/admin/categories/new');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/categories');
    expect(await categoryCount(t, '正しいトークンの分野')).toBe(1);
  });
});

describe('form tampering, body size and unknown pages', () => {
  let t: TestApp;
  let admin: User;
  let adminAgent: TestAgent;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createUser(t, { roles: ['staff', 'admin'], login: 'form.admin' });
    adminAgent = await signIn(t, admin.login);
  });
  afterAll(() => t.close());

  it('refuses a field the category form does not have with 400, names it and creates nothing', async () => {
    const res = await postForm(
      adminAgent,
      '/admin/categories',
      { name: '余計な項目つきの分野', sortOrder: '3', active: 'on', roles: 'admin' },
      '/admin/categories/new',
    );
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/<html lang="ja">/);
    expect(res.text).toContain('このフォームにない項目が送信されました（roles）。');
    // The form comes back with what was typed.
    expect(res.text).toContain('value="余計な項目つきの分野"');
    expect(await categoryCount(t, '余計な項目つきの分野')).toBe(0);
    expect(events(t, 'form_tampering').some((l) => l.path === '/admin/categories' && l.userId === admin.id)).toBe(true);
  });

  it('refuses roles=admin sent with a password change with 400 and changes nothing', async () => {
    const user = await createUser(t, { roles: ['staff'] });
    const agent = await signIn(t, user.login);
    const hashBefore = await passwordHashOf(t, user.id);
    const newPassword = '権限も欲しい新しい合言葉';
    const res = await postForm(
      agent,
      '/account/password',
      { currentPassword: TEST_PASSWORD, newPassword, newPasswordConfirm: newPassword, roles: 'admin' },
      '/account/password',
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('このフォームにない項目が送信されました（roles）。');
    expect(res.text).not.toContain(newPassword);
    expect(await passwordHashOf(t, user.id)).toBe(hashBefore);
    expect((await userRow(t, user.id)).roles).toEqual(['staff']);
    expect((await agent.get('/admin/users')).status).toBe(403);
  });

  it('answers a form body over 200kb with a Japanese 413 page and no stack trace', async () => {
    const huge = 'x'.repeat(210 * 1024);
    const anonymous = await request(t.app.getHttpServer()).post('/login').type('form').send({ login: 'someone', password: huge });
    expectJapanesePage(anonymous, 413, 'データが大きすぎます');
    expect(anonymous.text).toContain('送信されたデータが大きすぎます。');
    expect(anonymous.text).not.toContain('PayloadTooLarge');
    expect(anonymous.text).not.toContain('xxxxxxxxxx');

    const token = await csrfToken(adminAgent, '/admin/categories/new');
    const signedIn = await adminAgent.post('/admin/categories').type('form').send({ _csrf: token, name: '大きすぎる分野', sortOrder: '1', note: huge });
    expectJapanesePage(signedIn, 413, 'データが大きすぎます');
    expect(await categoryCount(t, '大きすぎる分野')).toBe(0);
    expect(events(t, 'body_too_large').map((l) => l.path)).toEqual(['/login', '/admin/categories']);
  });

  it('answers an unknown page with a Japanese 404, signed in or not', async () => {
    const anonymous = await request(t.app.getHttpServer()).get('/no/such/page');
    expectJapanesePage(anonymous, 404, 'ページが見つかりません');
    const signedIn = await adminAgent.get('/no/such/page');
    expectJapanesePage(signedIn, 404, 'ページが見つかりません');
  });

  it('answers an id that is not a record id, or no record, with 404', async () => {
    for (const path of [
      '/admin/users/abc',
      '/admin/users/1e3',
      '/admin/users/0',
      '/admin/users/-1',
      '/admin/users/99999',
      '/admin/categories/abc',
      '/admin/divisions/abc',
    ]) {
      const res = await adminAgent.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.text).toContain('<h1>ページが見つかりません</h1>');
      expect(res.text).not.toMatch(INTERNAL_TEXT);
    }
    const post = await postForm(adminAgent, '/admin/users/abc/disable', {}, '/admin/users');
    expect(post.status).toBe(404);
  });

  it('refuses a staff-only user on an admin page with a Japanese 403 and an access_denied log line', async () => {
    const staff = await createUser(t, { roles: ['staff'] });
    const agent = await signIn(t, staff.login);
    const res = await agent.get('/admin/users');
    expectJapanesePage(res, 403, '権限がありません');
    expect(res.text).toContain('この操作を行う権限がありません。');
    expect(res.text).not.toContain(admin.login);
    const denied = events(t, 'access_denied').filter((l) => l.userId === staff.id);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ level: 'warn', path: '/admin/users', method: 'GET', login: staff.login });

    // A post with a valid token is refused the same way and creates nothing.
    const post = await postForm(agent, '/admin/categories', { name: '職員が作る分野', sortOrder: '1' });
    expect(post.status).toBe(403);
    expect(await categoryCount(t, '職員が作る分野')).toBe(0);
    expect(events(t, 'access_denied').filter((l) => l.userId === staff.id)).toHaveLength(2);
  });
});

describe('unexpected errors', () => {
  let t: TestApp;
  let adminAgent: TestAgent;

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await createUser(t, { roles: ['staff', 'admin'] });
    adminAgent = await signIn(t, admin.login);
  });
  afterAll(() => t.close());

  it('shows a Japanese 500 page with the request id found in the X-Request-Id header and the log, and nothing internal', async () => {
    expect((await adminAgent.get('/admin/categories')).status).toBe(200);
    await t.dataSource.query(t.dataSource.options.type === 'postgres' ? 'DROP TABLE categories CASCADE' : 'DROP TABLE categories');

    const res = await adminAgent.get('/admin/categories');
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/<html lang="ja">/);
    expect(res.text).toContain('<h1>システムエラー</h1>');
    const requestId = res.headers['x-request-id'] as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).toContain(`<code>${requestId}</code>`);

    const text = visibleText(res.text);
    expect(text).not.toMatch(INTERNAL_TEXT);
    expect(res.text).not.toMatch(/Error:|\n\s+at |categories\b.*(does not exist|no such table)|SQLITE|relation "/);

    const logged = events(t, 'unhandled_error').filter((l) => l.requestId === requestId);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', path: '/admin/categories', method: 'GET' });
    // The detail is in the log, for the IT section, not on the page.
    expect(String(logged[0].error)).toMatch(/categories/);

    // Other pages still work.
    expect((await adminAgent.get('/')).status).toBe(200);
  });
});

describe('security headers and the session cookie', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('sends a strict Content-Security-Policy, nosniff and no X-Powered-By', async () => {
    const res = await request(t.app.getHttpServer()).get('/login');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toBeDefined();
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('marks signed-in pages no-store and the session cookie HttpOnly and SameSite=Lax', async () => {
    const user = await createUser(t, { roles: ['staff'] });
    const { agent, res } = await attemptLogin(t, { login: user.login, password: TEST_PASSWORD });
    const setCookie = sessionSetCookie(res)!;
    expect(setCookie).toBeDefined();
    const attributes = setCookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=lax');
    expect(attributes).toContain('path=/');
    // Plain HTTP in development: a Secure cookie would never come back.
    expect(attributes).not.toContain('secure');

    const page = await agent.get('/');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('security headers in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Behind one HTTPS-terminating proxy, which says so in X-Forwarded-Proto.
    t = await createTestApp({ overrides: { secureCookies: true, production: true, trustProxy: 1 } });
  });
  afterAll(() => t.close());

  it('marks the session cookie Secure and sends HSTS', async () => {
    const server = t.app.getHttpServer();
    const page = await request(server).get('/login').set('X-Forwarded-Proto', 'https');
    expect(page.status).toBe(200);
    // An anonymous page stores no session; the login form's CSRF cookie is __Host- and Secure.
    expect(sessionSetCookie(page)).toBeUndefined();
    const csrfCookie = setCookieLines(page).find((line) => line.startsWith('__Host-tane.csrf='))!;
    expect(csrfCookie).toBeDefined();
    const attributes = csrfCookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=lax', 'path=/']));
    expect(page.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(page.headers['content-security-policy']).toContain('upgrade-insecure-requests');

    // Signing in over that connection gives a new cookie, Secure as well.
    const user = await createUser(t, { roles: ['staff'] });
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const login = await request(server)
      .post('/login')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', csrfCookie.split(';')[0])
      .type('form')
      .send({ _csrf: token, login: user.login, password: TEST_PASSWORD });
    expect(login.status).toBe(303);
    const loginCookie = sessionSetCookie(login)!;
    expect(loginCookie.split(';').map((a) => a.trim().toLowerCase())).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=lax']));
    const deviceCookie = setCookieLines(login).find((line) => line.startsWith('tane.device='))!;
    expect(deviceCookie.split(';').map((a) => a.trim().toLowerCase())).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=lax']));
    const rows = await sessionRows(t, { sid: sidOf(sessionCookie(login)!) });
    expect(rows.map((r) => r.userId)).toEqual([user.id]);
  });

  it('never hands the session cookie out over plain HTTP', async () => {
    const page = await request(t.app.getHttpServer()).get('/login');
    expect(page.status).toBe(200);
    expect(sessionSetCookie(page)).toBeUndefined();
  });
});
