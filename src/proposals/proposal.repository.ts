import { Injectable } from '@nestjs/common';
import { EntityManager, In, SelectQueryBuilder } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { placeholder } from '../database/sql-placeholder';
import { DbService } from '../database/db.service';
import { User } from '../users/user.entity';
import { actorsFor, BLIND_JUDGE_PARAMS, canView, CoproposerStatus, isAdoptedCase, ProposalFacts, Viewer, visibleWhere } from './proposal-access';
import { ProposalCoproposer } from './proposal-coproposer.entity';
import { ProposalHistoryEntry } from './proposal-history.entity';
import { nextStatus, refusalReason } from './proposal-state-machine';
import { ActionNotAllowedError, StaleProposalError, TransitionRequest } from './proposal-transition';
import { Proposal } from './proposal.entity';
import { Routing } from './routing.entity';
import { RoutingRepository } from './routing.repository';
import { Clock } from '../common/clock';

/** A history row that records something besides a change of status (共同提案, 実施状況, 作成). */
export interface HistoryNote {
  proposal: Pick<Proposal, 'id' | 'status'>;
  actorId: number | null;
  action: ProposalHistoryEntry['action'];
  detail?: string | null;
  comment?: string | null;
  /** The status before, when the note is about a proposal being made (null). */
  fromStatus?: Proposal['status'] | null;
}

/** The states in which a proposal waits for the office. */
export type WaitingStatus = 'submitted' | 'awaiting_decision' | 'continued';
/** What a waiting proposal's wait is counted from. */
const WAITING_SINCE = { submitted: 'submittedAt', awaiting_decision: 'updatedAt', continued: 'decidedAt' } as const satisfies Record<
  WaitingStatus,
  keyof Proposal
>;

/** The access facts of a proposal from its rows: every routing of it (ended ones too) and everyone named on it. */
function factsOf(
  proposal: Proposal,
  routings: readonly Pick<Routing, 'active' | 'opinionAt' | 'divisionId'>[],
  named: readonly { userId: number; status: CoproposerStatus }[],
  blindJudgeIds: readonly number[],
): ProposalFacts {
  return {
    proposerId: proposal.proposerId,
    coproposerIds: named.filter((c) => c.status === 'accepted').map((c) => c.userId),
    invitedIds: named.filter((c) => c.status === 'invited').map((c) => c.userId),
    status: proposal.status,
    decision: proposal.decision,
    activeRoutingDivisionIds: routings.filter((r) => r.active).map((r) => r.divisionId),
    routedDivisionIds: routings.filter((r) => r.active || r.opinionAt !== null).map((r) => r.divisionId),
    leadDivisionId: proposal.leadDivisionId,
    blindJudgeIds,
  };
}

/**
 * The proposal aggregate as stored: the proposal, its co-proposers, routings and history. Every read
 * of it that the access rules depend on and every write of a step with its history row is here, so
 * the services hold the rules and never ask how a proposal is stored. Reads take the caller's manager
 * where they must see the caller's transaction.
 */
@Injectable()
export class ProposalRepository {
  constructor(
    private readonly db: DbService,
    private readonly routings: RoutingRepository,
    private readonly clock: Clock,
  ) {}

  private get manager(): EntityManager {
    return this.db.dataSource.manager;
  }

  // --- the access facts ---

  /** Everyone named on the proposal besides the proposer, with whether they accepted (共同提案者) or not yet (招待中). */
  async coproposerRows(manager: EntityManager, proposalId: number): Promise<{ userId: number; status: CoproposerStatus }[]> {
    const rows = await manager.getRepository(ProposalCoproposer).find({ where: { proposalId }, order: { userId: 'ASC' } });
    return rows.map((c) => ({ userId: c.userId, status: c.status }));
  }

  /** The co-proposers who accepted: authors with the proposer (told of its progress, listed on it). */
  async coproposerIds(manager: EntityManager, proposalId: number): Promise<number[]> {
    return (await this.coproposerRows(manager, proposalId)).filter((c) => c.status === 'accepted').map((c) => c.userId);
  }

  /** The facts the access rules need, loaded in one place. */
  async facts(manager: EntityManager, proposal: Proposal): Promise<ProposalFacts> {
    const [routings, named] = await Promise.all([this.routings.ofProposal(manager, proposal.id), this.coproposerRows(manager, proposal.id)]);
    return factsOf(proposal, routings, named, await this.blindJudgeIds(manager, proposal));
  }

  /** ProposalFacts.blindJudgeIds: read for adopted cases only, the one access path that depends on it. */
  private async blindJudgeIds(manager: EntityManager, proposal: Proposal): Promise<number[]> {
    if (!isAdoptedCase(proposal)) return [];
    const rows = await manager
      .createQueryBuilder()
      .select('jj.user_id', 'user_id')
      .from('judging_entries', 'je')
      .innerJoin('judging_rounds', 'jr', 'jr.id = je.round_id')
      .innerJoin('judging_judges', 'jj', 'jj.round_id = je.round_id')
      .where('je.proposal_id = :id AND jr.blind = :blindYes AND jr.status <> :roundClosed', { id: proposal.id, ...BLIND_JUDGE_PARAMS })
      .getRawMany<{ user_id: number | string }>();
    return rows.map((r) => Number(r.user_id));
  }

  findById(id: number): Promise<Proposal | null> {
    return this.manager.getRepository(Proposal).findOne({ where: { id } });
  }

  findByNumber(number: string): Promise<Proposal | null> {
    return this.manager.getRepository(Proposal).findOne({ where: { number } });
  }

  /** A proposal this user may see, or NotFoundError (never a 403 that would confirm it exists). */
  async getVisible(viewer: Viewer, id: number, manager: EntityManager = this.manager) {
    const proposal = await manager.getRepository(Proposal).findOne({ where: { id } });
    if (!proposal) throw new NotFoundError();
    const facts = await this.facts(manager, proposal);
    if (!canView(viewer, facts)) throw new NotFoundError();
    return { proposal, facts, actors: actorsFor(viewer, facts) };
  }

  /** Proposals as the viewer may see them (proposal-access.ts visibleWhere), for lists: `p` is the alias. */
  visibleQuery(viewer: Viewer): SelectQueryBuilder<Proposal> {
    const { sql, params } = visibleWhere(viewer);
    return this.manager.getRepository(Proposal).createQueryBuilder('p').where(sql, params);
  }

  /**
   * Of these proposals, the submitted ones (never drafts, not even one's own) this user may see; in
   * no particular order. Only the columns a list of similar proposals needs: it runs while typing.
   */
  visibleSubmittedAmong(viewer: Viewer, ids: readonly number[]): Promise<Proposal[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.visibleQuery(viewer)
      .select(['p.id', 'p.number', 'p.title', 'p.status', 'p.decision', 'p.submittedAt', 'p.proposalText', 'p.currentProblem'])
      .andWhere('p.id IN (:...candidateIds)', { candidateIds: [...ids] })
      .andWhere('p.status <> :notDraft', { notDraft: 'draft' })
      .getMany();
  }

  // --- the inboxes ---

  /**
   * The proposals in a waiting state, the longest waiting first (受付待ち by submission, 審査待ち by
   * its last change, 継続検討 by its decision), at most `limit` with proposer and division, and the exact count.
   */
  async longestWaiting(status: WaitingStatus, limit: number): Promise<{ proposals: Proposal[]; total: number }> {
    const repo = this.manager.getRepository(Proposal);
    const [proposals, total] = await Promise.all([
      repo.find({
        where: { status },
        relations: { proposer: true, proposerDivision: true },
        order: { [WAITING_SINCE[status]]: 'ASC', id: 'ASC' },
        take: limit,
      }),
      repo.count({ where: { status } }),
    ]);
    return { proposals, total };
  }

  /** The adopted proposals a division leads and has not finished implementing, decided earliest first. */
  implementingBy(divisionId: number): Promise<Proposal[]> {
    return this.manager.getRepository(Proposal).find({
      where: { leadDivisionId: divisionId, status: 'decided', implementationStatus: In(['not_started', 'in_progress']) },
      order: { decidedAt: 'ASC' },
    });
  }

  // --- the proposal page ---

  /**
   * Everything the proposal page shows of a proposal the viewer may see. The rows the access rules
   * need are the ones the page shows (the proposal, its routings, the colleagues named on it), read
   * once; the history only after the rule said yes.
   */
  async detail(viewer: Viewer, id: number) {
    const proposal = await this.manager.getRepository(Proposal).findOne({
      where: { id },
      // not the coproposers relation: it cannot tell an invitation from a co-proposer (see withUsers)
      relations: { category: true, proposer: { division: true }, proposerDivision: true, leadDivision: true },
    });
    if (!proposal) throw new NotFoundError();
    const [routings, rows, blindJudgeIds] = await Promise.all([
      this.routings.forPage(id),
      this.coproposerRows(this.manager, id),
      this.blindJudgeIds(this.manager, proposal),
    ]);
    const facts = factsOf(proposal, routings, rows, blindJudgeIds);
    if (!canView(viewer, facts)) throw new NotFoundError();
    const [history, named] = await Promise.all([
      this.manager.getRepository(ProposalHistoryEntry).find({ where: { proposalId: id }, relations: { actor: true }, order: { id: 'ASC' } }),
      this.withUsers(rows),
    ]);
    return { proposal, facts, actors: actorsFor(viewer, facts), routings, history, named };
  }

  /** The colleagues named on a proposal with their answer: 共同提案者 (accepted) and 招待中 (invited). */
  private async withUsers(rows: { userId: number; status: CoproposerStatus }[]): Promise<{ user: User; status: CoproposerStatus }[]> {
    const users = rows.length ? await this.manager.getRepository(User).find({ where: { id: In(rows.map((r) => r.userId)) } }) : [];
    return rows.flatMap((r) => {
      const user = users.find((u) => u.id === r.userId);
      return user ? [{ user, status: r.status }] : [];
    });
  }

  /** The office's latest 差戻し of a proposal: its comment is written for the proposer (see history-visibility.ts). */
  async lastReturn(proposalId: number): Promise<{ comment: string | null; at: Date; by: string | null } | null> {
    const entry = await this.manager
      .getRepository(ProposalHistoryEntry)
      .findOne({ where: { proposalId, action: 'return' }, relations: { actor: true }, order: { id: 'DESC' } });
    return entry ? { comment: entry.comment, at: entry.createdAt, by: entry.actor?.name ?? null } : null;
  }

  // --- writing: a step and its history row ---

  /**
   * Applies one step of the state machine as a compare-and-set on status and version, writes its
   * history row, and returns the proposal as it now is, all in the caller's transaction. Zero rows
   * changed means someone acted first: the StaleProposalError thrown rolls the caller's transaction
   * back, so nothing is half-done.
   */
  async recordStep(manager: EntityManager, request: TransitionRequest): Promise<Proposal> {
    const { proposal, action } = request;
    // A stale page is reported as such first: the person needs to see what changed, not a refusal.
    if (request.expectedVersion !== proposal.version) throw new StaleProposalError(proposal.id, proposal.status);
    const actor = request.actors.find((a) => nextStatus(proposal.status, action, a) !== null);
    if (!actor) throw new ActionNotAllowedError(refusalReason(proposal.status, action, request.actors), proposal.id);
    const to = nextStatus(proposal.status, action, actor)!;
    await this.compareAndSet(manager, proposal, request.expectedVersion, { ...request.changes, status: to }, proposal.status);
    await this.addHistory(manager, {
      proposal: { id: proposal.id, status: to },
      fromStatus: proposal.status,
      actorId: request.actorId,
      action,
      detail: request.detail,
      comment: request.comment,
    });
    return manager.getRepository(Proposal).findOneOrFail({ where: { id: proposal.id } });
  }

  /**
   * A change that leaves the status as it is (実施状況): a compare-and-set on the version with its
   * history row; returns the proposal as it now is.
   */
  async recordUpdate(
    manager: EntityManager,
    request: {
      proposal: Pick<Proposal, 'id' | 'status' | 'version'>;
      expectedVersion: number;
      changes: Partial<Omit<Proposal, 'id' | 'status' | 'version'>>;
      note: Omit<HistoryNote, 'proposal'>;
    },
  ): Promise<Proposal> {
    const { proposal } = request;
    if (request.expectedVersion !== proposal.version) throw new StaleProposalError(proposal.id, proposal.status);
    await this.compareAndSet(manager, proposal, request.expectedVersion, request.changes, null);
    await this.addHistory(manager, { ...request.note, proposal });
    return manager.getRepository(Proposal).findOneOrFail({ where: { id: proposal.id } });
  }

  /** A history row; from and to are the proposal's status unless `fromStatus` says otherwise. */
  async addHistory(manager: EntityManager, note: HistoryNote): Promise<void> {
    // no reading back of the generated id and time: nothing here needs them (on SQLite that saves a statement)
    await manager
      .createQueryBuilder()
      .insert()
      .into(ProposalHistoryEntry)
      .values({
        proposalId: note.proposal.id,
        actorId: note.actorId,
        action: note.action,
        fromStatus: note.fromStatus === undefined ? note.proposal.status : note.fromStatus,
        toStatus: note.proposal.status,
        detail: note.detail ?? null,
        comment: note.comment?.trim() ? note.comment.trim() : null,
      })
      .updateEntity(false)
      .execute();
  }

  /** Inserts a new draft and returns it as stored. */
  async insertDraft(manager: EntityManager, values: Partial<Proposal>): Promise<Proposal> {
    const insert = manager.createQueryBuilder().insert().into(Proposal).values(values).updateEntity(false);
    // SQLite reports the new row's id itself; PostgreSQL returns it when asked
    if (!this.db.isSqlite) insert.returning('id');
    const result = await insert.execute();
    const id = Number(this.db.isSqlite ? result.raw : (result.raw as { id: number }[])[0].id);
    return manager.getRepository(Proposal).findOneOrFail({ where: { id } });
  }

  /** The proposal with this one-time form key of this proposer, if that form was already saved. */
  findByFormKey(manager: EntityManager, proposerId: number, storedKey: string): Promise<Proposal | null> {
    return manager.getRepository(Proposal).findOne({ where: { formKey: storedKey, proposerId } });
  }

  /**
   * The next proposal number's sequence of a fiscal year: one upsert that also serializes concurrent
   * submissions on the row (PostgreSQL; SQLite writes one at a time), then the value it left.
   */
  async nextNumber(manager: EntityManager, fiscalYear: number): Promise<number> {
    const p1 = placeholder(this.db.dataSource, 1);
    await manager.query(
      `INSERT INTO proposal_number_sequences (fiscal_year, last_number) VALUES (${p1}, 1)
         ON CONFLICT (fiscal_year) DO UPDATE SET last_number = proposal_number_sequences.last_number + 1`,
      [fiscalYear],
    );
    const rows: { last_number: number | string }[] = await manager.query(`SELECT last_number FROM proposal_number_sequences WHERE fiscal_year = ${p1}`, [
      fiscalYear,
    ]);
    return Number(rows[0].last_number);
  }

  /**
   * Locks the proposal's row until the caller's transaction ends (PostgreSQL; SQLite runs one write
   * at a time anyway), so a change that counts or checks something of the proposal is not overtaken.
   */
  async lockRow(manager: EntityManager, proposalId: number): Promise<void> {
    if (this.db.isSqlite) return;
    await manager.getRepository(Proposal).createQueryBuilder('p').setLock('pessimistic_write').where('p.id = :proposalId', { proposalId }).getOne();
  }

  /** Updates the row only if it is still at the version (and status, when given) the person saw. */
  private async compareAndSet(
    manager: EntityManager,
    proposal: Pick<Proposal, 'id' | 'status'>,
    version: number,
    changes: Partial<Proposal>,
    fromStatus: Proposal['status'] | null,
  ): Promise<void> {
    const where = fromStatus === null ? 'id = :id AND version = :version' : 'id = :id AND status = :from AND version = :version';
    const result = await manager
      .createQueryBuilder()
      .update(Proposal)
      .set({ ...changes, version: () => 'version + 1', updatedAt: this.clock.now() })
      .where(where, { id: proposal.id, from: fromStatus, version })
      .execute();
    if (result.affected !== 1) {
      const current = await manager.getRepository(Proposal).findOne({ where: { id: proposal.id } });
      throw new StaleProposalError(proposal.id, current?.status ?? proposal.status);
    }
  }
}
