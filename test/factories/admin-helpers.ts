import request, { type Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import type { TestApp } from './test-app';
import { csrfToken } from './users';

/**
 * Small helpers for reading the server-rendered pages and posting forms the way a browser does.
 * The pages are plain, predictable HTML from our own templates, so a few regular expressions are
 * enough; no HTML parser is installed in this project.
 */

export type FormFields = Record<string, string | string[] | undefined>;

/** application/x-www-form-urlencoded, with repeated keys for checkbox groups (roles=staff&roles=admin). */
export function formBody(fields: FormFields): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return params.toString();
}

/** Posts a form with the agent's CSRF token, read from `tokenPage` (any page of the session with a form). */
export async function postForm(agent: TestAgent, path: string, fields: FormFields, tokenPage = '/'): Promise<Response> {
  const token = await csrfToken(agent, tokenPage);
  return agent
    .post(path)
    .type('form')
    .send(formBody({ _csrf: token, ...fields }));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Visible text of a fragment: tags dropped, entities decoded, whitespace collapsed. */
export function textOf(html: string): string {
  return decodeHtml(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The opening tag of the element with this id (e.g. `<input id="name" ...>`), or null. */
export function tagById(html: string, id: string): string | null {
  const match = new RegExp(`<[a-z]+\\b[^>]*\\bid="${escapeRe(id)}"[^>]*>`, 'i').exec(html);
  return match ? match[0] : null;
}

function attribute(tag: string, name: string): string | null {
  const match = new RegExp(`\\s${escapeRe(name)}="([^"]*)"`, 'i').exec(tag);
  return match ? decodeHtml(match[1]) : null;
}

/** The value a text input (found by id) is filled with. */
export function inputValue(html: string, id: string): string | null {
  const tag = tagById(html, id);
  if (!tag) throw new Error(`no element with id="${id}" on the page`);
  return attribute(tag, 'value');
}

/** Whether the element with this id carries the boolean attribute (checked, selected, aria-invalid…). */
export function hasFlag(html: string, id: string, flag: string): boolean {
  const tag = tagById(html, id);
  if (!tag) throw new Error(`no element with id="${id}" on the page`);
  return new RegExp(`\\s${escapeRe(flag)}(\\s|>|=|$)`, 'i').test(tag);
}

/** The <option>s of a <select> (by id): value, label and whether it is selected. */
export function selectOptions(html: string, id: string): { value: string; label: string; selected: boolean }[] {
  const match = new RegExp(`<select\\b[^>]*\\bid="${escapeRe(id)}"[^>]*>([\\s\\S]*?)</select>`, 'i').exec(html);
  if (!match) throw new Error(`no <select id="${id}"> on the page`);
  return [...match[1].matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/gi)].map((m) => ({
    value: attribute(m[0], 'value') ?? '',
    label: textOf(m[2]),
    selected: /\sselected(\s|>|$)/i.test(m[1]),
  }));
}

export function selectedValues(html: string, selectId: string): string[] {
  return selectOptions(html, selectId)
    .filter((o) => o.selected)
    .map((o) => o.value);
}

/** Values of the checked checkboxes named `name`. */
export function checkedValues(html: string, name: string): string[] {
  return [...html.matchAll(/<input\b[^>]*>/gi)]
    .map((m) => m[0])
    .filter((tag) => attribute(tag, 'name') === name && attribute(tag, 'type') === 'checkbox' && /\schecked(\s|>|$)/i.test(tag))
    .map((tag) => attribute(tag, 'value') ?? 'on');
}

/** The message shown beside a field (the `<p class="field-error" id="<field>-error">`), or null. */
export function fieldError(html: string, field: string): string | null {
  const match = new RegExp(`<p class="field-error" id="${escapeRe(field)}-error">([\\s\\S]*?)</p>`).exec(html);
  return match ? textOf(match[1]) : null;
}

/**
 * Whether the error message for `field` sits beside that field: after the control (found by its id)
 * and before the next field of the form starts.
 */
export function errorIsBesideField(html: string, controlId: string, field: string): boolean {
  const control = html.search(new RegExp(`\\bid="${escapeRe(controlId)}"`));
  const error = html.indexOf(`id="${field}-error"`);
  if (control < 0 || error < 0 || error < control) return false;
  const between = html.slice(control, error);
  const otherControls = [...between.matchAll(/<(input|select|textarea)\b[^>]*\bname="([^"]+)"/gi)]
    .map((m) => m[2])
    .filter((name) => name !== field && name !== '_csrf');
  return otherControls.length === 0;
}

/** The messages listed in the error summary at the top of a form page. */
export function errorSummary(html: string): string[] {
  const match = /<div class="error-summary"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  if (!match) return [];
  return [...match[1].matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => textOf(m[1]));
}

/** True when the error summary comes before the page's main form (it is "at the top"). */
export function summaryIsAboveForm(html: string): boolean {
  const summary = html.indexOf('class="error-summary"');
  const mainStart = html.indexOf('<main');
  const form = html.indexOf('<form method="post"', mainStart);
  return summary > mainStart && form > summary;
}

/** Flash messages on the page. */
export function flashes(html: string): string[] {
  return [...html.matchAll(/<div class="flash flash--[a-z]+"[^>]*>([\s\S]*?)<\/div>/g)].map((m) => textOf(m[1]));
}

/** Rows of the first table's body, as the visible text of each cell. */
export function tableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html);
  if (!body) throw new Error('no table on the page');
  return [...body[1].matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<td\b[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => textOf(cell[1])),
  );
}

/** Rows of the first table's body with the raw <tr> opening tag and cells (for classes such as tree depth). */
export function tableRowsRaw(html: string): { tr: string; cells: string[] }[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html);
  if (!body) throw new Error('no table on the page');
  return [...body[1].matchAll(/(<tr\b[^>]*>)([\s\S]*?)<\/tr>/g)].map((row) => ({
    tr: row[1],
    cells: [...row[2].matchAll(/<td\b[^>]*>[\s\S]*?<\/td>/g)].map((cell) => cell[0]),
  }));
}

/** A login attempt from a new browser: the response (303 on success, 422 on refusal) and the agent. */
export async function tryLogin(t: TestApp, login: string, password: string): Promise<{ agent: TestAgent; res: Response }> {
  const agent = request.agent(t.app.getHttpServer());
  const token = await csrfToken(agent, '/login');
  const res = await agent
    .post('/login')
    .type('form')
    .send(formBody({ _csrf: token, login, password }));
  return { agent, res };
}
