import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';

/** Debian's Chromium. The tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where screenshots go (git-ignored). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output', 'screenshots');

/**
 * Launches Chromium. Throws (so the whole file fails, never silently skips) when the browser is not
 * installed at CHROMIUM_PATH.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM_PATH}, which does not exist. ` +
        'Install it with the system package manager (Debian: apt-get install chromium); the tests never download a browser.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A problem seen in the page: a console error, an uncaught exception or a CSP violation. */
export interface PageProblem {
  kind: 'console' | 'pageerror' | 'csp';
  text: string;
  url: string;
}

/** One test's isolated browser state: its own cookies, its own page, and what went wrong in it. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors and CSP violations seen so far, in order. */
  problems: PageProblem[];
  /** Resolves with the first problem (already seen or still to come) that matches; rejects after `timeoutMs`. */
  waitForProblem: (matches: (problem: PageProblem) => boolean, timeoutMs?: number) => Promise<PageProblem>;
  close: () => Promise<void>;
}

/**
 * Reports every `securitypolicyviolation` event to the test. Installed as an init script (which CSP
 * does not govern) in every frame before the page's own content runs.
 */
const CSP_REPORTER = `
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__taneReportCsp({
      directive: e.effectiveDirective || e.violatedDirective,
      blockedURI: e.blockedURI,
      sample: e.sample,
      source: e.sourceFile + ':' + e.lineNumber,
    });
  });
`;

/**
 * A fresh context (no cookies, no storage) and page for one test, against the app at `baseURL`.
 * Collects console errors, page errors and CSP violations into `problems`.
 */
export async function newSession(browser: Browser, baseURL: string): Promise<BrowserSession> {
  const context = await browser.newContext({ baseURL, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const problems: PageProblem[] = [];
  const waiters = new Set<(problem: PageProblem) => void>();
  const record = (problem: PageProblem): void => {
    problems.push(problem);
    for (const waiter of [...waiters]) waiter(problem);
  };
  const waitForProblem = (matches: (problem: PageProblem) => boolean, timeoutMs = 5_000): Promise<PageProblem> => {
    const seen = problems.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching page problem within ${timeoutMs} ms; seen: ${JSON.stringify(problems)}`));
      }, timeoutMs);
      const waiter = (problem: PageProblem): void => {
        if (!matches(problem)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(problem);
      };
      waiters.add(waiter);
    });
  };
  await context.exposeBinding('__taneReportCsp', ({ page }, violation: Record<string, string>) => {
    record({ kind: 'csp', text: JSON.stringify(violation), url: page?.url() ?? '' });
  });
  await context.addInitScript({ content: CSP_REPORTER });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const location = message.location();
      record({ kind: 'console', text: message.text(), url: location.url || page.url() });
    }
  });
  page.on('pageerror', (error) => record({ kind: 'pageerror', text: error.stack ?? error.message, url: page.url() }));
  return { context, page, problems, waitForProblem, close: () => context.close() };
}

/** A full-page screenshot into SCREENSHOT_DIR; throws unless a non-empty PNG was written. Returns the path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  rmSync(path, { force: true });
  await page.screenshot({ path, fullPage: true });
  if (!existsSync(path) || statSync(path).size === 0) throw new Error(`screenshot ${path} was not written`);
  return path;
}

/**
 * A fresh session signed in through the login form, as a person would (the demo password unless given),
 * at the width of `viewport` when given (e.g. a phone), from the login page on.
 */
export async function signedInSession(
  browser: Browser,
  baseURL: string,
  login: string,
  password = DEMO_PASSWORD,
  viewport?: { width: number; height: number },
): Promise<BrowserSession> {
  const session = await newSession(browser, baseURL);
  const page = session.page;
  if (viewport) await page.setViewportSize(viewport);
  await page.goto('/login');
  await page.getByLabel('ログインID', { exact: true }).fill(login);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/');
  return session;
}
