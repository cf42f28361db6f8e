import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DbService } from '../database/db.service';
import type { Decision } from './proposal-state-machine';
import { Routing } from './routing.entity';

/** Where a proposal is routed: the lead division, the related ones and the answer's due date. */
export interface RoutingPlan {
  leadDivisionId: number;
  relatedDivisionIds: readonly number[];
  dueOn: string;
}

/** The opinions still owed by routed divisions: the rows, and the exact counts behind a limited list. */
export interface OwedOpinions {
  routings: Routing[];
  total: number;
  overdue: number;
}

/**
 * The routings of proposals (回付): who must answer, by when, and what they answered. Every query and
 * write of the routings table is here; the workflow holds the rules. Writes take the caller's
 * manager, so they commit with the step they belong to.
 */
@Injectable()
export class RoutingRepository {
  constructor(private readonly db: DbService) {}

  private get manager(): EntityManager {
    return this.db.dataSource.manager;
  }

  // --- one proposal ---

  /** Every routing of a proposal, ended ones included (the access rules need both). */
  ofProposal(manager: EntityManager, proposalId: number): Promise<Routing[]> {
    return manager.getRepository(Routing).find({ where: { proposalId } });
  }

  /** The routings of a proposal as its page shows them: lead first, with division and who answered. */
  forPage(proposalId: number): Promise<Routing[]> {
    return this.manager
      .getRepository(Routing)
      .find({ where: { proposalId }, relations: { division: true, opinionBy: true }, order: { isLead: 'DESC', id: 'ASC' } });
  }

  active(manager: EntityManager, proposalId: number): Promise<Routing[]> {
    return manager.getRepository(Routing).find({ where: { proposalId, active: true } });
  }

  /** The division's active routing of the proposal, if it is routed there now. */
  activeFor(manager: EntityManager, proposalId: number, divisionId: number): Promise<Routing | null> {
    return manager.getRepository(Routing).findOne({ where: { proposalId, divisionId, active: true } });
  }

  /**
   * Makes the active routings match the plan: divisions no longer wanted are ended, kept ones get the
   * new due date and lead flag (and keep any opinion they gave), new ones are added. Returns the added
   * division ids.
   */
  async sync(manager: EntityManager, proposalId: number, plan: RoutingPlan): Promise<number[]> {
    const routings = manager.getRepository(Routing);
    const before = await this.active(manager, proposalId);
    const wanted = [plan.leadDivisionId, ...plan.relatedDivisionIds];
    for (const routing of before) {
      if (!wanted.includes(routing.divisionId)) await routings.update(routing.id, { active: false });
      else await routings.update(routing.id, { isLead: routing.divisionId === plan.leadDivisionId, dueOn: plan.dueOn });
    }
    const added = wanted.filter((divisionId) => !before.some((r) => r.divisionId === divisionId));
    if (added.length) {
      await routings.insert(
        added.map((divisionId) => ({ proposalId, divisionId, isLead: divisionId === plan.leadDivisionId, dueOn: plan.dueOn, active: true })),
      );
    }
    return added;
  }

  async recordOpinion(manager: EntityManager, routingId: number, opinion: { outcome: Decision; text: string; byId: number; at: Date }): Promise<void> {
    await manager.getRepository(Routing).update(routingId, {
      opinionOutcome: opinion.outcome,
      opinionText: opinion.text,
      opinionById: opinion.byId,
      opinionAt: opinion.at,
    });
  }

  /** Ends every active routing of the proposal (decided or withdrawn: nobody owes an opinion any more). */
  async endAll(manager: EntityManager, proposalId: number): Promise<void> {
    await manager.getRepository(Routing).update({ proposalId, active: true }, { active: false });
  }

  // --- across proposals ---

  /**
   * 所管課で検討中 for the office: every opinion still owed, the most overdue first, at most `limit` of
   * them with their proposal and division, and the exact counts.
   */
  async owedOpinions(today: string, limit: number): Promise<OwedOpinions> {
    const query = this.manager
      .getRepository(Routing)
      .createQueryBuilder('r')
      .innerJoinAndSelect('r.proposal', 'p')
      .innerJoinAndSelect('r.division', 'd')
      .where('r.active = :yes AND r.opinion_at IS NULL', { yes: true });
    const counted = this.manager.getRepository(Routing).createQueryBuilder('r').where('r.active = :yes AND r.opinion_at IS NULL', { yes: true });
    const [routings, total, overdue] = await Promise.all([
      query.orderBy('r.dueOn', 'ASC').addOrderBy('r.id', 'ASC').take(limit).getMany(),
      counted.clone().getCount(),
      counted.clone().andWhere('r.due_on < :today', { today }).getCount(),
    ]);
    return { routings, total, overdue };
  }

  /** A division's active routings, the earliest due first, with the proposal, its proposer and their division. */
  activeOfDivision(divisionId: number): Promise<Routing[]> {
    return this.manager.getRepository(Routing).find({
      where: { divisionId, active: true },
      relations: { proposal: { proposer: true, proposerDivision: true } },
      order: { dueOn: 'ASC', id: 'ASC' },
    });
  }

  /**
   * Active routings still waiting for an opinion on a proposal under review, due by `soon`, oldest due
   * first: a page at a time (keyset on due date and id), with only the proposal's title and the
   * division's name, so a run over years of generated or neglected routings holds one page in memory.
   */
  async *owedDueBy(soon: string, pageSize: number): AsyncGenerator<Routing[]> {
    let after: { dueOn: string; id: number } | null = null;
    for (;;) {
      const query = this.manager
        .getRepository(Routing)
        .createQueryBuilder('r')
        .innerJoin('r.proposal', 'p')
        .addSelect(['p.id', 'p.title'])
        .innerJoin('r.division', 'd')
        .addSelect(['d.id', 'd.name'])
        .where('r.active = :yes AND r.opinion_at IS NULL AND r.due_on <= :soon', { yes: true, soon })
        .andWhere('p.status = :status', { status: 'under_review' });
      if (after) query.andWhere('(r.due_on > :afterDue OR (r.due_on = :afterDue AND r.id > :afterId))', { afterDue: after.dueOn, afterId: after.id });
      // one row per routing (both joins are many-to-one), so a plain LIMIT pages correctly
      const page = await query.orderBy('r.due_on', 'ASC').addOrderBy('r.id', 'ASC').limit(pageSize).getMany();
      if (page.length) yield page;
      if (page.length < pageSize) return;
      const last = page[page.length - 1];
      after = { dueOn: last.dueOn, id: last.id };
    }
  }
}
