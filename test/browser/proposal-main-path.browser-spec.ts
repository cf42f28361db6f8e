import type { Browser, Page } from 'playwright-core';
import { jstDateString } from '../../src/common/jst';
import { BrowserSession, PageProblem, launchBrowser, saveScreenshot, signedInSession } from '../factories/browser';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { seedDemo } from '../factories/users';

/**
 * The main path in a real browser, with the demo accounts: staff submits → office accepts and routes
 * → reviewer gives the division's opinion → office adopts → reviewer records 実施済 → staff reads the
 * answer and the history. Each person has their own browser context (own cookies), as in real life.
 */
describe('a proposal from draft to 実施済 in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  const sessions: BrowserSession[] = [];

  beforeAll(async () => {
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const s of sessions) await s.close();
    await browser?.close();
    await t?.close();
  });

  async function signedIn(login: string): Promise<Page> {
    const session = await signedInSession(browser, baseUrl(t), login);
    sessions.push(session);
    return session.page;
  }

  it('goes all the way, and each person sees only what they should', async () => {
    const title = 'コピー用紙の両面印刷を標準設定にする';

    // 職員: writes and submits
    const staff = await signedIn('demo-staff');
    await staff.getByRole('link', { name: '新しい提案を書く' }).click();
    await staff.getByLabel('件名').fill(title);
    await staff.getByLabel('提案分野').selectOption({ label: '文書管理・ペーパーレス' });
    await staff.getByLabel('現状・課題').fill('片面印刷が既定で、用紙の使用量が多い。');
    await staff.getByLabel('提案内容').fill('全庁のプリンタの既定を両面印刷にする。');
    await staff.getByLabel('期待される効果').fill('用紙代の削減と保管スペースの節約。');
    await staff.getByLabel('削減額の見込み（円／年・任意）').fill('1,200,000');
    await staff.getByRole('button', { name: '提出', exact: true }).click();
    await staff.waitForURL(/\/proposals\/\d+$/);
    const proposalUrl = new URL(staff.url()).pathname;
    await expectText(staff, '[data-testid="status"]', '受付待ち');
    const number = (await staff.locator('[data-testid="number"]').innerText()).trim();
    expect(number).toMatch(/^\d{4}-\d{4}$/);

    // the reviewer cannot see it before it is routed to the division
    const reviewer = await signedIn('demo-reviewer');
    const early = await reviewer.goto(proposalUrl);
    expect(early?.status()).toBe(404);

    // 改革推進課: accepts and routes to 市民課 from the inbox
    const office = await signedIn('demo-office');
    await office.getByRole('link', { name: '事務局の受付箱', exact: true }).click();
    await office.getByRole('link', { name: new RegExp(title) }).click();
    await office.getByLabel('主管課', { exact: true }).selectOption({ label: '市民課（審査担当 1人）' });
    await office.getByRole('button', { name: '受理して回付する' }).click();
    await expectText(office, '[data-testid="status"]', '所管課検討中');
    await saveScreenshot(office, 'main-path-office-routed');

    // 所管課: gives the opinion from its inbox
    await reviewer.goto('/review');
    await reviewer.getByRole('link', { name: title }).click();
    await reviewer.getByLabel('推奨する採否').selectOption({ label: '採用' });
    await reviewer.getByLabel('意見', { exact: true }).fill('全庁で実施可能です。情報政策課と調整済み。');
    await reviewer.getByRole('button', { name: '意見を登録する' }).click();
    await expectText(reviewer, '[data-testid="status"]', '審査待ち');

    // 改革推進課: adopts
    await office.goto(proposalUrl);
    await office.getByLabel('採否', { exact: true }).selectOption({ label: '採用' });
    await office.getByLabel('採否の理由').fill('費用対効果が高い');
    await office.getByLabel('提案者への回答').fill('採用します。来月から全庁のプリンタ設定を変更します。');
    // the decision notifies at once, so it asks for a tick first: without it nothing is decided
    await office.getByRole('button', { name: '採否を決定する' }).click();
    await expectText(office, '#confirm-error', 'チェックを入れてください');
    expect(await office.getByLabel('提案者への回答').inputValue()).toBe('採用します。来月から全庁のプリンタ設定を変更します。');
    await office.getByLabel('この内容で決定し、提案者に通知します', { exact: false }).check();
    await office.getByRole('button', { name: '採否を決定する' }).click();
    await expectText(office, '[data-testid="decision"]', '採用');

    // 所管課: reports 実施中 and then 実施済
    await reviewer.goto(proposalUrl);
    await reviewer.getByLabel('実施状況', { exact: true }).selectOption({ label: '実施中' });
    await reviewer.getByRole('button', { name: '報告する' }).click();
    await expectText(reviewer, '[data-testid="implementation"]', '実施中');
    await reviewer.getByLabel('実施状況', { exact: true }).selectOption({ label: '実施済' });
    await reviewer.getByLabel('実施日（実施済のとき）').fill(jstDateString(new Date()));
    await reviewer.getByLabel('実際の削減額（円／年）').fill('980000');
    await reviewer.getByRole('button', { name: '報告する' }).click();
    await expectText(reviewer, '[data-testid="implementation"]', '実施済');

    // 職員: reads the answer and the whole history, and was notified
    await staff.goto('/notifications');
    expect(await staff.locator('.notification-list li').count()).toBeGreaterThanOrEqual(4);
    await staff.goto(proposalUrl);
    await expectText(staff, '[data-testid="answer"]', '採用します。来月から全庁のプリンタ設定を変更します。');
    const history = await staff.locator('[data-testid="history"] li').allInnerTexts();
    const steps = ['提出', '受理・回付', '所管課意見', '全意見そろう', '採否決定', '実施状況の更新'];
    for (const step of steps) expect(history.some((line) => line.includes(step))).toBe(true);
    expect(history.filter((line) => line.includes('実施状況の更新'))).toHaveLength(2);
    // the proposer cannot act for the office
    expect(await staff.getByRole('button', { name: '採否を決定する' }).count()).toBe(0);
    await saveScreenshot(staff, 'main-path-staff-answer');

    // nothing went wrong in any browser
    for (const s of sessions) {
      // the 404s are checked above; the one 422 is the decision posted without its confirmation tick
      const expected = (p: PageProblem) =>
        p.kind === 'console' && (/status of 404/.test(p.text) || (/status of 422/.test(p.text) && p.url.endsWith('/decision')));
      const unexpected = s.problems.filter((p) => !expected(p));
      expect(unexpected).toEqual([]);
    }
  });
});

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).waitFor();
  expect(await page.locator(selector).innerText()).toContain(text);
}
