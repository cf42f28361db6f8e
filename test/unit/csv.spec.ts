import * as iconv from 'iconv-lite';
import { csvPreamble, encodeCsv, encodeCsvChunk, toCsv } from '../../src/reports/csv';

describe('toCsv (RFC 4180, for Excel)', () => {
  it('joins cells with commas and ends every line, the last included, with CRLF', () => {
    expect(
      toCsv([
        ['年度', '提案件数'],
        [2018, 514],
      ]),
    ).toBe('年度,提案件数\r\n2018,514\r\n');
    expect(toCsv([])).toBe('');
  });

  it('writes null as an empty cell and numbers as numbers', () => {
    expect(toCsv([[null, 0, 28.1, -5, 1_000_000, '']])).toBe(',0,28.1,-5,1000000,\r\n');
  });

  it.each([
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line1\nline2', '"line1\nline2"'],
    ['line1\r\nline2', '"line1\r\nline2"'],
    ['"', '""""'],
    ['plain 日本語', 'plain 日本語'],
  ])('quotes %j as %j', (value, written) => {
    expect(toCsv([[value, 'x']])).toBe(`${written},x\r\n`);
  });

  it.each([
    ['=1+2', "'=1+2"],
    ['+81 3', "'+81 3"],
    ['-5度', "'-5度"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['\r=1', '"\'\r=1"'],
  ])('guards text %j that a spreadsheet would run as a formula', (value, written) => {
    expect(toCsv([[value]])).toBe(`${written}\r\n`);
  });

  it.each([
    ['＝1+2', "'＝1+2"],
    ['＋81 3', "'＋81 3"],
    ['－5度', "'－5度"],
    ['＠SUM(A1)', "'＠SUM(A1)"],
    ['＝HYPERLINK("http://x","y")', '"\'＝HYPERLINK(""http://x"",""y"")"'],
    ['﹦1+2', "'﹦1+2"],
    ['﹢1', "'﹢1"],
    ['﹣1', "'﹣1"],
    ['﹫A1', "'﹫A1"],
    ['\n=1', '"\'\n=1"'],
  ])('guards the full-width and small form %j that Japanese Excel also runs as a formula', (value, written) => {
    expect(toCsv([[value]])).toBe(`${written}\r\n`);
  });

  it('leaves full-width signs later in the text alone', () => {
    expect(toCsv([['a＝b', '１＋１', '市役所＠本庁', '－']])).toBe("a＝b,１＋１,市役所＠本庁,'－\r\n");
  });

  it('leaves text that only contains those characters later alone', () => {
    expect(toCsv([['a=b', '2024-04-01', '28.1', 'メール@市役所']])).toBe('a=b,2024-04-01,28.1,メール@市役所\r\n');
  });

  it('never guards a number, negative or not', () => {
    expect(toCsv([[-1, -0.5]])).toBe('-1,-0.5\r\n');
  });

  it('refuses a number a spreadsheet cannot read', () => {
    expect(() => toCsv([[Number.NaN]])).toThrow(RangeError);
    expect(() => toCsv([[Number.POSITIVE_INFINITY]])).toThrow(RangeError);
  });

  it('joins rows built in pieces into the same CSV as built at once', () => {
    const rows = [
      ['a', 1],
      ['b,c', 2],
      ['d\ne', null],
    ];
    expect(toCsv(rows.slice(0, 1)) + toCsv(rows.slice(1))).toBe(toCsv(rows));
  });
});

describe('encodeCsv', () => {
  const text = '年度,年度(和暦)\r\n2019,令和元年度\r\n';

  it('utf8-bom starts with EF BB BF, then UTF-8', () => {
    const bytes = encodeCsv(text, 'utf8-bom');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toBe(text);
  });

  it('utf8 is UTF-8 without a BOM', () => {
    const bytes = encodeCsv(text, 'utf8');
    expect(bytes[0]).not.toBe(0xef);
    expect(bytes.toString('utf8')).toBe(text);
  });

  it('cp932 is Shift_JIS as Windows writes it, and decodes back to the same text', () => {
    const bytes = encodeCsv(text, 'cp932');
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x94, 0x4e, 0x93, 0x78])); // 年度
    expect(iconv.decode(bytes, 'cp932')).toBe(text);
    // NEC and IBM extensions are part of CP932
    expect(iconv.decode(encodeCsv('①㈱髙', 'cp932'), 'cp932')).toBe('①㈱髙');
  });

  it('cp932 maps the JIS look-alikes to the characters CP932 has at the same codes', () => {
    expect(iconv.decode(encodeCsv('8〜30日 ‖ −5 ¢£¬ — ¦', 'cp932'), 'cp932')).toBe('8～30日 ∥ －5 ￠￡￢ ― ￤');
    expect(encodeCsv('〜', 'cp932')).toEqual(Buffer.from([0x81, 0x60]));
  });

  it('cp932 writes one ? for each character it cannot hold', () => {
    expect(iconv.decode(encodeCsv('a😀b café', 'cp932'), 'cp932')).toBe('a?b caf?');
  });

  it('the BOM comes only once when a CSV is sent in chunks', () => {
    const whole = encodeCsv('a\r\nb\r\n', 'utf8-bom');
    const chunked = Buffer.concat([csvPreamble('utf8-bom'), encodeCsvChunk('a\r\n', 'utf8-bom'), encodeCsvChunk('b\r\n', 'utf8-bom')]);
    expect(chunked).toEqual(whole);
    expect(csvPreamble('cp932')).toHaveLength(0);
    expect(csvPreamble('utf8')).toHaveLength(0);
    expect(encodeCsvChunk('年\r\n', 'cp932')).toEqual(encodeCsv('年\r\n', 'cp932'));
  });
});
