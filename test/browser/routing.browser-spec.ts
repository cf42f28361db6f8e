import type { Browser } from 'playwright-core';
import { BrowserSession, launchBrowser, saveScreenshot, signedInSession } from '../factories/browser';
import { submitProposal } from '../factories/proposals';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * The office routes a proposal in a real browser: narrows the 課 by typing, picks a lead division and
 * a related one that has no reviewer, is warned, then enters that division's opinion on its behalf.
 */
describe('routing in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let session: BrowserSession;

  beforeAll(async () => {
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await session?.close();
    await browser?.close();
    await t?.close();
  });

  it('narrows the 課, warns about one without reviewers, and takes its opinion on its behalf', async () => {
    await createUser(t, { login: 'route-staff', roles: ['staff'], divisionCode: '411' });
    const id = await submitProposal(await signIn(t, 'route-staff'), { title: '会議録の作成に音声認識を使う' });

    session = await signedInSession(browser, baseUrl(t), 'demo-office');
    const page = session.page;
    await page.goto(`/proposals/${id}`);

    // typing narrows the checklist; a 課 without reviewers says so
    await page.getByLabel('課の名前で絞り込む').fill('財政課');
    await page.getByLabel('財政課', { exact: false }).first().waitFor();
    const visible = await page.locator('.division-checklist__box .field--checkbox:visible label').allInnerTexts();
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.every((text) => text.includes('財政課'))).toBe(true);
    await page.getByLabel('課の名前で絞り込む').fill('');

    await page.getByLabel('主管課', { exact: true }).selectOption({ label: '市民課（審査担当 1人）' });
    await page.locator('.division-checklist__box label', { hasText: '財政課' }).click();
    await saveScreenshot(page, 'routing-office-form-1280');
    await page.getByRole('button', { name: '受理して回付する' }).click();
    await page.getByText('財政課には有効な審査担当がいません').waitFor();

    // 代理入力
    await page.locator('summary', { hasText: '所管課意見の代理入力' }).click();
    await page.getByLabel('意見を入力する課').selectOption({ label: '財政課' });
    await page.locator('#proxy-outcome').selectOption({ label: '採用' });
    await page.locator('#proxy-opinionText').fill('電話で財政課に確認した意見です。');
    await page.getByRole('button', { name: '代理入力する' }).click();
    await page.getByText('所管課の意見を代理入力しました。').waitFor();
    expect(await page.locator('[data-testid="history"]').innerText()).toContain('代理入力');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, 'routing-office-after-390');
    expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
    expect(session.problems).toEqual([]);
  });
});
