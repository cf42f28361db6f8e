import { crc32 } from 'node:zlib';
import {
  asciiFileName,
  baseFileName,
  cleanFileName,
  compoundFileEntryNames,
  contentDisposition,
  DEFAULT_FILE_STEM,
  detectFileKind,
  FILE_KINDS,
  FILE_NAME_MAX,
  formatFileSize,
  mediaTypeLabel,
  zipEntryNames,
} from '../../src/attachments/file-type';

// --- real minimal files, built the way the programs that make them lay them out ---

/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/** A 1×1 baseline JPEG (JFIF). */
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
/** A JPEG as cameras write it (Exif APP1 instead of JFIF). */
const EXIF_JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x08]), Buffer.from('Exif\0\0'), Buffer.from([0xff, 0xd9])]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');

/** A ZIP archive (stored entries, UTF-8 names), with an optional archive comment after the end record. */
function zip(entries: Record<string, string>, comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const commentBytes = Buffer.from(comment, 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...locals, directory, end, commentBytes]);
}

const CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
const DOCX = zip({
  '[Content_Types].xml': CONTENT_TYPES,
  '_rels/.rels': '<Relationships/>',
  'word/document.xml': '<w:document/>',
  'word/_rels/document.xml.rels': '<Relationships/>',
  'docProps/core.xml': '<cp:coreProperties/>',
});
const XLSX = zip({
  '[Content_Types].xml': CONTENT_TYPES,
  '_rels/.rels': '<Relationships/>',
  'xl/workbook.xml': '<workbook/>',
  'xl/worksheets/sheet1.xml': '<worksheet/>',
});

const END_OF_CHAIN = 0xfffffffe;
const FREE = 0xffffffff;
const FAT_SECTOR = 0xfffffffd;

/**
 * A Compound File Binary (MS-CFB) holding empty streams with these names: sector 0 is the FAT, the
 * directory follows in as many sectors as it needs. `loop` makes the directory chain point back to
 * itself, as a crafted file might.
 */
function compoundFile(streams: string[], options: { sectorShift?: 9 | 12; loop?: boolean } = {}): Buffer {
  const shift = options.sectorShift ?? 9;
  const size = 1 << shift;
  const perSector = size / 128;
  const directorySectors = Math.ceil((streams.length + 1) / perSector);
  const file = Buffer.alloc(size * (2 + directorySectors));

  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(file, 0);
  file.writeUInt16LE(0x003e, 0x18); // minor version
  file.writeUInt16LE(shift === 9 ? 3 : 4, 0x1a); // major version
  file.writeUInt16LE(0xfffe, 0x1c); // byte order
  file.writeUInt16LE(shift, 0x1e);
  file.writeUInt16LE(6, 0x20); // mini sector shift
  file.writeUInt32LE(shift === 9 ? 0 : directorySectors, 0x28);
  file.writeUInt32LE(1, 0x2c); // FAT sectors
  file.writeUInt32LE(1, 0x30); // first directory sector
  file.writeUInt32LE(0x1000, 0x38); // mini stream cutoff
  file.writeUInt32LE(END_OF_CHAIN, 0x3c); // no mini FAT
  file.writeUInt32LE(END_OF_CHAIN, 0x44); // no DIFAT sectors
  for (let i = 0; i < 109; i++) file.writeUInt32LE(i === 0 ? 0 : FREE, 0x4c + i * 4);

  const fat = size; // sector 0
  for (let i = 0; i < size / 4; i++) file.writeUInt32LE(FREE, fat + i * 4);
  file.writeUInt32LE(FAT_SECTOR, fat);
  for (let d = 1; d <= directorySectors; d++) {
    file.writeUInt32LE(d === directorySectors ? (options.loop ? 1 : END_OF_CHAIN) : d + 1, fat + d * 4);
  }

  const entries = [{ name: 'Root Entry', type: 5 }, ...streams.map((name) => ({ name, type: 2 }))];
  entries.forEach((entry, index) => {
    const at = size * 2 + index * 128;
    const name = Buffer.from(`${entry.name}\0`, 'utf16le');
    name.copy(file, at);
    file.writeUInt16LE(name.length, at + 64);
    file[at + 66] = entry.type;
    file[at + 67] = 1; // black
    file.writeUInt32LE(FREE, at + 68); // left sibling
    file.writeUInt32LE(index > 0 && index < entries.length - 1 ? index + 1 : FREE, at + 72); // right sibling
    file.writeUInt32LE(index === 0 && entries.length > 1 ? 1 : FREE, at + 76); // child
    file.writeUInt32LE(END_OF_CHAIN, at + 116); // starting sector
  });
  return file;
}

const DOC = compoundFile(['WordDocument', '1Table', '\u0005SummaryInformation']);
const XLS = compoundFile(['Workbook', '\u0005SummaryInformation']);

describe('detectFileKind: accepted by content', () => {
  it.each([
    ['PDF', PDF, 'application/pdf'],
    ['PNG', PNG, 'image/png'],
    ['JPEG (JFIF)', JPEG, 'image/jpeg'],
    ['JPEG (Exif)', EXIF_JPEG, 'image/jpeg'],
    ['Word .docx', DOCX, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['Excel .xlsx', XLSX, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['Word .doc', DOC, 'application/msword'],
    ['Excel .xls', XLS, 'application/vnd.ms-excel'],
  ])('%s', (_label, content, mediaType) => {
    expect(detectFileKind(content)?.mediaType).toBe(mediaType);
  });

  it('reads an Excel 5 workbook ("Book" stream) as .xls', () => {
    expect(detectFileKind(compoundFile(['Book']))?.id).toBe('xls');
  });

  it('finds the Word stream in a later directory sector, and in a file with 4096-byte sectors', () => {
    const many = ['\u0001CompObj', '\u0005SummaryInformation', '\u0005DocumentSummaryInformation', 'Data', '1Table', 'ObjectPool', 'WordDocument'];
    const doc = compoundFile(many);
    expect(doc.length).toBeGreaterThan(512 * 3); // the directory really spans two sectors
    expect(compoundFileEntryNames(doc)?.slice(-1)).toEqual(['WordDocument']);
    expect(detectFileKind(doc)?.id).toBe('doc');
    expect(detectFileKind(compoundFile(['Workbook'], { sectorShift: 12 }))?.id).toBe('xls');
  });

  it('reads a ZIP whose end record is followed by an archive comment', () => {
    expect(detectFileKind(zip({ '[Content_Types].xml': CONTENT_TYPES, 'xl/workbook.xml': '<workbook/>' }, '作成: 表計算ソフト'))?.id).toBe('xlsx');
  });

  it('lists the entries of a ZIP from its central directory', () => {
    expect(zipEntryNames(DOCX)).toEqual(['[Content_Types].xml', '_rels/.rels', 'word/document.xml', 'word/_rels/document.xml.rels', 'docProps/core.xml']);
  });
});

describe('detectFileKind: refused', () => {
  const exe = Buffer.alloc(256);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x80, 0x3c);
  exe.write('PE\0\0', 0x80, 'latin1');

  it.each([
    ['an empty file', Buffer.alloc(0)],
    ['a web page with a script (saved as .pdf)', Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>')],
    ['a script with leading spaces before %PDF', Buffer.from('  %PDF-1.4 <script>alert(1)</script>')],
    ['a shell script', Buffer.from('#!/bin/sh\nrm -rf /\n')],
    ['plain text', Buffer.from('提案の下書きメモ\n')],
    ['an SVG image (it can carry script)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['a GIF image (not on the list)', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
    ['a Windows program (EXE)', exe],
    ['a plain ZIP that is not a document', zip({ 'readme.txt': 'hello', 'data/list.csv': 'a,b' })],
    ['a ZIP with word/ but no [Content_Types].xml', zip({ 'word/document.xml': '<w:document/>' })],
    ['a macro-enabled Word file (.docm)', zip({ '[Content_Types].xml': CONTENT_TYPES, 'word/document.xml': '<w:document/>', 'word/vbaProject.bin': 'x' })],
    ['a macro-enabled workbook (.xlsm)', zip({ '[Content_Types].xml': CONTENT_TYPES, 'xl/workbook.xml': '<workbook/>', 'xl/vbaProject.bin': 'x' })],
    ['a ZIP claiming to be both Word and Excel', zip({ '[Content_Types].xml': CONTENT_TYPES, 'word/document.xml': '', 'xl/workbook.xml': '' })],
    ['a .docx cut short (no central directory)', DOCX.subarray(0, DOCX.length - 60)],
    ['only the first bytes of a ZIP', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0])],
    ['a PowerPoint 97 file', compoundFile(['PowerPoint Document', 'Current User'])],
    ['an Outlook message', compoundFile(['__substg1.0_0037001F', '__properties_version1.0'])],
    ['a compound file claiming to be both Word and Excel', compoundFile(['WordDocument', 'Workbook'])],
    ['a compound file whose directory chain loops', compoundFile(['Data'], { loop: true })],
    ['only the CFB signature', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])],
    ['two bytes of a JPEG', Buffer.from([0xff, 0xd8])],
  ])('%s', (_label, content) => {
    expect(detectFileKind(content)).toBeNull();
  });

  it('gives up on a looping compound file instead of running forever', () => {
    expect(compoundFileEntryNames(compoundFile(['WordDocument'], { loop: true }))).toBeNull();
  });

  it('refuses a compound file with an unknown sector size', () => {
    const odd = Buffer.from(DOC);
    odd.writeUInt16LE(10, 0x1e);
    expect(detectFileKind(odd)).toBeNull();
  });
});

describe('cleanFileName', () => {
  const pdf = FILE_KINDS.pdf;

  it('keeps only the last part of a Unix or Windows path', () => {
    expect(cleanFileName('../../etc/passwd', pdf)).toBe('passwd.pdf');
    expect(cleanFileName('C:\\evil\\a.pdf', pdf)).toBe('a.pdf');
    expect(cleanFileName('..\\..\\windows/system32\\報告書.pdf', pdf)).toBe('報告書.pdf');
  });

  it('removes control characters and invisible direction overrides', () => {
    expect(cleanFileName('re\u0000po\r\nrt\t\u007f\u0085\u001b.pdf', pdf)).toBe('report.pdf');
    // "資料<RLO>fdp.exe" would read as "資料exe.pdf"
    expect(cleanFileName('資料\u202efdp.exe', pdf)).toBe('資料fdp.exe.pdf');
    expect(cleanFileName('\ufeff議事録\u200b.pdf', pdf)).toBe('議事録.pdf');
    expect(cleanFileName('壊れた\ud800名前.pdf', pdf)).toBe('壊れた名前.pdf');
  });

  it('keeps Japanese names as they are', () => {
    expect(cleanFileName('提案資料（最終版）.xlsx', FILE_KINDS.xlsx)).toBe('提案資料（最終版）.xlsx');
    expect(cleanFileName('窓口 待ち時間 調査.docx', FILE_KINDS.docx)).toBe('窓口 待ち時間 調査.docx');
  });

  it('composes names that macOS sends decomposed (NFD)', () => {
    expect(cleanFileName('ハ\u3099ス停.png', FILE_KINDS.png)).toBe('バス停.png');
  });

  it('appends the extension that fits the content, keeping one that already fits in any case', () => {
    expect(cleanFileName('photo.pdf', FILE_KINDS.png)).toBe('photo.pdf.png');
    expect(cleanFileName('scan', FILE_KINDS.jpeg)).toBe('scan.jpg');
    expect(cleanFileName('IMG_0001.JPEG', FILE_KINDS.jpeg)).toBe('IMG_0001.JPEG');
    expect(cleanFileName('old.doc', FILE_KINDS.docx)).toBe('old.doc.docx');
  });

  it('drops leading and trailing dots and spaces', () => {
    expect(cleanFileName('  .hidden.pdf. ', pdf)).toBe('hidden.pdf');
  });

  it('is never empty', () => {
    for (const name of ['', '   ', '..', '../', '../../', 'C:\\', '\u0000\u0001', '\u202e', null, undefined]) {
      expect(cleanFileName(name, pdf)).toBe(`${DEFAULT_FILE_STEM}.pdf`);
    }
  });

  it('caps a 300-character name at 255 characters, keeping the extension', () => {
    const name = cleanFileName(`${'あ'.repeat(296)}.pdf`, pdf);
    expect(Array.from(name)).toHaveLength(FILE_NAME_MAX);
    expect(name).toBe(`${'あ'.repeat(251)}.pdf`);
  });

  it('counts characters, not UTF-16 units, and never cuts one in half', () => {
    const name = cleanFileName(`${'📄'.repeat(300)}.pdf`, pdf);
    expect(Array.from(name)).toHaveLength(FILE_NAME_MAX);
    expect(name.endsWith('📄.pdf')).toBe(true);
    expect(() => encodeURIComponent(name)).not.toThrow(); // throws on half a surrogate pair
  });

  it('keeps a 255-character name whole, and caps one whose appended extension makes it longer', () => {
    const exact = `${'a'.repeat(251)}.pdf`;
    expect(cleanFileName(exact, pdf)).toBe(exact);
    const longer = cleanFileName('b'.repeat(255), pdf);
    expect(longer).toBe(`${'b'.repeat(251)}.pdf`);
  });

  it('baseFileName may be empty (for messages, which say ファイル then)', () => {
    expect(baseFileName('../')).toBe('');
    expect(baseFileName('/tmp/メモ.txt')).toBe('メモ.txt');
  });
});

describe('contentDisposition', () => {
  const valueOf = (header: string, parameter: string) => new RegExp(`${parameter}=("[^"]*"|[^;]*)`).exec(header)?.[1];

  it('offers a Japanese name as filename* (RFC 5987) with an ASCII fallback', () => {
    const header = contentDisposition('提案資料（最終版）.xlsx');
    expect(header.startsWith('attachment; ')).toBe(true);
    expect(valueOf(header, 'filename')).toBe('"attachment.xlsx"');
    const star = valueOf(header, 'filename\\*')!;
    expect(star.startsWith("UTF-8''")).toBe(true);
    expect(decodeURIComponent(star.slice("UTF-8''".length))).toBe('提案資料（最終版）.xlsx');
    expect(header).toMatch(/^[\x20-\x7e]+$/);
  });

  it('keeps what ASCII there is in the fallback, full-width letters included', () => {
    expect(asciiFileName('会議資料_2024年度.pdf')).toBe('__2024_.pdf');
    expect(asciiFileName('Ｒｅｐｏｒｔ　１.pdf')).toBe('Report 1.pdf');
    expect(asciiFileName('report 2024 (v2).pdf')).toBe('report 2024 (v2).pdf');
  });

  it('escapes what would end or break the quoted fallback', () => {
    expect(asciiFileName('a"b\\c%41.pdf')).toBe('a_b_c_41.pdf');
  });

  it("percent-encodes ' ( ) * in filename*, which RFC 5987 does not allow bare", () => {
    const star = valueOf(contentDisposition("it's (v2)*.pdf"), 'filename\\*')!;
    expect(star).toBe("UTF-8''it%27s%20%28v2%29%2A.pdf");
  });
});

describe('labels', () => {
  it('formats sizes for people', () => {
    expect(formatFileSize(0)).toBe('0 バイト');
    expect(formatFileSize(1023)).toBe('1023 バイト');
    expect(formatFileSize(1536)).toBe('2 KB');
    expect(formatFileSize(10 * 1024 * 1024)).toBe('10.0 MB');
    expect(formatFileSize(3_565_158)).toBe('3.4 MB');
  });

  it('names stored media types', () => {
    expect(mediaTypeLabel('application/pdf')).toBe('PDF');
    expect(mediaTypeLabel('application/vnd.ms-excel')).toBe('Excel（旧形式）');
    expect(mediaTypeLabel('application/x-unknown')).toBe('ファイル');
  });
});
