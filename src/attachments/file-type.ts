/**
 * What an uploaded file really is, decided from its bytes alone, and the name it is kept under.
 * No I/O: the attachments service and the unit tests call these directly.
 *
 * The browser's claimed type and the file's name are never trusted: a page saved as "資料.pdf" is
 * still a web page, and a program renamed to "写真.png" is still a program.
 */

export type FileKindId = 'pdf' | 'png' | 'jpeg' | 'docx' | 'doc' | 'xlsx' | 'xls';

export interface FileKind {
  id: FileKindId;
  mediaType: string;
  /** Extensions that fit the content, lower case, the usual one first. */
  extensions: readonly string[];
  /** What people call it. */
  label: string;
}

export const FILE_KINDS: Readonly<Record<FileKindId, FileKind>> = {
  pdf: { id: 'pdf', mediaType: 'application/pdf', extensions: ['pdf'], label: 'PDF' },
  png: { id: 'png', mediaType: 'image/png', extensions: ['png'], label: 'PNG画像' },
  jpeg: { id: 'jpeg', mediaType: 'image/jpeg', extensions: ['jpg', 'jpeg', 'jpe'], label: 'JPEG画像' },
  docx: {
    id: 'docx',
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extensions: ['docx'],
    label: 'Word',
  },
  doc: { id: 'doc', mediaType: 'application/msword', extensions: ['doc'], label: 'Word（旧形式）' },
  xlsx: {
    id: 'xlsx',
    mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extensions: ['xlsx'],
    label: 'Excel',
  },
  xls: { id: 'xls', mediaType: 'application/vnd.ms-excel', extensions: ['xls'], label: 'Excel（旧形式）' },
};

/** For messages: what may be attached. */
export const ACCEPTED_KINDS_TEXT = 'PDF、PNG・JPEG画像、Word（.docx・.doc）、Excel（.xlsx・.xls）';

/** The label of a stored media type (for the list on the proposal page). */
export const mediaTypeLabel = (mediaType: string): string => Object.values(FILE_KINDS).find((k) => k.mediaType === mediaType)?.label ?? 'ファイル';

// --- content sniffing ---

const PDF = Buffer.from('%PDF-', 'latin1');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const ZIP_LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const CFB = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

const startsWith = (content: Buffer, magic: Buffer): boolean => content.length >= magic.length && content.subarray(0, magic.length).equals(magic);

/** The kind of an uploaded file, or null when it is none of the accepted kinds. */
export function detectFileKind(content: Buffer): FileKind | null {
  if (startsWith(content, PDF)) return FILE_KINDS.pdf;
  if (startsWith(content, PNG)) return FILE_KINDS.png;
  if (startsWith(content, JPEG)) return FILE_KINDS.jpeg;
  if (startsWith(content, ZIP_LOCAL_HEADER)) return officeOpenXmlKind(content);
  if (startsWith(content, CFB)) return legacyOfficeKind(content);
  return null;
}

/**
 * .docx and .xlsx are ZIP archives (Office Open XML): a Word document has its parts under word/, a
 * workbook under xl/, and both have [Content_Types].xml. Any other ZIP is refused, and so are the
 * macro-enabled variants (.docm, .xlsm: they carry vbaProject.bin), which are not on the list.
 */
function officeOpenXmlKind(content: Buffer): FileKind | null {
  const names = zipEntryNames(content);
  if (!names) return null;
  const lower = names.map((n) => n.toLowerCase());
  if (!lower.includes('[content_types].xml')) return null;
  if (lower.some((n) => n.endsWith('vbaproject.bin'))) return null;
  const word = lower.some((n) => n.startsWith('word/'));
  const excel = lower.some((n) => n.startsWith('xl/'));
  if (word === excel) return null;
  return word ? FILE_KINDS.docx : FILE_KINDS.xlsx;
}

const ZIP_END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP_CENTRAL_DIRECTORY_HEADER = 0x02014b50;

/**
 * The entry names of a ZIP archive, read from its central directory (the index at the end that every
 * unzip tool trusts), or null when there is no readable directory. ZIP64 archives are not read: a
 * document under the 10 MB upload limit does not need one.
 */
export function zipEntryNames(content: Buffer): string[] | null {
  const minimumEnd = 22;
  if (content.length < ZIP_LOCAL_HEADER.length + minimumEnd) return null;
  // The end record is the last 22 bytes, unless an archive comment (at most 65,535 bytes) follows it.
  let end = -1;
  for (let i = content.length - minimumEnd; i >= Math.max(0, content.length - minimumEnd - 0xffff); i--) {
    if (content.readUInt32LE(i) === ZIP_END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const count = content.readUInt16LE(end + 10);
  const directorySize = content.readUInt32LE(end + 12);
  const directoryStart = content.readUInt32LE(end + 16);
  if (count === 0 || directoryStart + directorySize > end) return null;

  const names: string[] = [];
  let at = directoryStart;
  for (let n = 0; n < count; n++) {
    if (at + 46 > end || content.readUInt32LE(at) !== ZIP_CENTRAL_DIRECTORY_HEADER) return null;
    const nameLength = content.readUInt16LE(at + 28);
    const extraLength = content.readUInt16LE(at + 30);
    const commentLength = content.readUInt16LE(at + 32);
    if (at + 46 + nameLength > end) return null;
    names.push(content.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/**
 * .doc and .xls (Office 97–2003) are Compound File Binary containers, as are PowerPoint and Outlook
 * files: the streams inside tell them apart. Word keeps its text in "WordDocument", Excel its sheets
 * in "Workbook" ("Book" before Excel 97).
 */
function legacyOfficeKind(content: Buffer): FileKind | null {
  const names = compoundFileEntryNames(content);
  if (!names) return null;
  const word = names.includes('WordDocument');
  const excel = names.includes('Workbook') || names.includes('Book');
  if (word === excel) return null;
  return word ? FILE_KINDS.doc : FILE_KINDS.xls;
}

/** Sector numbers at or above this are markers (free, end of chain, FAT, DIFAT), not sectors. */
const MAX_REGULAR_SECTOR = 0xfffffffa;
const DIFAT_ENTRIES_IN_HEADER = 109;
const DIRECTORY_ENTRY_SIZE = 128;

/**
 * The names of the storages and streams in a Compound File Binary (MS-CFB), or null when the
 * structure cannot be followed. Reads the sector allocation table (FAT) through the header's DIFAT and
 * any DIFAT sectors, then walks the directory's sector chain. Every chain is bounded by the number of
 * sectors in the file, so a crafted loop ends.
 */
export function compoundFileEntryNames(content: Buffer): string[] | null {
  if (content.length < 512 || !startsWith(content, CFB)) return null;
  const sectorShift = content.readUInt16LE(0x1e);
  if (sectorShift !== 9 && sectorShift !== 12) return null;
  const sectorSize = 1 << sectorShift;
  const sectorCount = Math.ceil(content.length / sectorSize);
  const sectorAt = (sector: number): number | null => {
    const offset = (sector + 1) * sectorSize;
    return sector < MAX_REGULAR_SECTOR && offset + sectorSize <= content.length ? offset : null;
  };

  const fatSectors: number[] = [];
  const pushFatSector = (value: number) => {
    if (value < MAX_REGULAR_SECTOR) fatSectors.push(value);
  };
  for (let i = 0; i < DIFAT_ENTRIES_IN_HEADER; i++) pushFatSector(content.readUInt32LE(0x4c + i * 4));
  let difat = content.readUInt32LE(0x44);
  for (let steps = 0; difat < MAX_REGULAR_SECTOR; steps++) {
    const offset = sectorAt(difat);
    if (offset === null || steps > sectorCount) return null;
    for (let i = 0; i < sectorSize / 4 - 1; i++) pushFatSector(content.readUInt32LE(offset + i * 4));
    difat = content.readUInt32LE(offset + sectorSize - 4);
  }

  const entriesPerFatSector = sectorSize / 4;
  const nextSector = (sector: number): number | null => {
    const fatSector = fatSectors[Math.floor(sector / entriesPerFatSector)];
    const offset = fatSector === undefined ? null : sectorAt(fatSector);
    return offset === null ? null : content.readUInt32LE(offset + (sector % entriesPerFatSector) * 4);
  };

  const names: string[] = [];
  let sector: number | null = content.readUInt32LE(0x30);
  for (let steps = 0; sector !== null && sector < MAX_REGULAR_SECTOR; steps++) {
    const offset = sectorAt(sector);
    if (offset === null || steps > sectorCount) return null;
    for (let entry = offset; entry < offset + sectorSize; entry += DIRECTORY_ENTRY_SIZE) {
      const type = content[entry + 66]; // 0 unused, 1 storage, 2 stream, 5 root
      const nameBytes = content.readUInt16LE(entry + 64); // UTF-16 with the terminating NUL
      if (type === 0 || nameBytes < 2 || nameBytes > 64) continue;
      names.push(content.toString('utf16le', entry, entry + nameBytes - 2));
    }
    sector = nextSector(sector);
  }
  if (sector === null) return null;
  return names.length ? names : null;
}

// --- file names ---

export const FILE_NAME_MAX = 255;
/** The name used when nothing of the uploaded name is left. */
export const DEFAULT_FILE_STEM = '添付ファイル';

/**
 * Control characters (C0, DEL, C1), invisible format characters (among them the right-to-left
 * override that makes "資料\u202Efdp.exe" read as "資料exe.pdf") and broken UTF-16.
 */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Cs}]/gu;

const extensionOf = (name: string): string => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

/** The last part of a path (either slash) without unsafe characters or edge dots and spaces; may be "". */
export function baseFileName(uploadedName: string | null | undefined): string {
  const lastPart = (uploadedName ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
  return lastPart.replace(UNSAFE_CHARACTERS, '').replace(/^[\s.]+|[\s.]+$/g, '');
}

/**
 * The name an attachment is kept and offered for download under: only the last part of any path
 * (either slash), without control or invisible characters, without leading or trailing dots and
 * spaces, Japanese kept (in NFC, as macOS sends names decomposed). An extension that does not fit
 * the content gets the right one appended, so the file opens in the right program. At most
 * FILE_NAME_MAX characters, extension kept; never empty.
 */
export function cleanFileName(uploadedName: string | null | undefined, kind: FileKind): string {
  let name = baseFileName(uploadedName) || DEFAULT_FILE_STEM;
  if (!kind.extensions.includes(extensionOf(name))) name = `${name}.${kind.extensions[0]}`;

  const characters = Array.from(name); // code points, as the database counts them
  if (characters.length <= FILE_NAME_MAX) return name;
  const extension = `.${extensionOf(name)}`;
  const stem = characters
    .slice(0, FILE_NAME_MAX - extension.length)
    .join('')
    .replace(/[\s.]+$/, '');
  return `${stem || DEFAULT_FILE_STEM}${extension}`;
}

/** An ASCII-only stand-in for clients that do not read filename* (RFC 6266 §4.3). */
export function asciiFileName(name: string): string {
  const ascii = name
    .normalize('NFKC') // full-width letters, digits and brackets become ASCII
    .replace(/[^\x20-\x7e]+/g, '_')
    .replace(/["\\%]/g, '_');
  const extension = extensionOf(ascii);
  const stem = extension ? ascii.slice(0, -(extension.length + 1)) : ascii;
  return /[A-Za-z0-9]/.test(stem) ? ascii : `attachment${extension ? `.${extension}` : ''}`;
}

/** RFC 5987 value-chars: encodeURIComponent leaves ' ( ) * as they are, which the RFC does not allow. */
const encodeRfc5987 = (value: string): string =>
  encodeURIComponent(value.replace(/\p{Cs}/gu, '\uFFFD')).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `attachment` with an ASCII filename for old clients and the real name as filename* (UTF-8). */
export function contentDisposition(fileName: string): string {
  return `attachment; filename="${asciiFileName(fileName)}"; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}

/** "820 バイト", "12 KB", "3.4 MB" */
export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} バイト`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
