import type { Browser, Page } from 'playwright-core';
import { fiscalYearOf } from '../../src/common/fiscal-year';
import { jstDateString } from '../../src/common/jst';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { BrowserSession, launchBrowser, saveScreenshot, signedInSession } from '../factories/browser';
import { advance, loadProposal, postForm, submitProposal, workflowActors } from '../factories/proposals';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { seedDemo, signIn } from '../factories/users';

/**
 * The proposal lists and the report tables at a desktop width and on a phone (390 px): the page never
 * scrolls sideways (a list becomes cards, a wide report table scrolls inside its own box), and the
 * sort links work by clicking. Screenshots go to test-output/screenshots/proposal-lists-*.png.
 */
describe('proposal lists and report tables at 1280 px and 390 px', () => {
  let t: TestApp;
  let browser: Browser;
  const sessions: BrowserSession[] = [];
  const fiscalYear = fiscalYearOf(new Date());

  beforeAll(async () => {
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    const staff = await signIn(t, 'demo-staff', DEMO_PASSWORD);
    const actors = await workflowActors(t, '211');
    const titles = [
      '窓口の待ち時間を番号札アプリで見える化し、混雑する時間帯を市民に知らせる',
      '会議資料のペーパーレス化',
      'ExcelマクロによるRPA化で月次集計作業の自動化と二重入力の解消を進める取り組み',
    ];
    const ids: number[] = [];
    for (const title of titles) ids.push(await submitProposal(staff, { title }));
    await advance(t, actors, ids[0], 'decided', { decision: 'adopted' });
    await advance(t, actors, ids[1], 'decided', { decision: 'rejected' });
    await advance(t, actors, ids[2], 'under_review');
    const implemented = await postForm(actors.reviewer, `/proposals/${ids[0]}/implementation`, {
      version: String((await loadProposal(t, ids[0])).version),
      status: 'implemented',
      implementedOn: jstDateString(new Date()),
      actualHours: '1,250',
      actualYen: '4,800,000',
      note: '',
    });
    if (implemented.status !== 303) throw new Error(`implementation failed: ${implemented.status}`);
    await postForm(
      staff,
      '/proposals',
      { title: '下書きのままの提案', categoryId: '1', currentProblem: '', proposalText: '', expectedEffect: '', intent: 'draft' },
      '/proposals/new',
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const s of sessions) await s.close();
    await browser?.close();
    await t?.close();
  });

  async function signedIn(login: string): Promise<{ page: Page; session: BrowserSession }> {
    const session = await signedInSession(browser, baseUrl(t), login);
    sessions.push(session);
    return { page: session.page, session };
  }

  // a string, evaluated in the page: the test code is compiled without the DOM's types
  const overflow = (page: Page) =>
    page.evaluate<{ scrollWidth: number; clientWidth: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })',
    );

  /** Visits each path at each width: no sideways scrolling of the page, no [object Object], a screenshot. */
  async function checkPages(page: Page, session: BrowserSession, paths: string[]) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      for (const path of paths) {
        const res = await page.goto(path);
        expect(res?.status()).toBe(200);
        const { scrollWidth, clientWidth } = await overflow(page);
        // named, so a failure says which page at which width
        expect({ path, width, scrollWidth }).toEqual({ path, width, scrollWidth: Math.min(scrollWidth, clientWidth) });
        expect(await page.locator('body').innerText()).not.toMatch(/\[object Object\]|undefined|NaN|Invalid Date/);
        await saveScreenshot(page, `proposal-lists-${path.replace(/^\//, '').replace(/[/?=&]+/g, '_') || 'root'}-${width}`);
      }
    }
    expect(session.problems).toEqual([]);
  }

  it('shows the lists as a table on a desktop and as cards on a phone, never wider than the screen', async () => {
    const { page, session } = await signedIn('demo-staff');
    await checkPages(page, session, ['/proposals', '/proposals/mine', '/adopted']);

    // on a phone each row is a card whose cells carry their captions
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/proposals');
    const style = (selector: string, pseudo: string | null, property: string) =>
      page.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(selector)}), ${JSON.stringify(pseudo)}).${property}`);
    expect(await style('td[data-label="状態"]', '::before', 'content')).toBe('"状態"');
    expect(await style('table.table--cards tbody tr', null, 'display')).toBe('block');
  });

  it('sorts by clicking a column header, and says so with aria-sort', async () => {
    const { page } = await signedIn('demo-staff');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/proposals');
    await page.getByRole('link', { name: '件名', exact: true }).click();
    await page.waitForURL(/sort=title&dir=asc/);
    expect(await page.locator('th[aria-sort]').innerText()).toContain('件名');
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('ascending');
    const titles = await page.locator('td[data-label="件名"] a').allInnerTexts();
    expect(titles).toEqual([...titles].sort());
    await page.getByRole('link', { name: '件名', exact: true }).click();
    await page.waitForURL(/sort=title&dir=desc/);
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    // the decision, not 決定
    const statuses = await page.locator('td[data-label="状態"]').allInnerTexts();
    expect(statuses.join('\n')).toContain('採用');
    expect(statuses.join('\n')).toContain('不採用');
    expect(statuses.join('\n')).not.toContain('決定');
    // table headers keep each word on one line
    const heights = await page.locator('table.table--cards thead th').evaluateAll((ths) => ths.map((th) => th.getBoundingClientRect().height));
    expect(Math.max(...heights) - Math.min(...heights)).toBeLessThan(2);
  });

  it('keeps wide report tables inside their own scrolling box on a phone', async () => {
    const { page, session } = await signedIn('demo-office');
    await checkPages(page, session, ['/reports', `/reports/years/${fiscalYear}`, '/reports/aging']);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/reports');
    const box = page.locator('.table-scroll').first();
    expect(await box.getAttribute('role')).toBe('region');
    expect(await box.getAttribute('tabindex')).toBe('0');
    expect(await box.getAttribute('aria-label')).toBeTruthy();
    // the table is wider than the phone, and it is the box that scrolls
    expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  });
});
