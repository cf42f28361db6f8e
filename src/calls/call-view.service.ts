import { Injectable } from '@nestjs/common';
import { ACCEPTED_KINDS_TEXT, formatFileSize, mediaTypeLabel } from '../attachments/file-type';
import { NotFoundError } from '../common/errors';
import { CALL_FILES_MAX } from './call-form-upload.interceptor';
import { Clock } from '../common/clock';
import { eraFiscalYearLabel, fiscalYearLabel } from '../common/fiscal-year';
import { formatDateLabel, formatJstDateTime } from '../common/jst';
import { OrganizationService } from '../organization/organization.service';
import { DECISION_LABELS, PROPOSAL_STATUSES, STATUS_LABELS } from '../proposals/proposal-state-machine';
import { addDays, ProposalViewService } from '../proposals/proposal-view.service';
import { formatRate, ratePercent } from '../reports/rates';
import { SettingsService } from '../settings/settings.service';
import type { User } from '../users/user.entity';
import { CallEventAction, ThemedCall } from './call.entities';
import { CallRepository } from './call.repository';
import { CALL_PHASE_LABELS, CallPhase } from './call-rules';
import { CallsService } from './calls.service';

const EVENT_LABELS: Record<CallEventAction, string> = { create: '募集を登録', edit: '内容を修正', extend: '締切を延長', close: '募集を終了' };

const periodLabel = (call: ThemedCall): string => `${formatDateLabel(call.opensOn)}〜${formatDateLabel(call.closesOn)}`;

/** What the calls pages show: the list, and a call's page as staff and as the office see it. */
@Injectable()
export class CallViewService {
  constructor(
    private readonly calls: CallsService,
    private readonly repository: CallRepository,
    private readonly proposals: ProposalViewService,
    private readonly organization: OrganizationService,
    private readonly settings: SettingsService,
    private readonly clock: Clock,
  ) {}

  private summary(call: ThemedCall, phase: CallPhase) {
    return {
      id: call.id,
      title: call.title,
      fiscalYearLabel: `${fiscalYearLabel(call.fiscalYear)}（${eraFiscalYearLabel(call.fiscalYear)}）`,
      period: periodLabel(call),
      phase,
      phaseLabel: CALL_PHASE_LABELS[phase],
      closedEarly: call.closedAt !== null,
    };
  }

  async listPage(user: User) {
    const calls = await this.calls.visibleCalls(user);
    const rows = calls.map((c) => ({
      ...this.summary(c.call, c.phase),
      answers: c.answers,
      answerable: c.phase === 'open' && c.mayAnswer && user.roles.includes('staff'),
    }));
    return {
      title: 'テーマ募集',
      isOffice: user.roles.includes('office'),
      open: rows.filter((r) => r.phase === 'open'),
      upcoming: rows.filter((r) => r.phase === 'upcoming'),
      closed: rows.filter((r) => r.phase === 'closed'),
    };
  }

  async callPage(user: User, id: number) {
    const facts = await this.calls.visible(user, id);
    const { call, phase } = facts;
    const isOffice = user.roles.includes('office');
    const [files, own, categories] = [
      await this.repository.attachments(id),
      await this.repository.ownAnswers(id, user.id),
      await this.organization.listCategories({ activeOnly: false }),
    ];
    const audienceNames =
      call.audience === 'all'
        ? '全職員'
        : (await this.organization.divisionFilterOptions())
            .filter((o) => facts.audienceIds.includes(o.id))
            .map((o) => o.label)
            .join('、');
    // other staff read the answers (titles and texts, no names) only while the call is open, if the office chose so
    const publicAnswers =
      !isOffice && call.answersPublic && phase === 'open'
        ? (await this.repository.publicAnswers(id)).map((p) => ({
            title: p.title,
            currentProblem: p.currentProblem,
            proposalText: p.proposalText,
            submittedAt: p.submittedAt ? formatJstDateTime(p.submittedAt) : '',
          }))
        : null;
    return {
      title: `テーマ募集：${call.title}`,
      call: { ...this.summary(call, phase), issueText: call.issueText, version: call.version, answersPublic: call.answersPublic, closesOn: call.closesOn },
      audienceNames,
      divisions: facts.divisions,
      categoryNames: categories
        .filter((c) => facts.categoryIds.includes(c.id))
        .map((c) => c.name)
        .join('、'),
      files: files.map((f) => ({
        href: `/calls/${id}/attachments/${f.id}`,
        name: f.fileName,
        typeLabel: mediaTypeLabel(f.mediaType),
        sizeLabel: formatFileSize(f.size),
      })),
      answerHref: phase === 'open' && facts.mayAnswer ? `/proposals/new?callId=${id}` : null,
      ownAnswers: own.map((p) => ({ id: p.id, number: p.number, title: p.title, statusLabel: STATUS_LABELS[p.status] })),
      publicAnswers,
      office: isOffice ? await this.officePart(id, call) : null,
    };
  }

  /** The office's edit form: the texts, the files so far, and how many more the call can take. */
  async editPage(id: number) {
    const call = await this.repository.find(id);
    if (!call) throw new NotFoundError();
    const files = await this.repository.attachments(id);
    return {
      title: `テーマ募集の修正：${call.title}`,
      call: { id: call.id, title: call.title, issueText: call.issueText, answersPublic: call.answersPublic, version: call.version },
      files: files.map((f) => ({ name: f.fileName, typeLabel: mediaTypeLabel(f.mediaType), sizeLabel: formatFileSize(f.size) })),
      filesRemaining: Math.max(0, CALL_FILES_MAX - files.length),
      acceptedKindsText: ACCEPTED_KINDS_TEXT,
    };
  }

  /** The office's part of the page: the call's figures, its answers by state and by division, the log and the forms. */
  private async officePart(id: number, call: ThemedCall) {
    const answers = await this.repository.answers(id);
    const figures = await this.repository.figures(id);
    const byStatus = PROPOSAL_STATUSES.map((status) => ({ label: STATUS_LABELS[status], count: answers.filter((p) => p.status === status).length })).filter(
      (s) => s.count,
    );
    const divisions = new Map<string, number>();
    for (const p of answers) divisions.set(p.proposerDivision?.name ?? '（所属なし）', (divisions.get(p.proposerDivision?.name ?? '（所属なし）') ?? 0) + 1);
    const today = this.clock.today();
    return {
      figures: {
        submitted: figures.submitted,
        adopted: figures.adopted,
        implemented: figures.implemented,
        adoptionRate: formatRate(ratePercent(figures.adopted, figures.submitted)),
        implementationRate: formatRate(ratePercent(figures.implemented, figures.submitted)),
      },
      byStatus,
      byDivision: [...divisions].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'ja')),
      answers: answers.map((p) => ({
        ...this.proposals.row(p),
        decisionLabel: p.status === 'decided' && p.decision ? DECISION_LABELS[p.decision] : null,
        divisionName: p.proposerDivision?.name ?? '',
      })),
      waiting: answers.filter((p) => p.status === 'submitted').length,
      events: (await this.repository.events(id)).map(({ event: e, actorName }) => ({
        at: formatJstDateTime(e.createdAt),
        actorName: actorName ?? 'システム',
        label: EVENT_LABELS[e.action],
        detail:
          e.action === 'edit'
            ? 'テーマ・課題・資料・公開の設定'
            : e.action === 'extend'
              ? `締切 ${formatDateLabel(e.oldClosesOn!)} → ${formatDateLabel(e.newClosesOn!)}`
              : e.action === 'create'
                ? `締切 ${formatDateLabel(e.newClosesOn!)}`
                : `締切日 ${formatDateLabel(e.oldClosesOn!)} を待たずに終了`,
        reason: e.reason,
      })),
      today,
      defaultDueOn: addDays(today, await this.settings.opinionDueDays()),
      canClose: call.closedAt === null && today <= call.closesOn,
    };
  }
}
