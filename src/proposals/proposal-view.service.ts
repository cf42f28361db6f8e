import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { IdPipe } from '../common/id.pipe';
import { formatJstDateTime, jstDateString } from '../common/jst';
import { OrganizationService } from '../organization/organization.service';
import { SettingsService } from '../settings/settings.service';
import { User } from '../users/user.entity';
import { canReportImplementation, isAdoptedCase } from './proposal-access';
import {
  ACTION_LABELS,
  availableActions,
  canMoveImplementation,
  DECISION_LABELS,
  DECISIONS,
  IMPLEMENTATION_LABELS,
  NOT_ACCEPTED_REASON_LABELS,
  NOT_ACCEPTED_REASONS,
  STATUS_LABELS,
} from './proposal-state-machine';
import { ActionNotAllowedError } from './proposal-transition';
import { Proposal } from './proposal.entity';
import { ProposalsService } from './proposals.service';
import { AttachmentsService, canChangeAttachments } from './attachments.service';
import { SimilarProposalsService } from './similar-proposals.service';

/** Adds days to a YYYY-MM-DD date. */
export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Turns proposals into what the pages show: labels, dates in JST, which forms to offer. */
@Injectable()
export class ProposalViewService {
  constructor(
    private readonly proposals: ProposalsService,
    private readonly organization: OrganizationService,
    private readonly settings: SettingsService,
    private readonly similarProposals: SimilarProposalsService,
    private readonly attachments: AttachmentsService,
  ) {}

  row(p: Proposal) {
    return {
      id: p.id,
      number: p.number,
      title: p.title,
      status: p.status,
      statusLabel: STATUS_LABELS[p.status],
      decisionLabel: p.decision ? DECISION_LABELS[p.decision] : null,
      implementationLabel: p.implementationStatus ? IMPLEMENTATION_LABELS[p.implementationStatus] : null,
      categoryName: p.category?.name ?? null,
      proposerName: p.proposer?.name ?? null,
      leadDivisionName: p.leadDivision?.name ?? null,
      proposerDivisionName: p.proposerDivision?.name ?? null,
      fiscalYear: p.fiscalYear,
      submittedAt: p.submittedAt ? formatJstDateTime(p.submittedAt) : null,
      updatedAt: formatJstDateTime(p.updatedAt),
      decidedAt: p.decidedAt ? formatJstDateTime(p.decidedAt) : null,
    };
  }

  /** A proposal its proposer may still edit (下書き or 差戻し), or a refusal that says why. */
  async editable(user: User, id: number) {
    const visible = await this.proposals.getVisible(user, id);
    if (!visible.actors.includes('proposer') || !['draft', 'returned'].includes(visible.proposal.status)) {
      throw new ActionNotAllowedError(
        visible.actors.includes('proposer')
          ? `この提案は現在「${STATUS_LABELS[visible.proposal.status]}」のため、編集できません。`
          : '提案を編集できるのは提案者だけです。',
        id,
      );
    }
    return visible;
  }

  /** The proposal page again after a refused action form; `activeForm` says which form's messages to show. */
  async detailContext(req: Request): Promise<Record<string, unknown>> {
    return {
      ...(await this.detailPage(req.user!, new IdPipe().transform(req.params.id as string))),
      activeForm: req.path.split('/').pop(),
    };
  }

  async detailPage(user: User, id: number) {
    const { proposal, facts, actors, routings, history } = await this.proposals.detail(user, id);
    const actions = availableActions(proposal.status, actors);
    const today = jstDateString(new Date());
    const isOffice = actors.includes('office');
    const myRouting = routings.find((r) => r.active && r.divisionId === user.divisionId && actors.includes('reviewer'));
    const implementationMoves = proposal.implementationStatus
      ? (['in_progress', 'implemented', 'abandoned'] as const)
          .filter((to) => canMoveImplementation(proposal.implementationStatus!, to))
          .map((to) => ({ value: to, label: IMPLEMENTATION_LABELS[to] }))
      : [];
    const needsDivisions = actions.includes('accept') || actions.includes('reroute');
    const activeRoutings = routings.filter((r) => r.active);
    // 似ている過去の提案: for the proposer once it is submitted, and for the office when screening
    const similar =
      proposal.status !== 'draft' && (actors.includes('proposer') || isOffice)
        ? await this.similarProposals.findSimilar(user, proposal.title, proposal.id, { body: proposal.proposalText, submittedBefore: proposal.submittedAt })
        : [];

    return {
      title: proposal.title,
      proposal,
      row: this.row(proposal),
      coproposerNames: (proposal.coproposers ?? []).map((u) => u.name).join('、'),
      isAdoptedCase: isAdoptedCase(facts),
      // the decision's reasoning is internal; the proposer reads the answer
      showInternal: isOffice || user.roles.includes('admin') || actors.includes('reviewer') || facts.everRoutedDivisionIds.includes(user.divisionId ?? -1),
      routings: routings.map((r) => ({
        id: r.id,
        divisionName: r.division?.name,
        isLead: r.isLead,
        active: r.active,
        dueOn: r.dueOn,
        overdue: r.active && r.opinionAt === null && r.dueOn < today,
        answered: r.opinionAt !== null,
        opinionLabel: r.opinionOutcome ? DECISION_LABELS[r.opinionOutcome] : null,
        opinionText: r.opinionText,
        opinionBy: r.opinionBy?.name,
        opinionAt: r.opinionAt ? formatJstDateTime(r.opinionAt) : null,
      })),
      history: history.map((h) => ({
        at: formatJstDateTime(h.createdAt),
        actorName: h.actor?.name ?? 'システム',
        actionLabel: h.action === 'implementation' ? '実施状況の更新' : h.action === 'imported' ? '提案簿から取込' : ACTION_LABELS[h.action],
        from: h.fromStatus ? STATUS_LABELS[h.fromStatus] : null,
        to: STATUS_LABELS[h.toStatus],
        changed: h.fromStatus !== h.toStatus,
        detail: h.detail,
        comment: h.comment,
      })),
      can: {
        edit: actions.includes('save_draft'),
        withdraw: actions.includes('withdraw'),
        screen: actions.includes('accept'),
        reroute: actions.includes('reroute'),
        opinion: Boolean(myRouting),
        decide: actions.includes('decide'),
        correct: actions.includes('correct_decision'),
        implement: implementationMoves.length > 0 && canReportImplementation(user, facts),
        print: true,
        attach: canChangeAttachments(actors, proposal.status),
      },
      myRouting: myRouting ? { divisionName: myRouting.division?.name, dueOn: myRouting.dueOn, answered: myRouting.opinionAt !== null } : null,
      divisionOptions: needsDivisions ? await this.organization.currentDivisionOptions() : [],
      currentLeadDivisionId: activeRoutings.find((r) => r.isLead)?.divisionId ?? null,
      currentRelatedDivisionIds: activeRoutings.filter((r) => !r.isLead).map((r) => r.divisionId),
      defaultDueOn: activeRoutings[0]?.dueOn ?? addDays(today, await this.settings.opinionDueDays()),
      today,
      notAcceptedReasonOptions: NOT_ACCEPTED_REASONS.map((r) => ({ value: r, label: NOT_ACCEPTED_REASON_LABELS[r] })),
      notAcceptedReasonLabel: proposal.notAcceptedReason ? NOT_ACCEPTED_REASON_LABELS[proposal.notAcceptedReason] : null,
      decisionOptions: DECISIONS.map((d) => ({ value: d, label: DECISION_LABELS[d] })),
      finalDecisionOptions: DECISIONS.filter((d) => d !== 'continued').map((d) => ({ value: d, label: DECISION_LABELS[d] })),
      implementationMoves,
      ...(await this.attachments.pageData(proposal.id)),
      similar,
    };
  }
}
