import fc from 'fast-check';
import * as iconv from 'iconv-lite';

/**
 * Generators of hostile form input for the fuzz tests, and the encoders that put it on the wire the
 * way a browser, a script or an attacker would: urlencoded (well-formed or with broken escapes), JSON
 * (numbers, objects, `__proto__` keys, deep nesting), the wrong Content-Type, and multipart bodies that
 * are well-formed or broken on purpose.
 *
 * A value may contain placeholders such as "@@version@@" that only the running test can fill in (the
 * proposal's current version, an existing division id, the user's current password); see resolve().
 */

// --- values ---

/** A JSON object written key by key, so duplicate keys and "__proto__" survive into the request. */
export interface JsonObject {
  entries: [string, Value][];
}
/** JSON nested this deep (arrays in arrays), to find recursion without a limit. */
export interface DeepValue {
  deep: number;
}
export type Value = string | number | boolean | null | Value[] | JsonObject | DeepValue;
export type Fields = [string, Value][];

export type Encoding = 'form' | 'form-raw' | 'json' | 'json-broken' | 'text-plain' | 'no-content-type' | 'bad-charset' | 'multipart-to-form';
export type CsrfMode = 'body' | 'header' | 'query' | 'missing' | 'wrong' | 'repeated';

export interface FormInput {
  kind: 'form';
  fields: Fields;
  encoding: Encoding;
  csrf: CsrfMode;
  /** Raw bytes spliced into a 'form-raw' body (broken escapes, stray separators, NUL…). */
  raw: string[];
  /** For 'json-broken' and 'bad-charset': which variant. */
  variant: number;
}

// --- strings ---

/** C0 and C1 controls, DEL, line/paragraph separators, bidi overrides, zero-width and BOM, lone surrogates. */
export const CONTROL_CHARACTERS: readonly string[] = [
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  '\u007f',
  '\u0085',
  '\u009b',
  '\u2028',
  '\u2029',
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u202d',
  '\u2066',
  '\u2069',
  '\u200f',
  '\u200b',
  '\ufeff',
  '\ufe0f',
  '\ufe0e',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\udbff',
  '\u0301',
];

/** Markup, template, SQL-looking and number-looking payloads. SQL is lower case on purpose (see fuzz-html). */
export const PAYLOADS: readonly string[] = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '" autofocus onfocus="alert(1)',
  '</textarea><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '<a href="javascript:alert(1)">x</a>',
  '<iframe srcdoc="<script>alert(1)</script>">',
  '<!--',
  '-->',
  '<![CDATA[x]]>',
  "{{constructor.constructor('alert(1)')()}}",
  '{{#each this}}{{@key}}{{/each}}',
  '{{> csrf}}',
  '{{{body}}}',
  '${7*7}',
  '<%= 7*7 %>',
  "' or '1'='1",
  "'; drop table proposals; --",
  '1 union select password_hash from users',
  '"; delete from users where "1"="1',
  '\\',
  '%00',
  '%s%s%n',
  '../../../etc/passwd',
  'javascript:alert(1)',
  '&lt;script&gt;',
  '&amp;',
  '&#x3C;',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '１２３',
  '１，２００',
  '－１',
  'NaN',
  'Infinity',
  '-0',
  '1e308',
  '0x1F',
  '99999999999999999999',
  '2147483648',
  '-2147483649',
  '"',
  "'",
  '`',
  '=',
  '<',
  '>',
  '&',
  '𠮷野家',
  '👨‍👩‍👧‍👦',
  'Ａｄｍｉｎ',
  '\u3000全角スペース\u3000',
  '窓口の待ち時間を短くする',
  'ﾊﾝｶｸｶﾅ',
  '①②③',
];

const JAPANESE_WORDS = [
  '提案',
  '窓口',
  '改善',
  '市民課',
  '業務',
  '削減',
  '電子化',
  'ペーパーレス',
  '効率',
  '住民票',
  'の',
  'を',
  'に',
  '、',
  '。',
  '\n',
  '\r\n',
  ' ',
];

const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PAYLOADS) },
  { weight: 3, arbitrary: fc.constantFrom(...CONTROL_CHARACTERS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom(...JAPANESE_WORDS) },
);

/** A short string mixing payloads, control characters, random code points and Japanese. */
export const hostileString: fc.Arbitrary<string> = fc.array(hostileUnit, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));

/** C0 controls, which forms refuse; what is left of CONTROL_CHARACTERS is text a form stores. */
const C0 = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/**
 * Hostile text that a form accepts: markup, template and SQL-looking payloads, bidi overrides,
 * zero-width and combining characters, astral and random code points, Japanese, line breaks, but no
 * C0 control (those are refused, and would keep every such submission from being stored).
 */
export const hostileText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...PAYLOADS) },
      { weight: 2, arbitrary: fc.constantFrom(...CONTROL_CHARACTERS.filter((c) => !/^[\u0000-\u0008\u000b\u000c\u000e-\u001f]$/.test(c))) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).map((t) => t.replace(C0, '')) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map((t) => t.replace(C0, '')) },
      { weight: 3, arbitrary: fc.constantFrom(...JAPANESE_WORDS) },
    ),
    { minLength: 1, maxLength: 10 },
  )
  .map((parts) => parts.join(''));

/**
 * A string of `count` "characters" as class-validator's length check counts them. Some units count as
 * one there but are two code points in the database ("a" + VARIATION SELECTOR-16), which is how a
 * "100 characters" title can be 200 characters to PostgreSQL.
 */
export const stringOfLength = (count: number): fc.Arbitrary<string> =>
  fc.constantFrom('a', 'あ', '𠮷', 'a\ufe0f', '❤\ufe0f', 'e\u0301', '<', '&', '"', '\u0000', ' ').map((unit) => unit.repeat(count));

/** 50–150 K characters: with the other fields, some requests cross the 200 KB body limit and some do not. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('a', '<script>', '\u0000', 'あ', '&', '"><img src=x onerror=alert(1)>'), fc.integer({ min: 50_000, max: 150_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

/** Numbers as people type them into a form: plain, full-width, with separators or spaces, or nothing. */
export const typedNumber: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', '0', '7', '120', '１２', '１,２００', '300,000', ' 42 '),
  fc.integer({ min: 0, max: 1_000_000 }).map(String),
);

/** Number-ish text: full-width digits, separators, signs, exponents, out-of-range and overflowing values. */
export const numberLike: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '1', '-1', '12', '１２', '１,２００', '1,200', '1e3', '0x10', '1.5', ' 7 ', '+1', '-0', '', ' ', '٣', '〇'),
  fc.constantFrom('2147483647', '2147483648', '-2147483648', '-2147483649', '9999999999', '9007199254740993', '99999999999999999999', '1' + '0'.repeat(400)),
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.double({ noNaN: false }).map(String),
);

/** Dates: real ones around today (as placeholders the test fills in), impossible ones and garbage. */
export const dateLike: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -400, max: 400 }).map((days) => `@@date:${days}@@`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '2025-02-30',
      '2025-13-01',
      '0000-00-00',
      '9999-12-31',
      '2025-1-1',
      '２０２５-０１-０１',
      '2025-01-01T00:00',
      '2025/04/01',
      '令和7年4月1日',
      '1900-01-01',
      '+002025-01-01',
    ),
  },
  { weight: 1, arbitrary: hostileString },
);

export const checkboxLike: fc.Arbitrary<string> = fc.constantFrom('on', '1', 'true', 'off', 'false', '0', '', 'ON', 'yes');

/** Values only JSON can carry: numbers, booleans, null, objects (with hostile keys), deep nesting. */
export const jsonOnlyValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom<Value>(0, -0, 1, -1, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, Infinity, true, false, null),
  fc.constantFrom<Value>(
    { entries: [['toHTML', 'x']] },
    { entries: [['toString', 'x']] },
    { entries: [['__proto__', { entries: [['polluted', 'yes']] }]] },
    { entries: [['constructor', { entries: [['prototype', { entries: [['polluted', 'yes']] }]] }]] },
    { entries: [] },
    [],
    [[]],
    ['a', 1, null],
  ),
  fc.integer({ min: 100, max: 60_000 }).map((deep): Value => ({ deep })),
);

/** Field names nobody's form has: prototype keys, bracket names, the CSRF name, huge and odd ones. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'toHTML',
    'toJSON',
    '__defineGetter__',
    'length',
    'a[b]',
    'a[__proto__][x]',
    '__proto__[polluted]',
    'constructor[prototype][polluted]',
    '[]',
    '',
    ' ',
    '\u0000',
    'id',
    'status',
    'proposerId',
    'passwordHash',
    'isAdmin',
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
  ),
  fc.string({ maxLength: 12 }),
  hostileString,
  fc.integer({ min: 2_000, max: 20_000 }).map((n) => 'k'.repeat(n)),
);

/** Any value a field might receive in the "random" mode. */
export const hostileValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 10, arbitrary: hostileString },
  { weight: 2, arbitrary: numberLike },
  { weight: 2, arbitrary: fc.array(hostileString, { minLength: 2, maxLength: 4 }) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: jsonOnlyValue },
);

/** At most `max` code points, cut between code points (never inside a surrogate pair). */
const upTo = (max: number) => (t: string) => Array.from(t).slice(0, max).join('');

/**
 * A free-text field with at most `max` characters: mostly hostile text a form accepts, sometimes with
 * control characters, exactly at the limit or one over it, or empty.
 */
export const text = (max: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 10, arbitrary: hostileText.map(upTo(max)) },
    { weight: 1, arbitrary: hostileString.map(upTo(max)) },
    { weight: 3, arbitrary: fc.array(fc.constantFrom(...JAPANESE_WORDS, ...PAYLOADS), { minLength: 1, maxLength: 12 }).map((w) => upTo(max)(w.join(''))) },
    { weight: 1, arbitrary: stringOfLength(max) },
    { weight: 1, arbitrary: stringOfLength(max + 1) },
    { weight: 1, arbitrary: fc.constant('') },
  );

/** One of a fixed set of choices, or something else. */
export const choice = (values: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: hostileString });

/** An id the test fills in ("@@division:3@@" → the fourth division), or number-ish text. */
export const idOf = (kind: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 10, arbitrary: fc.nat(50).map((i) => `@@${kind}:${i}@@`) }, { weight: 1, arbitrary: numberLike });

export const placeholder = (name: string): fc.Arbitrary<string> => fc.constant(`@@${name}@@`);

/** The form's current version (for the compare-and-set) most of the time; otherwise a wrong or odd one. */
export const versionField: fc.Arbitrary<string> = fc.oneof({ weight: 8, arbitrary: placeholder('version') }, { weight: 2, arbitrary: numberLike });

// --- forms ---

export type FieldSpecs = Record<string, fc.Arbitrary<Value>>;

const ENCODINGS = fc.oneof(
  { weight: 24, arbitrary: fc.constant<Encoding>('form') },
  { weight: 3, arbitrary: fc.constant<Encoding>('form-raw') },
  // No JSON parser is installed: these test that JSON is refused cleanly (and would fuzz it if one came back).
  { weight: 2, arbitrary: fc.constant<Encoding>('json') },
  { weight: 1, arbitrary: fc.constant<Encoding>('json-broken') },
  { weight: 1, arbitrary: fc.constant<Encoding>('text-plain') },
  { weight: 1, arbitrary: fc.constant<Encoding>('no-content-type') },
  { weight: 1, arbitrary: fc.constant<Encoding>('bad-charset') },
  { weight: 1, arbitrary: fc.constant<Encoding>('multipart-to-form') },
);

const CSRF_MODES = fc.oneof(
  { weight: 30, arbitrary: fc.constant<CsrfMode>('body') },
  { weight: 3, arbitrary: fc.constant<CsrfMode>('header') },
  { weight: 1, arbitrary: fc.constant<CsrfMode>('query') },
  { weight: 1, arbitrary: fc.constant<CsrfMode>('missing') },
  { weight: 1, arbitrary: fc.constant<CsrfMode>('wrong') },
  { weight: 1, arbitrary: fc.constant<CsrfMode>('repeated') },
);

export const RAW_FRAGMENTS: readonly string[] = [
  '%',
  '%z',
  '%zz',
  '%E3%81',
  '%ED%A0%80',
  '%C0%AE',
  '%FF%FE',
  '%00',
  '\u0000',
  '\u00ff\u00fe',
  '&&&',
  '=',
  '==&=',
  ';x=y',
  '+',
  '%2B',
  '%26',
  '\r\n',
  '&__proto__=x',
  '&__proto__[polluted]=yes',
  '&constructor[prototype][polluted]=yes',
  '&a[b][c]=1',
  'a=1&'.repeat(1001), // over parameterLimit → 413
];

const rawFragments = fc.oneof(
  { weight: 3, arbitrary: fc.constant<string[]>([]) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...RAW_FRAGMENTS), { minLength: 1, maxLength: 4 }) },
);

/**
 * A form as its page would send it, with hostile content. Half the time it is a clean submission
 * (every field from its spec, urlencoded, with the token), so that plenty of input gets past
 * validation and is stored; otherwise each field may instead be hostile, repeated or missing, fields
 * the form does not have may be added, and the encoding and token vary.
 */
export function describedForm(specs: FieldSpecs): fc.Arbitrary<FormInput> {
  const names = Object.keys(specs);
  const clean = fc
    .tuple(...names.map((name) => specs[name].map((v): Fields => [[name, v]])))
    .map((parts): FormInput => ({ kind: 'form', fields: parts.flat(), encoding: 'form', csrf: 'body', raw: [], variant: 0 }));
  const field = (name: string, spec: fc.Arbitrary<Value>) =>
    fc.oneof(
      { weight: 12, arbitrary: spec.map((v): Fields => [[name, v]]) },
      { weight: 2, arbitrary: hostileValue.map((v): Fields => [[name, v]]) },
      {
        weight: 1,
        arbitrary: fc.tuple(spec, spec).map(([a, b]): Fields => [
          [name, a],
          [name, b],
        ]),
      },
      { weight: 1, arbitrary: fc.constant<Fields>([]) },
    );
  const extras = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Fields>([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, hostileValue), { minLength: 1, maxLength: 3 }) },
  );
  const messy = fc
    .record({
      known: fc.tuple(...names.map((name) => field(name, specs[name]))),
      extras,
      encoding: ENCODINGS,
      csrf: CSRF_MODES,
      raw: rawFragments,
      variant: fc.nat(99),
    })
    .map(({ known: parts, extras: more, encoding, csrf, raw, variant }): FormInput => ({
      kind: 'form',
      fields: [...parts.flat(), ...more],
      encoding,
      csrf,
      raw,
      variant,
    }));
  return fc.oneof({ weight: 2, arbitrary: clean }, { weight: 1, arbitrary: messy });
}

/** Random field names (hostile ones, the form's own, arbitrary) with random values. */
export function randomForm(knownNames: readonly string[]): fc.Arbitrary<FormInput> {
  const name = knownNames.length ? fc.oneof(hostileKey, fc.constantFrom(...knownNames)) : hostileKey;
  return fc
    .record({
      fields: fc.array(fc.tuple(name, hostileValue), { maxLength: 8 }),
      encoding: ENCODINGS,
      csrf: CSRF_MODES,
      raw: rawFragments,
      variant: fc.nat(99),
    })
    .map((input): FormInput => ({ kind: 'form', ...input }));
}

// --- placeholders ---

export type Resolver = (name: string, fields: Fields) => string;

/** Fills in every "@@name@@" value (in arrays and JSON objects too). */
export function resolve(fields: Fields, resolver: Resolver): Fields {
  const one = (value: Value): Value => {
    if (typeof value === 'string') {
      const match = /^@@(.+)@@$/.exec(value);
      return match ? resolver(match[1], fields) : value;
    }
    if (Array.isArray(value)) return value.map(one);
    if (value && typeof value === 'object' && 'entries' in value) return { entries: value.entries.map(([k, v]): [string, Value] => [k, one(v)]) };
    return value;
  };
  return fields.map(([k, v]): [string, Value] => [k, one(v)]);
}

/** Every string in the input, keys included: what the page may legitimately echo back. */
export function textsOf(fields: Fields): string[] {
  const out: string[] = [];
  const walk = (value: Value): void => {
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object' && 'entries' in value) {
      for (const [k, v] of value.entries) {
        out.push(k);
        walk(v);
      }
    }
  };
  for (const [k, v] of fields) {
    out.push(k);
    walk(v);
  }
  return out;
}

// --- encoders ---

/** Percent-encoding that also writes lone surrogates, as the 3-byte sequences a sloppy client would send. */
export function percentEncode(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (/^[A-Za-z0-9\-_.~]$/.test(ch)) out += ch;
    else {
      const bytes = cp >= 0xd800 && cp <= 0xdfff ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)] : [...Buffer.from(ch, 'utf8')];
      for (const b of bytes) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** key=value pairs as an HTML form would send them; arrays repeat the key, objects become bracket names. */
export function formPairs(fields: Fields): [string, string][] {
  const pairs: [string, string][] = [];
  const add = (key: string, value: Value): void => {
    if (typeof value === 'string') pairs.push([key, value]);
    else if (typeof value === 'number' || typeof value === 'boolean') pairs.push([key, String(value)]);
    else if (value === null) pairs.push([key, '']);
    else if (Array.isArray(value)) value.forEach((v) => add(key, v));
    else if ('deep' in value) pairs.push([key + '[a]'.repeat(Math.min(value.deep, 200)), '1']);
    else for (const [k, v] of value.entries) add(`${key}[${k}]`, v);
  };
  for (const [key, value] of fields) add(key, value);
  return pairs;
}

export function jsonText(value: Value): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? '1e999' : '-1e999';
  if (typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if ('deep' in value) return '['.repeat(value.deep) + '1' + ']'.repeat(value.deep);
  return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
}

const BROKEN_JSON = [
  '{',
  '{"a":',
  '[1,2',
  '"just a string"',
  'null',
  '1e999',
  '[]',
  'true',
  '{"a":1}}',
  '\u0000',
  '{"__proto__":',
  '['.repeat(5000),
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
];
const BAD_CHARSETS = ['utf-16', 'koi8-r', 'bogus', 'utf-7', 'iso-8859-1', 'UTF-8; charset=latin1'];

export interface WireRequest {
  /** Extra query string (the CSRF token for multipart, or on purpose). */
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** The request for a form input, with `token` placed as its CSRF mode says. */
export function encodeForm(input: FormInput, token: string): WireRequest {
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const csrfPairs: [string, string][] = [];
  switch (input.csrf) {
    case 'body':
      csrfPairs.push(['_csrf', token]);
      break;
    case 'header':
      headers['x-csrf-token'] = token;
      break;
    case 'query':
      query._csrf = token;
      break;
    case 'wrong':
      csrfPairs.push(['_csrf', token.slice(0, -2) + (token.endsWith('aa') ? 'bb' : 'aa')]);
      break;
    case 'repeated':
      csrfPairs.push(['_csrf', token], ['_csrf', token]);
      break;
    case 'missing':
      break;
  }
  const pairs = [...csrfPairs, ...formPairs(input.fields)];
  const urlencoded = () => pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');

  switch (input.encoding) {
    case 'form':
      headers['content-type'] = 'application/x-www-form-urlencoded';
      return { query, headers, body: Buffer.from(urlencoded(), 'latin1') };
    case 'form-raw': {
      headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
      const pieces = pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`);
      input.raw.forEach((fragment, i) => {
        const at = pieces.length ? (input.variant + i) % (pieces.length + 1) : 0;
        if (at < pieces.length && i % 2 === 0) pieces[at] += fragment;
        else pieces.splice(at, 0, fragment);
      });
      // The CSRF pair stays intact at the front, so the request gets past the guard to the parsing.
      return { query, headers, body: Buffer.from(pieces.join('&'), 'latin1') };
    }
    case 'json': {
      headers['content-type'] = 'application/json';
      const entries: [string, Value][] = [...csrfPairs, ...input.fields];
      return { query, headers, body: Buffer.from(jsonText({ entries }), 'utf8') };
    }
    case 'json-broken':
      headers['content-type'] = 'application/json';
      return { query, headers, body: Buffer.from(BROKEN_JSON[input.variant % BROKEN_JSON.length], 'utf8') };
    case 'text-plain':
      headers['content-type'] = 'text/plain';
      return { query, headers, body: Buffer.from(urlencoded(), 'latin1') };
    case 'no-content-type':
      return { query, headers, body: Buffer.from(urlencoded(), 'latin1') };
    case 'bad-charset':
      headers['content-type'] = `application/x-www-form-urlencoded; charset=${BAD_CHARSETS[input.variant % BAD_CHARSETS.length]}`;
      return { query, headers, body: Buffer.from(urlencoded(), 'latin1') };
    case 'multipart-to-form': {
      const parts = pairs.map(([k, v]): Part => ({ headers: [`Content-Disposition: form-data; name="${k}"`], body: Buffer.from(v, 'utf8') }));
      const built = multipartBody('----fuzzboundary', parts, 'ok', '');
      headers['content-type'] = 'multipart/form-data; boundary=----fuzzboundary';
      return { query: { ...query, _csrf: token }, headers, body: built };
    }
  }
}

// --- multipart ---

export interface Part {
  /** Raw header lines, without the line ending. */
  headers: string[];
  body: Buffer;
}

export type Closing = 'ok' | 'missing' | 'truncated' | 'no-crlf' | 'garbage';
export type MultipartContentType = 'ok' | 'no-boundary' | 'quoted-boundary' | 'empty-boundary' | 'long-boundary' | 'text-plain' | 'form' | 'mixed';

export interface MultipartInput {
  kind: 'multipart';
  parts: Part[];
  /** The boundary the body uses; the header declares it too unless contentType says otherwise. */
  boundary: string;
  /** Whether the body uses a different boundary from the one declared (broken). */
  mismatched: boolean;
  contentType: MultipartContentType;
  closing: Closing;
  preamble: string;
  csrf: 'query' | 'missing' | 'wrong' | 'field';
}

/** The body of a multipart request: preamble, each part, then the closing boundary as `closing` says. */
export function multipartBody(boundary: string, parts: Part[], closing: Closing, preamble: string): Buffer {
  const chunks: Buffer[] = [Buffer.from(preamble, 'latin1')];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n`, 'utf8'), part.body, Buffer.from('\r\n', 'latin1'));
  }
  if (closing === 'ok') chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  else if (closing === 'truncated') chunks.push(Buffer.from(`--${boundary.slice(0, Math.max(1, boundary.length - 3))}`, 'latin1'));
  else if (closing === 'no-crlf') chunks.push(Buffer.from(`--${boundary}--`, 'latin1'));
  else if (closing === 'garbage') chunks.push(Buffer.from(`--${boundary}--\r\n\u0000\u00ff garbage after the end`, 'latin1'));
  return Buffer.concat(chunks);
}

export function encodeMultipart(input: MultipartInput, token: string): WireRequest {
  const query: Record<string, string> = {};
  if (input.csrf === 'query') query._csrf = token;
  if (input.csrf === 'wrong') query._csrf = token.slice(0, -2) + 'zz';
  const parts =
    input.csrf === 'field' ? [{ headers: ['Content-Disposition: form-data; name="_csrf"'], body: Buffer.from(token) }, ...input.parts] : input.parts;
  const used = input.mismatched ? input.boundary + 'X' : input.boundary;
  const declared: Record<MultipartContentType, string> = {
    ok: `multipart/form-data; boundary=${input.boundary}`,
    'no-boundary': 'multipart/form-data',
    'quoted-boundary': `multipart/form-data; boundary="${input.boundary}"`,
    'empty-boundary': 'multipart/form-data; boundary=',
    'long-boundary': `multipart/form-data; boundary=${'b'.repeat(5000)}`,
    'text-plain': 'text/plain',
    form: 'application/x-www-form-urlencoded',
    mixed: `multipart/mixed; boundary=${input.boundary}`,
  };
  return {
    query,
    headers: { 'content-type': declared[input.contentType] },
    body: multipartBody(used, parts, input.closing, input.preamble),
  };
}

// file contents
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
const PDF_MAGIC = Buffer.from('%PDF-1.4\n', 'latin1');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

/** What a file part carries: accepted kinds (by their first bytes), look-alikes, HTML, nothing, too much. */
export const fileContent = (tooLargeBytes: number): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { weight: 24, arbitrary: fc.tuple(fc.constantFrom(PNG_MAGIC, JPEG_MAGIC, PDF_MAGIC), bytes(512)).map(([m, rest]) => Buffer.concat([m, rest])) },
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(ZIP_MAGIC, CFB_MAGIC), bytes(600)).map(([m, rest]) => Buffer.concat([m, rest])) },
    { weight: 8, arbitrary: fc.constantFrom(...PAYLOADS).map((p) => Buffer.from(`<html><body>${p}</body></html>`)) },
    { weight: 8, arbitrary: bytes(1024) },
    { weight: 4, arbitrary: fc.constant(Buffer.alloc(0)) },
    // A PNG one byte over the limit; rare, since it is megabytes.
    { weight: 1, arbitrary: fc.constant(null).map(() => Buffer.concat([PNG_MAGIC, Buffer.alloc(tooLargeBytes + 1 - PNG_MAGIC.length)])) },
  );

export const fileName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('資料.pdf', 'photo.png', '写真.jpg', '提案書.docx', 'a.xlsx', 'noextension', '.hidden', 'x.exe', 'ﾌｧｲﾙ.PNG') },
  { weight: 4, arbitrary: fc.tuple(hostileString, fc.constantFrom('', '.pdf', '.png', '.exe', '.html', '.')).map(([s, ext]) => s + ext) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '../../../etc/passwd',
      '..\\..\\windows\\system32\\cmd.exe',
      'C:\\fakepath\\資料.pdf',
      '資料\u202efdp.exe',
      '"><img src=x onerror=alert(1)>.png',
      '<script>alert(1)</script>.pdf',
      '\u0000.png',
      '   ',
      '...',
      'con.pdf',
      'a\r\nContent-Type: text/html\r\n\r\n<script>.png',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 20_000 }).map((n) => 'あ'.repeat(n) + '.pdf') },
);

const dispositionFor = (name: string, filename: string | null, style: number): string => {
  if (filename === null) return `Content-Disposition: form-data; name="${name}"`;
  switch (style % 4) {
    case 0:
      return `Content-Disposition: form-data; name="${name}"; filename="${filename.replace(/["\\]/g, '\\$&')}"`;
    case 1:
      return `Content-Disposition: form-data; name="${name}"; filename="${filename}"`; // unescaped quotes: broken on purpose
    case 2:
      return `Content-Disposition: form-data; name="${name}"; filename*=UTF-8''${percentEncode(filename)}`;
    default:
      return `Content-Disposition: form-data; name=${name}; filename=${filename}`;
  }
};

export interface MultipartSpec {
  /** The name of the file field ("file"). */
  fileField: string;
  /** Largest accepted file. */
  maxBytes: number;
  /** Plausible text fields of the form (e.g. checkboxes), as specs. */
  fields?: FieldSpecs;
  /** Contents other than fileContent (e.g. a CSV generator), if the route takes another kind of file. */
  content?: fc.Arbitrary<Buffer | string>;
}

const brokenPart: fc.Arbitrary<Part> = fc.oneof(
  fc.constant<Part>({ headers: ['Content-Type: text/plain'], body: Buffer.from('a part without Content-Disposition') }),
  fc.constant<Part>({ headers: ['Content-Disposition: form-data'], body: Buffer.from('a part without a name') }),
  fc.constant<Part>({ headers: ['Content-Disposition: form-data; filename="no-name.png"'], body: PNG_MAGIC }),
  fc.constant<Part>({ headers: ['this is not a header'], body: Buffer.from('x') }),
  fc.constant<Part>({ headers: ['Content-Disposition: attachment; name="file"'], body: PNG_MAGIC }),
  fc
    .integer({ min: 1_000, max: 100_000 })
    .map((n): Part => ({ headers: [`Content-Disposition: form-data; name="huge"`, `X-Huge: ${'h'.repeat(n)}`], body: Buffer.from('x') })),
  fc.constant<Part>({ headers: [`Content-Disposition: form-data; name="${'n'.repeat(20_000)}"`], body: Buffer.from('x') }),
  fc.constant<Part>({
    headers: ['Content-Disposition: form-data; name="file"; filename="big.bin"', 'Content-Transfer-Encoding: base64'],
    body: Buffer.from('%%%'),
  }),
);

export function multipartInput(spec: MultipartSpec): fc.Arbitrary<MultipartInput> {
  const content = spec.content ? spec.content.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)) : fileContent(spec.maxBytes);
  const filePart = fc
    .record({
      name: fc.oneof(
        { weight: 8, arbitrary: fc.constant(spec.fileField) },
        { weight: 1, arbitrary: fc.constantFrom('files', `${spec.fileField}[]`, '', 'other') },
        { weight: 1, arbitrary: hostileKey },
      ),
      filename: fc.oneof({ weight: 8, arbitrary: fileName.map((n): string | null => n) }, { weight: 1, arbitrary: fc.constant(null) }),
      type: fc.option(
        fc.constantFrom(
          'application/pdf',
          'image/png',
          'text/html',
          'application/octet-stream',
          'application/x-msdownload',
          'text/csv',
          '',
          'image/png; charset="<script>"',
        ),
        { nil: undefined },
      ),
      style: fc.nat(11),
      body: content,
    })
    .map(({ name, filename, type, style, body }): Part => ({
      headers: [dispositionFor(name, filename, style), ...(type === undefined ? [] : [`Content-Type: ${type}`])],
      body,
    }));
  const fieldSpecs = Object.entries(spec.fields ?? {});
  const plausibleField = fieldSpecs.length
    ? fc
        .constantFrom(...fieldSpecs)
        .chain(([name, arb]) => arb.map((v): Part => ({ headers: [dispositionFor(name, null, 0)], body: Buffer.from(String(v), 'utf8') })))
    : fc.constant<Part>({ headers: [dispositionFor('note', null, 0)], body: Buffer.from('x') });
  const textPart = fc.oneof(
    { weight: 3, arbitrary: plausibleField },
    {
      weight: 2,
      arbitrary: fc
        .tuple(hostileKey, hostileString)
        .map(([name, value]): Part => ({ headers: [dispositionFor(name.replace(/[\r\n]/g, ''), null, 0)], body: Buffer.from(value, 'utf8') })),
    },
  );
  const part = fc.oneof({ weight: 6, arbitrary: filePart }, { weight: 3, arbitrary: textPart }, { weight: 1, arbitrary: brokenPart });
  // As a browser sends the form: the file under its name, with the form's own fields.
  const cleanFile = fc
    .record({ filename: fileName, type: fc.constantFrom('application/pdf', 'image/png', 'text/csv', 'application/octet-stream'), body: content })
    .map(({ filename, type, body }): Part => ({ headers: [dispositionFor(spec.fileField, filename, 0), `Content-Type: ${type}`], body }));
  const cleanFields = fieldSpecs.length
    ? fc
        .subarray(fieldSpecs)
        .chain((chosen) =>
          fc.tuple(...chosen.map(([name, arb]) => arb.map((v): Part => ({ headers: [dispositionFor(name, null, 0)], body: Buffer.from(String(v), 'utf8') })))),
        )
    : fc.constant<Part[]>([]);
  const parts = fc.oneof(
    { weight: 8, arbitrary: fc.tuple(cleanFields, cleanFile).map(([fields, file]) => [...fields, file]) },
    { weight: 4, arbitrary: fc.tuple(filePart, fc.array(textPart, { maxLength: 2 })).map(([f, t]) => [...t, f]) },
    { weight: 3, arbitrary: fc.array(part, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(part, { minLength: 5, maxLength: 14 }) },
  );
  return fc.record({
    kind: fc.constant<'multipart'>('multipart'),
    parts,
    boundary: fc.oneof(
      { weight: 5, arbitrary: fc.constant('----WebKitFormBoundary7MA4YWxkTrZu0gW') },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9'()+_,\-./:=?]{1,70}$/) },
    ),
    mismatched: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    contentType: fc.oneof(
      { weight: 24, arbitrary: fc.constant<MultipartContentType>('ok') },
      {
        weight: 1,
        arbitrary: fc.constantFrom<MultipartContentType>('no-boundary', 'quoted-boundary', 'empty-boundary', 'long-boundary', 'text-plain', 'form', 'mixed'),
      },
    ),
    closing: fc.oneof(
      { weight: 10, arbitrary: fc.constant<Closing>('ok') },
      { weight: 2, arbitrary: fc.constantFrom<Closing>('missing', 'truncated', 'no-crlf', 'garbage') },
    ),
    preamble: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('preamble\r\n', '\r\n', '--\r\n', '\u0000\u00ff') }),
    csrf: fc.oneof(
      { weight: 20, arbitrary: fc.constant<'query'>('query') },
      { weight: 1, arbitrary: fc.constantFrom<'missing' | 'wrong' | 'field'>('missing', 'wrong', 'field') },
    ),
  });
}

// --- CSV (ledger import) ---

export interface CsvSpec {
  header: readonly string[];
  /** Plausible cells per column (by index); hostile text is mixed in. */
  cells: fc.Arbitrary<string>[];
  /** A row that should be accepted (with hostile text where text is free). */
  validRow: fc.Arbitrary<string[]>;
}

const csvCell = (value: string, quote: boolean): string => (quote || /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** A CSV file in one of the encodings Excel writes (or a wrong one), with hostile cells. */
export function csvFile(spec: CsvSpec): fc.Arbitrary<Buffer> {
  const cell = (i: number) => fc.oneof({ weight: 5, arbitrary: spec.cells[i] ?? hostileString }, { weight: 1, arbitrary: hostileString });
  const messyRow = fc.record({
    values: fc.tuple(...spec.header.map((_, i) => cell(i))) as fc.Arbitrary<string[]>,
    quote: fc.boolean(),
    shift: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
  });
  const validRow = fc.record({ values: spec.validRow, quote: fc.boolean(), shift: fc.constant(0) });
  const row = fc.oneof({ weight: 3, arbitrary: validRow }, { weight: 1, arbitrary: messyRow });
  const headerLine: fc.Arbitrary<string[]> = fc.oneof(
    { weight: 8, arbitrary: fc.constant<string[]>([...spec.header]) },
    { weight: 1, arbitrary: fc.array(hostileString, { minLength: 1, maxLength: spec.header.length + 2 }) },
  );
  return fc
    .record({
      header: headerLine,
      rows: fc.array(row, { minLength: 1, maxLength: 6 }),
      newline: fc.constantFrom('\r\n', '\n', '\r'),
      encoding: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('utf8', 'utf8-bom', 'cp932') },
        { weight: 1, arbitrary: fc.constantFrom('utf16le-bom', 'garbage') },
      ),
      tail: fc.oneof(
        { weight: 6, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constantFrom('"unterminated', ',,,,,,,,,,,,,,,', '\u0000', 'a"b,c') },
      ),
    })
    .map(({ header, rows, newline, encoding, tail }) => {
      const lines = [header.map((h: string) => csvCell(h, false)).join(',')];
      for (const { values, quote, shift } of rows) {
        const cells = values.map((v) => csvCell(v, quote));
        // A row with a column too few or too many now and then.
        if (shift < 0) cells.splice(shift);
        if (shift > 0) cells.push(...Array.from({ length: shift }, () => 'extra'));
        lines.push(cells.join(','));
      }
      const textBody = lines.join(newline) + newline + tail;
      if (encoding === 'utf8') return Buffer.from(textBody, 'utf8');
      if (encoding === 'utf8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(textBody, 'utf8')]);
      if (encoding === 'cp932') return iconv.encode(textBody, 'cp932');
      if (encoding === 'utf16le-bom') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(textBody, 'utf16le')]);
      return Buffer.concat([Buffer.from(textBody, 'utf8'), Buffer.from([0xff, 0xfe, 0x80, 0x81, 0xc0])]);
    });
}
