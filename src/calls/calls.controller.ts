import { Body, Controller, Get, HttpCode, Param, Post, Render, Req, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { CurrentUser, currentUser } from '../auth/current-user.decorator';
import { ACCEPTED_KINDS_TEXT } from '../attachments/file-type';
import { sendStoredFile } from '../attachments/stored-files';
import type { UploadedAttachment } from '../attachments/attachment-files';
import { Clock } from '../common/clock';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { addDays } from '../proposals/proposal-view.service';
import { OrganizationService } from '../organization/organization.service';
import type { User } from '../users/user.entity';
import { CallViewService } from './call-view.service';
import { CALL_FILES_MAX, CallFormUploadInterceptor } from './call-form-upload.interceptor';
import { CallsService } from './calls.service';
import { CallDto, CloseCallDto, EditCallDto, ExtendCallDto, RouteAnswersDto } from './dto/call.dto';

/**
 * テーマ募集: the calls page (staff and office), a call's page, and the office's steps on a call. Answers
 * are written with the proposal form (/proposals/new?callId=).
 */
@Controller('calls')
export class CallsController {
  constructor(
    private readonly calls: CallsService,
    private readonly views: CallViewService,
    private readonly organization: OrganizationService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('staff', 'office')
  @Render('calls/index')
  index(@CurrentUser() user: User) {
    return this.views.listPage(user);
  }

  async formContext(): Promise<Record<string, unknown>> {
    return {
      title: 'テーマ募集を始める',
      routingGroups: await this.organization.routingDivisionGroups(),
      audienceOptions: await this.organization.divisionFilterOptions(),
      categoryOptions: await this.organization.listCategories({ activeOnly: true }),
      today: this.clock.today(),
      filesMax: CALL_FILES_MAX,
      acceptedKindsText: ACCEPTED_KINDS_TEXT,
    };
  }

  @Get('new')
  @Roles('office')
  @Render('calls/form')
  async newForm() {
    const today = this.clock.today();
    return { ...(await this.formContext()), values: { opensOn: today, closesOn: addDays(today, 30), audience: 'all' } };
  }

  @Post()
  @Roles('office')
  @FormPage('calls/form', (c: CallsController) => c.formContext())
  @UseInterceptors(CallFormUploadInterceptor)
  async create(
    @Body() dto: CallDto,
    @UploadedFiles() files: UploadedAttachment[] | undefined,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const call = await this.calls.create(user, dto, files ?? []);
    flash(req, 'success', `テーマ募集「${call.title}」を登録しました。`);
    res.redirect(303, `/calls/${call.id}`);
  }

  @Get(':id')
  @Roles('staff', 'office')
  @Render('calls/show')
  show(@Param('id', IdPipe) id: number, @CurrentUser() user: User) {
    return this.views.callPage(user, id);
  }

  /** The call's page again after a refused form; `activeForm` says which form's messages to show. */
  async showContext(req: Request): Promise<Record<string, unknown>> {
    const page = await this.views.callPage(currentUser(req), new IdPipe().transform(req.params.id as string));
    return { ...page, activeForm: req.path.split('/').pop() };
  }

  async editContext(req: Request): Promise<Record<string, unknown>> {
    return this.views.editPage(new IdPipe().transform(req.params.id as string));
  }

  @Get(':id/edit')
  @Roles('office')
  @Render('calls/edit')
  async editForm(@Param('id', IdPipe) id: number) {
    const page = await this.views.editPage(id);
    return { ...page, values: { title: page.call.title, issueText: page.call.issueText, answersPublic: page.call.answersPublic, version: page.call.version } };
  }

  @Post(':id')
  @Roles('office')
  @FormPage('calls/edit', (c: CallsController, req) => c.editContext(req))
  @UseInterceptors(CallFormUploadInterceptor)
  async edit(
    @Param('id', IdPipe) id: number,
    @Body() dto: EditCallDto,
    @UploadedFiles() files: UploadedAttachment[] | undefined,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const call = await this.calls.edit(user, id, dto, files ?? []);
    flash(req, 'success', `テーマ募集「${call.title}」を修正しました。`);
    res.redirect(303, `/calls/${id}`);
  }

  @Get(':id/attachments/:attachmentId')
  @Roles('staff', 'office')
  async attachment(@Param('id', IdPipe) id: number, @Param('attachmentId', IdPipe) attachmentId: number, @CurrentUser() user: User, @Res() res: Response) {
    const file = await this.calls.attachment(user, id, attachmentId);
    sendStoredFile(res, file, file.fileName);
  }

  @Post(':id/extend')
  @Roles('office')
  @FormPage('calls/show', (c: CallsController, req) => c.showContext(req))
  async extend(@Param('id', IdPipe) id: number, @Body() dto: ExtendCallDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const call = await this.calls.extend(user, id, dto);
    flash(req, 'success', call.closedAt ? '募集を再開し、締切日を変更しました。' : '締切日を延長しました。');
    res.redirect(303, `/calls/${id}`);
  }

  @Post(':id/close')
  @Roles('office')
  @FormPage('calls/show', (c: CallsController, req) => c.showContext(req))
  async close(@Param('id', IdPipe) id: number, @Body() dto: CloseCallDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.calls.close(user, id, dto);
    flash(req, 'success', '募集を終了しました。これ以降は提出を受け付けません。');
    res.redirect(303, `/calls/${id}`);
  }

  /** 一括回付: the result of each answer is shown on a page of its own (routed, or refused and why). */
  @Post(':id/route')
  @HttpCode(200)
  @Roles('office')
  @FormPage('calls/show', (c: CallsController, req) => c.showContext(req))
  @Render('calls/routed')
  async route(@Param('id', IdPipe) id: number, @Body() dto: RouteAnswersDto, @CurrentUser() user: User) {
    const outcomes = await this.calls.routeAnswers(user, id, dto);
    const page = await this.views.callPage(user, id);
    return {
      title: `一括回付の結果：${page.call.title}`,
      call: page.call,
      outcomes,
      routed: outcomes.filter((o) => o.routed).length,
      refused: outcomes.filter((o) => !o.routed).length,
    };
  }
}
