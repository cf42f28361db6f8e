/**
 * What a similar-proposal search looks for: the distinct 3-character terms (trigrams) of a title and
 * of the start of a text. Pure, shared by both search engines (proposal-search.ts) and by the rule that
 * decides what counts as similar (proposals/similar-proposals.service.ts).
 */

/** Ranked by the search engine first, then cut down to what the viewer may see. */
export const CANDIDATES = 50;
/** Trigram search cannot match anything shorter (SQLite FTS5 finds nothing below 3 characters). */
export const MIN_RUN = 3;
/** How much of a text is compared: a whole title, the start of a proposal's text. */
const PROBE_MAX = 200;
/** Terms per probe: enough to describe it without making SQLite's OR query slow. */
const MAX_TERMS = 64;
/**
 * Everything that is not a letter or a digit separates runs: spaces, punctuation, symbols, control
 * characters. This is also what keeps user text from becoming FTS5 syntax: quotes, `*`, `(`, `:`,
 * `^`, `+`, `-` never reach a query, and each term is quoted besides, so OR / NOT / NEAR are plain text.
 */
const SEPARATORS = /[\s\p{P}\p{S}\p{C}]+/u;

export interface ProbePart {
  /** The text as pg_trgm gets it (it does its own splitting). */
  text: string;
  /** Distinct lower-case 3-character terms, in order of appearance. */
  trigrams: string[];
}

export interface Probe {
  title: ProbePart | null;
  body: ProbePart | null;
}

/** The searchable part of a text, or null when it has no run of 3 or more characters. */
export function probePart(input: string): ProbePart | null {
  const runs = input.slice(0, PROBE_MAX).split(SEPARATORS).filter(Boolean);
  const trigrams = new Set<string>();
  for (const run of runs) {
    const chars = Array.from(run.toLowerCase());
    for (let i = 0; i + MIN_RUN <= chars.length && trigrams.size < MAX_TERMS; i++) trigrams.add(chars.slice(i, i + MIN_RUN).join(''));
  }
  return trigrams.size ? { text: runs.join(' '), trigrams: [...trigrams] } : null;
}

/** An FTS5 MATCH expression: any of the trigrams, each a quoted string (never an operator). */
export const ftsQuery = (trigrams: Iterable<string>): string => [...new Set(trigrams)].map((t) => `"${t.replace(/"/g, '')}"`).join(' OR ');
