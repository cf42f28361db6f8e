import * as iconv from 'iconv-lite';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { BrowserSession, launchBrowser, newSession, saveScreenshot } from '../factories/browser';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { seedDemo } from '../factories/users';

/**
 * Issue 4 as the office would try it: import a few years of a legacy ledger saved by Excel in
 * Shift_JIS, read the year-by-year table and chart, and download the CSV with Japanese intact.
 * The expected figures are counted by hand from the rows below.
 */
const LEDGER = [
  '提案番号,提出日,件名,提案内容,提案者所属,所管課,採否,実施状況,実施日',
  // 平成29年度 (2017): 4 proposals, 採用 2 (採用 + 一部採用), 実施 1 (実施済) → 50.0 % / 25.0 %
  'A-001,H29.5.10,窓口の番号札を電子化,番号札を電子化する,411,211,採用,実施済,H29.9.1',
  'A-002,2017/6/1,会議資料のペーパーレス化,資料を電子化する,111,111,一部採用,実施中,',
  'A-003,平成29年10月2日,公用車の共同利用,共同で使う,311,312,不採用,,',
  'A-004,2018-03-31T23:50:00+09:00,年度末最後の提案,最終日の夜の提案,412,,,,',
  // 平成30年度 (2018): 3 proposals, 採用 1, 実施 2 (実施済 + 既実施) → 33.3 % / 66.7 %
  'B-001,H30.4.1,電子申請の拡大,電子申請を増やす,211,211,採用,実施済,H31.3.1',
  'B-002,2018/8/20,庁内便の見直し,集配を減らす,112,111,既実施,,',
  'B-003,H30.12.3,苦情の提案,苦情です,412,,不受理,,',
  // 令和元年度 (2019): 1 proposal, undecided
  'C-001,R1.5.7,令和最初の提案,新しい時代の提案,411,,,,',
].join('\r\n');

describe('ledger import and reports in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let session: BrowserSession;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'tane-ledger-'));

  beforeAll(async () => {
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    browser = await launchBrowser();
    session = await newSession(browser, baseUrl(t));
    page = session.page;
  });
  afterAll(async () => {
    await session?.close();
    await browser?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a Shift_JIS ledger, shows the figures and the chart, and downloads the CSV', async () => {
    const file = join(dir, '提案簿.csv');
    writeFileSync(file, iconv.encode(LEDGER + '\r\n', 'cp932'));

    await page.goto('/login');
    await page.getByLabel('ログインID', { exact: true }).fill('demo-office');
    await page.getByLabel('パスワード', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');

    await page.getByRole('link', { name: '集計', exact: true }).click();
    await page.getByRole('link', { name: '提案簿の取込' }).click();
    await page.locator('input[type="file"]').setInputFiles(file);
    await page.getByRole('button', { name: /取り込む|取込/ }).click();
    await page
      .getByText(/8\s*件/)
      .first()
      .waitFor();

    await page.goto('/reports');
    const table = page.getByTestId('year-table');
    const row = async (label: string) => (await table.locator('tr', { hasText: label }).innerText()).replace(/\s+/g, ' ');
    expect(await row('2017年度')).toContain('平成29年度');
    expect(await row('2017年度')).toMatch(/平成29年度 4 3 0 2 50\.0 1 25\.0 0 1/); // the undecided one is not 受理 yet
    expect(await row('2018年度')).toMatch(/平成30年度 3 2 1 1 33\.3 2 66\.7 0 0/);
    expect(await row('2019年度')).toContain('令和元年度');
    expect(await page.locator('svg.chart rect.chart__bar.chart__bar--submitted').count()).toBe(3);
    expect(await page.locator('svg.chart title').first().textContent()).toContain('年度別');
    await saveScreenshot(page, 'reports-after-ledger-import');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV（Shift_JIS）' }).click()]);
    const saved = join(dir, 'years-sjis.csv');
    await download.saveAs(saved);
    const text = iconv.decode(readFileSync(saved), 'cp932');
    const lines = text.split('\r\n');
    expect(lines[0].startsWith('年度,年度(和暦),提案件数,受理件数,採用件数,採用率,実施件数,実施率')).toBe(true);
    expect(lines.find((l) => l.startsWith('2018,'))).toMatch(/^2018,平成30年度,3,2,1,33\.3,2,66\.7/);
    expect(lines.find((l) => l.startsWith('2019,'))).toMatch(/^2019,令和元年度,1,/);

    expect(session.problems.filter((p) => !/status of 404/.test(p.text))).toEqual([]);
  });
});
