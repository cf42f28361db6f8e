import { Injectable } from '@nestjs/common';
import { formatFileSize, mediaTypeLabel } from '../attachments/file-type';
import { formatDateLabel, formatJstDateTime, jstDateString } from '../common/jst';
import type { User } from '../users/user.entity';
import { KAIZEN_STATUS_LABELS, KaizenHistoryEntry, KaizenReport, KaizenStatus } from './kaizen.entities';
import { KaizenRepository } from './kaizen.repository';
import { canViewKaizen, isOnReport, KAIZEN_ACTION_LABELS, KaizenFacts, kaizenAbilities } from './kaizen-rules';
import { KAIZEN_FILES_PER_REPORT, KaizenService } from './kaizen.service';

/** How much of what was changed a case card shows. */
const SUMMARY_CHARS = 120;

const summaryOf = (text: string): string => {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > SUMMARY_CHARS ? `${chars.slice(0, SUMMARY_CHARS).join('').trimEnd()}…` : chars.join('');
};

const dateOf = (instant: Date | null): string | null => (instant ? formatDateLabel(jstDateString(instant)) : null);

/** The effect as cards and the page show it. */
const effectOf = (r: KaizenReport) => ({
  hours: r.effectHours,
  yen: r.effectYen,
  hasHours: r.effectHours !== null && r.effectHours > 0,
  hasYen: r.effectYen !== null && r.effectYen > 0,
  text: r.effectText,
});

/** The stages a report goes through, as the page shows them. */
function stages(status: KaizenStatus) {
  const order: KaizenStatus[] = ['draft', 'submitted', 'confirmed', 'published'];
  const labels = ['下書き', '所属長の確認', '確認済', '公開'];
  // a returned report is back with its reporter: the first stage again
  const at = status === 'returned' ? 0 : order.indexOf(status);
  return labels.map((label, i) => ({ label, state: i < at ? 'done' : i === at ? 'current' : 'todo' }));
}

/** What the カイゼン pages show, built from the service's and the repository's answers. */
@Injectable()
export class KaizenViews {
  constructor(
    private readonly kaizen: KaizenService,
    private readonly repository: KaizenRepository,
  ) {}

  /** Rows of the lists; with `flagNoHead`, whether a submitted report's division has no 所属長 to confirm it. */
  async rows(reports: readonly KaizenReport[], options: { flagNoHead?: boolean } = {}) {
    const people = await this.repository.people(reports.map((r) => r.reporterId));
    const divisions = await this.repository.divisionNames(reports.map((r) => r.reporterDivisionId));
    const categories = await this.repository.categoryNames(reports.map((r) => r.categoryId));
    const heads = options.flagNoHead ? await this.kaizen.hasHead(reports.filter((r) => r.status === 'submitted')) : new Map<number, boolean>();
    return reports.map((r) => ({
      id: r.id,
      number: r.number,
      title: r.title,
      status: r.status,
      statusLabel: KAIZEN_STATUS_LABELS[r.status],
      reporterName: people.get(r.reporterId)?.name ?? '',
      divisionName: r.reporterDivisionId !== null ? (divisions.get(r.reporterDivisionId) ?? null) : (people.get(r.reporterId)?.divisionName ?? null),
      categoryName: r.categoryId !== null ? (categories.get(r.categoryId) ?? null) : null,
      submittedAt: dateOf(r.submittedAt),
      updatedAt: dateOf(r.updatedAt),
      noHead: heads.get(r.id) === false,
      nominated: r.nominatedAt !== null,
    }));
  }

  /** 公開されたカイゼン事例 cards: summary, effect, who (the 課). */
  async cases(reports: readonly KaizenReport[]) {
    const rows = await this.rows(reports);
    return reports.map((r, i) => ({
      ...rows[i],
      summary: summaryOf(r.changeText),
      effect: effectOf(r),
      publishedAt: dateOf(r.publishedAt),
      doneOn: r.doneOn ? formatDateLabel(r.doneOn) : null,
    }));
  }

  fiscalYears(): Promise<number[]> {
    return this.repository.fiscalYears();
  }

  async files(id: number) {
    return (await this.repository.attachments(id)).map((f) => ({
      id: f.id,
      fileName: f.fileName,
      typeLabel: mediaTypeLabel(f.mediaType),
      sizeLabel: formatFileSize(f.size),
    }));
  }

  /** Whom the report goes to on submission: the 所属長 of the reporter's 課 (or, once submitted, of the recorded one). */
  async goesTo(user: User, report: KaizenReport | null) {
    const facts: KaizenFacts = report
      ? { ...report, memberIds: await this.repository.memberIds(report.id) }
      : { status: 'draft', reporterId: user.id, memberIds: [], reporterDivisionId: null };
    const divisionId = report?.reporterDivisionId ?? user.divisionId;
    const heads = await this.kaizen.headsFor(report ?? ({ reporterId: user.id, reporterDivisionId: null } as KaizenReport), facts, user.divisionId);
    const divisionName = divisionId !== null ? ((await this.repository.divisionNames([divisionId])).get(divisionId) ?? null) : null;
    return { divisionName, headNames: heads.map((h) => h.name).join('、'), noHead: heads.length === 0 };
  }

  async lastReturn(id: number) {
    const entry = await this.repository.lastReturn(id);
    if (!entry) return null;
    const by = entry.actorId !== null ? (await this.repository.people([entry.actorId])).get(entry.actorId)?.name : null;
    return { comment: entry.comment, by, at: formatJstDateTime(entry.createdAt) };
  }

  /** The report page: the report, its people, files and history, and the forms of the steps the viewer may take. */
  async page(user: User, id: number) {
    const { report, facts } = await this.kaizen.visible(user, id);
    const people = await this.repository.people([report.reporterId, ...facts.memberIds]);
    const history = await this.repository.history(id);
    const actors = await this.repository.people(history.map((h) => h.actorId).filter((a): a is number => a !== null));
    const categories = await this.repository.categoryNames([report.categoryId]);
    const divisionName =
      report.reporterDivisionId !== null ? ((await this.repository.divisionNames([report.reporterDivisionId])).get(report.reporterDivisionId) ?? null) : null;
    const reporter = people.get(report.reporterId);
    const on = isOnReport(user, facts);
    // Those who could read the report before it was published read the comments of its steps (the
    // 所属長's return is written to the reporter); other staff reading a published case see the steps only.
    const readsComments = canViewKaizen(user, { ...facts, status: 'confirmed' });
    const seesOffice = user.roles.includes('office') || user.roles.includes('admin');
    const can = { ...kaizenAbilities(user, { ...facts, nominated: report.nominatedAt !== null }), deleteFiles: false };
    can.deleteFiles = can.edit;
    const heads = report.status === 'draft' || report.status === 'returned' || report.status === 'submitted' ? await this.goesTo(user, report) : null;
    const files = await this.files(id);
    return {
      title: report.title,
      report: {
        id: report.id,
        number: report.number,
        title: report.title,
        status: report.status,
        statusLabel: KAIZEN_STATUS_LABELS[report.status],
        version: report.version,
        fiscalYear: report.fiscalYear,
        categoryName: report.categoryId !== null ? (categories.get(report.categoryId) ?? null) : null,
        problem: report.problem,
        changeText: report.changeText,
        doneOn: report.doneOn ? formatDateLabel(report.doneOn) : null,
        effect: effectOf(report),
        submittedAt: report.submittedAt ? formatJstDateTime(report.submittedAt) : null,
        confirmedAt: report.confirmedAt ? formatJstDateTime(report.confirmedAt) : null,
        publishedAt: report.publishedAt ? formatJstDateTime(report.publishedAt) : null,
        nominatedAt: seesOffice && report.nominatedAt ? formatJstDateTime(report.nominatedAt) : null,
      },
      reporter: { name: reporter?.name ?? '', divisionName: divisionName ?? reporter?.divisionName ?? null },
      memberNames: facts.memberIds.map((m) => people.get(m)?.name ?? '').join('、'),
      heads,
      // the 所属長's return is for the reporter and the members; the head and the office see it in the history
      returned: report.status === 'returned' && on ? await this.lastReturn(id) : null,
      stages: stages(report.status),
      files,
      fileLimit: KAIZEN_FILES_PER_REPORT,
      can,
      history: history
        .filter((h) => h.action !== 'nominate' || seesOffice)
        .map((h: KaizenHistoryEntry) => ({
          at: formatJstDateTime(h.createdAt),
          who: h.actorId !== null ? (actors.get(h.actorId)?.name ?? '') : 'システム',
          what:
            h.action === 'submit' && h.fromStatus === 'returned' ? '再提出' : (KAIZEN_ACTION_LABELS[h.action as keyof typeof KAIZEN_ACTION_LABELS] ?? h.action),
          from: h.fromStatus && h.fromStatus !== h.toStatus ? KAIZEN_STATUS_LABELS[h.fromStatus] : null,
          to: h.toStatus && h.fromStatus !== h.toStatus ? KAIZEN_STATUS_LABELS[h.toStatus] : null,
          comment: readsComments ? h.comment : null,
        })),
      values: {},
    };
  }
}
