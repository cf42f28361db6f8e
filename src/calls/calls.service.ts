import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { CALL_FILE_MESSAGES, CALL_FILES_MAX } from './call-form-upload.interceptor';
import { CheckedAttachment, checkAttachmentFiles, UploadedAttachment } from '../attachments/attachment-files';
import { storeOwnedFiles } from '../attachments/stored-files';
import { Clock } from '../common/clock';
import { ConflictError, DomainError, NotFoundError } from '../common/errors';
import { fiscalYearOfDate } from '../common/fiscal-year';
import { FieldErrors, FormValidationException } from '../common/forms';
import { DbService } from '../database/db.service';
import { Category } from '../organization/category.entity';
import { isValidOn } from '../organization/division-tree';
import { Division } from '../organization/division.entity';
import { ProposalWorkflowService } from '../review/proposal-workflow.service';
import type { User } from '../users/user.entity';
import { CallAttachment, ThemedCall } from './call.entities';
import { CallFacts, CallRepository } from './call.repository';
import { callPhase, CallPhase, mayAnswer, periodProblems } from './call-rules';
import { CallDto, CloseCallDto, EditCallDto, ExtendCallDto, RouteAnswersDto } from './dto/call.dto';

/** How one answer fared in a 一括回付: routed, or refused with the reason (someone acted on it first…). */
export interface RouteOutcome {
  proposalId: number;
  number: string | null;
  title: string;
  routed: boolean;
  message: string;
}

const isOffice = (user: User): boolean => user.roles.includes('office');

/**
 * 課題提案: the office's themed calls. A call is created with its period and divisions, extended (recorded)
 * or closed early; staff answer it with the proposal form (ProposalsService checks the period and audience
 * through `answerRule`), and the office routes its waiting answers in one step.
 */
@Injectable()
export class CallsService {
  constructor(
    private readonly db: DbService,
    private readonly calls: CallRepository,
    private readonly workflow: ProposalWorkflowService,
    private readonly clock: Clock,
  ) {}

  /** The calls a person sees: the office every call; staff the calls open to them, from their first day. */
  async visibleCalls(user: User): Promise<{ call: ThemedCall; phase: CallPhase; answers: number; mayAnswer: boolean }[]> {
    const today = this.clock.today();
    const all = await this.calls.all();
    const [audience, parents, answers] = await Promise.all([
      this.calls.audienceOf(all.map((c) => c.id)),
      this.calls.divisionParents(),
      this.calls.answerCounts(all.map((c) => c.id)),
    ]);
    return all
      .map((call) => ({
        call,
        phase: callPhase(call, today),
        answers: answers.get(call.id) ?? 0,
        mayAnswer: mayAnswer({ audience: call.audience, divisionIds: audience.get(call.id) ?? [] }, user.divisionId, parents),
      }))
      .filter((c) => isOffice(user) || (c.mayAnswer && c.phase !== 'upcoming'));
  }

  /** Calls open today that the user may answer (the dashboard's 募集中のテーマ). */
  async openCallsFor(user: User): Promise<ThemedCall[]> {
    const open = await this.calls.openOn(this.clock.today());
    if (!open.length) return [];
    const [audience, parents] = [await this.calls.audienceOf(open.map((c) => c.id)), await this.calls.divisionParents()];
    return open.filter((call) => mayAnswer({ audience: call.audience, divisionIds: audience.get(call.id) ?? [] }, user.divisionId, parents));
  }

  /** A call as `user` may see it (404 for staff outside its audience, or before it opens). */
  async visible(user: User, id: number): Promise<CallFacts & { phase: CallPhase; mayAnswer: boolean }> {
    const facts = await this.calls.facts(id);
    if (!facts) throw new NotFoundError();
    const phase = callPhase(facts.call, this.clock.today());
    const may = mayAnswer({ audience: facts.call.audience, divisionIds: facts.audienceIds }, user.divisionId, await this.calls.divisionParents());
    if (!isOffice(user) && (!may || phase === 'upcoming')) throw new NotFoundError();
    return { ...facts, phase, mayAnswer: may && user.roles.includes('staff') };
  }

  async create(user: User, dto: CallDto, files: readonly UploadedAttachment[]): Promise<ThemedCall> {
    const today = this.clock.today();
    const errors: FieldErrors = periodProblems(dto, today);
    const { accepted, problems, tooLarge } = checkAttachmentFiles(files);
    if (files.length > CALL_FILES_MAX) problems.push(CALL_FILE_MESSAGES.tooMany(files.length));
    if (problems.length) errors.files = problems;
    return this.db.transaction(async (manager) => {
      Object.assign(errors, await this.relatedProblems(manager, dto, today));
      if (Object.keys(errors).length) throw new FormValidationException(errors, tooLarge ? 413 : 422);
      const relatedDivisionIds = [...new Set(dto.relatedDivisionIds.filter((d) => d !== dto.leadDivisionId))];
      const call = await this.calls.insert(
        manager,
        {
          fiscalYear: fiscalYearOfDate(dto.opensOn),
          title: dto.title,
          issueText: dto.issueText,
          opensOn: dto.opensOn,
          closesOn: dto.closesOn,
          audience: dto.audience,
          answersPublic: dto.answersPublic,
          createdBy: user.id,
        },
        {
          leadDivisionId: dto.leadDivisionId,
          relatedDivisionIds,
          categoryIds: [...new Set(dto.categoryIds)],
          audienceIds: dto.audience === 'divisions' ? [...new Set(dto.audienceDivisionIds)] : [],
        },
      );
      await this.calls.addEvent(manager, { callId: call.id, action: 'create', actorId: user.id, newClosesOn: dto.closesOn, createdAt: this.clock.now() });
      await this.storeFiles(manager, call, user, accepted);
      return call;
    });
  }

  /**
   * 内容の修正: the theme, the issue text, whether answers are shown, and more material (up to the limit).
   * Recorded in the call's log; the divisions, categories and audience stay as the call was opened with.
   */
  async edit(user: User, id: number, dto: EditCallDto, files: readonly UploadedAttachment[]): Promise<ThemedCall> {
    const { accepted, problems, tooLarge } = checkAttachmentFiles(files);
    if (problems.length) throw new FormValidationException({ files: problems }, tooLarge ? 413 : 422);
    return this.db.transaction(async (manager) => {
      const call = await this.calls.find(id, manager);
      if (!call) throw new NotFoundError();
      await this.changeCall(manager, call, dto.version, { title: dto.title, issueText: dto.issueText, answersPublic: dto.answersPublic });
      await this.storeFiles(manager, call, user, accepted);
      await this.calls.addEvent(manager, { callId: id, action: 'edit', actorId: user.id, createdAt: this.clock.now() });
      return { ...call, title: dto.title };
    });
  }

  /** 締切の延長; on a call closed early it re-opens the call until the new date. Both are recorded with the reason. */
  async extend(user: User, id: number, dto: ExtendCallDto): Promise<ThemedCall> {
    return this.db.transaction(async (manager) => {
      const call = await this.calls.find(id, manager);
      if (!call) throw new NotFoundError();
      const today = this.clock.today();
      const problems = periodProblems({ opensOn: call.opensOn, closesOn: dto.closesOn }, today);
      if (!problems.closesOn && call.closedAt === null && dto.closesOn <= call.closesOn) {
        problems.closesOn = ['新しい締切日は今の締切日より後の日付にしてください。'];
      }
      if (!dto.reason) problems.reason = ['延長の理由を入力してください（記録に残ります）。'];
      if (Object.keys(problems).length) throw new FormValidationException(problems);
      await this.changeCall(manager, call, dto.version, { closesOn: dto.closesOn, closedAt: null });
      await this.calls.addEvent(manager, {
        callId: id,
        action: 'extend',
        actorId: user.id,
        oldClosesOn: call.closesOn,
        newClosesOn: dto.closesOn,
        reason: dto.reason,
        createdAt: this.clock.now(),
      });
      return call;
    });
  }

  /** 募集の早期終了: no answer is taken from now on; drafts stay drafts. */
  async close(user: User, id: number, dto: CloseCallDto): Promise<void> {
    await this.db.transaction(async (manager) => {
      const call = await this.calls.find(id, manager);
      if (!call) throw new NotFoundError();
      if (callPhase(call, this.clock.today()) === 'closed') throw new ConflictError('このテーマの募集はすでに終了しています。');
      await this.changeCall(manager, call, dto.version, { closedAt: this.clock.now() });
      await this.calls.addEvent(manager, {
        callId: id,
        action: 'close',
        actorId: user.id,
        oldClosesOn: call.closesOn,
        reason: dto.reason,
        createdAt: this.clock.now(),
      });
    });
  }

  /**
   * 一括回付: each answer waiting for 受理 is accepted and routed to the call's divisions, one proposal at a
   * time with the usual compare-and-set, so an answer someone else screened meanwhile is refused on its own
   * and the others go through. Nothing is half-applied to one proposal.
   */
  async routeAnswers(user: User, id: number, dto: RouteAnswersDto): Promise<RouteOutcome[]> {
    const facts = await this.calls.facts(id);
    if (!facts) throw new NotFoundError();
    const [lead, ...related] = facts.divisions;
    if (dto.dueOn < this.clock.today()) throw FormValidationException.field('dueOn', '回答期限には今日以降の日付を入力してください。');
    const waiting = (await this.calls.answers(id)).filter((p) => p.status === 'submitted');
    if (!waiting.length) throw FormValidationException.field('dueOn', '受付待ちの回答はありません。');
    const outcomes: RouteOutcome[] = [];
    for (const proposal of waiting) {
      const outcome = { proposalId: proposal.id, number: proposal.number, title: proposal.title };
      try {
        const unattended = await this.workflow.accept(user, proposal.id, {
          leadDivisionId: lead.id,
          relatedDivisionIds: related.map((d) => d.id),
          dueOn: dto.dueOn,
          version: proposal.version,
          comment: `テーマ募集「${facts.call.title}」の回答として一括回付`,
        });
        const warning = unattended.length ? `（審査担当のいない課：${unattended.join('・')}）` : '';
        outcomes.push({ ...outcome, routed: true, message: `受理し、${facts.divisions.map((d) => d.name).join('・')}に回付しました${warning}` });
      } catch (error) {
        if (!(error instanceof DomainError) && !(error instanceof FormValidationException)) throw error;
        const message = error instanceof FormValidationException ? Object.values(error.fieldErrors).flat().join(' ') : error.message;
        outcomes.push({ ...outcome, routed: false, message: `回付できませんでした：${message}` });
      }
    }
    return outcomes;
  }

  async attachment(user: User, id: number, attachmentId: number): Promise<CallAttachment> {
    await this.visible(user, id);
    const file = await this.calls.attachment(id, attachmentId);
    if (!file) throw new NotFoundError();
    return file;
  }

  // --- helpers ---

  /** A compare-and-set of the call (its period or its texts); someone else's change first is a 409 with a way back. */
  private async changeCall(
    manager: EntityManager,
    call: ThemedCall,
    version: number,
    changes: Partial<Pick<ThemedCall, 'closesOn' | 'closedAt' | 'title' | 'issueText' | 'answersPublic'>>,
  ) {
    if (!(await this.calls.update(manager, call, version, changes))) {
      const error = new ConflictError('ほかの担当者がこのテーマ募集を先に変更しました。画面を開き直して、今の状態を確かめてください。');
      error.link = { href: `/calls/${call.id}`, label: 'テーマ募集に戻る' };
      throw error;
    }
  }

  /** The divisions and categories a call names must exist today (categories: in use). */
  private async relatedProblems(manager: EntityManager, dto: CallDto, today: string): Promise<FieldErrors> {
    const problems: FieldErrors = {};
    const routed = [dto.leadDivisionId, ...dto.relatedDivisionIds];
    const wanted = [...new Set([...routed, ...dto.audienceDivisionIds])];
    const divisions = (await manager.getRepository(Division).find({ where: { id: In(wanted) } })).filter((d) => isValidOn(d, today));
    const section = (id: number) => divisions.some((d) => d.id === id && d.kind === 'section');
    if (!section(dto.leadDivisionId)) problems.leadDivisionId = ['主管課を選び直してください。'];
    if (!dto.relatedDivisionIds.every(section)) problems.relatedDivisionIds = ['関係課を選び直してください。'];
    if (dto.audience === 'divisions') {
      if (!dto.audienceDivisionIds.length) problems.audienceDivisionIds = ['応募できる局・区または課を1つ以上選んでください。'];
      else if (!dto.audienceDivisionIds.every((id) => divisions.some((d) => d.id === id)))
        problems.audienceDivisionIds = ['応募できる所属を選び直してください。'];
    }
    if (dto.categoryIds.length) {
      const categories = await manager.getRepository(Category).find({ where: { id: In(dto.categoryIds), active: true } });
      if (categories.length !== new Set(dto.categoryIds).size) problems.categoryIds = ['提案分野を選び直してください。'];
    }
    return problems;
  }

  private async storeFiles(manager: EntityManager, call: ThemedCall, user: User, files: readonly CheckedAttachment[]): Promise<void> {
    await storeOwnedFiles(
      manager,
      CallAttachment,
      { owner: { callId: call.id }, uploadedBy: user.id, limit: CALL_FILES_MAX, field: 'files', tooMany: () => CALL_FILE_MESSAGES.tooMany(files.length) },
      files,
    );
  }
}
