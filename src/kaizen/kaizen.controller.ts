import { Body, Controller, Get, Param, Post, Query, Render, Req, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ACCEPTED_KINDS_TEXT } from '../attachments/file-type';
import { ATTACHMENT_MAX_BYTES, UploadedAttachment } from '../attachments/attachment-files';
import { sendStoredFile } from '../attachments/stored-files';
import { Roles, SignedIn } from '../auth/access.decorators';
import { CurrentUser, currentUser } from '../auth/current-user.decorator';
import { fiscalYearLabel } from '../common/fiscal-year';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { OrganizationService } from '../organization/organization.service';
import type { User } from '../users/user.entity';
import {
  ConfirmKaizenDto,
  DeleteKaizenFileDto,
  KAIZEN_TEXT_MAX,
  KAIZEN_TITLE_MAX,
  KaizenFormDto,
  KaizenListQueryDto,
  NominateKaizenDto,
  PublishKaizenDto,
  ReturnKaizenDto,
} from './dto/kaizen.dto';
import { KAIZEN_STATUS_LABELS, KAIZEN_STATUSES, KaizenReport } from './kaizen.entities';
import { KaizenFormUploadInterceptor } from './kaizen-form-upload.interceptor';
import { KaizenViews } from './kaizen-views';
import { KAIZEN_ALL_LIST_MAX, KAIZEN_FILES_PER_REPORT, KaizenService } from './kaizen.service';

/**
 * 実績報告 (カイゼン報告): the list page (one page, its sections by role), the report page with the
 * steps the viewer may take, the reporter's form, and the files.
 */
@Controller('kaizen')
export class KaizenController {
  constructor(
    private readonly kaizen: KaizenService,
    private readonly views: KaizenViews,
    private readonly organization: OrganizationService,
  ) {}

  @Get()
  @SignedIn()
  @Render('kaizen/index')
  async index(@CurrentUser() user: User, @Query() query: KaizenListQueryDto) {
    const isStaff = user.roles.includes('staff');
    const isHead = user.roles.includes('head');
    const seesAll = user.roles.includes('office') || user.roles.includes('admin');
    const page = query.page ?? 1;
    const published = await this.kaizen.published(page);
    const current = Math.min(page, published.pages);
    const filters = { status: query.status ?? undefined, fiscalYear: query.fiscalYear ?? undefined, noHead: query.noHead === '1' };
    const all = seesAll ? await this.kaizen.all(filters) : null;
    const mine = isStaff ? await this.kaizen.mine(user.id) : [];
    const waiting = isHead ? await this.kaizen.waitingFor(user) : [];
    const confirmed = user.roles.includes('office') ? (await this.kaizen.all({ status: 'confirmed' })).items : [];
    return {
      title: 'カイゼン報告',
      isStaff,
      isHead,
      isOffice: user.roles.includes('office'),
      seesAll,
      mine: await this.views.rows(mine),
      waiting: await this.views.rows(waiting),
      confirmed: await this.views.rows(confirmed),
      all: all ? { rows: await this.views.rows(all.items, { flagNoHead: true }), cut: all.cut, max: KAIZEN_ALL_LIST_MAX } : null,
      filters: { ...filters, noHead: filters.noHead ? '1' : '' },
      statusOptions: KAIZEN_STATUSES.filter((s) => s !== 'draft').map((s) => ({ value: s, label: KAIZEN_STATUS_LABELS[s] })),
      yearOptions: (await this.views.fiscalYears()).map((y) => ({ value: y, label: fiscalYearLabel(y) })),
      cases: await this.views.cases(published.items),
      casesTotal: published.total,
      pager: { page: current, pages: published.pages },
      pagerQuery: {},
    };
  }

  /** What the form needs besides the values; the report for the edit form. */
  async formContext(report?: KaizenReport): Promise<Record<string, unknown>> {
    const files = report ? await this.views.files(report.id) : [];
    return {
      categoryOptions: await this.organization.listCategories({ activeOnly: true }),
      titleMax: KAIZEN_TITLE_MAX,
      textMax: KAIZEN_TEXT_MAX,
      attachedFiles: files,
      fileLimit: KAIZEN_FILES_PER_REPORT,
      filesRemaining: KAIZEN_FILES_PER_REPORT - files.length,
      fileMaxMb: ATTACHMENT_MAX_BYTES / 1024 / 1024,
      acceptedKindsText: ACCEPTED_KINDS_TEXT,
    };
  }

  @Get('new')
  @Roles('staff')
  @Render('kaizen/form')
  async newForm(@CurrentUser() user: User) {
    return { ...(await this.newContext(user)), values: { effectText: '' } };
  }

  async newContext(user: User): Promise<Record<string, unknown>> {
    return { title: '新しいカイゼン報告', isNew: true, today: this.kaizen.today(), goesTo: await this.views.goesTo(user, null), ...(await this.formContext()) };
  }

  @Post()
  @Roles('staff')
  @FormPage('kaizen/form', (c: KaizenController, req) => c.newContext(currentUser(req)))
  @UseInterceptors(KaizenFormUploadInterceptor)
  async create(
    @Body() dto: KaizenFormDto,
    @UploadedFiles() files: UploadedAttachment[] | undefined,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.saved(req, res, await this.kaizen.save(user, dto, null, files ?? []));
  }

  private saved(req: Request, res: Response, { report, submitted, attached }: { report: KaizenReport; submitted: boolean; attached: number }): void {
    const files = attached ? `写真・ファイル${attached}件も保存しました。` : '';
    flash(req, 'success', (submitted ? `所属長に提出しました（報告番号 ${report.number}）。` : '下書きを保存しました。') + files);
    res.redirect(303, `/kaizen/${report.id}`);
  }

  @Get(':id')
  @SignedIn()
  @Render('kaizen/show')
  show(@Param('id', IdPipe) id: number, @CurrentUser() user: User) {
    return this.views.page(user, id);
  }

  showContext(req: Request) {
    return this.views.page(currentUser(req), new IdPipe().transform(req.params.id as string));
  }

  @Get(':id/edit')
  @Roles('staff')
  @Render('kaizen/form')
  async editForm(@Param('id', IdPipe) id: number, @CurrentUser() user: User) {
    const { report } = await this.kaizen.editable(user, id);
    return {
      title: `カイゼン報告の編集：${report.title}`,
      report: { id: report.id, status: report.status, number: report.number },
      returned: report.status === 'returned' ? await this.views.lastReturn(id) : null,
      today: this.kaizen.today(),
      goesTo: await this.views.goesTo(user, report),
      values: {
        title: report.title,
        categoryId: report.categoryId,
        problem: report.problem,
        changeText: report.changeText,
        doneOn: report.doneOn,
        // as a person types them: 1,200, not 1200
        effectHours: report.effectHours?.toLocaleString('ja-JP') ?? null,
        effectYen: report.effectYen?.toLocaleString('ja-JP') ?? null,
        effectText: report.effectText,
        members: await this.kaizen.memberLogins(id),
        version: report.version,
      },
      ...(await this.formContext(report)),
    };
  }

  editContext(req: Request): Promise<Record<string, unknown>> {
    return this.editForm(new IdPipe().transform(req.params.id as string), currentUser(req));
  }

  @Post(':id')
  @Roles('staff')
  @FormPage('kaizen/form', (c: KaizenController, req) => c.editContext(req))
  @UseInterceptors(KaizenFormUploadInterceptor)
  async update(
    @Param('id', IdPipe) id: number,
    @Body() dto: KaizenFormDto,
    @UploadedFiles() files: UploadedAttachment[] | undefined,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.saved(req, res, await this.kaizen.save(user, dto, id, files ?? []));
  }

  private back(req: Request, res: Response, id: number, message: string): void {
    flash(req, 'success', message);
    res.redirect(303, `/kaizen/${id}`);
  }

  /** 確認 by the reporter's 所属長 (anyone else: 404, as if the report did not exist). */
  @Post(':id/confirm')
  @SignedIn()
  @FormPage('kaizen/show', (c: KaizenController, req) => c.showContext(req))
  async confirm(@Param('id', IdPipe) id: number, @Body() dto: ConfirmKaizenDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.kaizen.confirm(user, id, dto);
    this.back(req, res, id, '確認しました。報告者と改革推進課に通知しました。');
  }

  @Post(':id/return')
  @SignedIn()
  @FormPage('kaizen/show', (c: KaizenController, req) => c.showContext(req))
  async returnReport(@Param('id', IdPipe) id: number, @Body() dto: ReturnKaizenDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.kaizen.returnToReporter(user, id, dto);
    this.back(req, res, id, '報告者に差し戻しました。');
  }

  @Post(':id/publish')
  @Roles('office')
  @FormPage('kaizen/show', (c: KaizenController, req) => c.showContext(req))
  async publish(@Param('id', IdPipe) id: number, @Body() dto: PublishKaizenDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.kaizen.publish(user, id, dto);
    this.back(req, res, id, '公開しました。全職員が「公開されたカイゼン事例」で読めます。');
  }

  @Post(':id/nominate')
  @Roles('office')
  @FormPage('kaizen/show', (c: KaizenController, req) => c.showContext(req))
  async nominate(@Param('id', IdPipe) id: number, @Body() dto: NominateKaizenDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.kaizen.nominate(user, id, dto);
    this.back(req, res, id, '表彰の候補に推薦しました（記録に残ります）。');
  }

  @Get(':id/files/:fileId')
  @SignedIn()
  async file(@Param('id', IdPipe) id: number, @Param('fileId', IdPipe) fileId: number, @CurrentUser() user: User, @Res() res: Response) {
    const file = await this.kaizen.file(user, id, fileId);
    sendStoredFile(res, file, file.fileName);
  }

  @Post(':id/files/:fileId/delete')
  @Roles('staff')
  @FormPage('kaizen/show', (c: KaizenController, req) => c.showContext(req))
  async deleteFile(
    @Param('id', IdPipe) id: number,
    @Param('fileId', IdPipe) fileId: number,
    @Body() dto: DeleteKaizenFileDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.kaizen.deleteFile(user, id, fileId, dto);
    this.back(req, res, id, 'ファイルを削除しました。');
  }
}
