import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { checkAttachmentFiles, UploadedAttachment } from '../attachments/attachment-files';
import { storeOwnedFiles } from '../attachments/stored-files';
import { Clock } from '../common/clock';
import { ConflictError, NotFoundError } from '../common/errors';
import { fiscalYearOf } from '../common/fiscal-year';
import { FieldErrors, FormValidationException } from '../common/forms';
import { DbService } from '../database/db.service';
import { NotificationsService } from '../notifications/notifications.service';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { ConfirmKaizenDto, DeleteKaizenFileDto, KaizenFormDto, NominateKaizenDto, PublishKaizenDto, ReturnKaizenDto } from './dto/kaizen.dto';
import { KAIZEN_STATUS_LABELS, KaizenAttachment, KaizenReport, KaizenStatus } from './kaizen.entities';
import { KaizenAllFilters, KaizenRepository } from './kaizen.repository';
import {
  canNominate,
  canViewKaizen,
  effectGiven,
  formatKaizenNumber,
  isHeadOf,
  isOnReport,
  KAIZEN_TRANSITIONS,
  KaizenAction,
  KaizenFacts,
  KaizenViewer,
  nextKaizenStatus,
} from './kaizen-rules';

/** Photos and files per report: as many as a proposal may have. */
export const KAIZEN_FILES_PER_REPORT = 5;
export const KAIZEN_MEMBERS_MAX = 20;
export const KAIZEN_PAGE_SIZE = 20;
/** The office's list of every report shows at most this many rows (newest first); the page says when there are more. */
export const KAIZEN_ALL_LIST_MAX = 200;

/**
 * A notification is about a proposal or nothing (notifications.proposal_id): a カイゼン report cannot be
 * linked, so the message names the report and where to find it.
 */
const NOTIFICATION_KIND_STAFF = 'status';
const NOTIFICATION_KIND_OFFICE = 'kaizen';

const label = (r: Pick<KaizenReport, 'number' | 'title'>) => `カイゼン報告${r.number ? ` ${r.number}` : ''}「${r.title}」`;

/** The too-many-files message of the report form. */
export const kaizenTooManyFiles = (chosen: number | null, room: number): string =>
  `写真・ファイルは1件の報告につき${KAIZEN_FILES_PER_REPORT}件までです。` +
  (room === 0 ? 'この報告にはもう添付できません。報告のページで不要なファイルを削除してください' : `この報告には、あと${room}件まで添付できます`) +
  (chosen === null ? '。' : `（選んだファイルは${chosen}件）。`);

/**
 * 実績報告 (カイゼン報告): the reporter's form, the 所属長's confirmation or return, the office's
 * publication and nomination. Every step is a compare-and-set on the report's version with its history
 * row, in one transaction; a report the user may not see is a 404.
 */
@Injectable()
export class KaizenService {
  constructor(
    private readonly db: DbService,
    private readonly repository: KaizenRepository,
    private readonly notifications: NotificationsService,
    private readonly users: UsersRepository,
    private readonly clock: Clock,
  ) {}

  today(): string {
    return this.clock.today();
  }

  // --- reading ---

  /** The report with its members, if the user may see it; otherwise a 404. */
  async visible(user: KaizenViewer, id: number, manager?: EntityManager): Promise<{ report: KaizenReport; facts: KaizenFacts }> {
    const report = await this.repository.report(id, manager);
    if (!report) throw new NotFoundError();
    const facts = { ...report, memberIds: await this.repository.memberIds(id, manager) };
    if (!canViewKaizen(user, facts)) throw new NotFoundError();
    return { report, facts };
  }

  /** The report for its reporter's edit form: a 404 for anyone else, a conflict when it is not theirs to edit now. */
  async editable(user: User, id: number): Promise<{ report: KaizenReport; facts: KaizenFacts }> {
    const found = await this.visible(user, id);
    if (found.report.reporterId !== user.id) throw new NotFoundError();
    if (nextKaizenStatus('submit', found.report.status) === null) throw this.notNow(found.report, '編集できるのは、下書きか差戻し中の報告だけです。');
    return found;
  }

  async file(user: User, id: number, fileId: number): Promise<KaizenAttachment> {
    await this.visible(user, id);
    const file = await this.repository.attachmentWithContent(id, fileId);
    if (!file) throw new NotFoundError();
    return file;
  }

  /** For the dashboard: reports waiting for this user's confirmation (as 所属長), and for the office those confirmed and not yet published. */
  async pendingFor(user: KaizenViewer): Promise<{ waitingForConfirmation: number; confirmedUnpublished: number }> {
    const waitingForConfirmation =
      user.roles.includes('head') && user.divisionId !== null ? await this.repository.countWaitingForHead({ id: user.id, divisionId: user.divisionId }) : 0;
    const confirmedUnpublished = user.roles.includes('office') ? await this.repository.countByStatus('confirmed') : 0;
    return { waitingForConfirmation, confirmedUnpublished };
  }

  /** The year's reports nominated for 表彰 (the awards page lists them beside the proposals). */
  nominated(fiscalYear: number) {
    return this.repository.nominated(fiscalYear);
  }

  mine(userId: number) {
    return this.repository.mine(userId);
  }

  waitingFor(user: KaizenViewer) {
    return user.roles.includes('head') && user.divisionId !== null
      ? this.repository.waitingForHead({ id: user.id, divisionId: user.divisionId })
      : Promise.resolve([]);
  }

  all(filters: Omit<KaizenAllFilters, 'limit'>) {
    return this.repository.all({ ...filters, limit: KAIZEN_ALL_LIST_MAX });
  }

  async published(page: number) {
    const { items, total } = await this.repository.published(page, KAIZEN_PAGE_SIZE);
    return { items, total, pages: Math.max(1, Math.ceil(total / KAIZEN_PAGE_SIZE)) };
  }

  /** Whether each report's division has a 所属長 who may confirm it (someone active with the role, not on the report). */
  async hasHead(reports: readonly KaizenReport[]): Promise<Map<number, boolean>> {
    const heads = await this.repository.headsByDivision(reports.map((r) => r.reporterDivisionId));
    const members = await this.repository.membersOf(reports.map((r) => r.id));
    return new Map(
      reports.map((r) => {
        const on = new Set([r.reporterId, ...(members.get(r.id) ?? [])]);
        return [r.id, (heads.get(r.reporterDivisionId ?? -1) ?? []).some((id) => !on.has(id))];
      }),
    );
  }

  /** The 所属長 who would confirm (or confirm) the report: of its recorded division, or before submission of the reporter's. */
  async headsFor(report: KaizenReport, facts: KaizenFacts, reporterDivisionNow: number | null): Promise<User[]> {
    const divisionId = report.reporterDivisionId ?? reporterDivisionNow;
    const on = new Set([report.reporterId, ...facts.memberIds]);
    return (await this.repository.activeHeads(divisionId)).filter((u) => !on.has(u.id));
  }

  // --- the reporter's form ---

  /**
   * Saves the form as a draft, or saves and sends it to the 所属長, with the files chosen on it: the
   * report and its files are saved together or not at all. Every problem is reported at once.
   */
  async save(
    user: User,
    dto: KaizenFormDto,
    id: number | null,
    files: readonly UploadedAttachment[] = [],
  ): Promise<{ report: KaizenReport; submitted: boolean; attached: number }> {
    const errors: FieldErrors = {};
    const memberIds = await this.resolveMembers(user, dto.members).catch((error: unknown) => {
      if (!(error instanceof FormValidationException)) throw error;
      Object.assign(errors, error.fieldErrors);
      return [] as number[];
    });
    if (dto.categoryId !== null) {
      const category = await this.repository.category(dto.categoryId);
      // a retired category may stay on an existing draft but is not offered for new ones
      if (!category || (id === null && !category.active)) errors.categoryId = ['提案分野を選び直してください。'];
    }
    if (dto.doneOn && dto.doneOn > this.clock.today()) {
      errors.doneOn = ['実施日は今日までの日付を入力してください（これから行う改善は、提案としてお出しください）。'];
    }
    if (dto.intent === 'submit' && !effectGiven({ hours: dto.effectHours, yen: dto.effectYen, text: dto.effectText })) {
      errors.effect = ['効果を、削減時間・削減額・効果の説明のいずれかで入力してください。'];
    }
    const { accepted, problems, tooLarge } = checkAttachmentFiles(files);
    if (files.length > KAIZEN_FILES_PER_REPORT) problems.push(kaizenTooManyFiles(files.length, KAIZEN_FILES_PER_REPORT));
    if (problems.length) errors.files = problems;
    if (Object.keys(errors).length) throw new FormValidationException(errors, tooLarge ? 413 : 422);

    const fields = {
      title: dto.title,
      categoryId: dto.categoryId,
      problem: dto.problem,
      changeText: dto.changeText,
      doneOn: dto.doneOn,
      effectHours: dto.effectHours,
      effectYen: dto.effectYen,
      effectText: dto.effectText,
    };
    return this.db.transaction(async (manager) => {
      let report: KaizenReport;
      if (id === null) {
        const now = this.clock.now();
        report = await this.repository.insert(manager, { ...fields, status: 'draft', version: 1, reporterId: user.id, createdAt: now, updatedAt: now });
        await this.repository.addHistory(manager, {
          reportId: report.id,
          actorId: user.id,
          action: 'create',
          fromStatus: null,
          toStatus: 'draft',
          comment: null,
          createdAt: this.clock.now(),
        });
      } else {
        const found = await this.visible(user, id, manager);
        if (found.report.reporterId !== user.id) throw new NotFoundError();
        const from = KAIZEN_TRANSITIONS.submit.from;
        if (!from.includes(found.report.status)) throw this.notNow(found.report, '編集できるのは、下書きか差戻し中の報告だけです。');
        if (!(await this.repository.update(manager, id, { version: dto.version ?? -1, from }, { ...fields, updatedAt: this.clock.now() })))
          throw this.stale(found.report);
        report = (await this.repository.report(id, manager))!;
      }
      await this.repository.replaceMembers(manager, report.id, memberIds);
      // the update above holds the row, so no other upload slips past the room check
      const stored = await storeOwnedFiles(
        manager,
        KaizenAttachment,
        {
          owner: { reportId: report.id },
          uploadedBy: user.id,
          limit: KAIZEN_FILES_PER_REPORT,
          field: 'files',
          tooMany: (room) => kaizenTooManyFiles(accepted.length, room),
        },
        accepted,
      );
      if (dto.intent !== 'submit') return { report, submitted: false, attached: stored.length };
      return { report: await this.submitInTransaction(manager, user, report, memberIds), submitted: true, attached: stored.length };
    });
  }

  /**
   * Sends a draft or a returned report to the 所属長. At the first submission it is numbered (K2026-0001,
   * in the fiscal year of that day, Japan time) and the reporter's division is recorded: its heads confirm
   * it, also after a return and a later move of the reporter.
   */
  private async submitInTransaction(manager: EntityManager, user: User, report: KaizenReport, memberIds: readonly number[]): Promise<KaizenReport> {
    const now = this.clock.now();
    const changes: Partial<KaizenReport> & { updatedAt: Date } = { status: 'submitted', submittedAt: now, updatedAt: now };
    if (report.number === null) {
      const fiscalYear = fiscalYearOf(now);
      changes.fiscalYear = fiscalYear;
      changes.number = formatKaizenNumber(fiscalYear, await this.repository.nextSequence(manager, fiscalYear));
      changes.reporterDivisionId = user.divisionId;
    }
    if (!(await this.repository.update(manager, report.id, { version: report.version, from: KAIZEN_TRANSITIONS.submit.from }, changes)))
      throw this.stale(report);
    await this.repository.addHistory(manager, {
      reportId: report.id,
      actorId: user.id,
      action: 'submit',
      fromStatus: report.status,
      toStatus: 'submitted',
      comment: null,
      createdAt: this.clock.now(),
    });
    const submitted = (await this.repository.report(report.id, manager))!;
    const on = new Set([user.id, ...memberIds]);
    const heads = (await this.repository.activeHeads(submitted.reporterDivisionId, manager)).filter((u) => !on.has(u.id));
    await this.notifications.notify(manager, {
      userIds: heads.map((u) => u.id),
      recipients: heads,
      proposalId: null,
      link: `/kaizen/${report.id}`,
      kind: NOTIFICATION_KIND_STAFF,
      message: `${user.name}さんから${label(submitted)}が${report.status === 'returned' ? '再提出' : '提出'}されました。「カイゼン報告」のページの「確認待ち」から確認してください。`,
    });
    return submitted;
  }

  /** Co-reporters typed as login IDs or names: each must be exactly one active member of staff other than the reporter. */
  async resolveMembers(user: User, typed: string | null): Promise<number[]> {
    if (!typed) return [];
    const entries = [
      ...new Set(
        typed
          .split(/[,、，\n]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (entries.length > KAIZEN_MEMBERS_MAX) throw FormValidationException.field('members', `チームのメンバーは${KAIZEN_MEMBERS_MAX}人までです。`);
    const ids: number[] = [];
    const problems: string[] = [];
    for (const entry of entries) {
      const staff = await this.repository.staffByLoginOrName(entry);
      if (staff.length === 1 && staff[0].id !== user.id) ids.push(staff[0].id);
      else if (staff.length === 1) problems.push(`「${entry}」はご本人です（報告者はメンバーに含めません）`);
      else if (staff.length > 1) problems.push(`「${entry}」に当たる職員が複数います。ログインIDで指定してください`);
      else problems.push(`「${entry}」に当たる職員が見つかりません`);
    }
    if (problems.length) throw FormValidationException.field('members', problems.join('。') + '。');
    return [...new Set(ids)];
  }

  async memberLogins(id: number): Promise<string> {
    const people = await this.repository.people(await this.repository.memberIds(id));
    return [...people.values()].map((p) => p.login).join(', ');
  }

  /** The reporter removes a file while the report is theirs to edit (the DTO carries the ticked confirmation). */
  async deleteFile(user: User, id: number, fileId: number, _dto: DeleteKaizenFileDto): Promise<void> {
    await this.db.transaction(async (manager) => {
      const { report } = await this.visible(user, id, manager);
      if (report.reporterId !== user.id) throw new NotFoundError();
      if (nextKaizenStatus('submit', report.status) === null) throw this.notNow(report, 'ファイルを削除できるのは、下書きか差戻し中の報告だけです。');
      if (!(await this.repository.deleteAttachment(manager, id, fileId))) throw new NotFoundError();
    });
  }

  // --- the 所属長's and the office's steps ---

  async confirm(user: User, id: number, dto: ConfirmKaizenDto): Promise<KaizenReport> {
    return this.step(user, id, 'confirm', dto.version, null, async (manager, report) => {
      await this.notifyPeople(manager, report, [report.reporterId], `${label(report)}を所属長（${user.name}さん）が確認しました。改革推進課に届きました。`);
      await this.notifyOffice(manager, report, `${label(report)}が所属長に確認されました（確認済・公開待ち）。「カイゼン報告」のページから公開できます。`);
    });
  }

  async returnToReporter(user: User, id: number, dto: ReturnKaizenDto): Promise<KaizenReport> {
    return this.step(user, id, 'return', dto.version, dto.comment, async (manager, report) => {
      await this.notifyPeople(
        manager,
        report,
        [report.reporterId],
        `${label(report)}が所属長（${user.name}さん）から差し戻されました。報告のページでコメントを読み、直して再提出してください。`,
      );
    });
  }

  async publish(user: User, id: number, dto: PublishKaizenDto): Promise<KaizenReport> {
    return this.step(user, id, 'publish', dto.version, null, async (manager, report, facts) => {
      await this.notifyPeople(manager, report, [report.reporterId, ...facts.memberIds], `${label(report)}が全職員に公開されました（公開されたカイゼン事例）。`);
    });
  }

  /** 表彰に推薦: once, recorded; the status does not change. The office's own record, not shown to the reporter. */
  async nominate(user: User, id: number, dto: NominateKaizenDto): Promise<KaizenReport> {
    return this.db.transaction(async (manager) => {
      const { report } = await this.visible(user, id, manager);
      if (!user.roles.includes('office')) throw new NotFoundError();
      if (!canNominate(report.status, report.nominatedAt !== null)) {
        throw this.notNow(report, report.nominatedAt ? 'この報告は推薦済みです。' : '推薦できるのは、所属長が確認した報告だけです。');
      }
      if (
        !(await this.repository.update(
          manager,
          id,
          { version: dto.version, from: [report.status] },
          { nominatedAt: this.clock.now(), updatedAt: this.clock.now() },
        ))
      )
        throw this.stale(report);
      await this.repository.addHistory(manager, {
        reportId: id,
        actorId: user.id,
        action: 'nominate',
        fromStatus: report.status,
        toStatus: report.status,
        comment: null,
        createdAt: this.clock.now(),
      });
      return (await this.repository.report(id, manager))!;
    });
  }

  /** A status step: who may take it, from which state, the compare-and-set, the history row, then whom to tell. */
  private step(
    user: User,
    id: number,
    action: KaizenAction,
    version: number,
    comment: string | null,
    after: (manager: EntityManager, report: KaizenReport, facts: KaizenFacts) => Promise<void>,
  ): Promise<KaizenReport> {
    return this.db.transaction(async (manager) => {
      const { report, facts } = await this.visible(user, id, manager);
      const rule = KAIZEN_TRANSITIONS[action];
      // someone who may read the report but not take the step is told nothing more than a stranger
      const allowed = rule.by === 'head' ? isHeadOf(user, facts) : rule.by === 'office' ? user.roles.includes('office') : isOnReport(user, facts);
      if (!allowed) throw new NotFoundError();
      const to = nextKaizenStatus(action, report.status);
      if (to === null) throw this.notNow(report);
      const now = this.clock.now();
      const changes: Partial<KaizenReport> & { updatedAt: Date } = { status: to, updatedAt: now };
      if (action === 'confirm') Object.assign(changes, { confirmedAt: now, confirmedBy: user.id });
      if (action === 'publish') changes.publishedAt = now;
      if (!(await this.repository.update(manager, id, { version, from: rule.from }, changes))) throw this.stale(report);
      await this.repository.addHistory(manager, { reportId: id, actorId: user.id, action, fromStatus: report.status, toStatus: to, comment, createdAt: now });
      const updated = (await this.repository.report(id, manager))!;
      await after(manager, updated, facts);
      return updated;
    });
  }

  private async notifyPeople(manager: EntityManager, report: KaizenReport, userIds: readonly number[], message: string): Promise<void> {
    await this.notifications.notify(manager, { userIds, proposalId: null, link: `/kaizen/${report.id}`, kind: NOTIFICATION_KIND_STAFF, message });
  }

  private async notifyOffice(manager: EntityManager, report: KaizenReport, message: string): Promise<void> {
    const office = await this.users.withRole('office', { manager });
    await this.notifications.notify(manager, {
      userIds: office.map((u) => u.id),
      recipients: office,
      proposalId: null,
      link: `/kaizen/${report.id}`,
      kind: NOTIFICATION_KIND_OFFICE,
      message,
    });
  }

  private stale(report: KaizenReport): ConflictError {
    return this.linked(
      new ConflictError('この報告は、画面を開いた後にほかの操作で更新されています。報告のページを開き直して、今の状態を確かめてください。'),
      report,
    );
  }

  private notNow(report: KaizenReport, message?: string): ConflictError {
    return this.linked(new ConflictError(message ?? `この報告は今の状態（${statusLabel(report.status)}）では、この操作ができません。`), report);
  }

  private linked(error: ConflictError, report: KaizenReport): ConflictError {
    error.link = { href: `/kaizen/${report.id}`, label: '報告のページへ' };
    return error;
  }
}

const statusLabel = (status: KaizenStatus): string => KAIZEN_STATUS_LABELS[status];
