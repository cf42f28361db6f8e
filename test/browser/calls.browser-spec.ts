import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { launchBrowser, signedInSession } from '../factories/browser';
import { CALL_PDF } from '../factories/calls';
import { DESK, lookAt, pageProblemsBesides, PHONE } from '../factories/page-look';
import { loadProposal } from '../factories/proposals';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';

/**
 * 課題提案 (issue 13) through the real pages, in a real browser, with the demo accounts: the office opens a
 * themed call at a desk (1280 px) with its material, demo-staff finds it on the dashboard of a phone
 * (390 px) and answers it with the proposal form, and the office routes the answers in one step.
 * Every page visited is looked at in both widths. Screenshots: test-output/calls/<page>-<width>.png.
 */
jest.setTimeout(5 * 60_000);

const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output', 'calls');
const TITLE = '窓口の待ち時間を減らすには';

describe('テーマ募集 in a real browser: a call opened, answered on a phone, and routed', () => {
  let t: TestApp;
  let browser: Browser;
  const found: string[] = [];
  let callPath = '';

  beforeAll(async () => {
    rmSync(OUTPUT_DIR, { recursive: true, force: true });
    t = await createTestApp({ listen: true });
    await t.app.get((await import('../../src/database/demo-seed.service')).DemoSeedService).seed();
    t.clock.set('2026-06-01T09:00:00+09:00');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    // closing the browser closes every session's context too
    await browser?.close();
    await t?.close();
  });

  it('the office opens a call with its material, at a desk', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-office', DEMO_PASSWORD, DESK);
    const page = session.page;
    await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: 'テーマ募集', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/calls');
    found.push(...(await lookAt(page, OUTPUT_DIR, '01-calls-office-empty')));
    await page.getByRole('link', { name: 'テーマ募集を始める' }).click();
    found.push(...(await lookAt(page, OUTPUT_DIR, '02-call-form')));

    // sent without a lead division first: told so, with what was typed kept
    await page.getByLabel('テーマ', { exact: true }).fill(TITLE);
    await page.getByLabel('解決したい課題').fill('繁忙期の窓口では1時間以上お待たせすることがあります。\n待ち時間を減らすアイデアを募集します。');
    await page.getByLabel('締切日').fill('2026-06-30');
    await page.getByRole('button', { name: '登録する' }).click();
    await page.getByText('回答を検討する主管課を選んでください。').first().waitFor();
    expect(await page.getByLabel('テーマ', { exact: true }).inputValue()).toBe(TITLE);
    found.push(...(await lookAt(page, OUTPUT_DIR, '03-call-form-refused')));

    await page.getByLabel('主管課').selectOption({ label: '市民課（審査担当 1人）' });
    await page.getByLabel('募集中、寄せられた提案を職員に公開する').check();
    await page.setInputFiles('#files', { name: '窓口の混雑状況.pdf', mimeType: 'application/pdf', buffer: CALL_PDF });
    await page.getByRole('button', { name: '登録する' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `テーマ募集「${TITLE}」を登録しました。` })
      .waitFor();
    callPath = new URL(page.url()).pathname;
    expect(callPath).toMatch(/^\/calls\/\d+$/);
    await page.getByRole('link', { name: '窓口の混雑状況.pdf' }).waitFor();
    found.push(...(await lookAt(page, OUTPUT_DIR, '04-call-office')));
    // the refused form was answered 422 on purpose
    expect(pageProblemsBesides(session, ['422 /calls'])).toEqual({ problems: [], responses: ['422 /calls'], expected: ['422 /calls'] });
  });

  it('demo-staff finds the call on the phone’s dashboard and answers it', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-staff', DEMO_PASSWORD, PHONE);
    const page = session.page;
    const section = page.getByTestId('dash-calls');
    await section.getByRole('link', { name: new RegExp(TITLE) }).waitFor();
    found.push(...(await lookAt(page, OUTPUT_DIR, '05-dashboard-staff')));
    await section.getByRole('link', { name: new RegExp(TITLE) }).click();
    await page.waitForURL((url) => url.pathname === callPath);
    found.push(...(await lookAt(page, OUTPUT_DIR, '06-call-staff')));
    await page.getByRole('link', { name: 'このテーマに提案する' }).click();
    await page.getByTestId('call-note').waitFor();
    found.push(...(await lookAt(page, OUTPUT_DIR, '07-answer-form')));

    await page.getByLabel('件名').fill('呼出番号をスマートフォンに通知する');
    await page.getByLabel('提案分野').selectOption({ index: 1 });
    await page.getByLabel('現状・課題').fill('番号札を持って待合で待つしかない。');
    await page.getByLabel('提案内容').fill('呼出の3人前になったらスマートフォンに通知する。');
    await page.getByLabel('期待される効果').fill('待合の混雑が減る。');
    await page.getByRole('button', { name: '提出', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '提案を提出しました' }).waitFor();
    await page.getByTestId('call').getByRole('link', { name: TITLE }).waitFor();
    found.push(...(await lookAt(page, OUTPUT_DIR, '08-answer-submitted')));
    const id = Number(/\/proposals\/(\d+)$/.exec(page.url())![1]);
    expect((await loadProposal(t, id)).callId).toBe(Number(callPath.split('/').pop()));

    // back on the call's page the answer is listed as theirs and, the call being public, among the answers
    await page.goto(callPath);
    await page.getByRole('heading', { name: 'このテーマへの自分の提案' }).waitFor();
    expect(await page.getByTestId('public-answer').count()).toBe(1);
    found.push(...(await lookAt(page, OUTPUT_DIR, '09-call-staff-answered')));
    expect(pageProblemsBesides(session)).toEqual({ problems: [], responses: [], expected: [] });
  });

  it('the office reads the call’s figures and routes its answers in one step', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-office', DEMO_PASSWORD, DESK);
    const page = session.page;
    await page.goto(callPath);
    await page.getByTestId('call-figures').getByText('1件').first().waitFor();
    // the office corrects the issue text from its page
    await page.getByRole('link', { name: 'テーマ・課題・資料を修正する' }).click();
    await page.getByLabel('解決したい課題').fill('繁忙期の窓口では1時間以上お待たせすることがあります。待ち時間を減らすアイデアを募集します（修正）。');
    found.push(...(await lookAt(page, OUTPUT_DIR, '10-call-edit')));
    await page.getByRole('button', { name: '修正を保存' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `テーマ募集「${TITLE}」を修正しました。` })
      .waitFor();
    await page.getByTestId('issue-text').filter({ hasText: '（修正）' }).waitFor();
    await page.getByLabel('受付待ちの回答をすべて受理し、回付します').check();
    await page.getByRole('button', { name: '一括回付する' }).click();
    await page.getByTestId('route-summary').filter({ hasText: '回付 1件' }).waitFor();
    found.push(...(await lookAt(page, OUTPUT_DIR, '11-routed')));
    await page.goto('/calls');
    found.push(...(await lookAt(page, OUTPUT_DIR, '12-calls-office')));
    expect(pageProblemsBesides(session)).toEqual({ problems: [], responses: [], expected: [] });
    expect(found).toEqual([]);
  });
});
