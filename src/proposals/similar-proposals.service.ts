import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { AppLogger } from '../common/app-logger';
import { DbService } from '../database/db.service';
import { Viewer } from './proposal-access';
import { DECISION_LABELS, ProposalStatus, STATUS_LABELS } from './proposal-state-machine';
import { Proposal } from './proposal.entity';
import { ProposalRepository } from './proposal.repository';
import { currentGeneration, readRanking, storeRanking } from './similar-rankings';

/** One line of "似ている提案". */
export interface SimilarProposal {
  id: number;
  number: string | null;
  title: string;
  status: ProposalStatus;
  statusLabel: string;
  decisionLabel: string | null;
}

export const SIMILAR_LIMIT = 5;
/** Ranked by the search engine first, then cut down to what the viewer may see. */
const CANDIDATES = 50;
/** Trigram search cannot match anything shorter (SQLite FTS5 finds nothing below 3 characters). */
const MIN_RUN = 3;
/** How much of a text is compared: a whole title, the start of a proposal's text. */
const PROBE_MAX = 200;
/** Terms per probe: enough to describe it without making SQLite's OR query slow. */
const MAX_TERMS = 64;
/**
 * What makes a candidate similar, on both engines alike: it contains at least this share of the
 * title's trigrams (or of the text's), and never just one of them. Without it a single shared trigram
 * (図書館の待ち合わせ has の待ち of 窓口の待ち時間) would list unrelated proposals. Reworded Japanese
 * titles share few trigrams: 窓口の待ち時間をアプリで知らせる has 3 of its 14 in 窓口での待ち時間の見える化,
 * hence the low bar for titles.
 */
const TITLE_OVERLAP = 0.2;
const BODY_OVERLAP = 0.4;
const MIN_SHARED = 2;
/** pg_trgm word_similarity for recall only (the overlap above decides); its default 0.6 misses reworded titles. */
const PG_THRESHOLD = 0.1;
/** A match in the title says more than one somewhere in a long text (as the FTS5 column weights do). */
const PG_TEXT_WEIGHT = 0.8;
/** A shared trigram in the title says more than one in a long text. */
const FIELD_WEIGHTS = { title: 4.0, proposalText: 1.0, currentProblem: 0.5 };
/**
 * SQLite: ranking every proposal that shares a trigram (bm25) costs about a microsecond per match,
 * and with a million proposals a title's trigrams match a hundred thousand of them, the text's all of
 * them: seconds. Instead FTS5 is asked for the most recent RECENT_CANDIDATES proposals that share one
 * of the title's trigrams or of the first RECENT_BODY_TERMS of the text's (it walks its lists newest
 * first and stops there, however many match), plus, from every year, those that contain the longest
 * run of the title and of the text as written (PER_PHRASE each), so an old proposal with the same
 * words is not missed. Those (at most 200) are then scored here, title first as bm25 weighed them.
 */
const RECENT_CANDIDATES = 120;
const RECENT_BODY_TERMS = 8;
const PER_PHRASE = 40;

/**
 * Everything that is not a letter or a digit separates runs: spaces, punctuation, symbols, control
 * characters. This is also what keeps user text from becoming FTS5 syntax: quotes, `*`, `(`, `:`,
 * `^`, `+`, `-` never reach a query, and each term is quoted besides, so OR / NOT / NEAR are plain text.
 */
const SEPARATORS = /[\s\p{P}\p{S}\p{C}]+/u;

interface ProbePart {
  /** The text as pg_trgm gets it (it does its own splitting). */
  text: string;
  /** Distinct lower-case 3-character terms, in order of appearance. */
  trigrams: string[];
}

interface Probe {
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

/** Whether the text (lower-cased) holds enough of the probe's trigrams: the given share, and at least two (or all, of fewer). */
const shares = (part: ProbePart | null, text: string, share: number): boolean => {
  if (!part) return false;
  const found = part.trigrams.filter((t) => text.includes(t)).length;
  return found >= Math.min(MIN_SHARED, part.trigrams.length) && found >= share * part.trigrams.length;
};

const isSimilar = (probe: Probe, p: Proposal): boolean => {
  const text = [p.title, p.proposalText, p.currentProblem].join('\n').toLowerCase();
  return shares(probe.title, text, TITLE_OVERLAP) || shares(probe.body, text, BODY_OVERLAP);
};

const similarLine = (p: Proposal): SimilarProposal => ({
  id: p.id,
  number: p.number,
  title: p.title,
  status: p.status,
  statusLabel: STATUS_LABELS[p.status],
  decisionLabel: p.decision ? DECISION_LABELS[p.decision] : null,
});

/**
 * 似ている提案: earlier submitted proposals whose title or text looks like the given text, so a
 * proposer sees what exists before proposing the same thing again, and the office sees it when
 * screening (不受理の理由「同一・類似の提案あり」). Only what the viewer may see is ever returned.
 */
@Injectable()
export class SimilarProposalsService {
  constructor(
    private readonly db: DbService,
    private readonly repository: ProposalRepository,
    private readonly logger: AppLogger,
  ) {}

  /**
   * Up to five proposals the viewer may see, most similar first, to `text` (a title, typed or
   * saved; `excludeId` leaves a proposal out). For the form while the title is typed: searched now.
   */
  async findSimilar(viewer: Viewer, text: string, excludeId?: number): Promise<SimilarProposal[]> {
    const probe: Probe = { title: probePart(text), body: null };
    if (!probe.title) return [];
    const rankedIds = await this.rankedCandidateIds(probe, excludeId ?? 0, null);
    const visible = new Map((await this.repository.visibleSubmittedAmong(viewer, rankedIds)).map((p) => [p.id, p]));
    const similar: SimilarProposal[] = [];
    for (const id of rankedIds) {
      const p = visible.get(id);
      if (p && isSimilar(probe, p)) similar.push(similarLine(p));
      if (similar.length === SIMILAR_LIMIT) break;
    }
    return similar;
  }

  /**
   * 似ている過去の提案 of a submitted proposal, as the viewer may see them: proposals submitted before
   * it that look like its title or text, from its stored ranking (made now when it has none).
   */
  async earlierSimilar(viewer: Viewer, proposal: Pick<Proposal, 'id' | 'submittedAt'>): Promise<SimilarProposal[]> {
    if (!proposal.submittedAt) return [];
    const stored = await readRanking(this.db.dataSource.manager, proposal.id);
    const ids = stored && !stored.stale ? stored.ids : await this.rankEarlier(proposal.id);
    const visible = new Map((await this.repository.visibleSubmittedAmong(viewer, ids)).map((p) => [p.id, p]));
    return ids
      .map((id) => visible.get(id))
      .filter((p): p is Proposal => p !== undefined)
      .slice(0, SIMILAR_LIMIT)
      .map(similarLine);
  }

  /**
   * Ranks a submitted proposal's earlier similar proposals, whoever may see them, and stores the
   * ranking: after its submission commits (so its first view finds it made), or when a view finds it
   * missing or made before an earlier proposal's text changed. Returns the ranked ids.
   */
  async rankEarlier(proposalId: number): Promise<number[]> {
    const manager = this.db.dataSource.manager;
    // read before the texts: a text change after this point moves the generation on, and the ranking
    // stored below is then made again when next needed
    const generation = await currentGeneration(manager);
    const proposal = await manager.getRepository(Proposal).findOne({
      select: { id: true, title: true, proposalText: true, submittedAt: true },
      where: { id: proposalId },
    });
    if (!proposal?.submittedAt) return [];
    const submittedAt = proposal.submittedAt;
    const probe: Probe = { title: probePart(proposal.title), body: probePart(proposal.proposalText) };
    const candidateIds =
      probe.title || probe.body ? await this.rankedCandidateIds(probe, proposal.id, { createdBefore: proposal.id, submittedBefore: submittedAt }) : [];
    const candidates = candidateIds.length
      ? new Map(
          (
            await manager.getRepository(Proposal).find({
              select: { id: true, title: true, proposalText: true, currentProblem: true, submittedAt: true, status: true },
              where: { id: In(candidateIds) },
            })
          ).map((p) => [p.id, p]),
        )
      : new Map<number, Proposal>();
    const ranked = candidateIds.filter((id) => {
      const p = candidates.get(id);
      return p !== undefined && p.status !== 'draft' && p.submittedAt !== null && p.submittedAt < submittedAt && isSimilar(probe, p);
    });
    await this.db.write((m) => storeRanking(m, proposal.id, ranked, generation));
    return ranked;
  }

  /** rankEarlier after the response, for a proposal just submitted; a failure is logged, and the first view ranks it instead. */
  rankEarlierSoon(proposalId: number): void {
    setImmediate(() => {
      this.rankEarlier(proposalId).catch((error: unknown) =>
        this.logger.event('warn', 'similar_ranking_failed', { proposalId, message: error instanceof Error ? error.message : String(error) }),
      );
    });
  }

  /** Ids of submitted proposals, best match first, whoever may see them. */
  private async rankedCandidateIds(probe: Probe, excludeId: number, earlierThan: { createdBefore: number; submittedBefore: Date } | null): Promise<number[]> {
    if (this.db.isSqlite) return this.sqliteCandidates(probe, excludeId, earlierThan?.createdBefore ?? null);
    return (await this.postgresCandidates(probe, excludeId, earlierThan?.submittedBefore ?? null)).map((r) => Number(r.id));
  }

  private async sqliteCandidates(probe: Probe, excludeId: number, createdBefore: number | null): Promise<number[]> {
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

  private postgresCandidates(probe: Probe, excludeId: number, submittedBefore: Date | null): Promise<{ id: number }[]> {
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
    return this.db.dataSource.transaction(async (manager) => {
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
  }
}
