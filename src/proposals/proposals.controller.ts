import type { User } from '../users/user.entity';
import { CurrentUser, currentUser } from '../auth/current-user.decorator';
import { Body, Controller, Get, Param, Post, Query, Render, Req, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Roles, SignedIn } from '../auth/access.decorators';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe, pageNumber } from '../common/id.pipe';
import { OrganizationService } from '../organization/organization.service';
import { ProposalFormDto, TEXT_MAX, TITLE_MAX } from './dto/proposal-form.dto';
import { WithdrawDto } from './dto/workflow.dto';
import { ProposalViewService } from './proposal-view.service';
import { ProposalRepository } from './proposal.repository';
import { ACCEPTED_KINDS_TEXT } from '../attachments/file-type';
import { ATTACHMENT_MAX_BYTES, ATTACHMENTS_PER_PROPOSAL, UploadedAttachment } from '../attachments/attachment-files';
import { AttachmentsService } from '../attachments/attachments.service';
import { ProposalFormUploadInterceptor } from './proposal-form-upload.interceptor';
import { PROPOSAL_STATUSES, STATUS_LABELS } from './proposal-state-machine';
import { LIST_CSV_MAX_ROWS, LIST_MAX_PAGES, ProposalFilters, ProposalsService, SaveResult } from './proposals.service';
import { SHORT_KEYWORD_WINDOW } from './proposal-list.repository';
import { KEYWORD_MATCH_LIMIT } from '../search/proposal-search';
import { CostLimited, isSearchOrDeepPage } from '../common/rate-limit';
import { ListSortQueryDto, listOrder, ProposalCsvQueryDto, ProposalListQueryDto, sortHeaders } from './dto/proposal-list-query.dto';
import { Proposal } from './proposal.entity';
import { SimilarProposalsService } from './similar-proposals.service';
import { AwardRepository } from '../awards/award.repository';
import { formatDateLabel, jstDateString } from '../common/jst';
import { encodingParam, streamCsv } from '../reports/reports-export.controller';

/** The list's filters from its query string (already checked by the DTO). */
const listFilters = (query: ProposalListQueryDto): ProposalFilters => ({
  status: query.status ?? undefined,
  fiscalYear: query.fiscalYear ?? undefined,
  categoryId: query.categoryId ?? undefined,
  divisionId: query.divisionId ?? undefined,
  q: query.q ?? undefined,
  page: query.page ?? 1,
  order: listOrder(query),
});

const positiveInt = (value: unknown): number | undefined => (typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined);

@Controller()
export class ProposalsController {
  constructor(
    private readonly proposals: ProposalsService,
    private readonly repository: ProposalRepository,
    private readonly views: ProposalViewService,
    private readonly organization: OrganizationService,
    private readonly attachments: AttachmentsService,
    private readonly similar: SimilarProposalsService,
    private readonly awards: AwardRepository,
  ) {}

  @Get('proposals')
  @SignedIn()
  @CostLimited('search', isSearchOrDeepPage)
  @Render('proposals/index')
  async list(@CurrentUser() user: User, @Query() query: ProposalListQueryDto) {
    const filters = listFilters(query);
    const result = await this.proposals.list(user, filters);
    const kept = { status: filters.status, fiscalYear: filters.fiscalYear, categoryId: filters.categoryId, divisionId: filters.divisionId, q: filters.q };
    const order = filters.order!;
    const sortQuery = { sort: order.sort, dir: order.dir };
    return {
      title: '提案一覧',
      ...result,
      rows: result.items.map((p) => this.listRow(p)),
      filters,
      sortHeaders: sortHeaders(order, kept),
      statusOptions: PROPOSAL_STATUSES.filter((s) => s !== 'draft').map((s) => ({ value: s, label: STATUS_LABELS[s] })),
      categoryOptions: await this.organization.listCategories({ activeOnly: false }),
      divisionOptions: await this.organization.divisionFilterOptions(),
      keywordMatchLimit: KEYWORD_MATCH_LIMIT,
      csvMaxRows: LIST_CSV_MAX_ROWS,
      csvQuery: new URLSearchParams(
        Object.entries({ ...kept, ...sortQuery }).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])),
      ).toString(),
      shortKeywordWindow: SHORT_KEYWORD_WINDOW,
      listMaxPages: LIST_MAX_PAGES,
      pager: { page: result.page, pages: result.pages, more: result.more },
      pagerQuery: { ...kept, ...(order.sort === 'updated' && order.dir === 'desc' ? {} : sortQuery) },
    };
  }

  /** 提案一覧.csv: the list with its filters and order, as the user may see it (public columns only). */
  @Get('proposals.csv')
  @SignedIn()
  @CostLimited('export')
  async listCsv(@CurrentUser() user: User, @Query() query: ProposalCsvQueryDto, @Res() res: Response) {
    const encoding = encodingParam(query.encoding ?? undefined);
    const { cut, chunks } = await this.proposals.listCsvChunks(user, listFilters(query));
    await streamCsv(res, { name: '提案一覧.csv', ascii: 'proposals.csv' }, encoding, chunks, { 'X-Rows-Cut': cut ? `${LIST_CSV_MAX_ROWS}` : '0' });
  }

  @Get('proposals/mine')
  @Roles('staff')
  @Render('proposals/mine')
  async mine(@CurrentUser() user: User, @Query() query: ListSortQueryDto) {
    const order = listOrder(query);
    const items = await this.proposals.mine(user.id, order);
    return {
      title: '自分の提案',
      rows: items.map((p) => ({ ...this.listRow(p), coProposed: p.proposerId !== user.id })),
      sortHeaders: sortHeaders(order, {}),
    };
  }

  /** A row of the proposal lists; the date as people read it (2027年1月2日). */
  private listRow(p: Proposal) {
    return { ...this.views.row(p), updatedAt: formatDateLabel(jstDateString(p.updatedAt)) };
  }

  @Get('adopted')
  @SignedIn()
  @CostLimited('search', isSearchOrDeepPage)
  @Render('proposals/adopted')
  async adopted(@CurrentUser() user: User, @Query() query: Record<string, unknown>) {
    const filters = {
      q: typeof query.q === 'string' && query.q.trim() ? query.q.trim().slice(0, 100) : undefined,
      categoryId: positiveInt(query.categoryId),
      page: pageNumber(query.page),
    };
    const result = await this.proposals.adoptedCases(user, filters);
    const awards = await this.awards.decidedLabels(result.items.map((p) => p.id));
    return {
      title: '採用事例',
      ...result,
      rows: result.items.map((p) => ({ ...this.views.row(p), ...this.proposals.adoptedCaseFacts(p), awards: awards.get(p.id) ?? [] })),
      filters,
      shortKeywordWindow: SHORT_KEYWORD_WINDOW,
      categoryOptions: await this.organization.listCategories({ activeOnly: false }),
      pager: { page: result.page, pages: result.pages },
      pagerQuery: { q: filters.q, categoryId: filters.categoryId },
    };
  }

  /**
   * What the proposal form needs besides the values; `proposalId` for the edit form (its attachments so far),
   * `call` when the proposal answers a themed call (its categories only are offered).
   */
  async formContext(proposalId?: number, call?: Awaited<ReturnType<ProposalsService['callForForm']>> | null): Promise<Record<string, unknown>> {
    const attachments = proposalId === undefined ? null : await this.attachments.pageData(proposalId);
    const categories = await this.organization.listCategories({ activeOnly: true });
    return {
      call: call ?? null,
      categoryOptions: call?.categoryIds.length ? categories.filter((c) => call.categoryIds.includes(c.id)) : categories,
      titleMax: TITLE_MAX,
      textMax: TEXT_MAX,
      attachedFiles: attachments?.attachments ?? [],
      attachmentLimit: ATTACHMENTS_PER_PROPOSAL,
      attachmentsRemaining: attachments?.attachmentsRemaining ?? ATTACHMENTS_PER_PROPOSAL,
      attachmentMaxMb: ATTACHMENT_MAX_BYTES / 1024 / 1024,
      acceptedKindsText: ACCEPTED_KINDS_TEXT,
    };
  }

  /** After a save: the message, the ranking of 似ている提案 for a submission (made after the answer), and the proposal page. */
  private saved(req: Request, res: Response, { proposal, submitted, attached, callClosed }: SaveResult): void {
    if (callClosed) flash(req, 'warning', `${callClosed}提出せず、下書きとして保存しました。`);
    else flash(req, 'success', this.savedMessage(proposal.number, submitted, attached));
    if (submitted) this.similar.rankEarlierSoon(proposal.id);
    res.redirect(303, `/proposals/${proposal.id}`);
  }

  /** The flash after a save: what happened, with the number of files saved along. */
  private savedMessage(number: string | null, submitted: boolean, attached: number): string {
    const files = attached ? `添付ファイル${attached}件も保存しました。` : '';
    return (submitted ? `提案を提出しました（提案番号 ${number}）。` : '下書きを保存しました。') + files;
  }

  /** The proposal form; `?callId=` makes it an answer to that themed call (課題提案). */
  @Get('proposals/new')
  @Roles('staff')
  @Render('proposals/form')
  async newForm(@CurrentUser() user: User, @Query('callId') callId: unknown) {
    const id = positiveInt(callId);
    const call = id === undefined ? null : await this.proposals.callForForm(user, id, true);
    return {
      title: call ? `テーマ募集への提案：${call.title}` : '新しい提案',
      isNew: true,
      values: { formKey: randomUUID(), callId: call?.id },
      ...(await this.formContext(undefined, call)),
    };
  }

  async newContext(req: Request): Promise<Record<string, unknown>> {
    const id = positiveInt((req.body as Record<string, unknown> | undefined)?.callId);
    const call = id === undefined ? null : await this.proposals.callForForm(currentUser(req), id, true);
    return { title: call ? `テーマ募集への提案：${call.title}` : '新しい提案', isNew: true, ...(await this.formContext(undefined, call)) };
  }

  @Post('proposals')
  @Roles('staff')
  @FormPage('proposals/form', (c: ProposalsController, req) => c.newContext(req))
  @UseInterceptors(ProposalFormUploadInterceptor)
  async create(
    @Body() dto: ProposalFormDto,
    @UploadedFiles() files: UploadedAttachment[] | undefined,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.saved(req, res, await this.proposals.save(user, dto, null, files ?? []));
  }

  @Get('proposals/:id')
  @SignedIn()
  @Render('proposals/show')
  show(@Param('id', IdPipe) id: number, @CurrentUser() user: User) {
    return this.views.detailPage(user, id);
  }

  @Get('proposals/:id/print')
  @SignedIn()
  async print(@Param('id', IdPipe) id: number, @CurrentUser() user: User, @Res() res: Response) {
    res.render('proposals/print', { ...(await this.views.detailPage(user, id)), layout: 'layouts/print' });
  }

  @Get('proposals/:id/edit')
  @Roles('staff')
  @Render('proposals/form')
  async editForm(@Param('id', IdPipe) id: number, @CurrentUser() user: User) {
    const { proposal } = await this.views.editable(user, id);
    const call = proposal.callId === null ? null : await this.proposals.callForForm(user, proposal.callId, false);
    return {
      title: `提案の編集：${proposal.title}`,
      proposal,
      returned: proposal.status === 'returned' ? await this.repository.lastReturn(id) : null,
      values: {
        title: proposal.title,
        categoryId: proposal.categoryId,
        currentProblem: proposal.currentProblem,
        proposalText: proposal.proposalText,
        expectedEffect: proposal.expectedEffect,
        // as the person typed them: 1,200,000, not 1200000
        estimatedHours: proposal.estimatedHours?.toLocaleString('ja-JP') ?? null,
        estimatedYen: proposal.estimatedYen?.toLocaleString('ja-JP') ?? null,
        coproposers: await this.proposals.coproposerLogins(id),
        version: proposal.version,
      },
      // a draft whose call has ended may become a 自由提案 instead
      offerDetach: Boolean(call?.closedMessage) && proposal.number === null,
      ...(await this.formContext(id, call)),
    };
  }

  editContext(req: Request): Promise<Record<string, unknown>> {
    return this.editForm(new IdPipe().transform(req.params.id as string), currentUser(req));
  }

  @Post('proposals/:id')
  @Roles('staff')
  @FormPage('proposals/form', (c: ProposalsController, req) => c.editContext(req))
  @UseInterceptors(ProposalFormUploadInterceptor)
  async update(
    @Param('id', IdPipe) id: number,
    @Body() dto: ProposalFormDto,
    @UploadedFiles() files: UploadedAttachment[] | undefined,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.saved(req, res, await this.proposals.save(user, dto, id, files ?? []));
  }

  @Post('proposals/:id/withdraw')
  @Roles('staff')
  @FormPage('proposals/show', (c: ProposalsController, req) => c.views.detailContext(req))
  async withdraw(@Param('id', IdPipe) id: number, @Body() dto: WithdrawDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.proposals.withdraw(user, id, dto);
    flash(req, 'success', '提案を取り下げました。');
    res.redirect(303, `/proposals/${id}`);
  }
}
