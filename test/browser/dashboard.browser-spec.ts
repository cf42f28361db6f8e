import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { Response } from 'supertest';
import { jstDateString } from '../../src/common/jst';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { Routing } from '../../src/proposals/routing.entity';
import { BrowserSession, launchBrowser, newSession, PageProblem, saveScreenshot } from '../factories/browser';
import { loadProposal, postForm, submitProposal, postConfirmed } from '../factories/proposals';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { seedDemo, signIn } from '../factories/users';

/** axe-core, injected from the installed package (nothing is downloaded at test time). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** WCAG 2.1 A/AA violations of impact serious or critical on the page; written as a string because the test code has no DOM types. */
const AXE_RUN = `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
  .then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(' | ')))`;

/** The dashboards of the demo accounts in a real browser, at a desk (1280 px) and on a phone (390 px). */
describe('dashboards in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let session: BrowserSession;

  beforeAll(async () => {
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    browser = await launchBrowser();

    // a little of everything, through the forms: returned, overdue, awaiting decision, adopted
    const staff = await signIn(t, 'demo-staff', DEMO_PASSWORD);
    const office = await signIn(t, 'demo-office', DEMO_PASSWORD);
    const reviewer = await signIn(t, 'demo-reviewer', DEMO_PASSWORD);
    const shimin = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' });
    const version = async (id: number) => String((await loadProposal(t, id)).version);
    const ok = (res: Response) => expect(res.status).toBe(303);
    const route = async (id: number) =>
      ok(
        await postForm(office, `/proposals/${id}/accept`, {
          version: await version(id),
          leadDivisionId: String(shimin.id),
          dueOn: addDays(jstDateString(new Date()), 14),
          comment: '',
        }),
      );

    const returned = await submitProposal(staff, { title: '会議資料のペーパーレス化を全庁で進める' });
    ok(
      await postConfirmed(office, `/proposals/${returned}/return`, {
        version: await version(returned),
        comment: '削減できる用紙の枚数の見込みを書き添えてください。',
      }),
    );
    const overdue = await submitProposal(staff, { title: '窓口の番号札を呼出アプリに置き換える' });
    await route(overdue);
    await t.dataSource.getRepository(Routing).update({ proposalId: overdue }, { dueOn: addDays(jstDateString(new Date()), -2) });
    await route(await submitProposal(staff, { title: '公用車の予約をオンライン化する' }));
    const adopted = await submitProposal(staff, { title: 'コピー用紙の両面印刷を標準設定にする' });
    await route(adopted);
    ok(await postForm(reviewer, `/proposals/${adopted}/opinion`, { version: await version(adopted), outcome: 'adopted', opinionText: '実施可能です。' }));
    ok(
      await postConfirmed(office, `/proposals/${adopted}/decision`, {
        version: await version(adopted),
        decision: 'adopted',
        reason: '効果が大きい',
        answer: '採用します。',
      }),
    );
    await submitProposal(staff, { title: '庁内の電話帳を検索できるようにする' });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  beforeEach(async () => {
    session = await newSession(browser, baseUrl(t));
  });
  afterEach(async () => {
    await session?.close();
  });

  async function signInAs(page: Page, login: string): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('ログインID', { exact: true }).fill(login);
    await page.getByLabel('パスワード', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
  }

  /** Looks at the dashboard at both widths: sections present, no sideways scrolling, no machine text, no serious accessibility fault, screenshots saved. */
  async function lookAt(page: Page, name: string, headings: string[]): Promise<void> {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 1280 ? 800 : 844 });
      await page.goto('/');
      for (const heading of headings) await expect(page.getByRole('heading', { name: heading, exact: true }).isVisible()).resolves.toBe(true);
      // as a string: the test code is compiled without the DOM types
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect({ width, overflow }).toEqual({ width, overflow: 0 });
      const text = await page.locator('main').innerText();
      expect(text).not.toMatch(/\[object Object\]|undefined|NaN|Invalid Date|\d{4}-\d{2}-\d{2}/);
      await page.evaluate(AXE_SOURCE);
      expect(await page.evaluate<string[]>(AXE_RUN)).toEqual([]);
      await saveScreenshot(page, `dashboard-${name}-${width}`);
    }
    expect(session.problems).toEqual<PageProblem[]>([]);
  }

  it('staff: own proposals by state, the returned one with its comment, the unread answer', async () => {
    const page = session.page;
    await signInAs(page, 'demo-staff');
    await lookAt(page, 'staff', ['自分の提案', '差し戻された提案', 'まだ読んでいない回答']);
    await expect(page.getByText('削減できる用紙の枚数の見込みを書き添えてください。').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('staff-unread').getByText('コピー用紙の両面印刷を標準設定にする').isVisible()).resolves.toBe(true);
  });

  it('reviewer: opinions due with the overdue one first, implementations to report', async () => {
    const page = session.page;
    await signInAs(page, 'demo-reviewer');
    await lookAt(page, 'reviewer', ['所管課の仕事（市民課）', '意見の回答待ち（期限の近い順）', '実施状況を報告する提案', '自分の提案']);
    const first = page.getByTestId('reviewer-due').locator('li').first();
    await expect(first.innerText()).resolves.toContain('窓口の番号札を呼出アプリに置き換える');
    await expect(first.innerText()).resolves.toContain('2日超過');
  });

  it("office: to screen, awaiting decision, overdue per division, this year's figures with the chart", async () => {
    const page = session.page;
    await signInAs(page, 'demo-office');
    await lookAt(page, 'office', ['事務局の仕事', '受付待ち（古い順）', '審査待ち（採否の決定）', '回答期限を過ぎた意見（課別）']);
    await expect(page.getByTestId('office-year').locator('svg').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('office-overdue').innerText()).resolves.toContain('市民課');
  });

  it('admin: the admin links with counts, and the empty own-proposals section that says what to do first', async () => {
    const page = session.page;
    await signInAs(page, 'demo-admin');
    await lookAt(page, 'admin', ['システム管理', '自分の提案']);
    await expect(page.getByRole('link', { name: '新しい提案を書く' }).isVisible()).resolves.toBe(true);
  });
});
