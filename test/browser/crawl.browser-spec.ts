import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { BrowserSession, launchBrowser, newSession } from '../factories/browser';
import { CRAWL_LOGINS, CrawlRole, CrawlSeed, INTERNAL_MARKER, seedCrawl } from '../factories/crawl-seed';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';

/**
 * The crawl that looks like a person (issue 9). On a database with proposals in every state, decision
 * and implementation status, each role follows the menu and every link on every page it reaches (plus
 * the detail and print page of every seeded proposal), at 1280 px and at 390 px, and the test fails on
 * what a person would see: placeholder or machine text, ISO dates, a page wider than the phone, console
 * errors, failed requests, CSP violations, serious accessibility violations (axe-core, WCAG 2.1 A/AA),
 * and internal text shown to someone who must not read it, and — for a judge of an open blind review round
 * (審査, issue 12) — any name of its entries' proposers, co-proposers or their divisions; and (issue 13) the
 * title of a themed call to someone outside its audience or before it opens, or of a カイゼン report not yet
 * published to someone who is not its reporter, member, 所属長, the office or an administrator. Every role asks
 * for every seeded call and report page too (a 404 or 403 where it is not theirs).
 *
 * All findings are collected and reported together, grouped by problem, so one run shows everything.
 * Screenshots of every page: test-output/crawl/<role>/<viewport>/<nn>-<page>.png; the findings are also
 * written to test-output/crawl/findings.txt.
 */
// eight roles at two widths: about eight minutes on two cores, more when the machine is busy
jest.setTimeout(20 * 60_000);

/**
 * The few DOM bits the in-page functions below use, declared for this module only: the project compiles
 * without the DOM library (adding it globally breaks Node typings elsewhere).
 */
interface DomElement {
  id: string;
  className: unknown;
  tagName: string;
  innerText: string;
  value?: string;
  parentElement: DomElement | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { right: number; width: number };
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}
declare const document: {
  title: string;
  body: { innerText: string };
  documentElement: { outerHTML: string; scrollWidth: number; clientWidth: number };
  querySelectorAll(selector: string): Iterable<DomElement>;
};
declare const window: { axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> } };

const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output', 'crawl');

/** Download paths already checked, per role, across both widths. */
const downloadsChecked = new Map<string, Set<string>>();
/** Seeded pages only asked for (see visitAll), per role, across both widths. */
const askedChecked = new Map<string, Set<string>>();

const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
type ViewportName = keyof typeof VIEWPORTS;

type Who = CrawlRole | 'anonymous';
const ROLES: Who[] = ['anonymous', 'staff', 'reviewer', 'office', 'admin', 'outsider', 'judge', 'head'];

/** How many browser contexts crawl at once (the app runs in this same process, so 2 is the sweet spot on 2 cores). */
const CONCURRENCY = Number(process.env.CRAWL_CONCURRENCY ?? 2);

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/**
 * The app's CSP (script-src 'self', src/configure-app.ts) refuses an inline <script>, so axe cannot
 * be added with page.addScriptTag({ content }) without tripping the very CSP check this crawl makes.
 * An init script (context.addInitScript) goes through the DevTools protocol, which CSP does not govern:
 * the app's own CSP stays on and every violation it reports is still a finding. It is also cheaper than
 * evaluating the 500 kB source after each page load (Chromium compiles the same init script once per
 * renderer, not once per page): about a tenth of the crawl's time.
 */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Text a person must never read. */
const BAD_TEXT: { name: string; pattern: RegExp }[] = [
  { name: '[object Object]', pattern: /\[object Object\]/g },
  { name: 'undefined', pattern: /\bundefined\b/g },
  { name: 'NaN', pattern: /\bNaN\b/g },
  { name: 'Invalid Date', pattern: /Invalid Date/g },
  { name: 'ISO date', pattern: /\b\d{4}-\d{2}-\d{2}\b/g },
  // issue 9: "half-width colons inside Japanese sentences" (実施状況: 未着手). A time (3:53) is not one.
  { name: 'half-width colon in Japanese text', pattern: /[\u3000-\u30ff\u3400-\u9fff\uff01-\uff5e]:/g },
];

interface Finding {
  who: Who;
  viewport: ViewportName;
  url: string;
  kind: string;
  detail: string;
}

interface Visit {
  url: string;
  /** The page whose link led here (null for the menu start and the seeded pages). */
  from: string | null;
  /** A seeded page (proposal, call, カイゼン report): a refusal (404; 403 for a call) means "not yours to see", not a broken link. */
  seeded?: { tag: string; refusals: number[]; sameAs?: string };
}

/** /proposals/12/print → /proposals/:n/print, so the crawl visits one page of each kind. */
const pattern = (pathname: string): string => pathname.replace(/\/\d+(?=\/|$)/g, '/:n');

/** Files, not pages: only their status is checked. */
const isDownload = (url: URL): boolean =>
  url.pathname.endsWith('.csv') ||
  /^\/proposals\/\d+\/attachments\/\d+$/.test(url.pathname) ||
  /^\/calls\/\d+\/attachments\/\d+$/.test(url.pathname) ||
  /^\/kaizen\/\d+\/files\/\d+$/.test(url.pathname) ||
  /^\/scoring\/\d+\/entries\/\d+\/attachments\/\d+$/.test(url.pathname) ||
  url.pathname.startsWith('/assets/');

const snippet = (text: string, index: number, length: number): string =>
  text
    .slice(Math.max(0, index - 25), index + length + 25)
    .replace(/\s+/g, ' ')
    .trim();

describe('the crawl that looks like a person', () => {
  let t: TestApp;
  let browser: Browser;
  let seed: CrawlSeed;
  let base: string;

  beforeAll(async () => {
    requireJapaneseFont();
    t = await createTestApp({ listen: true });
    seed = await seedCrawl(t);
    base = baseUrl(t);
    browser = await launchBrowser();
    rmSync(OUTPUT_DIR, { recursive: true, force: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('every page, for every role, at 1280 px and 390 px: nothing a person should not see', async () => {
    const findings: Finding[] = [];
    const visitedCount = new Map<string, number>();
    /** Sanity: the checks below are only worth something if the pages really showed the seeded texts. */
    const markersSeenBy = new Map<Who, number>();
    const answersSeenBy = new Map<Who, number>();
    /** How often the judge read the titles of the open blind round's entries (so the check above had something to look at). */
    let blindEntriesSeen = 0;
    /** The secrets (seed.secrets) that someone allowed to read them did read: the check had something to look for. */
    const secretsSeen = new Set<string>();
    /** Per role and width: how many seeded pages it may open (each must have been visited). */
    const openable = new Map<string, number>();

    // CRAWL_ROLES=staff,office and CRAWL_VIEWPORTS=phone narrow a run while fixing something; CI runs all.
    const only = (name: string): string[] | null => process.env[name]?.split(',').map((v) => v.trim()) ?? null;
    const roles = ROLES.filter((who) => only('CRAWL_ROLES')?.includes(who) ?? true);
    const viewports = (Object.keys(VIEWPORTS) as ViewportName[]).filter((v) => only('CRAWL_VIEWPORTS')?.includes(v) ?? true);
    const jobs: { who: Who; viewport: ViewportName }[] = [];
    for (const who of roles) for (const viewport of viewports) jobs.push({ who, viewport });
    expect(jobs.length).toBeGreaterThan(0);

    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++];
          const count = await crawl(job.who, job.viewport);
          visitedCount.set(`${job.who}/${job.viewport}`, count);
        }
      }),
    );
    const seconds = Math.round((Date.now() - started) / 1000);

    async function crawl(who: Who, viewport: ViewportName): Promise<number> {
      const session: BrowserSession = await newSession(browser, base);
      const { page, context } = session;
      await page.setViewportSize(VIEWPORTS[viewport]);
      await context.addInitScript({ content: AXE_SOURCE });
      const shotDir = join(OUTPUT_DIR, who, viewport);
      mkdirSync(shotDir, { recursive: true });
      const add = (url: string, kind: string, detail: string) => findings.push({ who, viewport, url, kind, detail });
      const here = () => {
        const url = new URL(page.url());
        return url.origin === new URL(base).origin ? url.pathname + url.search : url.href;
      };
      /** Seeded proposal pages that answered 404 as they should: Chromium logs each as a console error. */
      const expected404 = new Set<string>();
      let visitedPages = 0;
      /** How many of session.problems were already attributed to a page. */
      let problemsSeen = 0;

      // Failed subresources (the main document's status is judged by the visit itself).
      page.on('response', (response) => {
        const request = response.request();
        if (request.isNavigationRequest() && request.frame() === page.mainFrame()) return;
        if (response.status() >= 400) add(here(), 'failed request', `${response.status()} ${request.method()} ${response.url()}`);
      });
      page.on('requestfailed', (request) => {
        const error = request.failure()?.errorText ?? 'failed';
        // ERR_ABORTED: a request still running (the favicon) when the crawl moved on, not something a person meets.
        if (error === 'net::ERR_ABORTED') return;
        add(here(), 'failed request', `${error} ${request.method()} ${request.url()}`);
      });

      try {
        if (who === 'anonymous') {
          await visitAll([{ url: '/login', from: null }]);
          return visitedPages;
        }
        const { login, password } = CRAWL_LOGINS[who];
        await page.goto('/login');
        await page.getByLabel('ログインID', { exact: true }).fill(login);
        await page.getByLabel('パスワード', { exact: true }).fill(password);
        await page.getByRole('button', { name: 'ログイン', exact: true }).click();
        await page.waitForURL((url) => url.pathname === '/');
        problemsSeen = session.problems.length;

        const seededVisits: Visit[] = [
          ...seed.proposals.flatMap((p) => [
            { url: `/proposals/${p.id}`, from: null, seeded: { tag: p.tag, refusals: [404], sameAs: p.sameAs } },
            ...(p.print === false ? [] : [{ url: `/proposals/${p.id}/print`, from: null, seeded: { tag: p.tag, refusals: [404], sameAs: p.sameAs } }]),
          ]),
          // a call's page is a 403 for someone with no calls page at all (the judge), a 404 outside its audience
          ...seed.pages.map((p) => ({ url: p.url, from: null, seeded: { tag: p.tag, refusals: p.url.startsWith('/calls/') ? [403, 404] : [404] } })),
        ];
        openable.set(`${who}/${viewport}`, seededVisits.filter((v) => mayOpen(v.seeded!.tag) && !v.seeded!.sameAs).length);
        // the review rounds' own pages (each address pattern is otherwise visited once, for one round only)
        const roundVisits: Visit[] = (seed.startPages[who] ?? []).map((url) => ({ url, from: null }));
        await visitAll([{ url: '/', from: null }, ...roundVisits, ...seededVisits]);
        return visitedPages;
      } finally {
        takeProblems(here());
        await session.close();
      }

      // --- the crawl of one role at one width (hoisted; they share the state above) ---
      function mayOpen(tag: string): boolean {
        return who !== 'anonymous' && (seed.viewers.get(tag)?.has(who) ?? false);
      }

      async function visitAll(start: Visit[]): Promise<void> {
        // Crawl time (CI's largest part): a page that would look like one already looked at is only asked for, once
        // per role (either width), and its status and its source checked, not rendered, measured and screenshotted:
        // - a seeded page this person may not open is the same refusal page whatever it hides: the first one is
        //   looked at like any page (at each width), the others only asked for;
        // - a seeded proposal in the same state as another (SeededProposal.sameAs) is only asked for.
        const askedOnce = askedChecked.get(who) ?? askedChecked.set(who, new Set<string>()).get(who)!;
        const firstRefusal = start.find((v) => v.seeded && !mayOpen(v.seeded.tag));
        const lookedAt = (v: Visit) => !v.seeded || v === firstRefusal || (mayOpen(v.seeded.tag) && !v.seeded.sameAs);
        const queue: Visit[] = start.filter(lookedAt);
        const asked = start.filter((v) => !lookedAt(v) && !askedOnce.has(v.url));
        for (const visit of asked) askedOnce.add(visit.url);
        for (const visit of asked) {
          const res = await context.request.get(visit.url, { maxRedirects: 0 });
          const { tag, refusals: expected } = visit.seeded!;
          const refused = expected.includes(res.status());
          if (refused && mayOpen(tag)) add(visit.url, 'seeded page not shown to someone who may open it', `${res.status()} for ${tag}`);
          else if (!refused && !mayOpen(tag))
            add(visit.url, 'seeded page shown to someone who may not open it', `${res.status()} for ${tag} (expected ${expected.join(' or ')})`);
          else if (!refused && res.status() !== 200) add(visit.url, 'page status', `${res.status()} for ${tag}`);
          askedSourceChecks(visit.url, tag, await res.text());
          await res.dispose();
        }
        const patterns = new Set<string>();
        const seenUrls = new Set<string>();
        // a download is the same at either width: each role fetches it once (exports are rate limited per user)
        const downloads = downloadsChecked.get(who) ?? downloadsChecked.set(who, new Set<string>()).get(who)!;
        // Seeded proposal pages are visited each; links to other proposal pages add nothing new.
        for (const visit of start) if (visit.seeded) patterns.add(pattern(new URL(visit.url, base).pathname));
        const linkedCheck: Visit[] = [];

        while (queue.length) {
          const visit = queue.shift()!;
          if (seenUrls.has(visit.url)) continue;
          seenUrls.add(visit.url);
          const links = await visitOne(visit);
          for (const href of links) {
            const url = new URL(href, base);
            if (url.origin !== new URL(base).origin) continue;
            url.hash = '';
            const path = url.pathname + url.search;
            if (url.pathname === '/logout') continue;
            if (isDownload(url)) {
              if (!downloads.has(path)) {
                downloads.add(path);
                linkedCheck.push({ url: path, from: visit.url });
              }
              continue;
            }
            const key = pattern(url.pathname);
            if (patterns.has(key)) continue;
            patterns.add(key);
            queue.push({ url: path, from: visit.url });
          }
        }
        // Downloads: the status only (the request shares the context's cookies).
        for (const download of linkedCheck) {
          const res = await context.request.get(download.url, { maxRedirects: 0 });
          if (res.status() >= 400) add(download.url, 'broken download link', `${res.status()} (linked from ${download.from})`);
          if (who === 'judge') {
            // a file's name is shown too: a blind round names its attachments neutrally
            const disposition = decodeURIComponent(res.headers()['content-disposition'] ?? '');
            const named = seed.blindNames.filter((name) => disposition.includes(name));
            if (named.length) add(download.url, 'blind round: a name in a file name given to its judge', named.map((n) => `「${n}」`).join(' '));
          }
          await res.dispose();
        }
      }

      /**
       * Problems the page reported (console errors, uncaught errors, CSP violations) since the last call.
       * Console messages may arrive after the navigation has resolved, so the message's own URL is shown
       * too. A seeded page that is not this person's to see answers 404 by design; that is no finding.
       */
      function takeProblems(url: string): void {
        const fresh = session.problems.slice(problemsSeen);
        problemsSeen = session.problems.length;
        for (const problem of fresh) {
          if (problem.kind === 'console' && /status of 404/.test(problem.text) && expected404.has(problem.url)) continue;
          const kind = problem.kind === 'csp' ? 'CSP violation' : problem.kind === 'pageerror' ? 'page error' : 'console error';
          add(url, kind, `${problem.text.split('\n')[0]}${problem.url && problem.url !== new URL(url, base).href ? ` [${problem.url}]` : ''}`);
        }
      }

      async function visitOne(visit: Visit): Promise<string[]> {
        const response = await page.goto(visit.url, { waitUntil: 'load' }).catch((error: Error) => {
          add(visit.url, 'navigation failed', error.message.split('\n')[0]);
          return null;
        });
        if (!response) return [];
        const status = response.status();
        const notYours = visit.seeded !== undefined && visit.seeded.refusals.includes(status);
        if (visit.seeded && who !== 'anonymous') {
          const may = mayOpen(visit.seeded.tag);
          if (notYours && may) add(visit.url, 'seeded page not shown to someone who may open it', `${status} for ${visit.seeded.tag}`);
          if (!notYours && !may)
            add(
              visit.url,
              'seeded page shown to someone who may not open it',
              `${status} for ${visit.seeded.tag} (expected ${visit.seeded.refusals.join(' or ')})`,
            );
        }
        if (notYours) expected404.add(response.url());
        if (status >= 400 && !notYours) add(visit.url, 'page status', `${status}${visit.from ? ` (linked from ${visit.from})` : ''}`);
        visitedPages++;
        const name = `${String(visitedPages).padStart(2, '0')}-${
          (visit.url.replace(/^\//, '').replace(/[^A-Za-z0-9]+/g, '_') || 'dashboard') + (notYours ? '-404' : '')
        }`;

        takeProblems(visit.url);

        const facts = await page.evaluate(() => ({
          // What a person reads: the page title and the rendered text (innerText leaves out field values).
          // Text in <code>, <kbd> and <samp> is a literal example (e.g. the date formats a CSV may use).
          text: [...document.querySelectorAll('code, kbd, samp')].reduce(
            (text, el) => (el.innerText ? text.replace(el.innerText, ' ') : text),
            `${document.title}\n${document.body.innerText}`,
          ),
          /** What a screen reader or a tooltip reads. */
          attributeText: [...document.querySelectorAll('[aria-label], [alt], [title], [placeholder], [aria-description]')]
            .flatMap((el) => ['aria-label', 'alt', 'title', 'placeholder', 'aria-description'].map((name) => el.getAttribute(name)))
            .filter((value): value is string => !!value)
            .join('\n'),
          /** What else a person can read on the page or in its source: field values and the HTML itself. */
          fieldValues: [...document.querySelectorAll('input:not([type=hidden]), textarea')].map((el) => el.value ?? '').join('\n'),
          /** The options of each list box (a filter's list of every division names the organization, not a proposal's author). */
          selectTexts: [...document.querySelectorAll('select')].map((el) => el.innerText),
          html: document.documentElement.outerHTML,
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href') ?? ''),
          currentMenuItems: [...document.querySelectorAll('.main-nav [aria-current="page"]')].map((a) => a.innerText.trim()),
        }));
        if (facts.currentMenuItems.length > 1) add(visit.url, 'menu: several items marked current', facts.currentMenuItems.join('、'));

        for (const { name: what, pattern: re } of BAD_TEXT) {
          for (const [where, source] of [
            ['visible text', facts.text],
            ['attribute text (aria-label/alt/title/placeholder)', facts.attributeText],
          ] as const) {
            const hits = [...source.matchAll(re)];
            if (!hits.length) continue;
            const shown = [...new Set(hits.map((m) => snippet(source, m.index ?? 0, m[0].length)))].slice(0, 4);
            add(visit.url, `${where}: ${what}`, `${hits.length}× — ${shown.map((s) => `「${s}」`).join(' ')}`);
          }
        }

        if (viewport === 'phone' && facts.scrollWidth > facts.clientWidth) {
          const wide = await page.evaluate((limit) => {
            const out: string[] = [];
            for (const el of document.querySelectorAll('body *')) {
              const r = el.getBoundingClientRect();
              if (r.right > limit + 1 && r.width > 0) {
                // only the outermost overflowing element of each branch
                if (el.parentElement && el.parentElement.getBoundingClientRect().right > limit + 1) continue;
                const id = el.id ? `#${el.id}` : '';
                const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
                out.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(r.right)} px)`);
              }
              if (out.length >= 4) break;
            }
            return out;
          }, facts.clientWidth);
          add(visit.url, 'horizontal overflow at 390 px', `scrollWidth ${facts.scrollWidth} > clientWidth ${facts.clientWidth}: ${wide.join(', ')}`);
        }

        // Internal text: readable by the office and admins always, by 市民課's reviewer while 市民課 is routed.
        const mayRead = (tag: string | undefined): boolean =>
          who !== 'anonymous' && (tag ? (seed.internalReaders.get(tag)?.has(who) ?? false) : who === 'office' || who === 'admin');
        const leaks = (source: string) =>
          [...source.matchAll(INTERNAL_MARKER)].filter((m) => !mayRead(m[1])).map((m) => snippet(source, m.index ?? 0, m[0].length));
        const visibleLeaks = leaks(facts.text + '\n' + facts.fieldValues);
        if (visibleLeaks.length) add(visit.url, 'internal text shown', [...new Set(visibleLeaks)].map((s) => `「${s}」`).join(' '));
        else {
          const sourceLeaks = leaks(facts.html);
          if (sourceLeaks.length)
            add(
              visit.url,
              'internal text in the HTML source (not displayed)',
              [...new Set(sourceLeaks)]
                .slice(0, 4)
                .map((s) => `「${s}」`)
                .join(' '),
            );
        }
        // 審査: a judge of the open blind round reads no name of its entries' proposers, co-proposers or their divisions
        if (who === 'judge') {
          const readable = facts.selectTexts.reduce(
            (text, options) => (options ? text.replace(options, ' ') : text),
            `${facts.text}\n${facts.fieldValues}\n${facts.attributeText}`,
          );
          const shown = seed.blindNames.filter((name) => readable.includes(name));
          if (shown.length) add(visit.url, 'blind round: a name shown to its judge', shown.map((n) => `「${n}」`).join(' '));
          else {
            const source = facts.html.replace(/<select\b[\s\S]*?<\/select>/g, ' ');
            const inSource = seed.blindNames.filter((name) => source.includes(name));
            if (inSource.length) add(visit.url, 'blind round: a name in the HTML source (not displayed)', inSource.map((n) => `「${n}」`).join(' '));
          }
          blindEntriesSeen += [...facts.text.matchAll(/（Q(?:18|19|20)）/g)].length;
        }
        secretChecks(visit.url, `${facts.text}\n${facts.fieldValues}\n${facts.attributeText}`, facts.html);
        const allMarkers = [...facts.text.matchAll(INTERNAL_MARKER)].length;
        markersSeenBy.set(who, (markersSeenBy.get(who) ?? 0) + allMarkers);
        answersSeenBy.set(who, (answersSeenBy.get(who) ?? 0) + [...facts.text.matchAll(/PUBLIC-ANSWER-Q\d\d/g)].length);

        // Accessibility: axe-core (added to every page by the init script above), WCAG 2.1 A/AA, impact serious or critical.
        const violations = await page.evaluate(async (tags) => {
          const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
          return result.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
        }, AXE_TAGS);
        for (const v of violations) {
          add(visit.url, `axe ${v.impact}: ${v.id}`, `${v.help} — ${v.targets.length} element(s): ${v.targets.slice(0, 5).join(' | ')}`);
        }

        await page.screenshot({ path: join(shotDir, `${name}.png`), fullPage: true });
        return notYours ? [] : facts.links;
      }

      /**
       * Issue 13: the title of a call outside this person's audience or not yet open, and of a カイゼン report not
       * yet published that is not theirs to read, appear nowhere — neither on the page nor in its source.
       */
      function secretChecks(url: string, readable: string, source: string): void {
        for (const secret of seed.secrets) {
          if (who !== 'anonymous' && secret.readers.has(who)) {
            if (readable.includes(secret.text)) secretsSeen.add(secret.text);
            continue;
          }
          const at = readable.indexOf(secret.text);
          if (at >= 0) add(url, secret.kind, `「${snippet(readable, at, secret.text.length)}」`);
          else if (source.includes(secret.text)) add(url, `${secret.kind} (in the HTML source, not displayed)`, secret.text);
        }
      }

      /** A seeded page that was only asked for: the same text checks as on a page looked at, on its source. */
      function askedSourceChecks(url: string, tag: string, html: string): void {
        const mayRead = (markTag: string | undefined) =>
          who !== 'anonymous' && (markTag ? (seed.internalReaders.get(markTag)?.has(who) ?? false) : who === 'office' || who === 'admin');
        const leaked = [...html.matchAll(INTERNAL_MARKER)].filter((m) => !mayRead(m[1])).map((m) => m[0]);
        if (leaked.length) add(url, 'internal text in the HTML source (page only asked for)', [...new Set(leaked)].join(' '));
        secretChecks(url, '', html);
        if (who === 'judge') {
          const named = seed.blindNames.filter((name) => html.includes(name));
          if (named.length) add(url, 'blind round: a name in a page given to its judge (page only asked for)', named.map((n) => `「${n}」`).join(' '));
        }
        if (mayOpen(tag) && !html.includes(`（${tag}）`)) add(url, 'seeded page without its title (page only asked for)', tag);
      }
    }

    // --- the report ---
    const report = formatFindings(findings);
    const visited = [...visitedCount.entries()].map(([k, n]) => `${k}: ${n}`).join(', ');
    mkdirSync(OUTPUT_DIR, { recursive: true });
    writeFileSync(join(OUTPUT_DIR, 'findings.txt'), `pages visited (${seconds} s): ${visited}\n\n${report}\n`);
    writeFileSync(join(OUTPUT_DIR, 'findings.json'), JSON.stringify(findings, null, 2));
    console.log(`crawl: ${findings.length} findings; pages visited in ${seconds} s: ${visited}`);

    // The crawl must really have looked: every role saw pages, the office read internal texts, the
    // proposer read the answers, the judge read the entries of the blind round.
    for (const [key, n] of visitedCount) expect([key, n >= (key.startsWith('anonymous') ? 1 : (openable.get(key) ?? 0) + 1)]).toEqual([key, true]);
    // and each secret was read by someone allowed to, so that not finding it elsewhere means something
    for (const secret of seed.secrets) {
      if (roles.some((who) => who !== 'anonymous' && secret.readers.has(who))) expect([secret.text, secretsSeen.has(secret.text)]).toEqual([secret.text, true]);
    }
    if (roles.includes('office')) expect(markersSeenBy.get('office') ?? 0).toBeGreaterThan(0);
    if (roles.includes('staff')) expect(answersSeenBy.get('staff') ?? 0).toBeGreaterThan(0);
    if (roles.includes('judge')) expect(blindEntriesSeen).toBeGreaterThan(0);

    if (findings.length) throw new Error(`The crawl found ${findings.length} problems (also in test-output/crawl/findings.txt):\n\n${report}`);
  });
});

/**
 * Without a Japanese font Chromium draws every kana and kanji as an empty box: the screenshots are of no
 * use to a person, and the widths measured for the overflow check are not what users get.
 */
function requireJapaneseFont(): void {
  let fonts = '';
  try {
    fonts = execFileSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8' });
  } catch {
    // no fontconfig: reported below
  }
  if (!fonts.trim()) {
    throw new Error(
      'The crawl needs a Japanese font for Chromium (none found by `fc-list :lang=ja`). ' +
        'Install one with the system package manager (Debian: apt-get install fonts-ipafont-gothic, or fonts-noto-cjk).',
    );
  }
}

/** Grouped by problem (kind and detail), each with where it was seen. */
function formatFindings(findings: Finding[]): string {
  const byKind = new Map<string, Map<string, Finding[]>>();
  for (const f of findings) {
    const kind = byKind.get(f.kind) ?? new Map<string, Finding[]>();
    byKind.set(f.kind, kind);
    const list = kind.get(f.detail) ?? [];
    kind.set(f.detail, list);
    list.push(f);
  }
  const out: string[] = [];
  for (const [kind, details] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`## ${kind}`);
    for (const [detail, where] of details) {
      out.push(`- ${detail}`);
      const places = [...new Set(where.map((f) => `${f.who}/${f.viewport} ${f.url}`))];
      out.push(`    at ${places.slice(0, 12).join(', ')}${places.length > 12 ? ` … and ${places.length - 12} more` : ''}`);
    }
  }
  return out.join('\n');
}
