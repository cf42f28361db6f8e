import { Injectable } from '@nestjs/common';
import { eraFiscalYearLabel, fiscalYearLabel, fiscalYearOf } from '../common/fiscal-year';
import { daysBetween, formatDateLabel, jstDateString } from '../common/jst';
import { DUE_SOON_DAYS } from '../review/inbox.service';
import { DECISION_LABELS, IMPLEMENTATION_LABELS, ProposalStatus, STATUS_LABELS } from '../proposals/proposal-state-machine';
import { Proposal } from '../proposals/proposal.entity';
import { formatRate } from '../reports/rates';
import { ReportsService, YearRow } from '../reports/reports.service';
import { yearChartSvg } from '../reports/year-chart';
import { User } from '../users/user.entity';
import { DashboardRepository } from './dashboard.repository';
import { Clock } from '../common/clock';

/** At most this many items per list; the full list is one link away (/proposals/mine, /review, /office). */
export const DASHBOARD_LIST_SIZE = 5;

/** How many fiscal years the office's chart shows, this one included. */
const CHART_YEARS = 5;

/** The order in which a proposer's states are listed: work to do first, finished last. */
const STAFF_STATE_ORDER: ProposalStatus[] = [
  'returned',
  'draft',
  'submitted',
  'under_review',
  'awaiting_decision',
  'continued',
  'decided',
  'not_accepted',
  'withdrawn',
];

const dateLabel = (instant: Date | null): string | null => (instant ? formatDateLabel(jstDateString(instant)) : null);

/** 「3日超過」「今日が期限」「あと5日」 for a due date seen from today. */
export function dueText(dueOn: string, today: string): { text: string; overdue: boolean; soon: boolean } {
  const left = daysBetween(today, dueOn);
  if (left < 0) return { text: `${-left}日超過`, overdue: true, soon: false };
  if (left === 0) return { text: '今日が期限', overdue: false, soon: true };
  return { text: `あと${left}日`, overdue: false, soon: left <= DUE_SOON_DAYS };
}

const rateText = (rate: number | null): string => (rate === null ? '―' : `${formatRate(rate)}%`);

/** What a proposer reads as the outcome: the decision (採用…), or 不受理. */
const outcomeLabel = (p: Proposal): string => (p.status === 'decided' && p.decision ? DECISION_LABELS[p.decision] : STATUS_LABELS[p.status]);

/**
 * The dashboard of each role: the person's own work, counted, with the first few items and a link to
 * the full list. Someone with several roles gets each role's section. Only the proposer's own
 * proposals, only the reviewer's own division; a staff section shows nothing internal (no opinions,
 * decision reasons or routing comments), only the office's 差戻し comment, which is written for them.
 */
@Injectable()
export class DashboardService {
  constructor(
    private readonly repository: DashboardRepository,
    private readonly reports: ReportsService,
    private readonly clock: Clock,
  ) {}

  async forUser(user: User, now = this.clock.now()) {
    const today = jstDateString(now);
    const [office, reviewer, staff, admin] = await Promise.all([
      user.hasRole('office') ? this.office(today, now) : null,
      user.hasRole('reviewer') ? this.reviewer(user, today) : null,
      user.hasRole('staff') ? this.staff(user) : null,
      user.hasRole('admin') ? this.admin(today) : null,
    ]);
    return { title: 'ダッシュボード', userName: user.name, todayLabel: formatDateLabel(today), office, reviewer, staff, admin };
  }

  private async staff(user: User) {
    const [counts, returned, unreadCount, unread] = await Promise.all([
      this.repository.myStatusCounts(user.id),
      this.repository.myProposalsIn(user.id, 'returned', DASHBOARD_LIST_SIZE),
      this.repository.unreadAnswerCount(user.id),
      this.repository.unreadAnswerList(user.id, DASHBOARD_LIST_SIZE),
    ]);
    const comments = await this.repository.latestReturns(returned.map((p) => p.id));
    const states = STAFF_STATE_ORDER.filter((s) => (counts.get(s) ?? 0) > 0).map((status) => ({
      status,
      label: STATUS_LABELS[status],
      count: counts.get(status) ?? 0,
    }));
    const returnedCount = counts.get('returned') ?? 0;
    return {
      total: states.reduce((sum, s) => sum + s.count, 0),
      states,
      returned: {
        count: returnedCount,
        more: returnedCount > returned.length,
        items: returned.map((p) => {
          const entry = comments.get(p.id);
          return {
            id: p.id,
            number: p.number,
            title: p.title,
            comment: entry?.comment ?? null,
            returnedOn: dateLabel(entry?.createdAt ?? null),
            // co-proposers follow the proposal; the proposer rewrites and resubmits it
            canEdit: p.proposerId === user.id,
          };
        }),
      },
      unread: {
        count: unreadCount,
        more: unreadCount > unread.length,
        items: unread.map(({ notification, proposal }) => ({
          notificationId: notification.id,
          id: proposal.id,
          number: proposal.number,
          title: proposal.title,
          outcome: outcomeLabel(proposal),
          notifiedOn: dateLabel(notification.createdAt),
        })),
      },
    };
  }

  private async reviewer(user: User, today: string) {
    const divisionId = user.divisionId;
    if (divisionId === null) return { divisionName: null };
    const [divisionName, dueCounts, due, implementationCount, implementations] = await Promise.all([
      this.repository.divisionName(divisionId),
      this.repository.opinionsDueCounts(divisionId, today),
      this.repository.opinionsDueList(divisionId, DASHBOARD_LIST_SIZE),
      this.repository.implementationsToReportCount(divisionId),
      this.repository.implementationsToReportList(divisionId, DASHBOARD_LIST_SIZE),
    ]);
    return {
      divisionName,
      due: {
        count: dueCounts.total,
        overdue: dueCounts.overdue,
        more: dueCounts.total > due.length,
        items: due.map((r) => ({
          id: r.proposal!.id,
          number: r.proposal!.number,
          title: r.proposal!.title,
          role: r.isLead ? '主管課' : '関係課',
          dueOn: formatDateLabel(r.dueOn),
          ...dueText(r.dueOn, today),
        })),
      },
      implementations: {
        count: implementationCount,
        more: implementationCount > implementations.length,
        items: implementations.map((p) => ({
          id: p.id,
          number: p.number,
          title: p.title,
          decision: p.decision ? DECISION_LABELS[p.decision] : '',
          implementation: p.implementationStatus ? IMPLEMENTATION_LABELS[p.implementationStatus] : '',
          decidedOn: dateLabel(p.decidedAt),
        })),
      },
    };
  }

  private async office(today: string, now: Date) {
    const fiscalYear = fiscalYearOf(now);
    const [counts, toScreen, awaiting, overdue, years] = await Promise.all([
      this.repository.statusCounts(['submitted', 'awaiting_decision', 'continued']),
      this.repository.oldestIn('submitted', 'submitted_at', DASHBOARD_LIST_SIZE),
      // a proposal reaches 審査待ち with its last opinion, which is its last update until the decision
      this.repository.oldestIn('awaiting_decision', 'updated_at', DASHBOARD_LIST_SIZE),
      this.repository.overdueByDivision(today),
      this.reports.yearByYear({ from: fiscalYear - CHART_YEARS + 1, to: fiscalYear }),
    ]);
    const brief = (p: Proposal, since: Date | null) => ({
      id: p.id,
      number: p.number,
      title: p.title,
      proposerDivisionName: p.proposerDivision?.name ?? null,
      submittedOn: dateLabel(p.submittedAt),
      waitingDays: since ? Math.max(0, daysBetween(jstDateString(since), today)) : null,
    });
    const toScreenCount = counts.get('submitted') ?? 0;
    const awaitingCount = counts.get('awaiting_decision') ?? 0;
    return {
      toScreen: { count: toScreenCount, more: toScreenCount > toScreen.length, items: toScreen.map((p) => brief(p, p.submittedAt)) },
      awaiting: { count: awaitingCount, more: awaitingCount > awaiting.length, items: awaiting.map((p) => brief(p, p.updatedAt)) },
      continuedCount: counts.get('continued') ?? 0,
      overdue: {
        count: overdue.reduce((sum, d) => sum + d.overdue, 0),
        divisions: overdue.slice(0, 10),
        otherDivisions: Math.max(0, overdue.length - 10),
      },
      year: this.yearFigures(fiscalYear, years),
    };
  }

  /** This fiscal year's figures (the cohort rule of reports), and the last few years as a chart. */
  private yearFigures(fiscalYear: number, years: YearRow[]) {
    const row = years.find((y) => y.fiscalYear === fiscalYear);
    // every year of the span, a year without proposals as zero, so the chart always covers the same years
    const span = Array.from({ length: CHART_YEARS }, (_, i) => fiscalYear - CHART_YEARS + 1 + i).map((fy) => {
      const y = years.find((r) => r.fiscalYear === fy);
      return { label: fiscalYearLabel(fy), submitted: y?.submitted ?? 0, implemented: y?.implemented ?? 0, implementationRate: y?.implementationRate ?? null };
    });
    const chartYears = span.map((y) => ({ ...y, label: y.label.replace('年度', '') }));
    return {
      label: fiscalYearLabel(fiscalYear),
      eraLabel: eraFiscalYearLabel(fiscalYear),
      submitted: row?.submitted ?? 0,
      adopted: row?.adopted ?? 0,
      implemented: row?.implemented ?? 0,
      adoptionRate: rateText(row?.adoptionRate ?? null),
      implementationRate: rateText(row?.implementationRate ?? null),
      chartSvg: years.length ? yearChartSvg(chartYears, `直近${CHART_YEARS}年度の提案件数・実施件数と実施率`) : null,
      chartRows: span.map((y) => ({ ...y, implementationRate: rateText(y.implementationRate) })),
    };
  }

  private async admin(today: string) {
    const [users, divisions] = await Promise.all([this.repository.activeUserCount(), this.repository.currentDivisionCounts(today)]);
    return {
      users,
      divisions: [...divisions.values()].reduce((sum, n) => sum + n, 0),
      sections: divisions.get('section') ?? 0,
    };
  }
}
