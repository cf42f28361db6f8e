import type { User } from './user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { AppLogger } from '../common/app-logger';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe, pageNumber } from '../common/id.pipe';
import { OrganizationService } from '../organization/organization.service';
import { CreateUserDto, DisableUserDto, UpdateUserDto } from './dto/user.dto';
import { isRole, ROLE_LABELS, ROLES } from './roles';
import { USERS_PAGE_SIZE, UsersService } from './users.service';

@Controller('admin/users')
@Roles('admin')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly organization: OrganizationService,
    private readonly logger: AppLogger,
  ) {}

  @Get()
  @Render('admin/users/index')
  async list(@Query('q') q?: string, @Query('role') role?: string, @Query('disabled') disabled?: string, @Query('page') page?: string) {
    const criteria = {
      q: typeof q === 'string' ? q.trim().slice(0, 100) : undefined,
      role: isRole(role) ? role : undefined,
      includeDisabled: disabled === '1',
      page: pageNumber(page),
    };
    const { users, total, page: shown } = await this.users.search(criteria);
    return {
      title: 'ユーザー管理',
      users,
      total,
      criteria,
      roleOptions: ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
      pager: { page: shown, pages: Math.max(1, Math.ceil(total / USERS_PAGE_SIZE)) },
      pagerQuery: { q: criteria.q, role: criteria.role, disabled: criteria.includeDisabled ? '1' : undefined },
    };
  }

  /**
   * What the user form needs besides the user's own values. A user's division that has since been
   * ended is still offered, so saving the form unchanged does not drop it.
   */
  async formContext(current?: { id: number; name: string } | null): Promise<Record<string, unknown>> {
    const divisionOptions = await this.organization.currentDivisionOptions();
    if (current && !divisionOptions.some((d) => d.id === current.id)) {
      divisionOptions.unshift({ id: current.id, label: `${current.name}（廃止された組織）` });
    }
    return { divisionOptions, roleOptions: ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })) };
  }

  @Get('new')
  @Render('admin/users/form')
  async newForm() {
    return { title: 'ユーザーの登録', isNew: true, values: { roles: ['staff'] }, ...(await this.formContext()) };
  }

  @Post()
  @FormPage('admin/users/form', (c: AdminUsersController) => c.newForm())
  async create(@Body() dto: CreateUserDto, @CurrentUser() me: User, @Res() res: Response) {
    const { user, temporaryPassword } = await this.users.create(dto);
    this.logger.event('info', 'user_created', { userId: me.id, targetUserId: user.id, roles: user.roles });
    await this.showTemporaryPassword(
      res,
      user.id,
      `${user.name}さん（${user.login}）を登録しました。仮パスワード「${temporaryPassword}」を本人に伝えてください（この表示は一度だけです）。`,
    );
  }

  /**
   * The answer to a post that made a temporary password: the user's page with the password on it,
   * rendered straight into this response. A flash message and a redirect would keep the password in
   * plain text in the session row until the next page is shown; this way it is never stored anywhere
   * (and the response, like every page, is sent with Cache-Control: no-store).
   */
  private async showTemporaryPassword(res: Response, userId: number, message: string): Promise<void> {
    const context = await this.editForm(userId);
    // 200, not Nest's 201 for a POST: what comes back is a page to read
    res.status(200).setHeader('Cache-Control', 'no-store');
    res.render('admin/users/form', { ...context, flash: [{ type: 'success', text: message }] });
  }

  @Get(':id')
  @Render('admin/users/form')
  async editForm(@Param('id', IdPipe) id: number) {
    const user = await this.users.get(id);
    return {
      title: `ユーザーの編集：${user.name}`,
      user,
      values: { name: user.name, email: user.email, divisionId: user.divisionId, roles: user.roles },
      ...(await this.formContext(user.division)),
    };
  }

  /** Re-render context for the edit form: the record itself is needed for its header and buttons. */
  editContext(req: Request): Promise<Record<string, unknown>> {
    return this.editForm(new IdPipe().transform(req.params.id as string));
  }

  @Post(':id')
  @FormPage('admin/users/form', (c: AdminUsersController, req) => c.editContext(req))
  async update(@Param('id', IdPipe) id: number, @Body() dto: UpdateUserDto, @CurrentUser() me: User, @Req() req: Request, @Res() res: Response) {
    const user = await this.users.update(id, dto);
    this.logger.event('info', 'user_updated', { userId: me.id, targetUserId: id, roles: user.roles });
    flash(req, 'success', `${user.name}さんの情報を更新しました。`);
    res.redirect(303, `/admin/users/${id}`);
  }

  @Post(':id/disable')
  @FormPage('admin/users/form', (c: AdminUsersController, req) => c.editContext(req))
  async disable(@Param('id', IdPipe) id: number, @Body() _confirmed: DisableUserDto, @CurrentUser() me: User, @Req() req: Request, @Res() res: Response) {
    const user = await this.users.setDisabled(id, true, me);
    this.logger.event('info', 'user_disabled', { userId: me.id, targetUserId: id });
    flash(req, 'success', `${user.name}さんのアカウントを無効にしました。ログイン中の端末からもログアウトされました。`);
    res.redirect(303, `/admin/users/${id}`);
  }

  @Post(':id/enable')
  async enable(@Param('id', IdPipe) id: number, @CurrentUser() me: User, @Req() req: Request, @Res() res: Response) {
    const user = await this.users.setDisabled(id, false, me);
    this.logger.event('info', 'user_enabled', { userId: me.id, targetUserId: id });
    flash(req, 'success', `${user.name}さんのアカウントを有効にしました。`);
    res.redirect(303, `/admin/users/${id}`);
  }

  @Post(':id/reset-password')
  async resetPassword(@Param('id', IdPipe) id: number, @CurrentUser() me: User, @Res() res: Response) {
    const { user, temporaryPassword } = await this.users.resetPassword(id);
    this.logger.event('info', 'password_reset', { userId: me.id, targetUserId: id });
    await this.showTemporaryPassword(
      res,
      id,
      `${user.name}さんのパスワードを仮パスワード「${temporaryPassword}」に再設定しました（この表示は一度だけです）。次回ログイン時に変更が求められます。`,
    );
  }
}
