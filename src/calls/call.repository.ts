import { Injectable, Module } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { DbService } from '../database/db.service';
import { Division } from '../organization/division.entity';
import { User } from '../users/user.entity';
import { Proposal } from '../proposals/proposal.entity';
import { ProposalStatus } from '../proposals/proposal-state-machine';
import { sumSelect } from '../reports/stats-sql';
import { CallAttachment, CallAudienceDivision, CallCategory, CallDivision, CallEvent, ThemedCall } from './call.entities';

/** A call with what its pages and rules need: its divisions (lead first), categories and audience. */
export interface CallFacts {
  call: ThemedCall;
  divisions: { id: number; name: string; isLead: boolean }[];
  categoryIds: number[];
  audienceIds: number[];
}

/** Answers that other staff may read on an open call's page: not drafts, withdrawn, returned or 不受理. */
const PUBLIC_ANSWER_STATUSES: ProposalStatus[] = ['submitted', 'under_review', 'awaiting_decision', 'continued', 'decided'];

/**
 * Every query and write of the call tables. Also provided on its own (CallStoreModule) so the proposal
 * form and page and the dashboard can read calls without importing the calls feature.
 */
@Injectable()
export class CallRepository {
  constructor(private readonly db: DbService) {}

  private get manager(): EntityManager {
    return this.db.dataSource.manager;
  }

  find(id: number, manager = this.manager): Promise<ThemedCall | null> {
    return manager.getRepository(ThemedCall).findOne({ where: { id } });
  }

  async facts(id: number, manager = this.manager): Promise<CallFacts | null> {
    const call = await this.find(id, manager);
    if (!call) return null;
    const divisions = await manager
      .getRepository(CallDivision)
      .createQueryBuilder('cd')
      .innerJoin(Division, 'd', 'd.id = cd.division_id')
      .select(['cd.division_id AS id', 'd.name AS name', 'cd.is_lead AS is_lead'])
      .where('cd.call_id = :id', { id })
      .orderBy('cd.is_lead', 'DESC')
      .addOrderBy('d.sort_order')
      .addOrderBy('d.code')
      .getRawMany<{ id: number; name: string; is_lead: boolean | number }>();
    const categories = await manager.getRepository(CallCategory).find({ where: { callId: id } });
    const audience = await manager.getRepository(CallAudienceDivision).find({ where: { callId: id } });
    return {
      call,
      divisions: divisions.map((d) => ({ id: Number(d.id), name: d.name, isLead: Boolean(d.is_lead) })),
      categoryIds: categories.map((c) => c.categoryId),
      audienceIds: audience.map((a) => a.divisionId),
    };
  }

  /** Every call, the latest period first (a city opens a few a year). */
  all(): Promise<ThemedCall[]> {
    return this.manager.getRepository(ThemedCall).find({ order: { opensOn: 'DESC', id: 'DESC' } });
  }

  /** Calls whose period includes `today` and that were not closed early. */
  openOn(today: string): Promise<ThemedCall[]> {
    return this.manager
      .getRepository(ThemedCall)
      .createQueryBuilder('c')
      .where('c.opens_on <= :today AND c.closes_on >= :today AND c.closed_at IS NULL', { today })
      .orderBy('c.closes_on')
      .addOrderBy('c.id')
      .getMany();
  }

  async audienceOf(callIds: number[]): Promise<Map<number, number[]>> {
    const rows = callIds.length ? await this.manager.getRepository(CallAudienceDivision).find({ where: { callId: In(callIds) } }) : [];
    const map = new Map<number, number[]>();
    for (const row of rows) map.set(row.callId, [...(map.get(row.callId) ?? []), row.divisionId]);
    return map;
  }

  /** Each division's parent, for "a 局 chosen opens the call to its 課". */
  async divisionParents(manager = this.manager): Promise<Map<number, number | null>> {
    const rows = await manager.query<{ id: number; parent_id: number | null }[]>('SELECT id, parent_id FROM divisions');
    return new Map(rows.map((d) => [Number(d.id), d.parent_id === null ? null : Number(d.parent_id)]));
  }

  /** Answers counted as proposals (submitted, not withdrawn), per call. */
  async answerCounts(callIds: number[]): Promise<Map<number, number>> {
    if (!callIds.length) return new Map();
    const rows = await this.manager
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .select(['p.call_id AS call_id', 'COUNT(*) AS n'])
      .where('p.call_id IN (:...callIds)', { callIds })
      .andWhere("p.fiscal_year IS NOT NULL AND p.status NOT IN ('draft', 'withdrawn')")
      .groupBy('p.call_id')
      .getRawMany<{ call_id: number; n: number | string }>();
    return new Map(rows.map((r) => [Number(r.call_id), Number(r.n)]));
  }

  async insert(
    manager: EntityManager,
    fields: Omit<ThemedCall, 'id' | 'version' | 'createdAt' | 'closedAt'>,
    related: { leadDivisionId: number; relatedDivisionIds: number[]; categoryIds: number[]; audienceIds: number[] },
  ): Promise<ThemedCall> {
    const call = await manager.getRepository(ThemedCall).save(manager.getRepository(ThemedCall).create({ ...fields, version: 1 }));
    await manager
      .getRepository(CallDivision)
      .insert([related.leadDivisionId, ...related.relatedDivisionIds].map((divisionId, i) => ({ callId: call.id, divisionId, isLead: i === 0 })));
    if (related.categoryIds.length)
      await manager.getRepository(CallCategory).insert(related.categoryIds.map((categoryId) => ({ callId: call.id, categoryId })));
    if (related.audienceIds.length) {
      await manager.getRepository(CallAudienceDivision).insert(related.audienceIds.map((divisionId) => ({ callId: call.id, divisionId })));
    }
    return call;
  }

  /** A compare-and-set on the call's version; false when someone changed it first. */
  async update(
    manager: EntityManager,
    call: ThemedCall,
    expectedVersion: number,
    changes: Partial<Pick<ThemedCall, 'closesOn' | 'closedAt' | 'title' | 'issueText' | 'answersPublic'>>,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ThemedCall)
      .set({ ...changes, version: () => 'version + 1' })
      .where('id = :id AND version = :version', { id: call.id, version: expectedVersion })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async addEvent(manager: EntityManager, event: Pick<CallEvent, 'callId' | 'action' | 'actorId' | 'createdAt'> & Partial<CallEvent>): Promise<void> {
    await manager.getRepository(CallEvent).insert(event);
  }

  /** The call's log, oldest first, with who acted (entities, so timestamps come back as dates on both databases). */
  async events(callId: number): Promise<{ event: CallEvent; actorName: string | null }[]> {
    const events = await this.manager.getRepository(CallEvent).find({ where: { callId }, order: { id: 'ASC' } });
    const actorIds = [...new Set(events.flatMap((e) => (e.actorId === null ? [] : [e.actorId])))];
    const actors = actorIds.length ? await this.manager.getRepository(User).find({ select: { id: true, name: true }, where: { id: In(actorIds) } }) : [];
    const names = new Map(actors.map((u) => [u.id, u.name]));
    return events.map((event) => ({ event, actorName: event.actorId === null ? null : (names.get(event.actorId) ?? null) }));
  }

  attachments(callId: number): Promise<CallAttachment[]> {
    return this.manager.getRepository(CallAttachment).find({ where: { callId }, order: { id: 'ASC' } });
  }

  attachment(callId: number, attachmentId: number): Promise<CallAttachment | null> {
    return this.manager
      .getRepository(CallAttachment)
      .createQueryBuilder('a')
      .addSelect('a.content')
      .where('a.id = :attachmentId AND a.call_id = :callId', { attachmentId, callId })
      .getOne();
  }

  /** The call's answers for the office: every proposal that answers it, drafts aside, oldest first. */
  answers(callId: number): Promise<Proposal[]> {
    return this.manager
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .leftJoinAndSelect('p.proposerDivision', 'pd')
      .leftJoinAndSelect('p.leadDivision', 'ld')
      .where("p.call_id = :callId AND p.status <> 'draft'", { callId })
      .orderBy('p.submitted_at')
      .addOrderBy('p.id')
      .getMany();
  }

  /** What other staff may read of the answers while the call is open: titles and texts, no names. */
  publicAnswers(callId: number): Promise<Pick<Proposal, 'id' | 'title' | 'currentProblem' | 'proposalText' | 'submittedAt'>[]> {
    return this.manager
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .select(['p.id', 'p.title', 'p.currentProblem', 'p.proposalText', 'p.submittedAt'])
      .where('p.call_id = :callId AND p.status IN (:...statuses)', { callId, statuses: PUBLIC_ANSWER_STATUSES })
      .orderBy('p.submitted_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .getMany();
  }

  /** The user's own answers to the call (drafts too), for the call's page. */
  ownAnswers(callId: number, userId: number): Promise<Proposal[]> {
    return this.manager
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .where('p.call_id = :callId AND p.proposer_id = :userId', { callId, userId })
      .orderBy('p.id')
      .getMany();
  }

  /** The call's own figures by the counting rule of the year table (提案件数, 採用件数, 実施件数, …). */
  async figures(callId: number): Promise<Record<string, number>> {
    const row = await this.manager
      .createQueryBuilder()
      .select(sumSelect('p'))
      .from('proposals', 'p')
      .where('p.call_id = :callId', { callId })
      .getRawOne<Record<string, unknown>>();
    return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v ?? 0)]));
  }
}

@Module({ providers: [CallRepository], exports: [CallRepository] })
export class CallStoreModule {}
