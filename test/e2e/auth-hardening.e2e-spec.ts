/**
 * Issue 10, "Authentication": each block reproduces an attack the security review made, through HTTP.
 * Runs on SQLite, and on PostgreSQL when DATABASE_URL points at one (see test-database.ts).
 */
import request, { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { SessionRecord } from '../../src/auth/session-record.entity';
import { cookiePair, passwordHashOf, postForm, sessionRowCount, setCookieLines } from '../factories/auth-helpers';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, csrfToken, signIn, TEST_PASSWORD } from '../factories/users';

const THROTTLED = 'ログインの試行回数が上限に達しました。';
const LOGIN_FAILED = 'ログインIDまたはパスワードが正しくありません。';
const CSRF_MESSAGE = 'フォームの有効期限が切れたか、不正な送信です。';

/** A login form, opened once: the agent (with the page's cookies) and the token to post with. */
async function openLoginForm(agent: TestAgent): Promise<{ agent: TestAgent; token: string }> {
  return { agent, token: await csrfToken(agent, '/login') };
}

function postLogin(form: { agent: TestAgent; token: string }, login: string, password: string): Promise<Response> {
  return form.agent.post('/login').type('form').send({ _csrf: form.token, login, password });
}

const statuses = (responses: Response[]): Record<number, number> =>
  responses.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

/** Resolves when `condition` holds, checking as the app logs (no fixed sleep). */
async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('parallel login attempts are counted before the password is checked', () => {
  let t: TestApp;
  const from = (ip: string): TestAgent => request.agent(t.app.getHttpServer()).set('X-Forwarded-For', ip);
  const verified = (ip: string): number => t.logs.filter((l) => l.event === 'login_failed' && l.ip === ip).length;

  beforeAll(async () => {
    t = await createTestApp({ overrides: { trustProxy: 1 } });
  });
  afterAll(() => t.close());

  it('50 wrong passwords sent at once for one login from one client: at most 5 reach the password hash, the rest get 429', async () => {
    const user = await createUser(t, { roles: ['staff'] });
    const ip = '203.0.113.50';
    const form = await openLoginForm(from(ip));
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => postLogin(form, user.login, `まちがい ${i}`)));

    const counts = statuses(responses);
    expect(Object.keys(counts).sort()).toEqual(['422', '429']);
    expect(counts[422]).toBeLessThanOrEqual(5);
    expect(verified(ip)).toBe(counts[422]);
    for (const res of responses.filter((r) => r.status === 429)) {
      expect(res.text).toContain(THROTTLED);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Fill the allowance one by one: exactly 5 failures are counted, then even the right password is refused.
    while (verified(ip) < 5) expect((await postLogin(form, user.login, 'まちがい')).status).toBe(422);
    expect((await postLogin(form, user.login, TEST_PASSWORD)).status).toBe(429);
  });

  it("50 wrong passwords sent at once for one login from 50 addresses: exactly the account's 20 are checked", async () => {
    // One address each, so nothing but the reservation in the database stands between them and the hash.
    const user = await createUser(t, { roles: ['staff'] });
    const forms = await Promise.all(Array.from({ length: 50 }, (_, i) => openLoginForm(from(`198.18.0.${i + 1}`))));
    const responses = await Promise.all(forms.map((form, i) => postLogin(form, user.login, `まちがい ${i}`)));
    expect(statuses(responses)).toEqual({ 422: 20, 429: 30 });
    expect(t.logs.filter((l) => l.event === 'login_failed' && l.login === user.login)).toHaveLength(20);
  });

  it('300 tries on unknown logins sent at once from one client: no more than the per-client 30 are checked', async () => {
    const ip = '203.0.113.51';
    const form = await openLoginForm(from(ip));
    const responses = await Promise.all(Array.from({ length: 300 }, (_, i) => postLogin(form, `nobody-${i}`, 'まちがい')));

    const counts = statuses(responses);
    expect(counts[422]).toBeLessThanOrEqual(30);
    expect(counts[422] + counts[429]).toBe(300);
    expect(verified(ip)).toBe(counts[422]);
  });
});

describe('a colleague behind the same address as an attacker (NAT, VDI)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No proxy: every request comes from 127.0.0.1, like a city hall behind one NAT address.
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('signs in from the browser they used before, while the attacker at that address is throttled', async () => {
    const victim = await createUser(t, { roles: ['staff'], login: 'nat.victim' });
    const colleague = await createUser(t, { roles: ['staff'], login: 'nat.colleague' });
    // Yesterday: both signed in from their own browsers and signed out again.
    const victimBrowser = await signIn(t, victim.login);
    expect((await postForm(victimBrowser, '/logout', {})).status).toBe(303);
    const colleagueBrowser = await signIn(t, colleague.login);
    expect((await postForm(colleagueBrowser, '/logout', {})).status).toBe(303);

    // Today: the attacker, from the same address, guesses 40 invented logins and the victim's password.
    const attacker = await openLoginForm(request.agent(t.app.getHttpServer()));
    const guesses: Response[] = [];
    for (let i = 0; i < 40; i++) guesses.push(await postLogin(attacker, `invented-${i}`, 'guess'));
    for (let i = 0; i < 10; i++) guesses.push(await postLogin(attacker, victim.login, `guess ${i}`));
    expect(statuses(guesses)).toEqual({ 422: 30, 429: 20 });

    // The victim's own browser still signs in with the right password…
    const victimLogin = await postLogin(await openLoginForm(victimBrowser), victim.login, TEST_PASSWORD);
    expect(victimLogin.status).toBe(303);
    expect((await victimBrowser.get('/')).text).toContain(`${victim.name}さん、こんにちは。`);
    // …and so does the colleague's.
    expect((await postLogin(await openLoginForm(colleagueBrowser), colleague.login, TEST_PASSWORD)).status).toBe(303);

    // A browser nobody at this address has signed in with before meets the address's limit: a Japanese
    // 429 page saying from when to try again (at most 15 minutes; see README「ログインの保護」).
    const unknownBrowser = await postLogin(await openLoginForm(request.agent(t.app.getHttpServer())), victim.login, TEST_PASSWORD);
    expect(unknownBrowser.status).toBe(429);
    expect(unknownBrowser.text).toMatch(/<html lang="ja">/);
    expect(unknownBrowser.text).toMatch(/ログインの試行回数が上限に達しました。 \d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2} 以降にもう一度お試しください。/);
    const retryAfter = Number(unknownBrowser.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  });
});

describe('the device cookie', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is signed and tied to its login: an altered one, or one for another login, gives no allowance', async () => {
    const owner = await createUser(t, { roles: ['staff'], login: 'nat.owner' });
    const other = await createUser(t, { roles: ['staff'], login: 'nat.other' });
    const ownerBrowser = request.agent(t.app.getHttpServer());
    const login = await postLogin(await openLoginForm(ownerBrowser), owner.login, TEST_PASSWORD);
    expect(login.status).toBe(303);
    const device = cookiePair(login, 'tane.device')!;
    expect(device).toBeDefined();
    const attributes = setCookieLines(login)
      .find((l) => l.startsWith('tane.device='))!
      .split(';')
      .map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    // the login is not written in it (a shared PC does not tell the next person who used it)
    expect(decodeURIComponent(device)).not.toContain(owner.login);

    // Someone at this address uses up its allowance for unknown browsers…
    const guesser = await openLoginForm(request.agent(t.app.getHttpServer()));
    for (let i = 0; i < 30; i++) expect((await postLogin(guesser, `invented-${i}`, 'guess')).status).toBe(422);
    expect((await postLogin(guesser, other.login, TEST_PASSWORD)).status).toBe(429);

    // …so only a valid token for the login being tried gets through.
    const tampered = device.slice(0, -3) + (device.endsWith('AAA') ? 'BBB' : 'AAA');
    for (const [what, cookie, loginAs] of [
      ['altered', tampered, owner.login],
      ['for another login', device, other.login],
    ] as const) {
      const page = await request(t.app.getHttpServer()).get('/login');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
      const res = await request(t.app.getHttpServer())
        .post('/login')
        .set('Cookie', [cookie, ...setCookieLines(page).map((l) => l.split(';')[0])].join('; '))
        .type('form')
        .send({ _csrf: token, login: loginAs, password: TEST_PASSWORD });
      expect({ what, status: res.status }).toEqual({ what, status: 429 });
    }
    expect((await postForm(ownerBrowser, '/logout', {})).status).toBe(303);
    const genuine = await postLogin(await openLoginForm(ownerBrowser), owner.login, TEST_PASSWORD);
    expect(genuine.status).toBe(303);
  });
});

describe('one account guessed from many addresses', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ overrides: { trustProxy: 1 } });
  });
  afterAll(() => t.close());

  it("slows every unknown browser for that account with growing delays, but not the owner's browser", async () => {
    const victim = await createUser(t, { roles: ['staff'], login: 'spread.victim' });
    const ownBrowser = request.agent(t.app.getHttpServer()).set('X-Forwarded-For', '198.51.100.1');
    expect((await postLogin(await openLoginForm(ownBrowser), victim.login, TEST_PASSWORD)).status).toBe(303);
    expect((await postForm(ownBrowser, '/logout', {})).status).toBe(303);

    // 4 guesses from each of 6 addresses: under each address's own limit, over the account's 20.
    const results: Response[] = [];
    for (let a = 0; a < 6; a++) {
      const form = await openLoginForm(request.agent(t.app.getHttpServer()).set('X-Forwarded-For', `192.0.2.${10 + a}`));
      for (let i = 0; i < 4; i++) results.push(await postLogin(form, victim.login, `guess ${a}-${i}`));
    }
    expect(statuses(results)).toEqual({ 422: 20, 429: 4 });
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.text).toContain(THROTTLED);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    // A new address and browser, with the right password: slowed as well (the account is under attack)…
    const fresh = await postLogin(await openLoginForm(request.agent(t.app.getHttpServer()).set('X-Forwarded-For', '192.0.2.99')), victim.login, TEST_PASSWORD);
    expect(fresh.status).toBe(429);
    // …but the browser the victim signed in with before is not.
    expect((await postLogin(await openLoginForm(ownBrowser), victim.login, TEST_PASSWORD)).status).toBe(303);
  });
});

describe('fair share of the password hash', () => {
  let t: TestApp;
  const from = (ip: string): TestAgent => request.agent(t.app.getHttpServer()).set('X-Forwarded-For', ip);
  beforeAll(async () => {
    t = await createTestApp({ overrides: { trustProxy: 1 } });
  });
  afterAll(() => t.close());

  /**
   * One client floods: it keeps 50 requests in flight, sending a new one as each is answered, until the
   * bystander's login (sent once the flood is under way, from another client) has been answered.
   * Returns that login and how many of the flood's requests were checked against a password hash
   * (answered 422) while it waited: a count, not a time. With one first-come hash queue the login
   * waited behind every check the flood kept queued (50 at any moment, 200–300 in all before issue 10).
   * Now the flood has at most PASSWORD_CHECKS_IN_FLIGHT checks in flight, one hash at a time, and the
   * throttle stops its checks after 30 (a bad-login flood) or 10 (the password form).
   */
  async function floodThenLogin(send: (i: number) => Promise<Response>, bystander: { login: string; ip: string }) {
    const form = await openLoginForm(from(bystander.ip));
    let checked = 0;
    let sent = 0;
    let stop = false;
    const statusesSeen = new Set<number>();
    const worker = async (): Promise<void> => {
      while (!stop && sent < 2000) {
        const res = await send(sent++);
        statusesSeen.add(res.status);
        if (res.status === 422) checked += 1;
      }
    };
    const workers = Array.from({ length: 50 }, worker);
    await until(() => checked >= 1, 'the first checked flood request');
    const checkedBefore = checked;
    const login = await postLogin(form, bystander.login, TEST_PASSWORD);
    const checkedWhileWaiting = checked - checkedBefore;
    stop = true;
    await Promise.all(workers);
    return { login, checkedWhileWaiting, statusesSeen };
  }

  it("300 bad logins from one client do not make another client's correct login wait for them", async () => {
    const bystander = await createUser(t, { roles: ['staff'] });
    const floodForm = await openLoginForm(from('203.0.113.60'));
    const { login, checkedWhileWaiting, statusesSeen } = await floodThenLogin((i) => postLogin(floodForm, `flood-${i}`, 'まちがい'), {
      login: bystander.login,
      ip: '203.0.113.61',
    });
    expect(login.status).toBe(303);
    // It did not wait for the checks the flood keeps queued (50 at any moment).
    expect(checkedWhileWaiting).toBeLessThan(50);
    expect([...statusesSeen].every((status) => status === 422 || status === 429)).toBe(true);
  });

  it("300 password-change posts from one signed-in user do not make another client's login wait for them", async () => {
    const flooder = await createUser(t, { roles: ['staff'] });
    const bystander = await createUser(t, { roles: ['staff'] });
    const agent = await signIn(t, flooder.login);
    const token = await csrfToken(agent, '/account/password');
    const hashBefore = await passwordHashOf(t, flooder.id);
    const { login, checkedWhileWaiting, statusesSeen } = await floodThenLogin(
      (i) =>
        agent
          .post('/account/password')
          .type('form')
          .send({ _csrf: token, currentPassword: `まちがい ${i}`, newPassword: '新しい合言葉は春の小川', newPasswordConfirm: '新しい合言葉は春の小川' }),
      { login: bystander.login, ip: '203.0.113.62' },
    );
    expect(login.status).toBe(303);
    // It did not wait for the checks the flood keeps queued (50 at any moment).
    expect(checkedWhileWaiting).toBeLessThan(50);
    expect([...statusesSeen].every((status) => status === 422 || status === 429)).toBe(true);
    expect(await passwordHashOf(t, flooder.id)).toBe(hashBefore);
  });
});

describe('the current-password check of the password-change form', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is throttled like login: after 40 wrong guesses the right password does not change it', async () => {
    const user = await createUser(t, { roles: ['staff'] });
    const agent = await signIn(t, user.login);
    const token = await csrfToken(agent, '/account/password');
    const hashBefore = await passwordHashOf(t, user.id);
    const newPassword = '新しい合言葉は春の小川';
    const change = (current: string) =>
      agent.post('/account/password').type('form').send({ _csrf: token, currentPassword: current, newPassword, newPasswordConfirm: newPassword });

    const guesses: Response[] = [];
    for (let i = 0; i < 40; i++) guesses.push(await change(`まちがい ${i}`));
    const counts = statuses(guesses);
    expect(counts[422]).toBeLessThanOrEqual(10);
    expect(counts[429]).toBeGreaterThanOrEqual(30);

    const right = await change(TEST_PASSWORD);
    expect(right.status).toBe(429);
    expect(right.text).toMatch(/<html lang="ja">/);
    expect(right.text).toContain('現在のパスワードの確認に続けて失敗したため、しばらく変更できません。');
    expect(right.text).toContain('以降にもう一度お試しください。');
    expect(await passwordHashOf(t, user.id)).toBe(hashBefore);
    // still signed in: the throttle slows the guessing, it does not end the session
    expect((await agent.get('/')).status).toBe(200);
  });
});

describe('anonymous visits store no session', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('20 visits to the login page, a failed login and other anonymous pages write no session row', async () => {
    const before = await sessionRowCount(t);
    for (let i = 0; i < 20; i++) {
      const page = await request(t.app.getHttpServer()).get('/login');
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/name="_csrf" value="[^"]+"/);
    }
    const failed = await postLogin(await openLoginForm(request.agent(t.app.getHttpServer())), 'no.such.user', 'まちがい');
    expect(failed.status).toBe(422);
    expect(failed.text).toContain(LOGIN_FAILED);
    for (const path of ['/', '/proposals', '/no-such-page', '/login?loggedOut=1', '/healthz']) {
      expect((await request(t.app.getHttpServer()).get(path)).status).toBeLessThan(500);
    }
    expect(await sessionRowCount(t)).toBe(before);
  });

  it("the login form is still CSRF-protected: no token, a wrong token, or another browser's token is refused", async () => {
    const user = await createUser(t, { roles: ['staff'] });
    const server = t.app.getHttpServer();
    const mine = await openLoginForm(request.agent(server));
    const theirs = await openLoginForm(request.agent(server));

    const noToken = await mine.agent.post('/login').type('form').send({ login: user.login, password: TEST_PASSWORD });
    const wrongToken = await mine.agent
      .post('/login')
      .type('form')
      .send({ _csrf: 'x'.repeat(43), login: user.login, password: TEST_PASSWORD });
    const foreignToken = await mine.agent.post('/login').type('form').send({ _csrf: theirs.token, login: user.login, password: TEST_PASSWORD });
    const noCookie = await request(server).post('/login').type('form').send({ _csrf: mine.token, login: user.login, password: TEST_PASSWORD });
    for (const res of [noToken, wrongToken, foreignToken, noCookie]) {
      expect(res.status).toBe(403);
      expect(res.text).toContain(CSRF_MESSAGE);
    }
    expect(await t.dataSource.getRepository(SessionRecord).count({ where: { userId: user.id } })).toBe(0);

    const ok = await postLogin(mine, user.login, TEST_PASSWORD);
    expect(ok.status).toBe(303);
    expect(await t.dataSource.getRepository(SessionRecord).count({ where: { userId: user.id } })).toBe(1);
  });
});

describe('a temporary password set by an administrator', () => {
  let t: TestApp;
  let admin: TestAgent;
  beforeAll(async () => {
    t = await createTestApp();
    const adminUser = await createUser(t, { roles: ['staff', 'admin'] });
    admin = await signIn(t, adminUser.login);
  });
  afterAll(() => t.close());

  const temporaryIn = (html: string): string | null => /仮パスワード「([^」]+)」/.exec(html)?.[1] ?? null;
  const rowsContaining = async (text: string): Promise<number> =>
    (await t.dataSource.getRepository(SessionRecord).find()).filter((r) => r.data.includes(text)).length;

  it('is shown once in the answer to the reset and never written to a session row', async () => {
    const user = await createUser(t, { roles: ['staff'] });
    const res = await postForm(admin, `/admin/users/${user.id}/reset-password`, {}, `/admin/users/${user.id}`);
    // the page comes back from the post itself, not from a redirect that would have to store it
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const temporary = temporaryIn(res.text);
    expect(temporary).toMatch(/^[A-Za-z2-9]{14}$/);
    expect(await rowsContaining(temporary!)).toBe(0);

    const again = await admin.get(`/admin/users/${user.id}`);
    expect(temporaryIn(again.text)).toBeNull();
    expect(await rowsContaining(temporary!)).toBe(0);
    const login = await postLogin(await openLoginForm(request.agent(t.app.getHttpServer())), user.login, temporary!);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/account/password');
  });

  it('is shown once when an account is created, and never written to a session row', async () => {
    const res = await postForm(
      admin,
      '/admin/users',
      { login: 'temp.created', name: '仮 登録', email: '', divisionId: '', roles: 'staff' },
      '/admin/users/new',
    );
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('仮 登録さん（temp.created）を登録しました。');
    const temporary = temporaryIn(res.text);
    expect(temporary).toMatch(/^[A-Za-z2-9]{14}$/);
    expect(await rowsContaining(temporary!)).toBe(0);
    expect(temporaryIn((await admin.get('/admin/users')).text)).toBeNull();
  });
});
