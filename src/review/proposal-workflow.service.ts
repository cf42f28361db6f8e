import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { ForbiddenError } from '../common/errors';
import { FormValidationException } from '../common/forms';
import { formatDateLabel } from '../common/jst';
import { DbService } from '../database/db.service';
import { TaskKeys } from '../notifications/notification-events';
import { NotificationsService } from '../notifications/notifications.service';
import { Division } from '../organization/division.entity';
import { isValidOn } from '../organization/division-tree';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { DecisionDto, ImplementationDto, NotAcceptDto, OpinionDto, ProxyOpinionDto, ReturnDto, RouteDto } from '../proposals/dto/workflow.dto';
import { canReportImplementation } from '../proposals/proposal-access';
import {
  canMoveImplementation,
  DECISION_LABELS,
  decisionAction,
  IMPLEMENTATION_LABELS,
  implementationAfterDecision,
  NOT_ACCEPTED_REASON_LABELS,
} from '../proposals/proposal-state-machine';
import { ActionNotAllowedError, StaleProposalError } from '../proposals/proposal-transition';
import { Proposal } from '../proposals/proposal.entity';
import { ProposalRepository } from '../proposals/proposal.repository';
import { ProposalsService } from '../proposals/proposals.service';
import { Routing } from '../proposals/routing.entity';
import { RoutingRepository } from '../proposals/routing.repository';
import { Clock } from '../common/clock';

/** The office's and the divisions' steps: screening, routing, opinions, decision, implementation. */
@Injectable()
export class ProposalWorkflowService {
  constructor(
    private readonly db: DbService,
    private readonly proposals: ProposalsService,
    private readonly repository: ProposalRepository,
    private readonly notifications: NotificationsService,
    private readonly users: UsersRepository,
    private readonly routings: RoutingRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * 受理・回付: accept the submission and route it to a lead division and any related ones. Returns the
   * names of routed 課 that have no active reviewer, who would never answer: the office is warned.
   */
  accept(user: User, id: number, dto: RouteDto): Promise<string[]> {
    return this.route(user, id, dto, 'accept');
  }

  /** 回付先・回答期限の変更. Divisions that keep their routing keep any opinion they gave. */
  reroute(user: User, id: number, dto: RouteDto): Promise<string[]> {
    return this.route(user, id, dto, 'reroute');
  }

  private route(user: User, id: number, dto: RouteDto, action: 'accept' | 'reroute'): Promise<string[]> {
    return this.db.transaction(async (manager) => {
      const { proposal, actors } = await this.repository.getVisible(user, id, manager);
      const divisions = await this.routeTargets(manager, dto);
      await this.repository.recordStep(manager, {
        proposal,
        action,
        actors,
        expectedVersion: dto.version,
        actorId: user.id,
        changes: { leadDivisionId: dto.leadDivisionId },
        detail: this.routeDetail(divisions, dto),
        comment: dto.comment,
      });
      const added = await this.routings.sync(manager, id, dto);
      if (action === 'accept') await this.notifications.resolveTask(manager, id, TaskKeys.screen, { by: user.id });
      else {
        // Divisions no longer routed owe no opinion; a proposal back under review awaits no decision yet.
        const routed = [dto.leadDivisionId, ...dto.relatedDivisionIds].map((d) => TaskKeys.opinion(d));
        await this.notifications.resolveTask(manager, id, TaskKeys.anyOpinion, { by: user.id, except: routed });
        await this.notifications.resolveTask(manager, id, TaskKeys.decide, { by: user.id });
      }
      if (action === 'accept') {
        await this.notifyProposer(manager, proposal, `提案「${proposal.title}」が受理され、所管課で検討が始まりました。`);
      }
      for (const divisionId of added) {
        const message = `提案「${proposal.title}」が回付されました。回答期限の${formatDateLabel(dto.dueOn)}までに意見の入力をお願いします。`;
        await this.notifyReviewers(manager, proposal, [divisionId], message, TaskKeys.opinion(divisionId));
      }
      // Rerouting only to divisions that have all answered already completes the opinions.
      if (action === 'reroute') await this.completeOpinionsIfAllIn(manager, id, user.id);
      const attended = new Set(
        (
          await this.users.withRole('reviewer', {
            divisionIds: divisions.map((d) => d.id),
            manager,
          })
        ).map((u) => u.divisionId),
      );
      return divisions.filter((d) => !attended.has(d.id)).map((d) => d.name);
    });
  }

  /** 不受理, with one of the fixed reasons and a comment the proposer reads. */
  notAccept(user: User, id: number, dto: NotAcceptDto): Promise<void> {
    return this.db.transaction(async (manager) => {
      const { proposal, actors } = await this.repository.getVisible(user, id, manager);
      await this.repository.recordStep(manager, {
        proposal,
        action: 'not_accept',
        actors,
        expectedVersion: dto.version,
        actorId: user.id,
        changes: { notAcceptedReason: dto.reason, answer: dto.comment, decidedAt: this.clock.now() },
        detail: `理由：${NOT_ACCEPTED_REASON_LABELS[dto.reason]}`,
        comment: dto.comment,
      });
      await this.notifications.resolveTask(manager, id, TaskKeys.screen, { by: user.id });
      await this.notifyProposer(manager, proposal, `提案「${proposal.title}」は不受理となりました（${NOT_ACCEPTED_REASON_LABELS[dto.reason]}）。`);
    });
  }

  /** 差戻し: back to the proposer to fix and resubmit. */
  returnToProposer(user: User, id: number, dto: ReturnDto): Promise<void> {
    return this.db.transaction(async (manager) => {
      const { proposal, actors } = await this.repository.getVisible(user, id, manager);
      await this.repository.recordStep(manager, {
        proposal,
        action: 'return',
        actors,
        expectedVersion: dto.version,
        actorId: user.id,
        comment: dto.comment,
      });
      await this.notifications.resolveTask(manager, id, TaskKeys.screen, { by: user.id });
      await this.notifyProposer(
        manager,
        proposal,
        `提案「${proposal.title}」が差し戻されました。コメントを確認し、修正して再提出してください。`,
        TaskKeys.resubmit,
      );
    });
  }

  /**
   * The division's opinion (意見). The reviewer answers for their own division only; when every
   * routed division has answered, the proposal moves to 審査待ち by itself in the same transaction.
   */
  giveOpinion(user: User, id: number, dto: OpinionDto): Promise<void> {
    return this.db.transaction(async (manager) => {
      const { proposal, actors } = await this.repository.getVisible(user, id, manager);
      const routing = user.divisionId === null ? null : await this.routings.activeFor(manager, id, user.divisionId);
      if (!routing || !actors.includes('reviewer')) {
        throw new ActionNotAllowedError('この提案は、あなたの所属課に回付されていません。', id);
      }
      await this.recordOpinion(manager, user, proposal, routing, dto, 'reviewer');
    });
  }

  /**
   * 代理入力: the office records the opinion of a routed division that cannot enter it itself (a 課
   * without a reviewer, an answer given by phone or on paper). The history says it was entered on the
   * division's behalf and by whom.
   */
  giveOpinionOnBehalf(user: User, id: number, dto: ProxyOpinionDto): Promise<void> {
    return this.db.transaction(async (manager) => {
      const { proposal, actors } = await this.repository.getVisible(user, id, manager);
      if (!actors.includes('office')) throw new ActionNotAllowedError('代理入力は改革推進課だけが行えます。', id);
      const routing = await this.routings.activeFor(manager, id, dto.divisionId);
      if (!routing) throw FormValidationException.field('divisionId', '意見を代理入力する課を、回付先の中から選んでください。');
      await this.recordOpinion(manager, user, proposal, routing, dto, 'office');
    });
  }

  private async recordOpinion(manager: EntityManager, user: User, proposal: Proposal, routing: Routing, dto: OpinionDto, actor: 'reviewer' | 'office') {
    const division = await manager.getRepository(Division).findOneOrFail({ where: { id: routing.divisionId } });
    const onBehalf = actor === 'office' ? `（${user.name}が代理入力）` : '';
    await this.repository.recordStep(manager, {
      proposal,
      action: 'give_opinion',
      actors: [actor],
      expectedVersion: dto.version,
      actorId: user.id,
      detail: `${division.name}の意見：${DECISION_LABELS[dto.outcome]}${routing.opinionAt ? '（再回答）' : ''}${onBehalf}`,
      comment: dto.opinionText,
    });
    await this.routings.recordOpinion(manager, routing.id, { outcome: dto.outcome, text: dto.opinionText, byId: user.id, at: this.clock.now() });
    await this.notifications.resolveTask(manager, proposal.id, TaskKeys.opinion(routing.divisionId), { by: user.id });
    await this.completeOpinionsIfAllIn(manager, proposal.id, null);
  }

  private async completeOpinionsIfAllIn(manager: EntityManager, id: number, actorId: number | null): Promise<void> {
    const active = await this.routings.active(manager, id);
    if (!active.length || active.some((r) => r.opinionAt === null)) return;
    const proposal = await manager.getRepository(Proposal).findOneOrFail({ where: { id } });
    if (proposal.status !== 'under_review') return;
    await this.repository.recordStep(manager, {
      proposal,
      action: 'complete_opinions',
      actors: ['system'],
      expectedVersion: proposal.version,
      actorId,
      detail: 'すべての回付先から意見がそろいました',
    });
    await this.proposals.notifyOffice(manager, id, `提案「${proposal.title}」の所管課意見がそろいました。採否の決定をお願いします。`, TaskKeys.decide);
  }

  /**
   * 採否. 継続検討 keeps the proposal open for a later decision (in a later fiscal year too); the other
   * outcomes close it and start the implementation track where one applies.
   */
  decide(user: User, id: number, dto: DecisionDto): Promise<void> {
    return this.db.transaction(async (manager) => {
      const { proposal, actors } = await this.repository.getVisible(user, id, manager);
      const final = dto.decision !== 'continued';
      await this.repository.recordStep(manager, {
        proposal,
        action: decisionAction(dto.decision),
        actors,
        expectedVersion: dto.version,
        actorId: user.id,
        changes: {
          decision: dto.decision,
          decisionReason: dto.reason,
          answer: dto.answer,
          decidedAt: this.clock.now(),
          implementationStatus: final ? implementationAfterDecision(dto.decision) : null,
          implementedOn: dto.decision === 'already_implemented' ? this.clock.today() : null,
        },
        detail: `採否：${DECISION_LABELS[dto.decision]}`,
        comment: dto.reason,
      });
      await this.routings.endAll(manager, id);
      await this.notifications.resolveTask(manager, id, TaskKeys.decide, { by: user.id });
      await this.notifications.resolveTask(manager, id, TaskKeys.anyOpinion, { by: user.id });
      if (final) {
        await this.notifications.implementationTrack(manager, proposal, {
          status: implementationAfterDecision(dto.decision),
          by: user.id,
          decision: dto.decision,
        });
      }
      await this.notifyProposer(manager, proposal, `提案「${proposal.title}」の採否が決まりました（${DECISION_LABELS[dto.decision]}）。回答をご確認ください。`);
    });
  }

  /** 採否の訂正: needs a reason; the history keeps the earlier decision and the correction. */
  correctDecision(user: User, id: number, dto: DecisionDto): Promise<void> {
    const errors: Record<string, string[]> = {};
    if (!dto.correctionReason?.trim()) errors.correctionReason = ['訂正の理由を入力してください。'];
    if (dto.decision === 'continued') errors.decision = ['決定済みの採否を「継続検討」に訂正することはできません。'];
    if (Object.keys(errors).length) throw new FormValidationException(errors);
    return this.db.transaction(async (manager) => {
      const { proposal, actors } = await this.repository.getVisible(user, id, manager);
      const implementation = implementationAfterDecision(dto.decision);
      // An implementation already under way is kept when the outcome stays adopted.
      const keepImplementation = implementation === 'not_started' && proposal.implementationStatus !== null && proposal.implementationStatus !== 'implemented';
      await this.repository.recordStep(manager, {
        proposal,
        action: 'correct_decision',
        actors,
        expectedVersion: dto.version,
        actorId: user.id,
        changes: {
          decision: dto.decision,
          decisionReason: dto.reason,
          answer: dto.answer,
          implementationStatus: keepImplementation ? proposal.implementationStatus : implementation,
          implementedOn: dto.decision === 'already_implemented' ? this.clock.today() : keepImplementation ? proposal.implementedOn : null,
        },
        detail: `採否の訂正：${proposal.decision ? DECISION_LABELS[proposal.decision] : '―'} → ${DECISION_LABELS[dto.decision]}`,
        comment: dto.correctionReason,
      });
      const implementationNow = keepImplementation ? proposal.implementationStatus : implementation;
      await this.notifications.implementationTrack(manager, proposal, { status: implementationNow, by: user.id });
      await this.notifyProposer(manager, proposal, `提案「${proposal.title}」の採否が訂正されました（${DECISION_LABELS[dto.decision]}）。`);
    });
  }

  /** 実施状況, reported by the lead division (or the office) for adopted proposals. */
  updateImplementation(user: User, id: number, dto: ImplementationDto): Promise<void> {
    return this.db.transaction(async (manager) => {
      const { proposal, facts } = await this.repository.getVisible(user, id, manager);
      if (!canReportImplementation(user, facts)) throw new ForbiddenError('実施状況は主管課または改革推進課が報告します。');
      if (proposal.version !== dto.version) throw new StaleProposalError(id, proposal.status);
      const from = proposal.implementationStatus;
      if (proposal.status !== 'decided' || from === null || !canMoveImplementation(from, dto.status)) {
        throw new ActionNotAllowedError(
          from === null
            ? '採用・一部採用となった提案だけが実施状況を報告できます。'
            : `実施状況を「${IMPLEMENTATION_LABELS[from]}」から「${IMPLEMENTATION_LABELS[dto.status]}」には変更できません。`,
          id,
        );
      }
      if (dto.status === 'abandoned' && !dto.note?.trim()) throw FormValidationException.field('note', '断念の理由を入力してください。');
      if (dto.status === 'implemented' && dto.implementedOn! > this.clock.today()) {
        throw FormValidationException.field('implementedOn', '実施日に未来の日付は入力できません。');
      }
      await this.repository.recordUpdate(manager, {
        proposal,
        expectedVersion: dto.version,
        changes: {
          implementationStatus: dto.status,
          implementedOn: dto.status === 'implemented' ? dto.implementedOn : null,
          actualHours: dto.status === 'implemented' ? dto.actualHours : proposal.actualHours,
          actualYen: dto.status === 'implemented' ? dto.actualYen : proposal.actualYen,
          implementationNote: dto.note?.trim() || proposal.implementationNote,
        },
        note: {
          actorId: user.id,
          action: 'implementation',
          detail: `実施状況：${IMPLEMENTATION_LABELS[from]} → ${IMPLEMENTATION_LABELS[dto.status]}${dto.status === 'implemented' ? `（実施日 ${formatDateLabel(dto.implementedOn!)}）` : ''}`,
          comment: dto.note,
        },
      });
      await this.notifications.implementationTrack(manager, proposal, { status: dto.status, by: user.id });
      await this.notifyProposer(manager, proposal, `提案「${proposal.title}」の実施状況が「${IMPLEMENTATION_LABELS[dto.status]}」になりました。`);
    });
  }

  // --- helpers ---

  /** The divisions a route names must exist today and be different from each other. */
  private async routeTargets(manager: EntityManager, dto: RouteDto): Promise<Division[]> {
    const ids = [dto.leadDivisionId, ...dto.relatedDivisionIds.filter((d) => d !== dto.leadDivisionId)];
    const today = this.clock.today();
    const found = await manager.getRepository(Division).find({ where: { id: In(ids) } });
    const current = found.filter((d) => isValidOn(d, today));
    const leadFound = current.some((d) => d.id === dto.leadDivisionId);
    const errors: Record<string, string[]> = {};
    if (dto.dueOn < today) errors.dueOn = ['回答期限には今日以降の日付を入力してください。'];
    if (!leadFound) errors.leadDivisionId = ['主管課を選び直してください。'];
    if (current.length !== ids.length - (leadFound ? 0 : 1)) errors.relatedDivisionIds = ['関係課を選び直してください。'];
    if (Object.keys(errors).length) throw new FormValidationException(errors);
    dto.relatedDivisionIds = ids.slice(1);
    return ids.map((id) => current.find((d) => d.id === id)!);
  }

  private routeDetail(divisions: Division[], dto: RouteDto): string {
    const [lead, ...related] = divisions;
    return `主管課：${lead.name}${related.length ? `、関係課：${related.map((d) => d.name).join('・')}` : ''}（回答期限 ${formatDateLabel(dto.dueOn)}）`;
  }

  private async notifyProposer(manager: EntityManager, proposal: Proposal, message: string, taskKey?: string): Promise<void> {
    await this.notifications.notify(manager, {
      userIds: [proposal.proposerId, ...(await this.repository.coproposerIds(manager, proposal.id))],
      proposalId: proposal.id,
      kind: 'status',
      message,
      taskKey,
    });
  }

  private async notifyReviewers(manager: EntityManager, proposal: Proposal, divisionIds: number[], message: string, taskKey?: string): Promise<void> {
    if (!divisionIds.length) return;
    const reviewers = await this.users.withRole('reviewer', { divisionIds, manager });
    await this.notifications.notify(manager, { userIds: reviewers.map((u) => u.id), proposalId: proposal.id, kind: 'routing', message, taskKey });
  }
}
