import { Injectable } from '@nestjs/common';
import { daysBetween, formatJstDateTime, jstDateString } from '../common/jst';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { addDays } from '../proposals/proposal-view.service';
import { STATUS_LABELS } from '../proposals/proposal-state-machine';
import { Proposal } from '../proposals/proposal.entity';
import { ProposalRepository, WaitingStatus } from '../proposals/proposal.repository';
import { Routing } from '../proposals/routing.entity';
import { RoutingRepository } from '../proposals/routing.repository';
import { Clock } from '../common/clock';

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
    private readonly proposals: ProposalRepository,
    private readonly users: UsersRepository,
    private readonly routings: RoutingRepository,
    private readonly clock: Clock,
  ) {}

  async office() {
    // each list: the oldest OFFICE_LIST_LIMIT, an exact count, and the filtered 提案一覧 for the rest
    const oldest = async (status: WaitingStatus) => {
      const { proposals, total } = await this.proposals.longestWaiting(status, OFFICE_LIST_LIMIT);
      return { items: proposals.map(brief), total, limited: total > proposals.length, listHref: `/proposals?status=${status}&dir=asc` };
    };
    const [toScreen, toDecide, continued] = await Promise.all([oldest('submitted'), oldest('awaiting_decision'), oldest('continued')]);
    const today = this.clock.today();
    // 所管課で検討中: every opinion still owed, the most overdue first, so none is lost from sight
    const [owed, reviewers] = await Promise.all([this.routings.owedOpinions(today, OFFICE_WAITING_LIMIT), this.users.countsByDivision('reviewer')]);
    return {
      toScreen,
      toDecide,
      continued,
      listLimit: OFFICE_LIST_LIMIT,
      waiting: owed.routings.map((r) => ({
        ...brief(r.proposal!),
        divisionName: r.division!.name,
        dueOn: r.dueOn,
        overdue: r.dueOn < today,
        daysWaiting: daysBetween(jstDateString(r.createdAt), today),
        noReviewer: !reviewers.get(r.divisionId),
      })),
      waitingTotal: owed.total,
      overdueTotal: owed.overdue,
      waitingLimited: owed.total > owed.routings.length,
    };
  }

  async reviewer(user: User) {
    if (user.divisionId === null) return { pending: [], answered: [], implementing: [] };
    const today = this.clock.today();
    const soon = addDays(today, DUE_SOON_DAYS);
    const routings = await this.routings.activeOfDivision(user.divisionId);
    const implementing = await this.proposals.implementingBy(user.divisionId);
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
