import { CallRepository } from '../calls/call.repository';
import { currentUser } from '../auth/current-user.decorator';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { IdPipe } from '../common/id.pipe';
import { formatJstDateTime } from '../common/jst';
import { OrganizationService } from '../organization/organization.service';
import { SettingsService } from '../settings/settings.service';
import { User } from '../users/user.entity';
import { canReadInternal, canReportImplementation, isAdoptedCase, isAuthor, isInvited } from './proposal-access';
import { historyText } from './history-visibility';
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
import { ProposalRepository } from './proposal.repository';
import { AttachmentsService, canChangeAttachments } from '../attachments/attachments.service';
import { SimilarProposalsService } from './similar-proposals.service';
import { Clock } from '../common/clock';
import { AwardRepository } from '../awards/award.repository';

/** Adds days to a YYYY-MM-DD date. */
export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export interface Stage {
  label: string;
  state: 'done' | 'current' | 'todo' | 'skipped';
}

/**
 * Where a proposal stands, as the five stages people know: 提出 → 受理・回付 → 意見 → 採否 → 実施.
 * A stage that will not happen (実施 after 不採用, everything after 不受理 or 取下げ) is "skipped".
 */
export function proposalStages(p: Pick<Proposal, 'status' | 'decision' | 'implementationStatus'>): Stage[] {
  const labels = ['提出', '受理・回付', '意見', '採否', '実施'];
  const decidedAt = p.implementationStatus === null ? 3 : 4;
  const at = { draft: 0, returned: 0, submitted: 1, not_accepted: 1, under_review: 2, awaiting_decision: 3, continued: 3, decided: decidedAt, withdrawn: -1 }[
    p.status
  ];
  // the stage reached is also the last one: 不受理, 取下げ, or a decision without implementation
  const stopped = p.status === 'not_accepted' || p.status === 'withdrawn' || (p.status === 'decided' && p.implementationStatus === null);
  const complete = p.implementationStatus === 'implemented' || p.implementationStatus === 'abandoned';
  const state = (i: number): Stage['state'] => {
    if (complete || i < at) return 'done';
    if (i === at) return stopped ? 'done' : 'current';
    return stopped ? 'skipped' : 'todo';
  };
  return labels.map((label, i) => ({ label, state: state(i) }));
}

/** Turns proposals into what the pages show: labels, dates in JST, which forms to offer. */
@Injectable()
export class ProposalViewService {
  constructor(
    private readonly repository: ProposalRepository,
    private readonly organization: OrganizationService,
    private readonly settings: SettingsService,
    private readonly similarProposals: SimilarProposalsService,
    private readonly attachments: AttachmentsService,
    private readonly clock: Clock,
    private readonly awards: AwardRepository,
    private readonly calls: CallRepository,
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
    const visible = await this.repository.getVisible(user, id);
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
      ...(await this.detailPage(currentUser(req), new IdPipe().transform(req.params.id as string))),
      activeForm: req.path.split('/').pop(),
      openForm: req.path.split('/').pop(),
      // the attachment whose delete form was sent, among several
      activeTarget: req.params.attachmentId ? Number(req.params.attachmentId) : null,
    };
  }

  async detailPage(user: User, id: number) {
    const { proposal, facts, actors, routings, history, named } = await this.repository.detail(user, id);
    // Invitations (招待中, who declined) are the business of those on the proposal and of the office:
    // a colleague reading an adopted case sees its authors only, never who was asked and said no.
    const seesInvitations = isAuthor(user, facts) || user.roles.includes('office') || user.roles.includes('admin');
    const actions = availableActions(proposal.status, actors);
    const today = this.clock.today();
    const isOffice = actors.includes('office');
    const readsInternal = canReadInternal(user, facts);
    const myRouting = routings.find((r) => r.active && r.divisionId === user.divisionId && actors.includes('reviewer'));
    const implementationMoves = proposal.implementationStatus
      ? (['in_progress', 'implemented', 'abandoned'] as const)
          .filter((to) => canMoveImplementation(proposal.implementationStatus!, to))
          .map((to) => ({ value: to, label: IMPLEMENTATION_LABELS[to] }))
      : [];
    const needsDivisions = actions.includes('accept') || actions.includes('reroute');
    const activeRoutings = routings.filter((r) => r.active);
    // 代理入力: the office may enter the opinion of any routed division that has not answered
    const proxyRoutings = isOffice && proposal.status === 'under_review' ? activeRoutings.filter((r) => r.opinionAt === null) : [];
    // 似ている過去の提案: for the proposer once it is submitted, and for the office when screening
    const similar = proposal.status !== 'draft' && (actors.includes('proposer') || isOffice) ? await this.similarProposals.earlierSimilar(user, proposal) : [];

    // 課題提案: the call it answers; its divisions are the routing the office is offered first
    const call = proposal.callId === null ? null : await this.calls.facts(proposal.callId);
    const callLead = call?.divisions.find((d) => d.isLead)?.id ?? null;
    const callRelated = call?.divisions.filter((d) => !d.isLead).map((d) => d.id) ?? [];

    // 表彰 (decided): public, like the decision itself
    const awards = proposal.status === 'draft' ? [] : ((await this.awards.decidedLabels([proposal.id])).get(proposal.id) ?? []);

    return {
      title: proposal.title,
      proposal,
      row: this.row(proposal),
      awards,
      // the call's page is for its audience and the office: others read its title only
      call: call ? { id: call.call.id, title: call.call.title, linked: isOffice || isAuthor(user, facts) } : null,
      // authors only (the print page too): an invitation not yet accepted names nobody as co-proposer
      coproposerNames: named
        .filter((c) => c.status === 'accepted')
        .map((c) => c.user.name)
        .join('、'),
      invitedNames: seesInvitations
        ? named
            .filter((c) => c.status === 'invited')
            .map((c) => c.user.name)
            .join('、')
        : '',
      invitation: isInvited(user, facts) ? { proposerName: proposal.proposer?.name ?? '' } : null,
      canLeaveCoproposal: facts.coproposerIds.includes(user.id),
      isAdoptedCase: isAdoptedCase(facts),
      // opinions and the decision's reasoning are internal; the proposer reads the answer
      showInternal: readsInternal,
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
      history: history
        .filter((h) => h.action !== 'coproposal' || seesInvitations)
        .map((h) => ({
          at: formatJstDateTime(h.createdAt),
          actorName: h.actor?.name ?? 'システム',
          actionLabel:
            h.action === 'implementation'
              ? '実施状況の更新'
              : h.action === 'imported'
                ? '提案簿から取込'
                : h.action === 'coproposal'
                  ? '共同提案'
                  : h.action === 'award'
                    ? '表彰'
                    : ACTION_LABELS[h.action],
          // the print page (提案票) names the authors only, not who was invited or declined
          invitation: h.action === 'coproposal',
          from: h.fromStatus ? STATUS_LABELS[h.fromStatus] : null,
          to: STATUS_LABELS[h.toStatus],
          changed: h.fromStatus !== h.toStatus,
          ...historyText(h, readsInternal),
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
      // the one form open when the page is first shown: the step this person is expected to take next
      openForm: actions.includes('accept')
        ? 'accept'
        : myRouting && !myRouting.opinionAt
          ? 'opinion'
          : actions.includes('decide')
            ? 'decision'
            : implementationMoves.length && canReportImplementation(user, facts) && !isOffice
              ? 'implementation'
              : null,
      proxyRoutings: proxyRoutings.map((r) => ({ divisionId: r.divisionId, divisionName: r.division?.name })),
      stages: proposalStages(proposal),
      myRouting: myRouting ? { divisionName: myRouting.division?.name, dueOn: myRouting.dueOn, answered: myRouting.opinionAt !== null } : null,
      routingGroups: needsDivisions || proxyRoutings.length ? await this.organization.routingDivisionGroups() : [],
      currentLeadDivisionId: activeRoutings.find((r) => r.isLead)?.divisionId ?? (routings.length ? null : callLead),
      currentRelatedDivisionIds: activeRoutings.length || routings.length ? activeRoutings.filter((r) => !r.isLead).map((r) => r.divisionId) : callRelated,
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
