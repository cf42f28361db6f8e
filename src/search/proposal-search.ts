import { Brackets, WhereExpressionBuilder } from 'typeorm';
import type { Viewer } from '../proposals/proposal-access';
import { Probe } from './similarity-probe';

/** A keyword search of the list shows at most the newest this many matches (where the engine reads newest first). */
export const KEYWORD_MATCH_LIMIT = 1000;
/** …found among at most this many of the newest matches, visible or not (the cost of one search). */
export const KEYWORD_SCAN_LIMIT = 50 * KEYWORD_MATCH_LIMIT;

/** The list's keyword filter on the proposals alias `p`, and whether only the newest matches were kept. */
export interface KeywordFilter {
  condition: Brackets;
  cut: boolean;
}

export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => '\\' + c);

/**
 * The text search of proposals, one implementation per database, chosen once when SearchModule is set
 * up (search.module.ts): SQLite's FTS5 trigram index (fts5-proposal-search.ts) or PostgreSQL's pg_trgm
 * indexes (trigram-proposal-search.ts). Callers never ask which database they run on.
 *
 * Both find a keyword where LIKE '%…%' on the title or the proposal's text would, or in the number.
 * A number holds only digits and hyphens, so other text is not compared with numbers (on PostgreSQL
 * that lets the two pg_trgm indexes answer the LIKE). One or two characters have no trigram: those are
 * compared row by row (the list bounds that to the newest proposals).
 */
export abstract class ProposalSearch {
  /**
   * The keyword condition of the list as `viewer` sees it. `complete`: another filter narrows the
   * list, so every match must be found (the newest alone could miss every row of an older year).
   */
  abstract keyword(q: string, options: { complete: boolean; viewer?: Viewer }): Promise<KeywordFilter>;

  /**
   * Ids of submitted proposals most like the probe, best first, at most CANDIDATES, whoever may see
   * them (the caller filters by visibility and decides what counts as similar). `earlierThan` keeps
   * only proposals made before the given one.
   */
  abstract similarCandidateIds(probe: Probe, excludeId: number, earlierThan: { createdBefore: number; submittedBefore: Date } | null): Promise<number[]>;

  /** The LIKE condition every engine falls back to: title or text, or the number. */
  protected likeFilter(q: string): KeywordFilter {
    const like = `%${escapeLike(q)}%`;
    return {
      condition: new Brackets((w) => {
        w.where("p.title LIKE :like ESCAPE '\\'", { like }).orWhere("p.proposal_text LIKE :like ESCAPE '\\'", { like });
        this.orNumber(w, q);
      }),
      cut: false,
    };
  }

  /** `OR p.number LIKE …` when the keyword could be (part of) a number. */
  protected orNumber(w: WhereExpressionBuilder, q: string): void {
    if (/^[\d-]+$/.test(q)) w.orWhere("p.number LIKE :like ESCAPE '\\'", { like: `%${escapeLike(q)}%` });
  }
}
