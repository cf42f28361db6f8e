import type { Browser, Page } from 'playwright-core';
import { LOGIN_FAILED_MESSAGE } from '../../src/auth/auth.service';
import { DEMO_PASSWORD, DEMO_USERS } from '../../src/database/demo-seed.service';
import { BrowserSession, launchBrowser, newSession, PageProblem, saveScreenshot } from '../factories/browser';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { seedDemo } from '../factories/users';

const ADMIN_LINKS = ['ユーザー', '組織', '提案分野', '設定'];
const JUDGE_MENU = ['ダッシュボード', '提案一覧', '採用事例', '採点'];

/** The menu each demo account should see, written out by hand from the roles. */
const EXPECTED_MENU: Record<string, string[]> = {
  'demo-staff': ['ダッシュボード', '自分の提案', '提案一覧', '採用事例', 'テーマ募集', 'カイゼン報告', '実績'],
  'demo-reviewer': ['ダッシュボード', '自分の提案', '所管課の受付箱', '提案一覧', '採用事例', 'テーマ募集', 'カイゼン報告', '実績'],
  'demo-office': ['ダッシュボード', '自分の提案', '事務局の受付箱', '提案一覧', '採用事例', 'テーマ募集', 'カイゼン報告', '審査・表彰', '集計', '実績'],
  'demo-admin': ['ダッシュボード', '自分の提案', '提案一覧', '採用事例', 'テーマ募集', 'カイゼン報告', '集計', '実績', ...ADMIN_LINKS],
  // 所属長 (a member of staff too): the staff menu, カイゼン報告 being where reports wait for confirmation
  'demo-head': ['ダッシュボード', '自分の提案', '提案一覧', '採用事例', 'テーマ募集', 'カイゼン報告', '実績'],
  // 審査員 only (the 審査委員会): no own proposals, no reports; the rounds they score
  'demo-judge': JUDGE_MENU,
  'demo-judge2': JUDGE_MENU,
  'demo-judge3': JUDGE_MENU,
};

/** Path and query of the page's current URL, e.g. "/login?next=%2F". */
const location = (page: Page): string => {
  const url = new URL(page.url());
  return url.pathname + url.search;
};

/** Fills the login form by its labels and submits it. */
async function submitLogin(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel('ログインID', { exact: true }).fill(login);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
}

async function signInAs(page: Page, login: string): Promise<void> {
  await page.goto('/');
  await page.waitForURL('**/login?next=%2F');
  await submitLogin(page, login, DEMO_PASSWORD);
  await page.waitForURL((url) => url.pathname === '/');
}

describe('login in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  beforeEach(async () => {
    session = await newSession(browser, baseUrl(t));
    page = session.page;
  });

  afterEach(async () => {
    await session?.close();
  });

  /**
   * Nothing went wrong in the browser during the test's flow: no console error, no uncaught exception,
   * no CSP violation. The one exception is Chromium's own "Failed to load resource: … status of 422"
   * line, which it logs whenever a document arrives with an error status; a refused form is answered
   * with 422 by design, so each flow names exactly the refused submissions it expects ("422 /login").
   * Chromium's automatic /favicon.ico request is left out: whether it finishes before the context closes
   * depends on timing, so the favicon has its own test below.
   */
  const expectNoPageProblems = (expectedErrorResponses: string[] = []): void => {
    const httpStatus = /^Failed to load resource: the server responded with a status of (\d+)/;
    const responses = session.problems
      .filter((p) => p.kind === 'console' && httpStatus.test(p.text))
      .map((p) => `${httpStatus.exec(p.text)![1]} ${new URL(p.url).pathname}`)
      .filter((r) => !r.endsWith(' /favicon.ico'));
    const others = session.problems.filter((p) => !(p.kind === 'console' && httpStatus.test(p.text)));
    expect(others).toEqual<PageProblem[]>([]);
    expect(responses).toEqual(expectedErrorResponses);
  };

  it.each(DEMO_USERS)('%s (%s, roles %j) signs in, sees the menu for the roles and signs out', async (login, name, roles) => {
    const isAdmin = roles.includes('admin');

    await page.goto('/');
    await page.waitForURL('**/login?next=%2F');
    expect(location(page)).toBe('/login?next=%2F');
    expect(await page.title()).toBe('ログイン | 改革のタネ');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('ログイン');
    // Nobody is signed in: the header has no menu and no user.
    expect(await page.getByRole('navigation', { name: 'メインメニュー' }).count()).toBe(0);
    if (isAdmin) await saveScreenshot(page, 'login-page');

    await submitLogin(page, login, DEMO_PASSWORD);
    await page.waitForURL((url) => url.pathname === '/');
    expect(location(page)).toBe('/');
    expect(await page.title()).toBe('ダッシュボード | 改革のタネ');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('ダッシュボード');
    expect(await page.getByRole('status').filter({ hasText: 'ようこそ' }).innerText()).toBe(`${name}さん、ようこそ。`);

    const header = page.getByRole('banner');
    expect(await header.getByTestId('current-user').innerText()).toBe(name);

    const nav = page.getByRole('navigation', { name: 'メインメニュー' });
    const links = (await nav.getByRole('link').allInnerTexts()).map((s) => s.trim());
    expect(links).toEqual(EXPECTED_MENU[login]);
    // at a desk (1280 px) the menu is one row, however many roles the person has
    expect(page.viewportSize()?.width).toBe(1280);
    const tops = await nav
      .getByRole('link')
      .evaluateAll((els) => els.map((e) => Math.round((e as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
    expect(await nav.getByRole('link', { name: 'ダッシュボード' }).getAttribute('aria-current')).toBe('page');
    for (const label of ADMIN_LINKS) {
      expect(await nav.getByRole('link', { name: label, exact: true }).count()).toBe(isAdmin ? 1 : 0);
    }
    // The admin's shortcut card on the dashboard follows the same rule.
    expect(await page.getByRole('heading', { name: 'システム管理' }).count()).toBe(isAdmin ? 1 : 0);
    if (isAdmin) await saveScreenshot(page, 'admin-dashboard');

    await header.getByRole('button', { name: 'ログアウト' }).click();
    await page.waitForURL('**/login?loggedOut=1');
    expect(location(page)).toBe('/login?loggedOut=1');
    expect(await page.getByRole('status').filter({ hasText: 'ログアウト' }).innerText()).toBe('ログアウトしました。');
    expect(await page.getByTestId('current-user').count()).toBe(0);
    expect(await page.getByLabel('ログインID', { exact: true }).inputValue()).toBe('');

    // The session is really gone: the dashboard sends us back to the login page.
    await page.goto('/');
    await page.waitForURL('**/login?next=%2F');
    expect(location(page)).toBe('/login?next=%2F');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('ログイン');
    expect(await page.getByTestId('current-user').count()).toBe(0);

    expectNoPageProblems();
  });

  it('a wrong password shows the generic error and keeps the typed login id', async () => {
    await page.goto('/login');
    await submitLogin(page, 'demo-office', 'not-the-password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(location(page)).toBe('/login');
    expect(await alert.innerText()).toContain('入力内容を確認してください');
    expect(await alert.innerText()).toContain(LOGIN_FAILED_MESSAGE);
    expect(await page.getByLabel('ログインID', { exact: true }).inputValue()).toBe('demo-office');
    // The password is never sent back.
    expect(await page.getByLabel('パスワード', { exact: true }).inputValue()).toBe('');
    expect(await page.getByTestId('current-user').count()).toBe(0);

    // An unknown login gets exactly the same message, so the page does not reveal which logins exist.
    await submitLogin(page, 'no-such-person', 'not-the-password');
    await page.waitForURL('**/login');
    const second = page.getByRole('alert');
    await second.waitFor();
    expect(await second.locator('li').allInnerTexts()).toEqual([LOGIN_FAILED_MESSAGE]);
    expect(await page.getByLabel('ログインID', { exact: true }).inputValue()).toBe('no-such-person');

    // Still not signed in.
    await page.goto('/');
    await page.waitForURL('**/login?next=%2F');

    expectNoPageProblems(['422 /login', '422 /login']);
  });

  it('an admin creating a category with an empty name gets the errors, then succeeds', async () => {
    const categoryName = '市民協働・地域連携';
    await signInAs(page, 'demo-admin');

    await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '提案分野', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/admin/categories');
    expect(await page.getByRole('cell', { name: categoryName }).count()).toBe(0);

    await page.getByRole('link', { name: '提案分野を登録' }).click();
    await page.waitForURL('**/admin/categories/new');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('提案分野の登録');
    expect(await page.getByLabel('名称', { exact: true }).inputValue()).toBe('');

    await page.getByRole('button', { name: '登録する' }).click();
    const summary = page.getByRole('alert');
    await summary.waitFor();
    await saveScreenshot(page, 'category-form-error');
    expect(location(page)).toBe('/admin/categories');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('提案分野の登録');
    expect(await summary.getByRole('heading').innerText()).toBe('入力内容を確認してください');
    expect(await summary.locator('li').allInnerTexts()).toEqual(['名称を入力してください。']);

    const nameField = page.getByLabel('名称', { exact: true });
    expect(await nameField.getAttribute('aria-invalid')).toBe('true');
    expect(await nameField.getAttribute('aria-describedby')).toBe('name-error');
    // The message sits right beside the field, inside the same .field block.
    const fieldMessage = page.locator('.field', { has: nameField }).locator('#name-error');
    expect(await fieldMessage.innerText()).toBe('名称を入力してください。');
    // What was typed elsewhere is kept.
    expect(await page.getByLabel('表示順').inputValue()).toBe('0');
    expect(await page.getByLabel('新しい提案で使用する').isChecked()).toBe(true);

    await nameField.fill(categoryName);
    await page.getByLabel('表示順').fill('115');
    await page.getByRole('button', { name: '登録する' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/categories' && url.search === '');
    await page.getByRole('heading', { level: 1, name: '提案分野の管理' }).waitFor();
    expect(await page.getByRole('status').innerText()).toBe(`提案分野「${categoryName}」を登録しました。`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: categoryName, exact: true }) });
    expect(await row.count()).toBe(1);
    expect((await row.getByRole('cell').allInnerTexts()).map((s) => s.trim())).toEqual(['115', categoryName, '使用中']);
    expect(await page.getByRole('alert').count()).toBe(0);

    expectNoPageProblems(['422 /admin/categories']);
  });

  it('the site has a favicon, so a first visit does not log a 404 in the console', async () => {
    await page.goto('/login');
    const declared = page.locator('link[rel~="icon"]');
    const iconUrl = (await declared.count()) > 0 ? ((await declared.first().getAttribute('href')) ?? '') : '/favicon.ico';
    const status = iconUrl.startsWith('data:') ? 200 : (await page.request.get(iconUrl)).status();
    expect(`${iconUrl} → ${status}`).toBe(`${iconUrl} → 200`);
  });

  it('the problem collector does notice a CSP violation (so the checks above can fail)', async () => {
    await page.goto('/login');
    // An inline script, as injected markup would add: the app's CSP (script-src 'self') must block it.
    await page.evaluate(`(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.append(s);
    })()`);
    const violation = await session.waitForProblem((p) => p.kind === 'csp');
    expect(JSON.parse(violation.text)).toMatchObject({ directive: 'script-src-elem', blockedURI: 'inline' });
    await session.waitForProblem((p) => p.kind === 'console' && p.text.includes('Content Security Policy'));
    expect(await page.evaluate('window.__inlineRan === true')).toBe(false);
  });
});
