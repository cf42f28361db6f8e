import * as iconv from 'iconv-lite';
import { fiscalYearOfDate } from '../common/fiscal-year';
import { jstDateString } from '../common/jst';
import { TEXT_MAX, TITLE_MAX } from '../proposals/dto/proposal-form.dto';
import { Decision, DECISION_LABELS, IMPLEMENTATION_LABELS, ImplementationStatus, ProposalStatus } from '../proposals/proposal-state-machine';

/**
 * The legacy ledger (提案簿) CSV of ../shared/DOMAIN.md, read without any I/O: bytes → text → records
 * → one checked row at a time. What needs the database (divisions, numbers already registered) is
 * decided by LedgerImportService.
 */

export const LEDGER_COLUMNS = ['提案番号', '提出日', '件名', '提案内容', '提案者所属', '所管課', '採否', '実施状況', '実施日'] as const;
export type LedgerColumn = (typeof LEDGER_COLUMNS)[number];

/** The proposals.number column's length. */
export const NUMBER_MAX = 20;

/** One thing wrong with the file: the physical line (header = 1), the column when one is to blame, and why. */
export interface LedgerIssue {
  line: number;
  column: LedgerColumn | '見出し行' | null;
  reason: string;
}

/** `行 12 ・ 提出日: 日付として読めません（「H29.13.1」）` — how an issue reads on the command line and in logs. */
export function formatLedgerIssue(issue: LedgerIssue): string {
  return `行 ${issue.line}${issue.column ? ` ・ ${issue.column}` : ''}: ${issue.reason}`;
}

// --- bytes → text ---

export type LedgerEncoding = 'UTF-8（BOM付き）' | 'UTF-8' | 'Shift_JIS（CP932）';

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Excel saves CSV as UTF-8 with a BOM ("CSV UTF-8"), as plain Shift_JIS ("CSV") or, from other tools,
 * as UTF-8 without one. A BOM decides; otherwise text that is valid UTF-8 is UTF-8 (Japanese text in
 * Shift_JIS is practically never valid UTF-8), and anything else is read as CP932, Windows' Shift_JIS.
 * UTF-16 (Excel's "Unicode text") is refused by the caller with a clear message: see isUtf16.
 */
export function decodeLedger(bytes: Uint8Array): { text: string; encoding: LedgerEncoding } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (UTF8_BOM.every((b, i) => buffer[i] === b)) {
    return { text: buffer.subarray(3).toString('utf8'), encoding: 'UTF-8（BOM付き）' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buffer), encoding: 'UTF-8' };
  } catch {
    return { text: iconv.decode(buffer, 'cp932'), encoding: 'Shift_JIS（CP932）' };
  }
}

export const isUtf16 = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));

// --- text → records (RFC 4180) ---

export interface CsvRecord {
  /** The physical line the record starts on (1-based); a quoted field may carry it over several lines. */
  line: number;
  fields: string[];
}

/**
 * RFC 4180: fields separated by commas, records by CRLF (LF or a lone CR too), a field in double quotes
 * may hold commas, line breaks and doubled quotes (""). Line breaks inside a field become "\n".
 * Lenient where Excel-made files are: a quote inside an unquoted field is kept as it is.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problems: LedgerIssue[] } {
  const records: CsvRecord[] = [];
  const problems: LedgerIssue[] = [];
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let started = false; // the current field has content or opened a quote
  let inQuotes = false;
  let quoteLine = 1;
  let afterQuote = false; // the current field's closing quote has been read
  let strayReported = false;

  const endField = () => {
    fields.push(field);
    field = '';
    started = false;
    afterQuote = false;
  };
  const endRecord = () => {
    endField();
    records.push({ line: recordLine, fields });
    fields = [];
    strayReported = false;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          afterQuote = true;
        }
      } else if (c === '\r' || c === '\n') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        field += '\n';
        line++;
      } else {
        field += c;
      }
      continue;
    }
    if (c === ',') {
      endField();
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (c === '"' && !started) {
      inQuotes = true;
      started = true;
      quoteLine = line;
    } else {
      if (afterQuote && !strayReported) {
        problems.push({ line: recordLine, column: null, reason: '引用符（"）で囲んだ項目の後ろに、区切りのカンマを置かずに文字が続いています。' });
        strayReported = true;
      }
      field += c;
      started = true;
    }
  }
  if (inQuotes) {
    problems.push({ line: quoteLine, column: null, reason: '引用符（"）が閉じられないまま、ファイルが終わっています。' });
  }
  if (started || fields.length > 0 || field !== '') endRecord();
  return { records, problems };
}

// --- dates ---

export type LedgerDateResult = { ok: true; date: string; instant: Date | null } | { ok: false; reason: string };

const pad2 = (n: number) => String(n).padStart(2, '0');
const isoDate = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Eras a ledger date may be written in: first day, last day (null: current), first western year. */
const ERAS = [
  { name: '令和', letter: 'R', from: '2019-05-01', to: null, firstYear: 2019 },
  { name: '平成', letter: 'H', from: '1989-01-08', to: '2019-04-30', firstYear: 1989 },
  { name: '昭和', letter: 'S', from: '1926-12-25', to: '1989-01-07', firstYear: 1926 },
] as const;

const dateLabel = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

const WESTERN = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const WESTERN_KANJI = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/;
const ERA = /^(令和|平成|昭和|[RHS])\.?\s*(元|\d{1,2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[./-](\d{1,2})[./-](\d{1,2}))$/i;

/**
 * A date as a ledger writes it, to the Japan calendar date it means:
 * 2017-05-10, 2017/5/10, 2017年5月10日, an ISO date-time (with an offset: the Japan date of that
 * instant; without one: Japan time), H29.5.10, 平成29年5月10日, R1.5.1, 令和元年5月1日, S64.1.7.
 * Full-width digits and punctuation are read as half-width. The date must exist, and an era date
 * must fall within its era (平成31年5月1日 does not exist: 令和 began that day).
 * `instant` is set only when the text names a moment (a date-time), for the submission time.
 */
export function parseLedgerDate(raw: string): LedgerDateResult {
  const text = raw.normalize('NFKC').trim();
  const unreadable: LedgerDateResult = { ok: false, reason: `日付として読めません（「${raw.trim()}」）` };

  const western = WESTERN.exec(text);
  if (western) {
    const [, ys, , ms, ds, hs, mins, ss, offset] = western;
    const [y, m, d] = [Number(ys), Number(ms), Number(ds)];
    if (!isCalendarDate(y, m, d)) return unreadable;
    if (hs === undefined) return { ok: true, date: isoDate(y, m, d), instant: null };
    const [h, min, s] = [Number(hs), Number(mins), Number(ss ?? '0')];
    if (h > 23 || min > 59 || s > 59) return unreadable;
    let offsetMinutes = 9 * 60; // no offset: the office's own clock, Japan time
    if (offset && offset.toUpperCase() === 'Z') offsetMinutes = 0;
    else if (offset) {
      const o = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
      const [oh, om] = [Number(o[2]), Number(o[3] ?? '0')];
      if (oh > 14 || om > 59) return unreadable;
      offsetMinutes = (o[1] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const instant = new Date(Date.UTC(y, m - 1, d, h, min, s) - offsetMinutes * 60_000);
    return { ok: true, date: jstDateString(instant), instant };
  }

  const kanji = WESTERN_KANJI.exec(text);
  if (kanji) {
    const [y, m, d] = kanji.slice(1).map(Number);
    return isCalendarDate(y, m, d) ? { ok: true, date: isoDate(y, m, d), instant: null } : unreadable;
  }

  const era = ERA.exec(text);
  if (era) {
    const [, name, yearText, km, kd, sm, sd] = era;
    const spec = ERAS.find((e) => e.name === name || e.letter === name.toUpperCase())!;
    const n = yearText === '元' ? 1 : Number(yearText);
    const [m, d] = [Number(km ?? sm), Number(kd ?? sd)];
    const y = spec.firstYear + n - 1;
    if (n < 1 || !isCalendarDate(y, m, d)) return unreadable;
    const date = isoDate(y, m, d);
    if (date < spec.from) {
      const previous = ERAS.find((e) => e.to !== null && e.to < spec.from && date >= e.from);
      return {
        ok: false,
        reason: `「${raw.trim()}」という日付はありません（${spec.name}は${dateLabel(spec.from)}からです${previous ? `。それより前は${previous.name}です` : ''}）`,
      };
    }
    if (spec.to !== null && date > spec.to) {
      const next = [...ERAS].reverse().find((e) => e.from > spec.to!); // the era that followed, oldest first
      return {
        ok: false,
        reason: `「${raw.trim()}」という日付はありません（${spec.name}は${dateLabel(spec.to)}までです${next ? `。${dateLabel(next.from)}からは${next.name}です` : ''}）`,
      };
    }
    return { ok: true, date, instant: null };
  }

  return unreadable;
}

// --- one row ---

/** 採否 as the ledger writes it → what the proposal becomes. Empty: not decided yet. */
const DECISION_BY_LABEL: Record<string, { status: ProposalStatus; decision: Decision | null }> = {
  採用: { status: 'decided', decision: 'adopted' },
  一部採用: { status: 'decided', decision: 'partially_adopted' },
  不採用: { status: 'decided', decision: 'rejected' },
  既実施: { status: 'decided', decision: 'already_implemented' },
  継続検討: { status: 'continued', decision: 'continued' },
  不受理: { status: 'not_accepted', decision: null },
};
const IMPLEMENTATION_BY_LABEL = Object.fromEntries(
  Object.entries(IMPLEMENTATION_LABELS).map(([value, label]) => [label, value as ImplementationStatus]),
) as Record<string, ImplementationStatus>;

/** A ledger row checked and mapped to what a proposal is made of. Divisions are still names or codes. */
export interface LedgerRecord {
  line: number;
  number: string;
  /** The Japan calendar date of submission, YYYY-MM-DD. */
  submittedOn: string;
  /** The moment of submission: the instant when the ledger gives a date-time, else noon Japan time of that date. */
  submittedAt: Date;
  fiscalYear: number;
  title: string;
  proposalText: string;
  /** 提案者所属 as written, normalized (NFKC, trimmed): a division code or name. */
  proposerDivision: string;
  /** 所管課 likewise, or null when empty. */
  leadDivision: string | null;
  status: ProposalStatus;
  decision: Decision | null;
  implementationStatus: ImplementationStatus | null;
  implementedOn: string | null;
  /** 採否 and 実施状況 as the ledger wrote them, for the history row. */
  decisionLabel: string | null;
  implementationLabel: string | null;
}

/** NFKC, trimmed: what codes, names and fixed words of the ledger are compared as. */
export const normalizeLedgerText = (value: string | undefined): string => (value ?? '').normalize('NFKC').trim();

const length = (s: string) => [...s].length;
const CONTROL = /[\u0000-\u001f\u007f]/;
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The JST noon of a calendar date, so no clock zone can move it to another day. */
export const noonJst = (date: string): Date => new Date(`${date}T12:00:00+09:00`);

/**
 * Checks one data row (fields in LEDGER_COLUMNS order) and maps it, or lists everything wrong with it.
 * `today` (Japan date) bounds the dates: a ledger records the past.
 */
/** "'=SUM(A1)" → "=SUM(A1)": the guard src/reports/csv.ts adds; any other text is left as it is. */
export const unguardFormula = (cell: string): string => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

export function validateLedgerRow(fields: readonly string[], line: number, options: { today: string }): { record: LedgerRecord | null; issues: LedgerIssue[] } {
  const issues: LedgerIssue[] = [];
  const issue = (column: LedgerColumn, reason: string) => issues.push({ line, column, reason });
  // Our own export guards cells that a spreadsheet would run as a formula with a leading apostrophe
  // (src/reports/csv.ts); take it off again so an export → import round trip changes nothing.
  const raw = (column: LedgerColumn) => unguardFormula(fields[LEDGER_COLUMNS.indexOf(column)] ?? '');

  const number = normalizeLedgerText(raw('提案番号'));
  if (number === '') issue('提案番号', '提案番号がありません');
  else if (CONTROL.test(number)) issue('提案番号', '提案番号に改行などの制御文字は使えません');
  else if (length(number) > NUMBER_MAX) issue('提案番号', `提案番号は${NUMBER_MAX}文字以内にしてください（${length(number)}文字）`);

  let submittedOn: string | null = null;
  let submittedAt: Date | null = null;
  if (raw('提出日').trim() === '') issue('提出日', '提出日がありません');
  else {
    const parsed = parseLedgerDate(raw('提出日'));
    if (!parsed.ok) issue('提出日', parsed.reason);
    else if (parsed.date > options.today) issue('提出日', `未来の日付です（「${raw('提出日').trim()}」）`);
    else {
      submittedOn = parsed.date;
      submittedAt = parsed.instant ?? noonJst(parsed.date);
    }
  }

  // A title is one line; a line break from a wrapped Excel cell becomes a space.
  const title = raw('件名')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
  if (title === '') issue('件名', '件名がありません');
  else if (CONTROL.test(title)) issue('件名', '件名に制御文字が含まれています');
  else if (length(title) > TITLE_MAX) issue('件名', `件名は${TITLE_MAX}文字以内にしてください（${length(title)}文字）`);

  const proposalText = raw('提案内容').replace(/\r\n?/g, '\n').trim();
  // A NUL or other control character cannot be stored (PostgreSQL refuses NUL); tabs and line breaks can.
  if (TEXT_CONTROL.test(proposalText)) issue('提案内容', '提案内容に制御文字（改行・タブ以外）が含まれています');
  else if (length(proposalText) > TEXT_MAX) issue('提案内容', `提案内容は${TEXT_MAX}文字以内にしてください（${length(proposalText)}文字）`);

  const proposerDivision = normalizeLedgerText(raw('提案者所属'));
  if (proposerDivision === '') issue('提案者所属', '提案者所属がありません');
  const leadDivision = normalizeLedgerText(raw('所管課')) || null;

  const decisionLabel = normalizeLedgerText(raw('採否')) || null;
  const outcome = decisionLabel === null ? { status: 'submitted' as const, decision: null } : DECISION_BY_LABEL[decisionLabel];
  if (!outcome) {
    issue('採否', `「${decisionLabel}」は採否として使えません（採用・一部採用・不採用・既実施・継続検討・不受理、または空欄）`);
  }

  const implementationLabel = normalizeLedgerText(raw('実施状況')) || null;
  let implementationStatus: ImplementationStatus | null = null;
  let implementationOk = true;
  if (implementationLabel !== null && !IMPLEMENTATION_BY_LABEL[implementationLabel]) {
    issue('実施状況', `「${implementationLabel}」は実施状況として使えません（未着手・実施中・実施済・断念、または空欄）`);
    implementationOk = false;
  } else if (outcome) {
    const given = implementationLabel === null ? null : IMPLEMENTATION_BY_LABEL[implementationLabel];
    if (outcome.decision === 'adopted' || outcome.decision === 'partially_adopted') {
      // as a decision made in the system: 採用・一部採用 start at 未着手
      implementationStatus = given ?? 'not_started';
    } else if (outcome.decision === 'already_implemented') {
      if (given !== null && given !== 'implemented') {
        issue('実施状況', `既実施の提案は実施済として数えるため、実施状況は「実施済」か空欄にしてください（「${implementationLabel}」）`);
        implementationOk = false;
      }
      implementationStatus = 'implemented';
    } else if (given !== null) {
      issue('実施状況', `実施状況は採否が「採用」「一部採用」「既実施」のときだけ入力できます（採否: ${decisionLabel ?? '空欄'}）`);
      implementationOk = false;
    }
  }

  let implementedOn: string | null = null;
  const implementedRaw = raw('実施日').trim();
  const parsedImplemented = implementedRaw === '' ? null : parseLedgerDate(implementedRaw);
  if (parsedImplemented && !parsedImplemented.ok) issue('実施日', parsedImplemented.reason);
  else if (parsedImplemented?.ok && parsedImplemented.date > options.today) issue('実施日', `未来の日付です（「${implementedRaw}」）`);
  else if (outcome && implementationOk) {
    const date = parsedImplemented?.ok ? parsedImplemented.date : null;
    if (implementationStatus === 'implemented' && outcome.decision === 'already_implemented') {
      // already being done when proposed: without a date, it counts as done from the submission date
      implementedOn = date ?? submittedOn;
    } else if (implementationStatus === 'implemented') {
      // Not checked against the submission date: the implementation form does not check it either,
      // and the ledger export of the system must import again.
      if (date === null) issue('実施日', '実施状況が「実施済」のときは実施日を入力してください');
      else implementedOn = date;
    } else if (date !== null) {
      issue('実施日', `実施日は実施状況が「実施済」のときだけ入力できます（実施状況: ${implementationLabel ?? '空欄'}）`);
    }
  }

  if (issues.length || !outcome || submittedOn === null || submittedAt === null) return { record: null, issues };
  return {
    record: {
      line,
      number,
      submittedOn,
      submittedAt,
      fiscalYear: fiscalYearOfDate(submittedOn),
      title,
      proposalText,
      proposerDivision,
      leadDivision,
      status: outcome.status,
      decision: outcome.decision,
      implementationStatus,
      implementedOn,
      decisionLabel,
      implementationLabel: implementationStatus ? IMPLEMENTATION_LABELS[implementationStatus] : null,
    },
    issues,
  };
}

/** 提案簿から取込（採否: 採用、実施状況: 実施済、実施日: 2017-06-30） — the imported history row's detail. */
export function importedDetail(record: Pick<LedgerRecord, 'decision' | 'status' | 'implementationStatus' | 'implementedOn'>): string {
  const decision = record.status === 'not_accepted' ? '不受理' : record.decision ? DECISION_LABELS[record.decision] : '未決定';
  const parts = [`採否: ${decision}`];
  if (record.implementationStatus) parts.push(`実施状況: ${IMPLEMENTATION_LABELS[record.implementationStatus]}`);
  if (record.implementedOn) parts.push(`実施日: ${record.implementedOn}`);
  return `提案簿から取込（${parts.join('、')}）`;
}

// --- the whole file ---

/**
 * What the database checks need of every data row, read even from a row with other problems, so that
 * one upload lists everything wrong (an unknown division too), not one kind of problem at a time.
 */
export interface LedgerRowKeys {
  line: number;
  number: string;
  /** null when the date cannot be read. */
  submittedOn: string | null;
  proposerDivision: string | null;
  leadDivision: string | null;
}

export interface ParsedLedger {
  encoding: LedgerEncoding | null;
  /** Data rows that had content (blank lines are skipped). */
  rowCount: number;
  /** Rows with the right number of columns, good or bad. */
  rows: LedgerRowKeys[];
  /** The rows without problems, mapped. */
  records: LedgerRecord[];
  issues: LedgerIssue[];
}

const HEADER_TEXT = LEDGER_COLUMNS.join(',');

/**
 * Reads a whole ledger file: encoding, header, every row, and 提案番号 repeated within the file.
 * Columns after the nine of the format (an export's extra columns) are ignored. Issues come sorted
 * by line. No record is usable unless `issues` is empty: the import is all or nothing.
 */
export function readLedger(bytes: Uint8Array, options: { today: string }): ParsedLedger {
  if (isUtf16(bytes)) {
    return {
      encoding: null,
      rowCount: 0,
      rows: [],
      records: [],
      issues: [{ line: 1, column: null, reason: 'UTF-16（Unicode テキスト）のファイルは読めません。Excel で「CSV UTF-8」か「CSV」形式で保存し直してください' }],
    };
  }
  const { text, encoding } = decodeLedger(bytes);
  const { records: csv, problems } = parseCsv(text);
  const issues: LedgerIssue[] = [...problems];
  const blank = (r: CsvRecord) => r.fields.every((f) => f.trim() === '');
  const rows = csv.filter((r) => !blank(r));

  const header = rows.shift();
  if (!header) {
    return { encoding, rowCount: 0, rows: [], records: [], issues: [{ line: 1, column: null, reason: 'ファイルが空です' }] };
  }
  const names = header.fields.map((f) => normalizeLedgerText(f.replace(/^\uFEFF/, '')));
  const wrongAt = LEDGER_COLUMNS.findIndex((column, i) => names[i] !== column);
  if (wrongAt >= 0) {
    const found = names[wrongAt] === undefined ? 'ありません' : `「${names[wrongAt]}」です`;
    issues.push({
      line: header.line,
      column: '見出し行',
      reason: `見出し行が提案簿の形式と違います（${wrongAt + 1}列目は「${LEDGER_COLUMNS[wrongAt]}」のはずが、${found}）。1行目は「${HEADER_TEXT}」の順にしてください`,
    });
    return { encoding, rowCount: rows.length, rows: [], records: [], issues: sortIssues(issues) };
  }
  if (rows.length === 0) issues.push({ line: header.line, column: null, reason: '見出し行のほかに取り込む行がありません' });

  const records: LedgerRecord[] = [];
  const keys: LedgerRowKeys[] = [];
  const firstLineOfNumber = new Map<string, number>();
  for (const row of rows) {
    const extra = row.fields.slice(Math.max(names.length, LEDGER_COLUMNS.length));
    if (row.fields.length < LEDGER_COLUMNS.length) {
      issues.push({ line: row.line, column: null, reason: `列の数が足りません（${LEDGER_COLUMNS.length}列必要なところ、${row.fields.length}列です）` });
      continue;
    }
    if (extra.some((f) => f.trim() !== '')) {
      issues.push({ line: row.line, column: null, reason: `列が多すぎます（見出し行は${names.length}列、この行は${row.fields.length}列です）` });
      continue;
    }
    const { record, issues: rowIssues } = validateLedgerRow(row.fields, row.line, options);
    issues.push(...rowIssues);
    const number = normalizeLedgerText(row.fields[0]);
    const date = parseLedgerDate(row.fields[1]);
    keys.push({
      line: row.line,
      number,
      submittedOn: date.ok ? date.date : null,
      proposerDivision: normalizeLedgerText(row.fields[4]) || null,
      leadDivision: normalizeLedgerText(row.fields[5]) || null,
    });
    if (number !== '') {
      const first = firstLineOfNumber.get(number);
      if (first !== undefined) {
        issues.push({ line: row.line, column: '提案番号', reason: `提案番号「${number}」が${first}行目と重複しています` });
        continue;
      }
      firstLineOfNumber.set(number, row.line);
    }
    if (record) records.push(record);
  }
  return { encoding, rowCount: rows.length, rows: keys, records, issues: sortIssues(issues) };
}

const COLUMN_ORDER = (column: LedgerIssue['column']) => (column === null || column === '見出し行' ? -1 : LEDGER_COLUMNS.indexOf(column));
export const sortIssues = (issues: LedgerIssue[]): LedgerIssue[] =>
  [...issues].sort((a, b) => a.line - b.line || COLUMN_ORDER(a.column) - COLUMN_ORDER(b.column));
