import { forgetRankingsAfterTextChange } from './similar-rankings';
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { fiscalYearOf } from '../common/fiscal-year';
import { FieldErrors, FormValidationException } from '../common/forms';
import { DbService } from '../database/db.service';
import { isUniqueViolation } from '../database/unique-violation';
import { TaskKeys } from '../notifications/notification-events';
import { NotificationsService } from '../notifications/notifications.service';
import { Category } from '../organization/category.entity';
import { User } from '../users/user.entity';
import { ProposalFormDto } from './dto/proposal-form.dto';
import { DEFAULT_LIST_SORT, ListOrder } from './dto/proposal-list-query.dto';
import { formatDateLabel, jstDateString } from '../common/jst';
import { CsvCell, toCsv } from '../reports/csv';
import { WithdrawDto } from './dto/workflow.dto';
import { actorsFor, canView, Viewer } from './proposal-access';
import {
  ATTACHMENT_MESSAGES,
  ATTACHMENTS_PER_PROPOSAL,
  canChangeAttachments,
  CheckedAttachment,
  checkAttachmentFiles,
  storeAttachments,
  UploadedAttachment,
} from '../attachments/attachment-files';
import { ProposalCoproposer } from './proposal-coproposer.entity';
import { Actor, DECISION_LABELS, IMPLEMENTATION_LABELS, STATUS_LABELS } from './proposal-state-machine';
import { ProposalRepository } from './proposal.repository';
import { RoutingRepository } from './routing.repository';
import { ListFilters, ProposalListRepository } from './proposal-list.repository';
import { UsersRepository } from '../users/users.repository';
import { Proposal } from './proposal.entity';
import { Clock } from '../common/clock';
import { CallFacts, CallRepository } from '../calls/call.repository';
import { closedMessage, mayAnswer } from '../calls/call-rules';

export interface ProposalFilters extends ListFilters {
  page: number;
  /** 更新の新しい順 unless another order is asked for. */
  order?: ListOrder;
}

/** What a save did: submitted or kept as a draft (with why, when the call it answers takes no answers now). */
export interface SaveResult {
  proposal: Proposal;
  submitted: boolean;
  attached: number;
  callClosed?: string;
}

export const PROPOSALS_PAGE_SIZE = 20;
/** The list counts its rows up to this many, and at least ten pages beyond the one shown. */
const LIST_COUNT_LIMIT = 1000;
const LIST_COUNT_PAGES_AHEAD = 10;
/**
 * The deepest a list pages (OFFSET costs every row before it): 500 pages of 20, the same 10,000 rows as
 * the CSV. Further on, the page asks to narrow the list or to sort it the other way.
 */
export const LIST_MAX_ROWS = 10_000;
export const LIST_MAX_PAGES = LIST_MAX_ROWS / PROPOSALS_PAGE_SIZE;
/** An effect per year as a 採用事例 card shows it: the actual one, or else the estimate (見込み). */
export interface CaseEffect {
  kind: 'actual' | 'estimate';
  hours: number | null;
  yen: number | null;
  hasHours: boolean;
  hasYen: boolean;
}

/** How much of the proposal's text a 採用事例 card shows. */
const ADOPTED_SUMMARY_CHARS = 120;
/** The list's CSV holds at most this many rows (the first ones in the list's order); the page says so. */
export const LIST_CSV_MAX_ROWS = 10_000;
/** Rows loaded per query while the CSV is built. */
const LIST_CSV_BATCH = 1000;

/** Public columns only: never opinions, reasons, answers or anything internal. */
export const LIST_CSV_HEADER = ['提案番号', '件名', '提案分野', '状態', '採否', '実施状況', '提出日', '主管課', '提案者所属'];

/** 採否 as the list shows it: the decision of a decided proposal, 継続検討 while it is continued. */
const decisionText = (p: Proposal): string =>
  p.status === 'decided' && p.decision ? DECISION_LABELS[p.decision] : p.status === 'continued' ? DECISION_LABELS.continued : '';

/** "2024-0001" */
export const formatProposalNumber = (fiscalYear: number, sequence: number): string => `${fiscalYear}-${String(sequence).padStart(4, '0')}`;

/**
 * The one-time key of a new-proposal form as stored: prefixed with the proposer, so the column's unique
 * index holds per proposer. A key is only ever sent again by its own form; another person posting the
 * same key (copied from a page, or guessed) makes their own proposal instead of meeting the index (a 500).
 * "12:" + a 36-character UUID fits the 64-character column.
 */
const storedFormKey = (proposerId: number, formKey: string): string => `${proposerId}:${formKey}`;

/**
 * Proposals as their proposers see them: drafts, submission, withdrawal, and every query scoped to
 * what the asking user may see. The office's and reviewers' steps are in ProposalWorkflowService.
 */
@Injectable()
export class ProposalsService {
  constructor(
    private readonly db: DbService,
    private readonly notifications: NotificationsService,
    private readonly repository: ProposalRepository,
    private readonly users: UsersRepository,
    private readonly routings: RoutingRepository,
    private readonly lists: ProposalListRepository,
    private readonly calls: CallRepository,
    private readonly clock: Clock,
  ) {}

  // --- reading ---

  /**
   * Only what the user may see, filtered, ordered and paged. Built for a million proposals: the page's
   * 20 ids come from an index alone — (updated_at, id, status, proposer_id) for the default order, and
   * one index of the same shape for each other order (see orderTerms) — then those 20 rows are loaded
   * with their relations; and the total is counted only as far as the pager needs (LIST_COUNT_LIMIT),
   * so a page view never counts every proposal. Beyond that the page says "N件以上".
   */
  async list(viewer: Viewer, filters: ProposalFilters) {
    const found = await this.lists.visible(viewer, filters);

    // Counted first, and never further than LIST_MAX_ROWS: a page past the last one is answered with the
    // last page, and a page beyond LIST_MAX_PAGES with that page, so no request reads deeper than that.
    const pageCapped = filters.page > LIST_MAX_PAGES;
    let page = Math.min(filters.page, LIST_MAX_PAGES);
    const limit = Math.min(LIST_MAX_ROWS, Math.max(LIST_COUNT_LIMIT, (page - 1) * PROPOSALS_PAGE_SIZE + PROPOSALS_PAGE_SIZE * LIST_COUNT_PAGES_AHEAD));
    const counted = await found.countUpTo(limit);
    const more = counted > limit || found.searchCut;
    const total = Math.min(counted, limit);
    const pages = Math.max(1, Math.ceil(total / PROPOSALS_PAGE_SIZE));
    page = Math.min(page, pages);

    const pageIds = await found.ids(filters.order ?? DEFAULT_LIST_SORT, (page - 1) * PROPOSALS_PAGE_SIZE, PROPOSALS_PAGE_SIZE);
    const items = await this.lists.rows(pageIds);
    const { searchCut, recentOnly } = found;
    return { items, total, more, searchCut, recentOnly, pages, page, pageCapped: pageCapped && page === LIST_MAX_PAGES };
  }

  /**
   * The list as CSV (提案一覧.csv): the same rows as the list with the same filters and order, for the
   * same user, up to LIST_CSV_MAX_ROWS (`cut` when there were more), and only the public columns.
   * The ids come from the list's index (at most LIST_CSV_MAX_ROWS numbers); the rows are then read a
   * batch at a time by primary key, as the caller takes the chunks, so only one batch is ever held.
   */
  async listCsvChunks(viewer: Viewer, filters: Omit<ProposalFilters, 'page'>): Promise<{ cut: boolean; chunks: AsyncGenerator<string> }> {
    const found = await this.lists.visible(viewer, filters);
    const ids = await found.ids(filters.order ?? DEFAULT_LIST_SORT, 0, LIST_CSV_MAX_ROWS + 1);
    const cut = ids.length > LIST_CSV_MAX_ROWS || found.searchCut;
    const wanted = ids.slice(0, LIST_CSV_MAX_ROWS);
    const lists = this.lists;
    async function* chunks(): AsyncGenerator<string> {
      yield toCsv([LIST_CSV_HEADER]);
      for (let start = 0; start < wanted.length; start += LIST_CSV_BATCH) {
        const batch = wanted.slice(start, start + LIST_CSV_BATCH);
        const rows: CsvCell[][] = [];
        for (const p of await lists.rows(batch)) {
          rows.push([
            p.number ?? '',
            p.title,
            p.category?.name ?? '',
            STATUS_LABELS[p.status],
            decisionText(p),
            p.implementationStatus ? IMPLEMENTATION_LABELS[p.implementationStatus] : '',
            p.submittedAt ? formatDateLabel(jstDateString(p.submittedAt)) : '',
            p.leadDivision?.name ?? '',
            p.proposerDivision?.name ?? '',
          ]);
        }
        if (rows.length) yield toCsv(rows);
      }
    }
    return { cut, chunks: chunks() };
  }

  /** The user's own and co-proposed proposals, drafts included, in the list's orders (a few dozen rows at most). */
  mine(userId: number, order: ListOrder = DEFAULT_LIST_SORT): Promise<Proposal[]> {
    return this.lists.mine(userId, order);
  }

  /**
   * What a 採用事例 card says about a case: the start of its proposal (about 120 characters, on one
   * line) and its effect per year, the actual one once reported, otherwise the estimate as 見込み.
   */
  adoptedCaseFacts(p: Proposal): { summary: string; effect: CaseEffect | null } {
    const text = [...p.proposalText.replace(/\s+/g, ' ').trim()];
    const summary = text.length > ADOPTED_SUMMARY_CHARS ? `${text.slice(0, ADOPTED_SUMMARY_CHARS).join('').trimEnd()}…` : text.join('');
    const actual = p.actualHours !== null || p.actualYen !== null;
    const estimate = p.estimatedHours !== null || p.estimatedYen !== null;
    const effect = (kind: CaseEffect['kind'], hours: number | null, yen: number | null): CaseEffect => ({
      kind,
      hours,
      yen,
      hasHours: hours !== null,
      hasYen: yen !== null,
    });
    return {
      summary,
      effect: actual ? effect('actual', p.actualHours, p.actualYen) : estimate ? effect('estimate', p.estimatedHours, p.estimatedYen) : null,
    };
  }

  /**
   * 採用事例: adopted cases of the whole organization, the most recently decided first. Bounded like
   * the list: counted at most to LIST_MAX_ROWS (`more` beyond), a page past the last one answered with
   * the last page; the keyword goes through the list's index (a one- or two-character keyword searches
   * the newest proposals only), and the page's 20 ids are read before their rows and relations.
   */
  async adoptedCases(viewer: Viewer, filters: { q?: string; categoryId?: number; page: number }) {
    const found = await this.lists.adoptedCases(viewer, filters);
    const counted = await found.countUpTo(LIST_MAX_ROWS);
    const total = Math.min(counted, LIST_MAX_ROWS);
    const pages = Math.max(1, Math.ceil(total / PROPOSALS_PAGE_SIZE));
    const page = Math.min(filters.page, pages);
    const ids = await found.ids('latestDecided', (page - 1) * PROPOSALS_PAGE_SIZE, PROPOSALS_PAGE_SIZE);
    const items = await this.lists.rows(ids);
    return { items, total, more: counted > LIST_MAX_ROWS, recentOnly: found.recentOnly, page, pages };
  }

  // --- writing: the proposer's own steps ---

  /**
   * Saves the form as a draft, or saves and submits it, with the files chosen on the form: the
   * proposal and its files are saved together or not at all. A new form's one-time key makes a second
   * send of the same form return the proposal the first one created instead of making another (and
   * adds no files again).
   */
  async save(user: User, dto: ProposalFormDto, id: number | null, files: readonly UploadedAttachment[] = []): Promise<SaveResult> {
    // both checks run, so one refusal names every problem
    const errors: FieldErrors = {};
    const collect =
      <T>(fallback: T) =>
      (error: unknown): T => {
        if (!(error instanceof FormValidationException)) throw error;
        Object.assign(errors, error.fieldErrors);
        return fallback;
      };
    const coproposerIds = await this.resolveCoproposers(user, dto.coproposers).catch(collect<number[]>([]));
    await this.checkCategory(dto.categoryId, id === null).catch(collect(undefined));
    // the files by their content (no I/O); whether the proposal has room for them is checked when they are stored
    const { accepted, problems, tooLarge } = checkAttachmentFiles(files);
    if (files.length > ATTACHMENTS_PER_PROPOSAL) problems.push(ATTACHMENT_MESSAGES.tooManyChosen(files.length, ATTACHMENTS_PER_PROPOSAL));
    if (problems.length) errors.files = problems;
    if (Object.keys(errors).length) throw new FormValidationException(errors, tooLarge ? 413 : 422);
    try {
      return await this.saveInTransaction(user, dto, id, coproposerIds, accepted);
    } catch (error) {
      // Two sends of the same new form raced past the check below: the unique key let one through.
      if (id === null && dto.formKey && isUniqueViolation(error)) {
        const earlier = await this.repository.findByFormKey(this.db.dataSource.manager, user.id, storedFormKey(user.id, dto.formKey));
        if (earlier) return { proposal: earlier, submitted: earlier.status !== 'draft', attached: 0 };
      }
      throw error;
    }
  }

  private saveInTransaction(user: User, dto: ProposalFormDto, id: number | null, coproposerIds: number[], files: readonly CheckedAttachment[]) {
    return this.db.transaction(async (manager): Promise<SaveResult> => {
      const fields: Partial<Proposal> = {
        title: dto.title,
        categoryId: dto.categoryId,
        currentProblem: dto.currentProblem,
        proposalText: dto.proposalText,
        expectedEffect: dto.expectedEffect,
        estimatedHours: dto.estimatedHours,
        estimatedYen: dto.estimatedYen,
      };

      let proposal: Proposal;
      let callId: number | null;
      // who the user is on it, for the submission below: a new proposal's facts are known without reading them
      let actors: Actor[];
      if (id === null) {
        const formKey = dto.formKey ? storedFormKey(user.id, dto.formKey) : null;
        if (formKey) {
          const earlier = await this.repository.findByFormKey(manager, user.id, formKey);
          if (earlier) return { proposal: earlier, submitted: earlier.status !== 'draft', attached: 0 };
        }
        callId = dto.callId ?? null;
        if (callId !== null) await this.checkCallAnswer(manager, user, callId, dto.categoryId, true);
        proposal = await this.repository.insertDraft(manager, { ...fields, callId, status: 'draft', version: 1, proposerId: user.id, formKey });
        await this.repository.addHistory(manager, { proposal, fromStatus: null, actorId: user.id, action: 'save_draft', detail: '作成' });
        actors = ['proposer'];
      } else {
        const current = await manager.getRepository(Proposal).findOne({ where: { id } });
        if (!current) throw new NotFoundError();
        const facts = await this.repository.facts(manager, current);
        if (!canView(user, facts)) throw new NotFoundError();
        actors = actorsFor(user, facts);
        callId = current.callId;
        if (callId !== null && dto.detachCall && current.number === null) {
          // a draft left over from a call that has ended becomes a 自由提案
          callId = null;
          fields.callId = null;
        } else if (callId !== null) await this.checkCallAnswer(manager, user, callId, dto.categoryId, false);
        if (files.length && !canChangeAttachments(actors, current.status)) {
          throw FormValidationException.field('files', '添付ファイルを追加できるのは、下書きか差戻し中の提案の提案者だけです。');
        }
        // the compare-and-set below also holds the row, so no other upload slips past the room check
        proposal = await this.repository.recordStep(manager, {
          proposal: current,
          action: 'save_draft',
          actors,
          expectedVersion: dto.version ?? -1,
          actorId: user.id,
          changes: fields,
        });
        if (fields.title !== current.title || fields.proposalText !== current.proposalText || fields.currentProblem !== current.currentProblem) {
          await forgetRankingsAfterTextChange(manager, current);
        }
      }
      await this.replaceCoproposers(manager, user, proposal, coproposerIds, id === null);
      // before the submission, so the office is told of a proposal that has its files
      const stored = await storeAttachments(
        manager,
        { proposalId: proposal.id, uploadedBy: user.id, field: 'files', tooMany: (room) => ATTACHMENT_MESSAGES.tooManyChosen(files.length, room) },
        files,
      );

      if (dto.intent !== 'submit') return { proposal, submitted: false, attached: stored.length };
      // An answer to a call is first submitted within the call's period; outside it, what was typed is kept as a draft.
      const callClosed = callId !== null && proposal.number === null ? await this.callClosedMessage(manager, callId) : null;
      if (callClosed) return { proposal, submitted: false, attached: stored.length, callClosed };
      return { proposal: await this.submitInTransaction(manager, user, proposal, actors), submitted: true, attached: stored.length };
    });
  }

  /**
   * The call a proposal answers. A new answer needs a call open to the proposer's division (otherwise the
   * call is as good as unknown: 404); a draft already answering a call keeps it even if its proposer has
   * since moved to another division.
   */
  private async callToAnswer(user: User, callId: number, isNew: boolean, manager?: EntityManager): Promise<CallFacts> {
    const facts = await this.calls.facts(callId, manager);
    if (!facts) throw new NotFoundError();
    if (isNew && !mayAnswer({ audience: facts.call.audience, divisionIds: facts.audienceIds }, user.divisionId, await this.calls.divisionParents(manager))) {
      throw new NotFoundError();
    }
    return facts;
  }

  /** An answer takes one of the call's categories when the call names some. */
  private async checkCallAnswer(manager: EntityManager, user: User, callId: number, categoryId: number | null, isNew: boolean): Promise<void> {
    const { categoryIds } = await this.callToAnswer(user, callId, isNew, manager);
    if (categoryId !== null && categoryIds.length && !categoryIds.includes(categoryId)) {
      throw FormValidationException.field('categoryId', 'このテーマ募集で選べる提案分野から選んでください。');
    }
  }

  /** The call a proposal form answers, as the form shows it: title, period, whether it takes answers now, its categories. */
  async callForForm(user: User, callId: number, isNew: boolean) {
    const { call, categoryIds } = await this.callToAnswer(user, callId, isNew);
    return {
      id: call.id,
      title: call.title,
      opensOn: call.opensOn,
      closesOn: call.closesOn,
      closedMessage: closedMessage(call, this.clock.today()),
      categoryIds,
    };
  }

  private async callClosedMessage(manager: EntityManager, callId: number): Promise<string | null> {
    const call = await this.calls.find(callId, manager);
    return call ? closedMessage(call, this.clock.today()) : null;
  }

  /** Submits a draft or a returned proposal the user is on as `actors`; returns it as it now is. */
  private async submitInTransaction(manager: EntityManager, user: User, proposal: Proposal, actors: Actor[]): Promise<Proposal> {
    const firstSubmission = proposal.number === null;
    const now = this.clock.now();
    const changes: Partial<Proposal> = { submittedAt: proposal.submittedAt ?? now };
    if (firstSubmission) {
      // Numbered, and the proposer's division recorded, at the first submission only: a proposal
      // returned and resubmitted keeps its number and fiscal year.
      const fiscalYear = fiscalYearOf(now);
      changes.fiscalYear = fiscalYear;
      changes.number = formatProposalNumber(fiscalYear, await this.repository.nextNumber(manager, fiscalYear));
      changes.proposerDivisionId = user.divisionId;
    }
    const submitted = await this.repository.recordStep(manager, {
      proposal,
      action: 'submit',
      actors,
      expectedVersion: proposal.version,
      actorId: user.id,
      changes,
      detail: firstSubmission ? `提案番号 ${changes.number}` : '再提出',
    });
    // only a returned proposal has a "please resubmit" task to resolve
    if (proposal.status === 'returned') await this.notifications.resolveTask(manager, proposal.id, TaskKeys.resubmit, { by: user.id });
    await this.notifyOffice(manager, proposal.id, `提案「${proposal.title}」が提出されました。受理・回付をお願いします。`, TaskKeys.screen);
    return submitted;
  }

  async withdraw(user: User, id: number, dto: WithdrawDto): Promise<Proposal> {
    return this.db.transaction(async (manager) => {
      const { proposal, facts, actors } = await this.repository.getVisible(user, id, manager);
      const withdrawn = await this.repository.recordStep(manager, {
        proposal,
        action: 'withdraw',
        actors,
        expectedVersion: dto.version,
        actorId: user.id,
        comment: dto.comment,
      });
      await this.routings.endAll(manager, id);
      // Whatever was still to be done on it (受理・回付, opinions, the decision, a resubmission) is moot now.
      await this.notifications.resolveTask(manager, id, TaskKeys.any, { by: user.id });
      if (facts.status !== 'draft') {
        await this.notifyOffice(manager, id, `提案「${proposal.title}」が提案者により取り下げられました。`);
      }
      return withdrawn;
    });
  }

  /** With a task key, a "please act" notification that the act resolves for every office user (see TaskKeys). */
  async notifyOffice(manager: EntityManager, proposalId: number, message: string, taskKey?: string): Promise<void> {
    const office = await this.users.withRole('office', { manager });
    await this.notifications.notify(manager, { userIds: office.map((u) => u.id), recipients: office, proposalId, kind: 'office', message, taskKey });
  }

  // --- form rules ---

  private async checkCategory(categoryId: number | null, isNew: boolean): Promise<void> {
    if (categoryId === null) return;
    const category = await this.db.dataSource.getRepository(Category).findOne({ where: { id: categoryId } });
    // a retired category may stay on an existing draft but is not offered for new ones
    if (!category || (isNew && !category.active)) throw FormValidationException.field('categoryId', '提案分野を選び直してください。');
  }

  /**
   * Co-proposers typed as login IDs or names. Each must match exactly one active staff member other
   * than the proposer; otherwise the message says which entry was not understood. What the messages
   * tell is what the staff directory (職員録) already tells every colleague: whether an active member
   * of staff has that name or login. A disabled account, or one without the staff role, gets the same
   * "not found" as a login that never existed, so the field confirms nothing beyond the directory.
   * Those found are only invited: they become co-proposers by accepting (CoproposalService).
   */
  async resolveCoproposers(user: User, typed: string | null): Promise<number[]> {
    if (!typed) return [];
    const entries = [
      ...new Set(
        typed
          .split(/[,、，\n]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (entries.length > 20) throw FormValidationException.field('coproposers', '共同提案者は20人までです。');
    const repo = this.db.dataSource.getRepository(User);
    const ids: number[] = [];
    const problems: string[] = [];
    for (const entry of entries) {
      const login = entry.normalize('NFKC').toLowerCase();
      const byLogin = await repo.findOne({ where: { login, disabled: false } });
      const candidates = byLogin ? [byLogin] : await repo.find({ where: { name: entry, disabled: false } });
      const staff = candidates.filter((c) => c.roles.includes('staff'));
      if (staff.length === 1 && staff[0].id !== user.id) ids.push(staff[0].id);
      else if (staff.length === 1) problems.push(`「${entry}」はご本人です（提案者は共同提案者に含めません）`);
      else if (staff.length > 1) problems.push(`「${entry}」に当たる職員が複数います。ログインIDで指定してください`);
      else problems.push(`「${entry}」に当たる職員が見つかりません`);
    }
    if (problems.length) throw FormValidationException.field('coproposers', problems.join('。') + '。');
    return [...new Set(ids)];
  }

  /**
   * The colleagues named on the form, kept in step with what was typed: a colleague no longer named is
   * taken off (an open invitation of theirs is resolved), one already named keeps their answer, and one
   * newly named is invited (招待中), told so, and the invitation is kept in the history. Nobody becomes
   * a co-proposer without accepting (acceptCoproposal).
   */
  private async replaceCoproposers(manager: EntityManager, user: User, proposal: Proposal, userIds: number[], isNew: boolean): Promise<void> {
    const current = isNew ? [] : await this.repository.coproposerRows(manager, proposal.id);
    const removed = current.filter((c) => !userIds.includes(c.userId)).map((c) => c.userId);
    const added = userIds.filter((id) => !current.some((c) => c.userId === id));
    if (removed.length) {
      await manager.getRepository(ProposalCoproposer).delete({ proposalId: proposal.id, userId: In(removed) });
      for (const userId of removed) await this.notifications.resolveTask(manager, proposal.id, TaskKeys.coproposal(userId), { by: user.id });
    }
    if (!added.length) return;
    await manager.getRepository(ProposalCoproposer).insert(added.map((userId) => ({ proposalId: proposal.id, userId, status: 'invited' as const })));
    const names = await manager.getRepository(User).find({ where: { id: In(added) } });
    await this.repository.addHistory(manager, {
      proposal,
      actorId: user.id,
      action: 'coproposal',
      detail: `${names.map((u) => `${u.name}さん`).join('、')}を共同提案者に招待`,
    });
    for (const userId of added) {
      await this.notifications.notify(manager, {
        userIds: [userId],
        proposalId: proposal.id,
        kind: 'status',
        message: `${user.name}さんから、提案「${proposal.title}」の共同提案者として招待されました。提案の画面で、参加するか辞退するかを選んでください。`,
        taskKey: TaskKeys.coproposal(userId),
      });
    }
  }

  /** Names of co-proposers, for refilling the form. */
  async coproposerLogins(proposalId: number): Promise<string> {
    const users = await this.db.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .innerJoin('proposal_coproposers', 'cp', 'cp.user_id = u.id AND cp.proposal_id = :proposalId', { proposalId })
      .orderBy('u.login')
      .getMany();
    return users.map((u) => u.login).join(', ');
  }
}
