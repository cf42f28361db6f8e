import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { BrowserSession, PageProblem } from './browser';

/**
 * Looking at a page as a person would, at a desk and on a phone: what the browser tests of each feature
 * check on every page they visit (sideways scrolling, illegible buttons, serious accessibility faults) and
 * the screenshots they leave for a person to look at.
 */

export const DESK = { width: 1280, height: 800 } as const;
/** The phone the browser tests use (390 × 844). */
export const PHONE = { width: 390, height: 844 } as const;

/** axe-core, injected from the installed package (nothing is downloaded at test time). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** WCAG 2.1 A/AA violations of impact serious or critical; a string because the test code has no DOM types. */
const AXE_RUN = `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
  .then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  .map((v) => v.impact + ' ' + v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(' | ')))`;

/** The outermost elements that reach past the right edge (LIMIT px), to say what makes a page scroll sideways. */
const WIDE_ELEMENTS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right <= LIMIT + 1 || r.width === 0) continue;
    if (el.parentElement && el.parentElement.getBoundingClientRect().right > LIMIT + 1) continue;
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' (right edge ' + Math.round(r.right) + ' px)');
    if (out.length >= 4) break;
  }
  return out;
})()`;

/**
 * Buttons whose text hardly stands out from what is behind it (contrast below 3:1), e.g. a button styled for
 * the green header put on a white table. axe leaves such buttons among its "incomplete" results.
 */
const ILLEGIBLE_BUTTONS = `(() => {
  const rgba = (text) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text);
    if (!m) return null;
    const [r, g, b, a = '1'] = m[1].split(/[\\s,\\/]+/).filter(Boolean);
    return [Number(r), Number(g), Number(b), Number(a)];
  };
  const luminance = ([r, g, b]) => {
    const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  };
  const out = [];
  for (const el of document.querySelectorAll('button, a.button, input[type=submit]')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    const [high, low] = [luminance(rgba(getComputedStyle(el).color)), luminance(behind(el))].sort((a, b) => b - a);
    const ratio = (high + 0.05) / (low + 0.05);
    if (ratio < 3) out.push('「' + (el.textContent || el.value || '').replace(/\\s+/g, ' ').trim() + '」 ' + ratio.toFixed(2) + ':1');
  }
  return out;
})()`;

/**
 * Looks at the page as it is now, at 1280 px and at 390 px (then back to the page's own width): a
 * screenshot of each into `dir` as `<name>-<width>.png`, no sideways scrolling, no button that cannot be
 * read, no serious axe violation. Returns what is wrong, so that one run reports every page.
 */
export async function lookAt(page: Page, dir: string, name: string): Promise<string[]> {
  const own = page.viewportSize() ?? DESK;
  const found: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (const viewport of [DESK, PHONE]) {
    await page.setViewportSize(viewport);
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    if (scrollWidth > viewport.width) {
      const wide = await page.evaluate<string[]>(WIDE_ELEMENTS.replaceAll('LIMIT', String(viewport.width)));
      found.push(`${name} at ${viewport.width} px: scrollWidth ${scrollWidth} — ${wide.join(', ')}`);
    }
    for (const button of await page.evaluate<string[]>(ILLEGIBLE_BUTTONS)) found.push(`${name} at ${viewport.width} px: illegible button ${button}`);
    await page.evaluate(AXE_SOURCE);
    for (const violation of await page.evaluate<string[]>(AXE_RUN)) found.push(`${name} at ${viewport.width} px: axe ${violation}`);
    const path = join(dir, `${name}-${viewport.width}.png`);
    await page.screenshot({ path, fullPage: true });
    if (!existsSync(path) || statSync(path).size === 0) throw new Error(`screenshot ${path} was not written`);
  }
  await page.setViewportSize(own);
  return found;
}

/** The browser saw nothing go wrong but the responses named (e.g. "404 /proposals/12"). */
export function pageProblemsBesides(session: BrowserSession, expected: string[] = []): { problems: PageProblem[]; responses: string[]; expected: string[] } {
  const httpStatus = /^Failed to load resource: the server responded with a status of (\d+)/;
  const responses = session.problems
    .filter((p) => p.kind === 'console' && httpStatus.test(p.text))
    .map((p) => `${httpStatus.exec(p.text)![1]} ${new URL(p.url).pathname}`)
    .filter((r) => !r.endsWith(' /favicon.ico'));
  return {
    problems: session.problems.filter((p) => !(p.kind === 'console' && httpStatus.test(p.text))),
    responses: responses.sort(),
    expected: [...expected].sort(),
  };
}
