/** FTS5's index structure, read for upkeep and for tests: which segments exist, on which level. */

/** The id of FTS5's structure record in proposals_fts_data: which segments exist, on which level. */
export const FTS5_STRUCTURE_ROWID = 10;

export interface SearchIndexSegment {
  id: number;
  pages: number;
  /** Rows indexed in it (FTS5 keeps the count only in its version 2 structure, which contentless_delete uses). */
  entries: number;
  /** Rows deleted since, not yet merged away. */
  tombstones: number;
}

export interface SearchIndexLevel {
  /** Segments of this level being merged into the next one by a merge that has not finished. */
  merging: number;
  segments: SearchIndexSegment[];
}

export interface SearchIndexStructure {
  levels: SearchIndexLevel[];
  segments: number;
}

/**
 * Reads FTS5's structure record (fts5StructureDecode in SQLite's fts5_index.c): a 4-byte cookie, an
 * optional version-2 marker, then varints: levels, segments, write counter, and for each level the
 * number of segments being merged and its segments (id, first and last page, and in version 2 the
 * origin range, tombstone pages, tombstones and entries).
 */
export function decodeFts5Structure(block: Uint8Array): SearchIndexStructure {
  let at = 4;
  const v2 = block[4] === 0xff && block[5] === 0x00 && block[6] === 0x00 && block[7] === 0x01;
  if (v2) at = 8;
  // SQLite's varint: 7 bits a byte, high bit set on all but the last; a ninth byte carries 8 bits.
  const varint = (): number => {
    let value = 0;
    for (let i = 0; i < 8; i++) {
      if (at >= block.length) throw new Error('FTS5 structure record ends early');
      const byte = block[at++];
      value = value * 128 + (byte & 0x7f);
      if (!(byte & 0x80)) return value;
    }
    return value * 256 + block[at++];
  };
  const levelCount = varint();
  const segments = varint();
  varint(); // write counter
  const levels: SearchIndexLevel[] = [];
  for (let l = 0; l < levelCount; l++) {
    const merging = varint();
    const count = varint();
    const level: SearchIndexLevel = { merging, segments: [] };
    for (let s = 0; s < count; s++) {
      const id = varint();
      const first = varint();
      const last = varint();
      let entries = 0;
      let tombstones = 0;
      if (v2) {
        varint(); // origin 1
        varint(); // origin 2
        varint(); // tombstone pages
        tombstones = varint();
        entries = varint();
      }
      level.segments.push({ id, pages: last - first + 1, entries, tombstones });
    }
    levels.push(level);
  }
  return { levels, segments };
}
