import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Roles, SignedIn } from '../auth/access.decorators';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe, pageNumber } from '../common/id.pipe';
import { OrganizationService } from '../organization/organization.service';
import { ProposalFormDto, TEXT_MAX, TITLE_MAX } from './dto/proposal-form.dto';
import { CommentDto } from './dto/workflow.dto';
import { ProposalViewService } from './proposal-view.service';
import { PROPOSAL_STATUSES, ProposalStatus, STATUS_LABELS } from './proposal-state-machine';
import { KEYWORD_MATCH_LIMIT, ProposalsService } from './proposals.service';

const isStatus = (value: unknown): value is ProposalStatus => (PROPOSAL_STATUSES as readonly unknown[]).includes(value);
const positiveInt = (value: unknown): number | undefined =>
  typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;

@Controller()
export class ProposalsController {
  constructor(
    private readonly proposals: ProposalsService,
    private readonly views: ProposalViewService,
    private readonly organization: OrganizationService,
  ) {}

  @Get('proposals')
  @SignedIn()
  @Render('proposals/index')
  async list(@Req() req: Request, @Query() query: Record<string, unknown>) {
    const filters = {
      status: isStatus(query.status) ? query.status : undefined,
      fiscalYear: positiveInt(query.fiscalYear),
      categoryId: positiveInt(query.categoryId),
      divisionId: positiveInt(query.divisionId),
      q: typeof query.q === 'string' && query.q.trim() ? query.q.trim().slice(0, 100) : undefined,
      page: pageNumber(query.page),
    };
    const result = await this.proposals.list(req.user!, filters);
    return {
      title: '提案一覧',
      ...result,
      rows: result.items.map((p) => this.views.row(p)),
      filters,
      statusOptions: PROPOSAL_STATUSES.filter((s) => s !== 'draft').map((s) => ({ value: s, label: STATUS_LABELS[s] })),
      categoryOptions: await this.organization.listCategories({ activeOnly: false }),
      divisionOptions: await this.organization.divisionFilterOptions(),
      keywordMatchLimit: KEYWORD_MATCH_LIMIT,
      pager: { page: filters.page, pages: result.pages, more: result.more },
      pagerQuery: { status: filters.status, fiscalYear: filters.fiscalYear, categoryId: filters.categoryId, divisionId: filters.divisionId, q: filters.q },
    };
  }

  @Get('proposals/mine')
  @Roles('staff')
  @Render('proposals/mine')
  async mine(@Req() req: Request) {
    const items = await this.proposals.mine(req.user!.id);
    return { title: '自分の提案', rows: items.map((p) => ({ ...this.views.row(p), coProposed: p.proposerId !== req.user!.id })) };
  }

  @Get('adopted')
  @SignedIn()
  @Render('proposals/adopted')
  async adopted(@Query() query: Record<string, unknown>) {
    const filters = {
      q: typeof query.q === 'string' && query.q.trim() ? query.q.trim().slice(0, 100) : undefined,
      categoryId: positiveInt(query.categoryId),
      page: pageNumber(query.page),
    };
    const result = await this.proposals.adoptedCases(filters);
    return {
      title: '採用事例',
      ...result,
      rows: result.items.map((p) => this.views.row(p)),
      filters,
      categoryOptions: await this.organization.listCategories({ activeOnly: false }),
      pager: { page: filters.page, pages: result.pages },
      pagerQuery: { q: filters.q, categoryId: filters.categoryId },
    };
  }

  /** What the proposal form needs besides the values. */
  async formContext(): Promise<Record<string, unknown>> {
    return {
      categoryOptions: await this.organization.listCategories({ activeOnly: true }),
      titleMax: TITLE_MAX,
      textMax: TEXT_MAX,
    };
  }

  @Get('proposals/new')
  @Roles('staff')
  @Render('proposals/form')
  async newForm() {
    return { title: '新しい提案', isNew: true, values: { formKey: randomUUID() }, ...(await this.formContext()) };
  }

  async newContext(): Promise<Record<string, unknown>> {
    return { title: '新しい提案', isNew: true, ...(await this.formContext()) };
  }

  @Post('proposals')
  @Roles('staff')
  @FormPage('proposals/form', 'newContext')
  async create(@Body() dto: ProposalFormDto, @Req() req: Request, @Res() res: Response) {
    const { proposal, submitted } = await this.proposals.save(req.user!, dto, null);
    flash(req, 'success', submitted ? `提案を提出しました（提案番号 ${proposal.number}）。` : '下書きを保存しました。');
    res.redirect(303, `/proposals/${proposal.id}`);
  }

  @Get('proposals/:id')
  @SignedIn()
  @Render('proposals/show')
  show(@Param('id', IdPipe) id: number, @Req() req: Request) {
    return this.views.detailPage(req.user!, id);
  }

  @Get('proposals/:id/print')
  @SignedIn()
  async print(@Param('id', IdPipe) id: number, @Req() req: Request, @Res() res: Response) {
    res.render('proposals/print', { ...(await this.views.detailPage(req.user!, id)), layout: 'layouts/print' });
  }

  @Get('proposals/:id/edit')
  @Roles('staff')
  @Render('proposals/form')
  async editForm(@Param('id', IdPipe) id: number, @Req() req: Request) {
    const { proposal } = await this.views.editable(req.user!, id);
    return {
      title: `提案の編集: ${proposal.title}`,
      proposal,
      values: {
        title: proposal.title,
        categoryId: proposal.categoryId,
        currentProblem: proposal.currentProblem,
        proposalText: proposal.proposalText,
        expectedEffect: proposal.expectedEffect,
        estimatedHours: proposal.estimatedHours,
        estimatedYen: proposal.estimatedYen,
        coproposers: await this.proposals.coproposerLogins(id),
        version: proposal.version,
      },
      ...(await this.formContext()),
    };
  }

  editContext(req: Request): Promise<Record<string, unknown>> {
    return this.editForm(new IdPipe().transform(req.params.id as string), req);
  }

  @Post('proposals/:id')
  @Roles('staff')
  @FormPage('proposals/form', 'editContext')
  async update(@Param('id', IdPipe) id: number, @Body() dto: ProposalFormDto, @Req() req: Request, @Res() res: Response) {
    const { proposal, submitted } = await this.proposals.save(req.user!, dto, id);
    flash(req, 'success', submitted ? `提案を提出しました（提案番号 ${proposal.number}）。` : '下書きを保存しました。');
    res.redirect(303, `/proposals/${proposal.id}`);
  }

  /** Re-renders the proposal page after a refused action form, with that form's messages. */
  detailContext(req: Request): Promise<Record<string, unknown>> {
    return this.views.detailContext(req);
  }

  @Post('proposals/:id/withdraw')
  @Roles('staff')
  @FormPage('proposals/show', 'detailContext')
  async withdraw(@Param('id', IdPipe) id: number, @Body() dto: CommentDto, @Req() req: Request, @Res() res: Response) {
    await this.proposals.withdraw(req.user!, id, dto);
    flash(req, 'success', '提案を取り下げました。');
    res.redirect(303, `/proposals/${id}`);
  }
}
