import hbs from 'hbs';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isRole, ROLE_LABELS } from '../users/roles';
import { formatDateLabel, formatJstDateTime } from './jst';

/** Only strings, numbers and booleans compare: a form field sent as `x[y]=…` (multipart) arrives as an object, maybe without a prototype. */
const primitive = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const same = (a: unknown, b: unknown): boolean => primitive(a) && primitive(b) && String(a) === String(b);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

/** Handlebars helpers. Every one returns plain text, which Handlebars escapes: no helper emits HTML. */
// Handlebars passes helpers whatever a template gives them: each helper checks what it got
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const helpers: Record<string, (...args: any[]) => unknown> = {
  eq: (a: unknown, b: unknown) => same(a, b),
  not: (a: unknown) => !a,
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
  add: (a: number, b: number) => Number(a) + Number(b),
  /** For a <select>: "selected" when the option's value is the current one. */
  selected: (option: unknown, current: unknown) => (same(option, current) ? 'selected' : ''),
  /** For a checkbox in a group: "checked" when the value is among the chosen ones. */
  checkedIn: (value: unknown, chosen: unknown) => (list(chosen).some((c) => same(c, value)) ? 'checked' : ''),
  /** For a single checkbox posted as "on" or held as a boolean. */
  checked: (value: unknown) => (value === true || value === 'on' || value === 'true' ? 'checked' : ''),
  /** The first message for a field, if the last submission had one. */
  fieldError: (errors: Record<string, string[]> | undefined, field: string) => errors?.[field]?.[0] ?? '',
  hasError: (errors: Record<string, string[]> | undefined, field: string) => Boolean(errors?.[field]?.length),
  dateTime: (value: Date | string | null | undefined) => (value ? formatJstDateTime(new Date(value)) : ''),
  dateLabel: (value: string | null | undefined) => (value ? formatDateLabel(value) : ''),
  roleLabel: (role: unknown) => (isRole(role) ? ROLE_LABELS[role] : ''),
  /** The query string of a list page with another page number, keeping the filters. */
  pageQuery: (query: Record<string, unknown> | undefined, page: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '' && value !== false) params.set(key, String(value));
    }
    params.set('page', String(page));
    return params.toString();
  },
  /**
   * 1,234,567. Not named `number`: a helper shadows a field of the same name, and every list showed
   * "[object Object]" where the proposal's `number` belongs.
   */
  formatNumber: (value: unknown) => {
    const n = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('ja-JP') : (value ?? '');
  },
};

function registerPartials(dir: string, root = dir): void {
  for (const entry of readdirSync(dir)) {
    const file = join(dir, entry);
    if (statSync(file).isDirectory()) registerPartials(file, root);
    else if (entry.endsWith('.hbs')) {
      hbs.registerPartial(
        relative(root, file)
          .replace(/\.hbs$/, '')
          .split('\\')
          .join('/'),
        readFileSync(file, 'utf8'),
      );
    }
  }
}

/** Partials are read synchronously at start (hbs's own registerPartials is asynchronous and may miss the first page). */
export function setupViewEngine(viewsDir: string): typeof hbs {
  for (const [name, fn] of Object.entries(helpers)) hbs.registerHelper(name, fn);
  registerPartials(join(viewsDir, 'partials'));
  return hbs;
}
