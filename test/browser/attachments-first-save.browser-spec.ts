import type { Browser, Page } from 'playwright-core';
import { BrowserSession, launchBrowser, saveScreenshot, signedInSession } from '../factories/browser';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { seedDemo } from '../factories/users';

/** The page's own document, inside page.evaluate (the tests compile without the DOM library). */
declare const document: { documentElement: { scrollWidth: number } };

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');

/** A person picks files on the new-proposal form and saves: the proposal page lists them. */
describe('attachments chosen on the new-proposal form, in a real browser', () => {
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

  async function signedIn(login: string): Promise<Page> {
    session = await signedInSession(browser, baseUrl(t), login);
    return session.page;
  }

  async function fillForm(page: Page, title: string): Promise<void> {
    await page.getByLabel('件名').fill(title);
    await page.getByLabel('提案分野').selectOption({ label: '文書管理・ペーパーレス' });
    await page.getByLabel('現状・課題').fill('会議資料を毎回印刷して配っている。');
    await page.getByLabel('提案内容').fill('会議資料を共有フォルダに置き、画面で見る。');
  }

  it('saves the draft with the chosen files, or, when one is refused, keeps the text and asks for the files again', async () => {
    const page = await signedIn('demo-staff');
    await page.goto('/proposals/new');

    // a refused file first: the form comes back with the text and a message naming the file
    await fillForm(page, '会議資料をペーパーレスにする');
    await page.getByLabel('添付ファイル（任意）').setInputFiles([
      { name: '会議の写真.png', mimeType: 'image/png', buffer: PNG },
      { name: '議事録.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a pdf</html>') },
    ]);
    await page.getByRole('button', { name: '下書き保存' }).click();
    await page.locator('.error-summary').waitFor();
    expect(new URL(page.url()).pathname).toBe('/proposals');
    const summary = await page.locator('.error-summary').innerText();
    expect(summary).toContain('「議事録.pdf」は添付できない形式です。');
    expect(summary).toContain('ファイルはもう一度選んでください。');
    expect(await page.getByLabel('件名').inputValue()).toBe('会議資料をペーパーレスにする');
    expect(await page.getByLabel('提案内容').inputValue()).toBe('会議資料を共有フォルダに置き、画面で見る。');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, 'attachments-first-save-refused-390');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });
    await saveScreenshot(page, 'attachments-first-save-refused-1280');

    // the files chosen again (the text is still there), and saved
    await page.getByLabel('添付ファイル（任意）').setInputFiles([
      { name: '会議の写真.png', mimeType: 'image/png', buffer: PNG },
      { name: '議事録.pdf', mimeType: 'application/pdf', buffer: PDF },
    ]);
    await page.getByRole('button', { name: '下書き保存' }).click();
    await page.waitForURL(/\/proposals\/\d+$/);
    await page.getByText('下書きを保存しました。添付ファイル2件も保存しました。').waitFor();
    const listed = page.locator('[data-testid="attachments"] li');
    expect(await listed.count()).toBe(2);
    expect(await page.locator('[data-testid="attachments"]').innerText()).toMatch(/会議の写真\.png[\s\S]*議事録\.pdf/);
    await saveScreenshot(page, 'attachments-first-save-proposal-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, 'attachments-first-save-proposal-390');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // the new form itself, with files chosen, at both widths
    await page.goto('/proposals/new');
    await fillForm(page, '見た目の確認');
    await page.getByLabel('添付ファイル（任意）').setInputFiles([{ name: '写真.png', mimeType: 'image/png', buffer: PNG }]);
    await saveScreenshot(page, 'attachments-first-save-form-390');
    await page.setViewportSize({ width: 1280, height: 800 });
    await saveScreenshot(page, 'attachments-first-save-form-1280');

    // the refused form's 422 is the one expected entry; nothing else (no script error, no CSP violation)
    const refused = (p: { kind: string; text: string }) => p.kind === 'console' && p.text.includes('status of 422');
    expect(session.problems.filter(refused)).toHaveLength(1);
    expect(session.problems.filter((p) => !refused(p))).toEqual([]);
  });
});
