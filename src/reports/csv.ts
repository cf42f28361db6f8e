import * as iconv from 'iconv-lite';

/**
 * CSV that Excel opens correctly (RFC 4180), with no I/O.
 *
 * A cell is a string (text: titles, names, labels, dates, formatted rates), a number (written as a
 * number) or null (an empty cell). Every row ends with CRLF, the last one included, so CSV built in
 * chunks (see ReportCsvService.ledgerChunks) joins into exactly the CSV built at once.
 */
export type CsvCell = string | number | null;

/**
 * Characters that make a spreadsheet read a cell as a formula (CSV injection, OWASP): a title such as
 * `=HYPERLINK(...)` must arrive as text, so such a text cell gets a leading apostrophe, which Excel
 * shows as nothing and LibreOffice as text. Numbers are never guarded: -5 stays the number -5.
 *
 * Japanese Excel also reads the full-width forms as the start of a formula (＝１＋１ becomes 2: it
 * folds full-width letters and signs to ASCII before parsing), and so the small forms of the same
 * signs (﹦﹢﹣﹫) and a line feed before any of them. All of these are guarded.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b]/;

/** Quoted when it holds a comma, a double quote, CR or LF; quotes inside are doubled. */
const NEEDS_QUOTES = /[",\r\n]/;

function cell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a CSV number: ${value}`);
    return String(value);
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return rows.map((row) => row.map(cell).join(',') + '\r\n').join('');
}

/** utf8-bom: what Excel needs to read UTF-8 (the default download); utf8: for stdout and programs; cp932: Shift_JIS as Windows writes it. */
export type CsvEncoding = 'utf8-bom' | 'utf8' | 'cp932';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Characters that JIS-based input (Macs, some IMEs) produces where Windows' CP932 has a look-alike at
 * the same Shift_JIS code: 〜 (WAVE DASH) is 0x8160 in JIS but CP932 maps 0x8160 to ～ (FULLWIDTH
 * TILDE), and so on. Without this, "8〜30日" would come out as "8?30日". A no-break space becomes a space.
 */
const CP932_LOOKALIKES: Record<string, string> = {
  '\u301c': '\uff5e', // 〜 → ～
  '\u2016': '\u2225', // ‖ → ∥
  '\u2212': '\uff0d', // − → －
  '\u00a2': '\uffe0', // ¢ → ￠
  '\u00a3': '\uffe1', // £ → ￡
  '\u00ac': '\uffe2', // ¬ → ￢
  '\u2014': '\u2015', // — → ―
  '\u00a6': '\uffe4', // ¦ → ￤
  '\u00a0': ' ',
};
const LOOKALIKE = new RegExp(`[${Object.keys(CP932_LOOKALIKES).join('')}]`, 'g');

/**
 * The bytes of a CSV text in the chosen encoding. In cp932, characters that Shift_JIS (CP932) cannot
 * hold — emoji, most accented Latin letters, characters beyond JIS X 0208 and the NEC/IBM extensions —
 * become '?' (one per character, as iconv-lite writes them), after the look-alikes above are mapped;
 * whoever needs them exact downloads UTF-8, the default.
 */
export function encodeCsv(text: string, encoding: CsvEncoding): Buffer {
  switch (encoding) {
    case 'utf8-bom':
      return Buffer.concat([BOM, Buffer.from(text, 'utf8')]);
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'cp932':
      return iconv.encode(
        text.replace(LOOKALIKE, (c) => CP932_LOOKALIKES[c]),
        'cp932',
      );
  }
}

/** The bytes that start a download in this encoding (the BOM), before any encoded chunk. */
export const csvPreamble = (encoding: CsvEncoding): Buffer => (encoding === 'utf8-bom' ? BOM : Buffer.alloc(0));

/**
 * One chunk of a CSV written in several pieces: like encodeCsv, but without the BOM, which belongs
 * only at the very start (csvPreamble). Chunks must end at a line end so no character is split.
 */
export const encodeCsvChunk = (text: string, encoding: CsvEncoding): Buffer => encodeCsv(text, encoding === 'utf8-bom' ? 'utf8' : encoding);
