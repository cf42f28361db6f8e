import * as iconv from 'iconv-lite';
import {
  decodeLedger,
  formatLedgerIssue,
  importedDetail,
  LEDGER_COLUMNS,
  parseCsv,
  parseLedgerDate,
  readLedger,
  validateLedgerRow,
  unguardFormula,
} from '../../src/ledger/ledger-format';

const TODAY = '2025-03-31';
const HEADER = LEDGER_COLUMNS.join(',');

type Row = Record<(typeof LEDGER_COLUMNS)[number], string>;

/** A valid row; override by column name. */
function row(overrides: Partial<Row> = {}): string[] {
  const base: Record<string, string> = {
    提案番号: 'H29-001',
    提出日: '2017-05-10',
    件名: '窓口の案内表示を見直す',
    提案内容: '案内表示を大きくする',
    提案者所属: '411',
    所管課: '市民課',
    採否: '採用',
    実施状況: '実施済',
    実施日: '2017-08-01',
    ...overrides,
  };
  return LEDGER_COLUMNS.map((c) => base[c]);
}

const check = (fields: string[], line = 2) => validateLedgerRow(fields, line, { today: TODAY });
const reasons = (fields: string[]) => check(fields).issues.map((i) => `${i.column}: ${i.reason}`);

describe('ledger dates (提出日・実施日)', () => {
  it.each([
    ['2017-05-10', '2017-05-10'],
    ['2017-5-1', '2017-05-01'],
    ['2017/5/10', '2017-05-10'],
    ['2017/05/10', '2017-05-10'],
    ['2017年5月10日', '2017-05-10'],
    ['H29.5.10', '2017-05-10'],
    ['h29.5.10', '2017-05-10'],
    ['H29/5/10', '2017-05-10'],
    ['平成29年5月10日', '2017-05-10'],
    ['平成29.5.10', '2017-05-10'],
    ['R1.5.1', '2019-05-01'],
    ['R元.5.1', '2019-05-01'],
    ['令和元年5月1日', '2019-05-01'],
    ['令和1年5月1日', '2019-05-01'],
    ['令和6年4月1日', '2024-04-01'],
    ['R6.4.1', '2024-04-01'],
    ['S64.1.7', '1989-01-07'],
    ['昭和64年1月7日', '1989-01-07'],
    ['昭和元年12月25日', '1926-12-25'],
    ['H元.1.8', '1989-01-08'],
    ['平成元年1月8日', '1989-01-08'],
    ['平成31年4月30日', '2019-04-30'],
    ['H31.4.30', '2019-04-30'],
    // full-width, as typed with a Japanese IME, is read through NFKC
    ['２０１７／５／１０', '2017-05-10'],
    ['Ｈ２９．５．１０', '2017-05-10'],
    ['平成２９年５月１０日', '2017-05-10'],
    ['令和元年５月１日', '2019-05-01'],
    ['  2017-05-10  ', '2017-05-10'],
    ['2016-02-29', '2016-02-29'],
  ])('%s → %s', (text, date) => {
    const parsed = parseLedgerDate(text);
    expect(parsed).toEqual({ ok: true, date, instant: null });
  });

  describe('date-times: the Japan calendar date of the instant', () => {
    it.each([
      // the brief's case: 00:10 JST on 1 April is the new fiscal year
      ['2018-04-01T00:10:00+09:00', '2018-04-01', '2018-03-31T15:10:00.000Z'],
      ['2018-03-31T23:50:00+09:00', '2018-03-31', '2018-03-31T14:50:00.000Z'],
      // UTC 15:10 on 31 March is already 1 April in Japan
      ['2018-03-31T15:10:00Z', '2018-04-01', '2018-03-31T15:10:00.000Z'],
      ['2018-03-31T14:59:59.999Z', '2018-03-31', '2018-03-31T14:59:59.000Z'],
      ['2018-03-31T10:30:00-05:00', '2018-04-01', '2018-03-31T15:30:00.000Z'],
      ['2018-03-31T23:50:00+0900', '2018-03-31', '2018-03-31T14:50:00.000Z'],
      ['2018-03-31T23:50+09', '2018-03-31', '2018-03-31T14:50:00.000Z'],
      // without an offset: the office's clock, Japan time
      ['2018-04-01T00:10:00', '2018-04-01', '2018-03-31T15:10:00.000Z'],
      ['2017/5/10 9:30', '2017-05-10', '2017-05-10T00:30:00.000Z'],
    ])('%s → %s', (text, date, instant) => {
      const parsed = parseLedgerDate(text);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.date).toBe(date);
      expect(parsed.instant?.toISOString()).toBe(instant);
    });
  });

  describe('both sides of an era change', () => {
    it.each([
      ['平成31年4月30日', '2019-04-30'],
      ['令和元年5月1日', '2019-05-01'],
      ['昭和64年1月7日', '1989-01-07'],
      ['平成元年1月8日', '1989-01-08'],
    ])('%s exists (%s)', (text, date) => {
      expect(parseLedgerDate(text)).toEqual({ ok: true, date, instant: null });
    });

    it.each([
      ['平成31年5月1日', '平成は2019年4月30日までです。2019年5月1日からは令和です'],
      ['H31.5.1', '平成は2019年4月30日までです'],
      ['平成32年1月1日', '平成は2019年4月30日までです'],
      ['令和元年4月30日', '令和は2019年5月1日からです。それより前は平成です'],
      ['R1.4.30', '令和は2019年5月1日からです'],
      ['令和元年1月1日', '令和は2019年5月1日からです'],
      ['昭和64年1月8日', '昭和は1989年1月7日までです。1989年1月8日からは平成です'],
      ['平成元年1月7日', '平成は1989年1月8日からです。それより前は昭和です'],
      ['昭和元年12月24日', '昭和は1926年12月25日からです'],
    ])('%s does not exist', (text, why) => {
      const parsed = parseLedgerDate(text);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.reason).toContain(`「${text}」という日付はありません`);
      expect(parsed.reason).toContain(why);
    });
  });

  it.each([
    'H29.13.1',
    'H29.2.30',
    '2017-02-29', // not a leap year
    '2017-13-01',
    '2017-00-10',
    '2017-04-31',
    '2017/5',
    '17/5/10',
    '2017-05-10T25:00:00+09:00',
    '2017-05-10T10:60:00+09:00',
    '2017-05-10T10:00:00+15:00',
    '平成0年5月1日',
    'H0.5.1',
    '大正10年1月1日',
    'T10.1.1',
    'X29.5.10',
    '平成29年5月',
    '5月10日',
    'きのう',
    '20170510',
    '2017-05-10 午前',
  ])('%s is not a date', (text) => {
    const parsed = parseLedgerDate(text);
    expect(parsed).toEqual({ ok: false, reason: `日付として読めません（「${text}」）` });
  });
});

describe('decoding the bytes', () => {
  const text = `${HEADER}\r\nH29-001,平成29年5月10日,窓口の案内表示を見直す,"「区民課」の表示を、大きく",区民課,市民課,採用,実施済,H29.8.1\r\n`;

  it('reads UTF-8 with a BOM, and drops the BOM', () => {
    const decoded = decodeLedger(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]));
    expect(decoded.encoding).toBe('UTF-8（BOM付き）');
    expect(decoded.text).toBe(text);
    expect(decoded.text.charCodeAt(0)).not.toBe(0xfeff);
  });

  it('reads UTF-8 without a BOM', () => {
    const decoded = decodeLedger(Buffer.from(text, 'utf8'));
    expect(decoded).toEqual({ text, encoding: 'UTF-8' });
  });

  it('reads Shift_JIS (CP932), including characters only CP932 has (①, ～, ㈱)', () => {
    const cp932Text = text + 'H29-002,H29.6.1,①ペーパーレス～㈱との契約,内容,総務課,,不採用,,\r\n';
    const bytes = iconv.encode(cp932Text, 'cp932');
    // the fixture really is Shift_JIS, not UTF-8
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const decoded = decodeLedger(bytes);
    expect(decoded.encoding).toBe('Shift_JIS（CP932）');
    expect(decoded.text).toBe(cp932Text);
  });

  it('reads plain ASCII as UTF-8', () => {
    expect(decodeLedger(Buffer.from('a,b\r\n'))).toEqual({ text: 'a,b\r\n', encoding: 'UTF-8' });
  });

  it('gives the same records whatever the encoding', () => {
    const fromBom = readLedger(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), { today: TODAY });
    const fromUtf8 = readLedger(Buffer.from(text), { today: TODAY });
    const fromSjis = readLedger(iconv.encode(text, 'cp932'), { today: TODAY });
    for (const parsed of [fromBom, fromUtf8, fromSjis]) {
      expect(parsed.issues).toEqual([]);
      expect(parsed.records).toHaveLength(1);
      expect(parsed.records[0]).toMatchObject({ title: '窓口の案内表示を見直す', proposalText: '「区民課」の表示を、大きく', proposerDivision: '区民課' });
    }
    expect([fromBom.encoding, fromUtf8.encoding, fromSjis.encoding]).toEqual(['UTF-8（BOM付き）', 'UTF-8', 'Shift_JIS（CP932）']);
  });

  it('refuses UTF-16 with a message that says how to save the file', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const parsed = readLedger(utf16, { today: TODAY });
    expect(parsed.records).toEqual([]);
    expect(parsed.issues).toHaveLength(1);
    expect(parsed.issues[0]).toMatchObject({ line: 1, column: null });
    expect(parsed.issues[0].reason).toContain('UTF-16');
    expect(parsed.issues[0].reason).toContain('CSV UTF-8');
  });
});

describe('CSV (RFC 4180)', () => {
  it('splits on commas and CRLF', () => {
    expect(parseCsv('a,b,c\r\nd,e,f\r\n')).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['d', 'e', 'f'] },
      ],
      problems: [],
    });
  });

  it('accepts LF and a lone CR as line ends, and a last line without one', () => {
    expect(parseCsv('a,b\nc,d\re,f').records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
      { line: 3, fields: ['e', 'f'] },
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quotes, and counts physical lines', () => {
    const text = 'h1,h2\r\n"a,b","say ""hi"""\r\n"two\r\nlines\nhere",x\r\nlast,"",\r\n';
    expect(parseCsv(text)).toEqual({
      records: [
        { line: 1, fields: ['h1', 'h2'] },
        { line: 2, fields: ['a,b', 'say "hi"'] },
        { line: 3, fields: ['two\nlines\nhere', 'x'] },
        { line: 6, fields: ['last', '', ''] },
      ],
      problems: [],
    });
  });

  it('keeps empty fields and empty lines as records (the ledger reader skips blank ones)', () => {
    expect(parseCsv(',,\r\n\r\nx').records).toEqual([
      { line: 1, fields: ['', '', ''] },
      { line: 2, fields: [''] },
      { line: 3, fields: ['x'] },
    ]);
  });

  it('keeps a quote inside an unquoted field as it is', () => {
    expect(parseCsv('5" floppy,b').records).toEqual([{ line: 1, fields: ['5" floppy', 'b'] }]);
  });

  it('reports a quote that is never closed, at the line where it opened', () => {
    const { problems } = parseCsv('a,b\r\nc,"open\r\nstill open\r\n');
    expect(problems).toEqual([{ line: 2, column: null, reason: '引用符（"）が閉じられないまま、ファイルが終わっています。' }]);
  });

  it('reports text after a closing quote', () => {
    const { records, problems } = parseCsv('"ab"cd,e\r\nok,ok\r\n');
    expect(records[1]).toEqual({ line: 2, fields: ['ok', 'ok'] });
    expect(problems).toHaveLength(1);
    expect(problems[0].line).toBe(1);
    expect(problems[0].reason).toContain('引用符');
  });
});

describe('one ledger row', () => {
  it('maps an adopted, implemented row', () => {
    const { record, issues } = check(row());
    expect(issues).toEqual([]);
    expect(record).toMatchObject({
      line: 2,
      number: 'H29-001',
      submittedOn: '2017-05-10',
      fiscalYear: 2017,
      title: '窓口の案内表示を見直す',
      proposalText: '案内表示を大きくする',
      proposerDivision: '411',
      leadDivision: '市民課',
      status: 'decided',
      decision: 'adopted',
      implementationStatus: 'implemented',
      implementedOn: '2017-08-01',
    });
    // noon in Japan: no server clock zone moves it to another day
    expect(record!.submittedAt.toISOString()).toBe('2017-05-10T03:00:00.000Z');
  });

  it.each([
    ['採用', '', '', 'decided', 'adopted', 'not_started', null],
    ['採用', '実施中', '', 'decided', 'adopted', 'in_progress', null],
    ['採用', '断念', '', 'decided', 'adopted', 'abandoned', null],
    ['一部採用', '未着手', '', 'decided', 'partially_adopted', 'not_started', null],
    ['一部採用', '実施済', 'R1.6.1', 'decided', 'partially_adopted', 'implemented', '2019-06-01'],
    ['不採用', '', '', 'decided', 'rejected', null, null],
    ['既実施', '', '', 'decided', 'already_implemented', 'implemented', '2017-05-10'],
    ['既実施', '実施済', '2016-04-01', 'decided', 'already_implemented', 'implemented', '2016-04-01'],
    // as the implementation form allows: a date before the submission is taken as written
    ['採用', '実施済', '2017-05-01', 'decided', 'adopted', 'implemented', '2017-05-01'],
    ['継続検討', '', '', 'continued', 'continued', null, null],
    ['不受理', '', '', 'not_accepted', null, null, null],
    ['', '', '', 'submitted', null, null, null],
    [' 採用 ', '', '', 'decided', 'adopted', 'not_started', null],
  ])('採否 %s, 実施状況 %s, 実施日 %s → %s / %s / %s / %s', (decisionText, implementation, on, status, decision, implementationStatus, implementedOn) => {
    const { record, issues } = check(row({ 採否: decisionText, 実施状況: implementation, 実施日: on }));
    expect(issues).toEqual([]);
    expect(record).toMatchObject({ status, decision, implementationStatus, implementedOn });
  });

  const refusals: [Partial<Row>, string][] = [
    [{ 提案番号: '' }, '提案番号: 提案番号がありません'],
    [{ 提案番号: 'X'.repeat(21) }, '提案番号: 提案番号は20文字以内にしてください（21文字）'],
    [{ 提出日: '' }, '提出日: 提出日がありません'],
    [{ 提出日: 'H29.13.1' }, '提出日: 日付として読めません（「H29.13.1」）'],
    [{ 提出日: '2099-04-01', 実施日: '', 実施状況: '', 採否: '' }, '提出日: 未来の日付です（「2099-04-01」）'],
    [{ 件名: '' }, '件名: 件名がありません'],
    [{ 件名: 'あ'.repeat(101) }, '件名: 件名は100文字以内にしてください（101文字）'],
    [{ 提案内容: 'あ'.repeat(4001) }, '提案内容: 提案内容は4000文字以内にしてください（4001文字）'],
    [{ 提案者所属: ' ' }, '提案者所属: 提案者所属がありません'],
    [{ 採否: '保留' }, '採否: 「保留」は採否として使えません（採用・一部採用・不採用・既実施・継続検討・不受理、または空欄）'],
    [{ 実施状況: '完了', 実施日: '' }, '実施状況: 「完了」は実施状況として使えません（未着手・実施中・実施済・断念、または空欄）'],
    [{ 採否: '不採用', 実施状況: '実施中', 実施日: '' }, '実施状況: 実施状況は採否が「採用」「一部採用」「既実施」のときだけ入力できます（採否: 不採用）'],
    [{ 採否: '', 実施状況: '実施済' }, '実施状況: 実施状況は採否が「採用」「一部採用」「既実施」のときだけ入力できます（採否: 空欄）'],
    [
      { 採否: '既実施', 実施状況: '実施中', 実施日: '' },
      '実施状況: 既実施の提案は実施済として数えるため、実施状況は「実施済」か空欄にしてください（「実施中」）',
    ],
    [{ 実施日: '' }, '実施日: 実施状況が「実施済」のときは実施日を入力してください'],
    [{ 実施日: '令和元年4月30日' }, '実施日: 「令和元年4月30日」という日付はありません（令和は2019年5月1日からです。それより前は平成です）'],
    [{ 実施日: '2099-01-01' }, '実施日: 未来の日付です（「2099-01-01」）'],
    [{ 実施状況: '実施中' }, '実施日: 実施日は実施状況が「実施済」のときだけ入力できます（実施状況: 実施中）'],
    [{ 採否: '不採用', 実施状況: '' }, '実施日: 実施日は実施状況が「実施済」のときだけ入力できます（実施状況: 空欄）'],
  ];
  it.each(refusals.map(([overrides, reason]) => [reason, overrides] as const))('refuses: %s', (reason, overrides) => {
    const { record, issues } = check(row(overrides));
    expect(record).toBeNull();
    expect(reasons(row(overrides))).toEqual([reason]);
    expect(issues[0].line).toBe(2);
  });

  it('lists every problem of a row, not only the first', () => {
    const result = reasons(row({ 提案番号: '', 提出日: 'H29.13.1', 件名: '', 採否: '保留' }));
    expect(result).toEqual([
      '提案番号: 提案番号がありません',
      '提出日: 日付として読めません（「H29.13.1」）',
      '件名: 件名がありません',
      '採否: 「保留」は採否として使えません（採用・一部採用・不採用・既実施・継続検討・不受理、または空欄）',
    ]);
  });

  it('normalizes what is compared (NFKC, trimmed) and keeps what people wrote', () => {
    const { record } = check(
      row({ 提案番号: '　Ｈ２９－００１　', 提案者所属: ' ４１１ ', 所管課: '', 件名: ' 窓口の\r\n案内表示 ', 提案内容: '一行目\r\n二行目\r\n' }),
    );
    expect(record).toMatchObject({ number: 'H29-001', proposerDivision: '411', leadDivision: null, title: '窓口の 案内表示', proposalText: '一行目\n二行目' });
  });

  it('counts the fiscal year from the Japan date: 31 March and 1 April', () => {
    expect(check(row({ 提出日: 'H30.3.31', 実施日: 'H30.4.1' })).record?.fiscalYear).toBe(2017);
    expect(check(row({ 提出日: 'H30.4.1', 実施日: 'H30.4.1' })).record?.fiscalYear).toBe(2018);
    expect(check(row({ 提出日: '2018-03-31T15:10:00Z', 実施日: 'H30.4.1' })).record).toMatchObject({ fiscalYear: 2018, submittedOn: '2018-04-01' });
    expect(check(row({ 提出日: 'H31.4.30', 実施日: 'R1.5.1' })).record?.fiscalYear).toBe(2019);
  });

  it('keeps the exact instant of a date-time as the submission time', () => {
    const { record } = check(row({ 提出日: '2018-03-31T23:50:00+09:00', 実施日: '2018-04-02' }));
    expect(record?.submittedAt.toISOString()).toBe('2018-03-31T14:50:00.000Z');
    expect(record?.fiscalYear).toBe(2017);
  });

  it('writes the history detail', () => {
    expect(importedDetail(check(row()).record!)).toBe('提案簿から取込（採否: 採用、実施状況: 実施済、実施日: 2017-08-01）');
    expect(importedDetail(check(row({ 採否: '', 実施状況: '', 実施日: '' })).record!)).toBe('提案簿から取込（採否: 未決定）');
    expect(importedDetail(check(row({ 採否: '不受理', 実施状況: '', 実施日: '' })).record!)).toBe('提案簿から取込（採否: 不受理）');
    expect(importedDetail(check(row({ 採否: '一部採用', 実施状況: '', 実施日: '' })).record!)).toBe('提案簿から取込（採否: 一部採用、実施状況: 未着手）');
  });
});

describe('a whole ledger file', () => {
  const read = (text: string) => readLedger(Buffer.from(text, 'utf8'), { today: TODAY });
  const line = (fields: string[]) => fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');

  it('reads every row, skipping blank lines, with the physical line of each row', () => {
    const text = [HEADER, line(row({ 提案番号: 'A-1', 提案内容: '一行目\r\n二行目\r\n三行目' })), '', ',,,,,,,,', line(row({ 提案番号: 'A-2' }))].join('\r\n');
    const parsed = read(text + '\r\n');
    expect(parsed.issues).toEqual([]);
    expect(parsed.rowCount).toBe(2);
    expect(parsed.records.map((r) => [r.number, r.line])).toEqual([
      ['A-1', 2],
      ['A-2', 7],
    ]);
  });

  it('accepts extra columns after the nine (an export of the system), and ignores them', () => {
    const parsed = read(`${HEADER},提案分野,登録日時\r\n${line([...row(), 'その他', '2024-04-01'])}\r\n`);
    expect(parsed.issues).toEqual([]);
    expect(parsed.records).toHaveLength(1);
  });

  it('refuses a header that is not the ledger format, and checks no row', () => {
    const parsed = read(`提案番号,件名,提出日\r\n${line(row())}\r\n`);
    expect(parsed.records).toEqual([]);
    expect(parsed.issues).toHaveLength(1);
    expect(parsed.issues[0]).toMatchObject({ line: 1, column: '見出し行' });
    expect(parsed.issues[0].reason).toContain('2列目は「提出日」のはずが、「件名」です');
    expect(parsed.issues[0].reason).toContain(HEADER);
  });

  it('refuses an empty file and a file with only the header', () => {
    expect(read('').issues).toEqual([{ line: 1, column: null, reason: 'ファイルが空です' }]);
    expect(read(`${HEADER}\r\n`).issues).toEqual([{ line: 1, column: null, reason: '見出し行のほかに取り込む行がありません' }]);
  });

  it('lists every bad row with its line and column, sorted by line', () => {
    const text = [
      HEADER,
      line(row({ 提案番号: 'B-1' })),
      line(row({ 提案番号: 'B-2', 提案内容: 'quoted\r\nover two lines', 提出日: 'H29.13.1' })),
      line(row({ 提案番号: 'B-3', 採否: '保留' })),
      'B-4,2017-05-10,too few',
      line(row({ 提案番号: 'B-1' })),
      line([...row({ 提案番号: 'B-6' }), 'extra']),
    ].join('\r\n');
    const parsed = read(text);
    expect(parsed.issues.map(formatLedgerIssue)).toEqual([
      '行 3 ・ 提出日: 日付として読めません（「H29.13.1」）',
      '行 5 ・ 採否: 「保留」は採否として使えません（採用・一部採用・不採用・既実施・継続検討・不受理、または空欄）',
      '行 6: 列の数が足りません（9列必要なところ、3列です）',
      '行 7 ・ 提案番号: 提案番号「B-1」が2行目と重複しています',
      '行 8: 列が多すぎます（見出し行は9列、この行は10列です）',
    ]);
    expect(parsed.rowCount).toBe(6);
    // only the good row is read; the issues make the import refuse the whole file
    expect(parsed.records.map((r) => r.number)).toEqual(['B-1']);
  });

  it('keeps what the database checks need of every row, bad rows too', () => {
    const parsed = read(
      [HEADER, line(row({ 提案番号: 'K-1', 提出日: 'H29.13.1', 提案者所属: ' 区民課 ', 所管課: '' })), line(row({ 提案番号: 'K-2' }))].join('\n'),
    );
    expect(parsed.records.map((r) => r.number)).toEqual(['K-2']);
    expect(parsed.rows).toEqual([
      { line: 2, number: 'K-1', submittedOn: null, proposerDivision: '区民課', leadDivision: null },
      { line: 3, number: 'K-2', submittedOn: '2017-05-10', proposerDivision: '411', leadDivision: '市民課' },
    ]);
  });

  it('treats numbers that differ only in width as the same number', () => {
    const parsed = read([HEADER, line(row({ 提案番号: 'H29-001' })), line(row({ 提案番号: 'Ｈ２９－００１' }))].join('\n'));
    expect(parsed.issues.map(formatLedgerIssue)).toEqual(['行 3 ・ 提案番号: 提案番号「H29-001」が2行目と重複しています']);
  });

  it('reports a quote left open at the line it opened', () => {
    const parsed = read(`${HEADER}\r\n${line(row())}\r\nX-1,2017-05-10,"unterminated,411,,,,,\r\n`);
    expect(parsed.issues.map(formatLedgerIssue)).toContain('行 3: 引用符（"）が閉じられないまま、ファイルが終わっています。');
  });
});

describe('formula guard from our own export', () => {
  it('takes off the apostrophe the CSV export put before a formula-like cell, and nothing else', () => {
    expect(unguardFormula("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(unguardFormula("'+81")).toBe('+81');
    expect(unguardFormula("'@予定")).toBe('@予定');
    expect(unguardFormula("'普通の件名")).toBe("'普通の件名");
    expect(unguardFormula('=そのまま')).toBe('=そのまま');
  });
});

describe('control characters in ledger text', () => {
  const row = (title: string, text: string) => validateLedgerRow(['X-1', '2020-05-01', title, text, '411', '', '', '', ''], 2, { today: '2026-01-01' });
  it('refuses NUL and other control characters in 件名 and 提案内容, keeps line breaks and tabs in 提案内容', () => {
    expect(row('件名\u0000', '本文').issues.map((i) => i.column)).toEqual(['件名']);
    expect(row('件名', '本文\u0000です').issues.map((i) => i.column)).toEqual(['提案内容']);
    expect(row('件名', '一行目\n二行目\tタブ').issues).toEqual([]);
  });
});
