import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { daysBetween, formatJstDateTime, jstDateString } from '../common/jst';
import { OrganizationService } from '../organization/organization.service';
import { User } from '../users/user.entity';
import { addDays } from '../proposals/proposal-view.service';
import { STATUS_LABELS } from '../proposals/proposal-state-machine';
import { Proposal } from '../proposals/proposal.entity';
import { Routing } from '../proposals/routing.entity';

/** Days before the due date from which an opinion counts as "due soon". */
export const DUE_SOON_DAYS = 3;

const brief = (p: Proposal) => ({
  id: p.id,
  number: p.number,
  title: p.title,
  statusLabel: STATUS_LABELS[p.status],
  submittedAt: p.submittedAt ? formatJstDateTime(p.submittedAt) : null,
  proposerName: p.proposer?.name ?? null,
  proposerDivisionName: p.proposerDivision?.name ?? null,
});

/** The office inbox lists at most this many owed opinions (the most overdue first); the count is exact. */
const OFFICE_WAITING_LIMIT = 100;
/**
 * 受付待ち, 審査待ち and 継続検討 each list at most this many, the longest waiting first, with the exact
 * count and a link to the whole list: the page costs the same with ten waiting or ten thousand.
 */
export const OFFICE_LIST_LIMIT = 50;

/** The work waiting for the office and for a division's reviewers. */
@Injectable()
export class InboxService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly organization: OrganizationService,
  ) {}

  async office() {
    const repo = this.dataSource.getRepository(Proposal);
    const relations = { proposer: true, proposerDivision: true };
    // each list: the oldest OFFICE_LIST_LIMIT, an exact count, and the filtered 提案一覧 for the rest
    const oldest = async (status: 'submitted' | 'awaiting_decision' | 'continued', order: Record<string, 'ASC'>) => {
      const [items, total] = await Promise.all([
        repo.find({ where: { status }, relations, order: { ...order, id: 'ASC' }, take: OFFICE_LIST_LIMIT }),
        repo.count({ where: { status } }),
      ]);
      return { items: items.map(brief), total, limited: total > items.length, listHref: `/proposals?status=${status}&dir=asc` };
    };
    const [toScreen, toDecide, continued] = await Promise.all([
      oldest('submitted', { submittedAt: 'ASC' }),
      oldest('awaiting_decision', { updatedAt: 'ASC' }),
      oldest('continued', { decidedAt: 'ASC' }),
    ]);
    const today = jstDateString(new Date());
    // 所管課で検討中: every opinion still owed, the most overdue first, so none is lost from sight
    const waitingQuery = this.dataSource
      .getRepository(Routing)
      .createQueryBuilder('r')
      .innerJoinAndSelect('r.proposal', 'p')
      .innerJoinAndSelect('r.division', 'd')
      .where('r.active = :yes AND r.opinion_at IS NULL', { yes: true });
    const [waiting, waitingTotal, overdueTotal, reviewers] = await Promise.all([
      waitingQuery.clone().orderBy('r.dueOn', 'ASC').addOrderBy('r.id', 'ASC').take(OFFICE_WAITING_LIMIT).getMany(),
      waitingQuery.clone().getCount(),
      waitingQuery.clone().andWhere('r.due_on < :today', { today }).getCount(),
      this.organization.activeReviewerCounts(),
    ]);
    return {
      toScreen,
      toDecide,
      continued,
      listLimit: OFFICE_LIST_LIMIT,
      waiting: waiting.map((r) => ({
        ...brief(r.proposal!),
        divisionName: r.division!.name,
        dueOn: r.dueOn,
        overdue: r.dueOn < today,
        daysWaiting: daysBetween(jstDateString(r.createdAt), today),
        noReviewer: !reviewers.get(r.divisionId),
      })),
      waitingTotal,
      overdueTotal,
      waitingLimited: waitingTotal > waiting.length,
    };
  }

  async reviewer(user: User) {
    if (user.divisionId === null) return { pending: [], answered: [], implementing: [] };
    const today = jstDateString(new Date());
    const soon = addDays(today, DUE_SOON_DAYS);
    const routings = await this.dataSource.getRepository(Routing).find({
      where: { divisionId: user.divisionId, active: true },
      relations: { proposal: { proposer: true, proposerDivision: true } },
      order: { dueOn: 'ASC' },
    });
    const implementing = await this.dataSource.getRepository(Proposal).find({
      where: { leadDivisionId: user.divisionId, status: 'decided', implementationStatus: In(['not_started', 'in_progress']) },
      order: { decidedAt: 'ASC' },
    });
    const item = (r: Routing) => ({
      ...brief(r.proposal!),
      dueOn: r.dueOn,
      isLead: r.isLead,
      overdue: r.opinionAt === null && r.dueOn < today,
      dueSoon: r.opinionAt === null && r.dueOn >= today && r.dueOn <= soon,
    });
    return {
      pending: routings.filter((r) => r.opinionAt === null).map(item),
      answered: routings.filter((r) => r.opinionAt !== null).map(item),
      implementing: implementing.map((p) => ({ ...brief(p), implementationStatus: p.implementationStatus })),
    };
  }
}
