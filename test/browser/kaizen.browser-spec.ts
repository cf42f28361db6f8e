import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { BrowserSession, launchBrowser, signedInSession } from '../factories/browser';
import { loadKaizen, PNG } from '../factories/kaizen';
import { DESK, lookAt, pageProblemsBesides, PHONE } from '../factories/page-look';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo } from '../factories/users';

/**
 * The カイゼン report lane (issue 13) in a real browser with the demo accounts: demo-staff files a report
 * with a photo and a colleague on a phone (390 px), demo-head (区民課長) confirms it, demo-office publishes
 * it, and the colleague reads it among the published cases. Every page is looked at in both widths: no
 * sideways scrolling, no illegible button, no serious axe violation. Screenshots: test-output/kaizen/.
 */
jest.setTimeout(5 * 60_000);

const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output', 'kaizen');
const TITLE = '窓口の番号札をスマートフォンで呼び出せるようにした';

describe('カイゼン reports in a real browser: filed on a phone, confirmed by the 所属長, published by the office', () => {
  let t: TestApp;
  let browser: Browser;
  let shotCount = 0;
  const problems: string[] = [];

  beforeAll(async () => {
    rmSync(OUTPUT_DIR, { recursive: true, force: true });
    mkdirSync(OUTPUT_DIR, { recursive: true });
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    t.clock.set('2026-06-10T10:00:00+09:00');
    await createUser(t, { roles: ['staff'], login: 'kb-member', name: '森 由美', divisionCode: '411', password: DEMO_PASSWORD });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    // closing the browser closes every session's context too
    await browser?.close();
    await t?.close();
  });

  /** Screenshots at both widths and what is wrong with the page (collected, reported at the end of each test). */
  async function look(page: Page, name: string): Promise<void> {
    shotCount += 1;
    problems.push(...(await lookAt(page, OUTPUT_DIR, `${String(shotCount).padStart(2, '0')}-${name}`)));
  }

  /** The browser saw nothing go wrong but the responses named (e.g. "422 /kaizen"). */
  function expectNoProblems(session: BrowserSession, expected: string[] = []): void {
    expect(pageProblemsBesides(session, expected)).toEqual({ problems: [], responses: [...expected].sort(), expected: [...expected].sort() });
  }

  let reportId = 0;

  it('demo-staff files a report with a photo and a colleague on a phone', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-staff', DEMO_PASSWORD, PHONE);
    const page = session.page;
    await page.goto('/kaizen');
    await page.getByRole('link', { name: 'カイゼンを報告する' }).click();
    await page.waitForURL('**/kaizen/new');
    await look(page, 'form-empty');
    await page.getByLabel('件名').fill(TITLE);
    await page.getByLabel('提案分野').selectOption({ index: 1 });
    await page.getByLabel('改善前の状況').fill('呼出を待つ来庁者が窓口前に並び、混雑していた。');
    await page.getByLabel('改善した内容').fill('番号札のQRコードから呼出状況を見られるようにし、外で待てるようにした。');
    await page.getByLabel('実施日').fill('2026-05-20');
    // the effect left out: the form says what is missing and keeps the rest
    await page.getByRole('button', { name: '所属長へ提出' }).click();
    await page.waitForSelector('.error-summary');
    expect(await page.locator('.error-summary').innerText()).toContain('効果を、削減時間・削減額・効果の説明のいずれかで入力してください。');
    expect(await page.getByLabel('件名').inputValue()).toBe(TITLE);
    await look(page, 'form-refused');
    await page.getByLabel('削減時間（時間／年）').fill('1,200');
    await page.getByLabel('効果の説明').fill('待合の混雑がなくなり、苦情が減った。');
    await page.getByLabel('チームのメンバー（任意）').fill('kb-member');
    const photo = join(OUTPUT_DIR, '改善後の窓口.png');
    writeFileSync(photo, PNG);
    await page.getByLabel('写真・ファイル（任意）').setInputFiles(photo);
    await page.getByRole('button', { name: '所属長へ提出' }).click();
    await page.waitForURL(/\/kaizen\/\d+$/);
    reportId = Number(/\/kaizen\/(\d+)$/.exec(page.url())![1]);
    expect(await page.locator('.flash').first().innerText()).toContain('所属長に提出しました（報告番号 K2026-0001）');
    expect(await page.getByTestId('files').innerText()).toContain('改善後の窓口.png');
    await look(page, 'report-as-reporter');
    await page.goto('/kaizen');
    await look(page, 'list-as-reporter');
    expect(problems).toEqual([]);
    // the refused form was answered 422 on purpose
    expectNoProblems(session, ['422 /kaizen']);
  });

  it('demo-head confirms it from the 確認待ち list', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-head', DEMO_PASSWORD, DESK);
    const page = session.page;
    await page.goto('/kaizen');
    await look(page, 'list-as-head');
    await page.getByTestId('kaizen-waiting').getByRole('link', { name: TITLE }).click();
    await page.waitForURL(`**/kaizen/${reportId}`);
    await look(page, 'report-as-head');
    await page.getByRole('button', { name: '確認する' }).click();
    await page.waitForURL(`**/kaizen/${reportId}`);
    expect(await page.getByTestId('status').innerText()).toBe('確認済');
    expect((await loadKaizen(t, reportId)).status).toBe('confirmed');
    expect(problems).toEqual([]);
    expectNoProblems(session);
  });

  it('demo-office publishes it (ticking the confirmation), and the colleague reads it among the cases', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-office', DEMO_PASSWORD, DESK);
    const page = session.page;
    await page.goto('/kaizen');
    await look(page, 'list-as-office');
    await page.getByTestId('kaizen-confirmed').getByRole('link', { name: TITLE }).click();
    await page.waitForURL(`**/kaizen/${reportId}`);
    await look(page, 'report-as-office');
    await page.getByLabel('全職員に公開します（取り消せません）').check();
    await page.getByRole('button', { name: '公開する' }).click();
    await page.waitForURL(`**/kaizen/${reportId}`);
    expect(await page.getByTestId('status').innerText()).toBe('公開');

    const colleagueSession = await signedInSession(browser, baseUrl(t), 'kb-member', DEMO_PASSWORD, PHONE);
    const colleague = colleagueSession.page;
    await colleague.goto('/kaizen');
    const cases = colleague.getByTestId('kaizen-cases');
    expect(await cases.innerText()).toContain(TITLE);
    expect(await cases.innerText()).toContain('削減時間 1,200 時間');
    await look(colleague, 'cases-as-staff');
    expect(problems).toEqual([]);
    expectNoProblems(session);
    expectNoProblems(colleagueSession);
  });
});
