import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { AppLogger } from '../common/app-logger';
import { DbService } from '../database/db.service';
import { Viewer } from './proposal-access';
import { DECISION_LABELS, ProposalStatus, STATUS_LABELS } from './proposal-state-machine';
import { Proposal } from './proposal.entity';
import { ProposalRepository } from './proposal.repository';
import { currentGeneration, readRanking, storeRanking } from './similar-rankings';
import { ProposalSearch } from '../search/proposal-search';
import { Probe, ProbePart, probePart } from '../search/similarity-probe';

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
    private readonly search: ProposalSearch,
    private readonly logger: AppLogger,
  ) {}

  /**
   * Up to five proposals the viewer may see, most similar first, to `text` (a title, typed or
   * saved; `excludeId` leaves a proposal out). For the form while the title is typed: searched now.
   */
  async findSimilar(viewer: Viewer, text: string, excludeId?: number): Promise<SimilarProposal[]> {
    const probe: Probe = { title: probePart(text), body: null };
    if (!probe.title) return [];
    const rankedIds = await this.search.similarCandidateIds(probe, excludeId ?? 0, null);
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
      probe.title || probe.body ? await this.search.similarCandidateIds(probe, proposal.id, { createdBefore: proposal.id, submittedBefore: submittedAt }) : [];
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
}
