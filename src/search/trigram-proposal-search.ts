import { DbService } from '../database/db.service';
import { KeywordFilter, ProposalSearch } from './proposal-search';
import { CANDIDATES, Probe } from './similarity-probe';

/** pg_trgm word_similarity for recall only (the overlap rule decides); its default 0.6 misses reworded titles. */
const PG_THRESHOLD = 0.1;
/** A match in the title says more than one somewhere in a long text (as the FTS5 column weights do). */
const PG_TEXT_WEIGHT = 0.8;

/**
 * PostgreSQL: the pg_trgm GIN indexes on title and proposal_text answer LIKE '%…%' themselves, so the
 * keyword is the plain LIKE condition (never cut), and similar proposals are ranked by word_similarity.
 */
export class TrigramProposalSearch extends ProposalSearch {
  constructor(private readonly db: DbService) {
    super();
  }

  keyword(q: string): Promise<KeywordFilter> {
    return Promise.resolve(this.likeFilter(q));
  }

  async similarCandidateIds(probe: Probe, excludeId: number, earlierThan: { submittedBefore: Date } | null): Promise<number[]> {
    const submittedBefore = earlierThan?.submittedBefore ?? null;
    const params: unknown[] = [excludeId, CANDIDATES, PG_TEXT_WEIGHT];
    const earlier = submittedBefore ? ` AND p.submitted_at < $${params.push(submittedBefore)}` : '';
    const param = (value: string) => `$${params.push(value)}`;
    // `column %> $n` is word_similarity($n, column) > threshold: what the GIN trigram indexes answer.
    const matches: string[] = [];
    const scores: string[] = [];
    if (probe.title) {
      const title = param(probe.title.text);
      matches.push(`p.title %> ${title}`, `p.proposal_text %> ${title}`);
      scores.push(`word_similarity(${title}, p.title)`, `$3::real * word_similarity(${title}, p.proposal_text)`);
    }
    if (probe.body) {
      const body = param(probe.body.text);
      matches.push(`p.proposal_text %> ${body}`);
      scores.push(`$3::real * word_similarity(${body}, p.proposal_text)`);
    }
    const rows = await this.db.dataSource.transaction(async (manager): Promise<{ id: number | string }[]> => {
      // local to this transaction, so the pooled connection keeps its default afterwards
      await manager.query(`SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)`, [String(PG_THRESHOLD)]);
      return manager.query(
        `SELECT p.id AS id
           FROM proposals p
          WHERE p.status <> 'draft' AND p.id <> $1${earlier}
            AND (${matches.join(' OR ')})
          ORDER BY GREATEST(${scores.join(', ')}) DESC, p.id DESC
          LIMIT $2`,
        params,
      );
    });
    return rows.map((r) => Number(r.id));
  }
}
