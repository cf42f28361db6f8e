import { Injectable } from '@nestjs/common';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { Notification } from '../notifications/notification.entity';
import { Division } from '../organization/division.entity';
import { ProposalHistoryEntry } from '../proposals/proposal-history.entity';
import type { ProposalStatus } from '../proposals/proposal-state-machine';
import { Proposal } from '../proposals/proposal.entity';
import { Routing } from '../proposals/routing.entity';
import { User } from '../users/user.entity';

/**
 * Every query of the dashboards, and nothing else. Each one must stay cheap with a million proposals:
 * it starts from an indexed condition (the user's own rows, one division, one status), counts with
 * COUNT … GROUP BY, and lists with LIMIT.
 */

/**
 * "My proposals": the ones I proposed or co-proposed (an invitation I have not accepted is not mine
 * yet). Written as an IN over a UNION so that both halves
 * use their index (ix_proposals_proposer, ix_coproposers_user); `proposer_id = :me OR EXISTS (…)` would
 * read every proposal.
 */
const MINE = `p.id IN (SELECT mp.id FROM proposals mp WHERE mp.proposer_id = :me UNION SELECT cp.proposal_id FROM proposal_coproposers cp WHERE cp.user_id = :me AND cp.status = 'accepted')`;

/** States in which a proposal carries an answer to its proposer (採否 or 不受理). */
export const ANSWERED_STATUSES: ProposalStatus[] = ['decided', 'not_accepted'];

/** Only a proposal under review waits for opinions (deciding or withdrawing ends its routings). */
const AWAITING_OPINIONS: ProposalStatus = 'under_review';

const count = (raw: { count?: unknown } | undefined): number => Number(raw?.count ?? 0);

@Injectable()
export class DashboardRepository {
  constructor(private readonly dataSource: DataSource) {}

  // --- staff ---

  async myStatusCounts(userId: number): Promise<Map<ProposalStatus, number>> {
    const rows = await this.dataSource
      .createQueryBuilder()
      .select('p.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .from('proposals', 'p')
      .where(MINE, { me: userId })
      .groupBy('p.status')
      .getRawMany<{ status: ProposalStatus; count: unknown }>();
    return new Map(rows.map((r) => [r.status, count(r)]));
  }

  myProposalsIn(userId: number, status: ProposalStatus, limit: number): Promise<Proposal[]> {
    return this.dataSource
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .where(MINE, { me: userId })
      .andWhere('p.status = :status', { status })
      .orderBy('p.updated_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** The latest 差戻し entry of each proposal: its comment is written for the proposer. */
  async latestReturns(proposalIds: number[]): Promise<Map<number, ProposalHistoryEntry>> {
    if (!proposalIds.length) return new Map();
    const rows = await this.dataSource
      .getRepository(ProposalHistoryEntry)
      .createQueryBuilder('h')
      .where(`h.id IN (SELECT MAX(h2.id) FROM proposal_history h2 WHERE h2.proposal_id IN (:...ids) AND h2.action = :action GROUP BY h2.proposal_id)`, {
        ids: proposalIds,
        action: 'return',
      })
      .getMany();
    return new Map(rows.map((h) => [h.proposalId, h]));
  }

  /**
   * Unread answers: my proposals that are 決定 or 不受理 and whose latest status notification to me is
   * still unread. The latest one, not any one: opening it (which marks it read) leads to the proposal
   * page, where the current answer is shown, so older unread notices about the same proposal no longer
   * mean an answer is unread. A later notice (a corrected decision, implementation progress) makes it
   * unread again, which is what the proposer should see.
   */
  private unreadAnswers(userId: number): SelectQueryBuilder<Notification> {
    return this.dataSource
      .getRepository(Notification)
      .createQueryBuilder('n')
      .innerJoin(Proposal, 'p', 'p.id = n.proposal_id')
      .where('n.user_id = :me AND n.read_at IS NULL AND n.kind = :kind', { me: userId, kind: 'status' })
      .andWhere('p.status IN (:...answered)', { answered: ANSWERED_STATUSES })
      .andWhere('n.id = (SELECT MAX(n2.id) FROM notifications n2 WHERE n2.user_id = :me AND n2.proposal_id = n.proposal_id AND n2.kind = :kind)')
      .andWhere(MINE);
  }

  async unreadAnswerCount(userId: number): Promise<number> {
    return this.unreadAnswers(userId).getCount();
  }

  async unreadAnswerList(userId: number, limit: number): Promise<{ notification: Notification; proposal: Proposal }[]> {
    const notifications = await this.unreadAnswers(userId).orderBy('n.id', 'DESC').limit(limit).getMany();
    const ids = notifications.map((n) => n.proposalId!);
    const proposals = ids.length ? await this.dataSource.getRepository(Proposal).createQueryBuilder('p').where('p.id IN (:...ids)', { ids }).getMany() : [];
    return notifications.map((notification) => ({ notification, proposal: proposals.find((p) => p.id === notification.proposalId)! }));
  }

  // --- reviewer ---

  private opinionsDue(divisionId: number, withProposal = false) {
    const query = this.dataSource.getRepository(Routing).createQueryBuilder('r');
    return (withProposal ? query.innerJoinAndSelect('r.proposal', 'p') : query.innerJoin('r.proposal', 'p'))
      .where('r.division_id = :divisionId AND r.active = :yes AND r.opinion_at IS NULL', { divisionId, yes: true })
      .andWhere('p.status = :awaiting', { awaiting: AWAITING_OPINIONS });
  }

  async opinionsDueCounts(divisionId: number, today: string): Promise<{ total: number; overdue: number }> {
    const raw = await this.opinionsDue(divisionId)
      .select('COUNT(*)', 'count')
      .addSelect('SUM(CASE WHEN r.due_on < :today THEN 1 ELSE 0 END)', 'overdue')
      .setParameter('today', today)
      .getRawOne<{ count: unknown; overdue: unknown }>();
    return { total: count(raw), overdue: Number(raw?.overdue ?? 0) };
  }

  /** Earliest due date first, so the overdue ones (due before today) come first. */
  opinionsDueList(divisionId: number, limit: number): Promise<Routing[]> {
    return this.opinionsDue(divisionId, true).orderBy('r.due_on', 'ASC').addOrderBy('r.id', 'ASC').limit(limit).getMany();
  }

  private implementationsToReport(divisionId: number) {
    return this.dataSource
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .where('p.lead_division_id = :divisionId AND p.status = :decided', { divisionId, decided: 'decided' })
      .andWhere('p.decision IN (:...adopted)', { adopted: ['adopted', 'partially_adopted'] })
      .andWhere('p.implementation_status IN (:...open)', { open: ['not_started', 'in_progress'] });
  }

  implementationsToReportCount(divisionId: number): Promise<number> {
    return this.implementationsToReport(divisionId).getCount();
  }

  implementationsToReportList(divisionId: number, limit: number): Promise<Proposal[]> {
    return this.implementationsToReport(divisionId).orderBy('p.decided_at', 'ASC').addOrderBy('p.id', 'ASC').limit(limit).getMany();
  }

  // --- office ---

  async statusCounts(statuses: ProposalStatus[]): Promise<Map<ProposalStatus, number>> {
    const rows = await this.dataSource
      .createQueryBuilder()
      .select('p.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .from('proposals', 'p')
      .where('p.status IN (:...statuses)', { statuses })
      .groupBy('p.status')
      .getRawMany<{ status: ProposalStatus; count: unknown }>();
    return new Map(rows.map((r) => [r.status, count(r)]));
  }

  /** The proposals that have waited longest in a state (`since`: the column that tells since when). */
  oldestIn(status: ProposalStatus, since: 'submitted_at' | 'updated_at', limit: number): Promise<Proposal[]> {
    return this.dataSource
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .leftJoinAndSelect('p.proposerDivision', 'proposerDivision')
      .where('p.status = :status', { status })
      .orderBy(`p.${since}`, 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Opinions past their due date, per division. Starts from the proposals under review (status index),
   * not from all routings ever made.
   */
  async overdueByDivision(today: string): Promise<{ divisionId: number; name: string; overdue: number }[]> {
    const rows = await this.dataSource
      .createQueryBuilder()
      .select('d.id', 'division_id')
      .addSelect('d.name', 'name')
      .addSelect('COUNT(*)', 'count')
      .from('proposals', 'p')
      .innerJoin('routings', 'r', 'r.proposal_id = p.id AND r.active = :yes', { yes: true })
      .innerJoin('divisions', 'd', 'd.id = r.division_id')
      .where('p.status = :awaiting', { awaiting: AWAITING_OPINIONS })
      .andWhere('r.opinion_at IS NULL AND r.due_on < :today', { today })
      .groupBy('d.id')
      .addGroupBy('d.name')
      .orderBy('count', 'DESC')
      .addOrderBy('d.name', 'ASC')
      .getRawMany<{ division_id: unknown; name: string; count: unknown }>();
    return rows.map((r) => ({ divisionId: Number(r.division_id), name: r.name, overdue: count(r) }));
  }

  // --- admin ---

  async activeUserCount(): Promise<number> {
    return this.dataSource.getRepository(User).count({ where: { disabled: false } });
  }

  /** Divisions in force today, by kind (局・区, 部, 課). */
  async currentDivisionCounts(today: string): Promise<Map<string, number>> {
    const rows = await this.dataSource
      .getRepository(Division)
      .createQueryBuilder('d')
      .select('d.kind', 'kind')
      .addSelect('COUNT(*)', 'count')
      .where('d.valid_from <= :today AND (d.valid_to IS NULL OR d.valid_to >= :today)', { today })
      .groupBy('d.kind')
      .getRawMany<{ kind: string; count: unknown }>();
    return new Map(rows.map((r) => [r.kind, count(r)]));
  }

  async divisionName(divisionId: number): Promise<string | null> {
    return (await this.dataSource.getRepository(Division).findOne({ where: { id: divisionId } }))?.name ?? null;
  }
}
