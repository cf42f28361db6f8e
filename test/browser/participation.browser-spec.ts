import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fiscalYearOf } from '../../src/common/fiscal-year';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { BrowserSession, launchBrowser, signedInSession } from '../factories/browser';
import { DESK, lookAt, pageProblemsBesides } from '../factories/page-look';
import { submitProposal } from '../factories/proposals';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * 参加率 (issue 13) in a real browser: the office opens the page from 年度別集計 at a desk (1280 px) and on a
 * phone (390 px), enters the staff number of a 課 whose staff mostly have no account, and sees that 課's rate
 * and its 局・区's change. Every view: no sideways scrolling, no illegible button, no serious axe violation
 * (WCAG 2.1 A/AA).
 * Screenshots: test-output/participation/<nn>-<page>-<width>.png.
 */
jest.setTimeout(3 * 60_000);

const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output', 'participation');

describe('参加率 in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let session: BrowserSession | undefined;
  let shotCount = 0;
  const year = fiscalYearOf(new Date());

  beforeAll(async () => {
    rmSync(OUTPUT_DIR, { recursive: true, force: true });
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    // 区民課: demo-staff and demo-head have accounts; one of them and a colleague from 保険年金課 propose
    await createUser(t, { roles: ['staff'], login: 'pb-hoken', name: '保険 太郎', divisionCode: '412' });
    await submitProposal(await signIn(t, 'demo-staff', DEMO_PASSWORD), { title: '窓口の番号札をスマートフォンで呼び出す' });
    await submitProposal(await signIn(t, 'pb-hoken'), { title: '保険証の再発行を郵送でも受け付ける' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await session?.close();
    await browser?.close();
    await t?.close();
  });

  /** Screenshots at both widths (numbered in the order taken); what is wrong, so one run reports every view. */
  async function look(page: Page, name: string): Promise<string[]> {
    shotCount += 1;
    return lookAt(page, OUTPUT_DIR, `${String(shotCount).padStart(2, '0')}-${name}`);
  }

  /** The cells of a division's row in the table (its name first), as the page shows them. */
  const row = (page: Page, name: string) =>
    page
      .getByTestId('participation-table')
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name, exact: true }) })
      .getByRole('cell')
      .allInnerTexts();

  it('the office enters a staff number and sees the rate change', async () => {
    session = await signedInSession(browser, baseUrl(t), 'demo-office', DEMO_PASSWORD, DESK);
    const page = session.page;
    const found: string[] = [];

    await page.goto('/reports');
    await page.getByRole('link', { name: '参加率（局・区・課別）' }).click();
    await page.waitForURL((url) => url.pathname === '/reports/participation');
    await page.getByRole('heading', { level: 1, name: `${year}年度` }).waitFor();
    // 区民課: 2 accounts (demo-staff, demo-head), 1 proposer → 50.0 %; 中央区 adds 保険年金課's 1 of 1: 2 of 3 → 66.7 %
    expect(await row(page, '区民課')).toEqual(['2', '1', '1', '0', '50.0', '50.0']);
    expect(await row(page, '中央区')).toEqual(['3', '2', '2', '0', '66.7', '66.7']);
    await page.getByRole('img', { name: `${year}年度 局・区別の参加率` }).waitFor();
    found.push(...(await look(page, 'participation')));

    // most of 区民課's 25 staff have no account: the office enters the number, typed as people do
    await page.getByLabel(/^区民課/).fill('２５');
    await page.getByRole('button', { name: '職員数を保存' }).click();
    await page.getByRole('status').filter({ hasText: '職員数を保存しました（1件の課）。' }).waitFor();
    expect(await row(page, '区民課')).toEqual(['25\n入力値', '1', '1', '0', '4.0', '4.0']);
    expect(await row(page, '中央区')).toEqual(['26\n入力値を含む', '2', '2', '0', '7.7', '7.7']);
    expect(await page.getByTestId('entered-note').isVisible()).toBe(true);
    expect(await page.getByLabel(/^区民課/).inputValue()).toBe('25');
    found.push(...(await look(page, 'entered')));

    // a number that is not one is named beside its box, with what was typed kept
    await page.getByLabel(/^保険年金課/).fill('たくさん');
    await page.getByRole('button', { name: '職員数を保存' }).click();
    await page.getByRole('alert').filter({ hasText: '保険年金課の職員数は0から100,000までの整数で入力してください' }).waitFor();
    expect(await page.getByLabel(/^保険年金課/).inputValue()).toBe('たくさん');
    found.push(...(await look(page, 'refused')));

    // the people behind 中央区's figures
    await page.goto(`/reports/participation?year=${year}`);
    await page.getByTestId('participation-table').getByRole('link', { name: '中央区', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '中央区の提案者・実績報告者' }).waitFor();
    expect(await page.getByTestId('proposer-count').innerText()).toBe('2');
    found.push(...(await look(page, 'people')));

    expect(found).toEqual([]);
    // nothing went wrong in the browser but the refused form's answer (422)
    const refused = `422 /reports/participation/${year}/staff-counts`;
    expect(pageProblemsBesides(session, [refused])).toEqual({ problems: [], responses: [refused], expected: [refused] });
  });
});
