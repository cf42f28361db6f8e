import { Brackets } from 'typeorm';
import { DbService } from '../database/db.service';
import type { Viewer } from '../proposals/proposal-access';
import { ProposalRepository } from '../proposals/proposal.repository';
import { KEYWORD_MATCH_LIMIT, KEYWORD_SCAN_LIMIT, KeywordFilter, ProposalSearch } from './proposal-search';
import { CANDIDATES, ftsQuery, MIN_RUN, Probe, ProbePart } from './similarity-probe';

/** A shared trigram in the title says more than one in a long text. */
const FIELD_WEIGHTS = { title: 4.0, proposalText: 1.0, currentProblem: 0.5 };
/**
 * Ranking every proposal that shares a trigram (bm25) costs about a microsecond per match, and with
 * a million proposals a title's trigrams match a hundred thousand of them, the text's all of them:
 * seconds. Instead FTS5 is asked for the most recent RECENT_CANDIDATES proposals that share one of the
 * title's trigrams or of the first RECENT_BODY_TERMS of the text's (it walks its lists newest first and
 * stops there, however many match), plus, from every year, those that contain the longest run of the
 * title and of the text as written (PER_PHRASE each), so an old proposal with the same words is not
 * missed. Those (at most 200) are then scored here, title first as bm25 weighed them.
 */
const RECENT_CANDIDATES = 120;
const RECENT_BODY_TERMS = 8;
const PER_PHRASE = 40;

/**
 * SQLite: the trigram index proposals_fts (title, proposal_text, current_problem; rowid = proposal id).
 *
 * A keyword of three characters or more is a phrase there, which matches exactly where LIKE would
 * (letters of every script compared without case, where LIKE ignores only ASCII case). The index gives
 * the newest matches first; the list is made of at most KEYWORD_MATCH_LIMIT of them (`cut` when there
 * were more), so a common word costs no more than a rare one; the page says so. Those are the newest
 * matches *the viewer may see*: the visibility rule is applied while the index is read, newest first,
 * and the read stops at the limit, so neither the cut nor the rows say anything about proposals the
 * viewer may not see (a cut taken first would tell how many hidden proposals contain a phrase, and drop
 * older visible ones). A viewer who may see few of many matches would read them all, so at most
 * KEYWORD_SCAN_LIMIT of the newest matches are read (a few tens of milliseconds); beyond that the list
 * is `cut` too, which says only that the phrase is among the most common of the whole organisation.
 * When the list is searched `complete`ly instead (another filter narrows it), the index answers as a
 * subquery: every match, slower for a common word (about 0.1 s for 50,000 matches among a million).
 */
export class Fts5ProposalSearch extends ProposalSearch {
  constructor(
    private readonly db: DbService,
    private readonly repository: ProposalRepository,
  ) {
    super();
  }

  async keyword(q: string, options: { complete: boolean; viewer?: Viewer }): Promise<KeywordFilter> {
    if ([...q].length < MIN_RUN) return this.likeFilter(q);
    const phrase = `{title proposal_text} : "${q.replace(/"/g, '""')}"`;
    if (options.complete || !options.viewer) {
      return {
        condition: new Brackets((w) => {
          w.where('p.id IN (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH :phrase)', { phrase });
          this.orNumber(w, q);
        }),
        cut: false,
      };
    }
    // the newest matches, read from the index newest first, joined to what the viewer may see
    const newest = `SELECT rowid AS id FROM proposals_fts WHERE proposals_fts MATCH :phrase ORDER BY rowid DESC LIMIT ${KEYWORD_SCAN_LIMIT}`;
    const rows = await this.repository
      .visibleQuery(options.viewer)
      .select('p.id', 'id')
      .innerJoin(`(${newest})`, 'm', 'm.id = p.id')
      .setParameter('phrase', phrase)
      .orderBy('m.id', 'DESC')
      .limit(KEYWORD_MATCH_LIMIT + 1)
      .getRawMany<{ id: number | string }>();
    const ids = rows.slice(0, KEYWORD_MATCH_LIMIT).map((r) => Number(r.id));
    const cut =
      rows.length > KEYWORD_MATCH_LIMIT ||
      Number(
        (
          await this.db.dataSource.query(
            `SELECT COUNT(*) AS n FROM (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH ? LIMIT ${KEYWORD_SCAN_LIMIT})`,
            [phrase],
          )
        )[0].n,
      ) >= KEYWORD_SCAN_LIMIT;
    return {
      condition: new Brackets((w) => {
        // integers from the index, written into the SQL: as a thousand bound parameters they cost more than the query
        w.where(ids.length ? `p.id IN (${ids.map((id) => Math.trunc(id)).join(', ')})` : '1 = 0');
        this.orNumber(w, q);
      }),
      cut,
    };
  }

  /** Read on the second, read-only connection (DbService.readCommitted): it runs while the writer is busy. */
  async similarCandidateIds(probe: Probe, excludeId: number, earlierThan: { createdBefore: number } | null): Promise<number[]> {
    const createdBefore = earlierThan?.createdBefore ?? null;
    const terms = [...(probe.title?.trigrams ?? []), ...(probe.body?.trigrams.slice(0, RECENT_BODY_TERMS) ?? [])];
    const bound = createdBefore ? ' AND rowid < ?' : '';
    const boundParams = createdBefore ? [createdBefore] : [];
    const found = async (match: string, limit: number) =>
      (
        await this.db.readCommitted<{ id: number }>(`SELECT rowid AS id FROM proposals_fts WHERE proposals_fts MATCH ?${bound} ORDER BY rowid DESC LIMIT ?`, [
          match,
          ...boundParams,
          limit,
        ])
      ).map((r) => Number(r.id));
    const longestRun = (part: ProbePart | null) => part?.text.split(' ').reduce((a, b) => (b.length > a.length ? b : a), '') ?? '';
    const runs = [...new Set([longestRun(probe.title), longestRun(probe.body)].filter((run) => [...run].length >= MIN_RUN))];
    const lists = await Promise.all([found(ftsQuery(terms), RECENT_CANDIDATES), ...runs.map((run) => found(ftsQuery([run]), PER_PHRASE))]);
    const ids = new Set(lists.flat());
    ids.delete(excludeId);
    if (!ids.size) return [];

    const rows = await this.db.readCommitted<{ id: number; title: string; proposal_text: string; current_problem: string }>(
      `SELECT id, title, proposal_text, current_problem FROM proposals WHERE id IN (${[...ids].map(() => '?').join(', ')}) AND status <> 'draft'`,
      [...ids],
    );
    const share = (part: ProbePart | null, text: string) => (part ? part.trigrams.filter((t) => text.includes(t)).length / part.trigrams.length : 0);
    const score = (row: (typeof rows)[number]) => {
      const [title, text, problem] = [row.title, row.proposal_text, row.current_problem].map((x) => x.toLowerCase());
      return [probe.title, probe.body].reduce(
        (sum, part) =>
          sum + FIELD_WEIGHTS.title * share(part, title) + FIELD_WEIGHTS.proposalText * share(part, text) + FIELD_WEIGHTS.currentProblem * share(part, problem),
        0,
      );
    };
    return rows
      .map((row) => ({ id: Number(row.id), score: score(row) }))
      .sort((a, b) => b.score - a.score || b.id - a.id)
      .slice(0, CANDIDATES)
      .map((r) => r.id);
  }
}
