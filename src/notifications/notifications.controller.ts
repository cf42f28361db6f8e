import { Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SignedIn } from '../auth/access.decorators';
import { NotFoundError } from '../common/errors';
import { IdPipe, pageNumber } from '../common/id.pipe';
import { formatJstDateTime } from '../common/jst';
import { NOTIFICATIONS_PAGE_SIZE, NotificationsService } from './notifications.service';

@Controller('notifications')
@SignedIn()
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Render('notifications/index')
  async list(@Req() req: Request, @Query('page') page?: string) {
    const current = pageNumber(page);
    const { items, total } = await this.notifications.list(req.user!.id, current);
    return {
      title: 'お知らせ',
      items: items.map((n) => ({ id: n.id, message: n.message, unread: n.readAt === null, at: formatJstDateTime(n.createdAt) })),
      total,
      pager: { page: current, pages: Math.max(1, Math.ceil(total / NOTIFICATIONS_PAGE_SIZE)) },
      pagerQuery: {},
    };
  }

  /** Opening a notification marks it read and goes to what it is about. */
  @Post(':id/open')
  async open(@Param('id', IdPipe) id: number, @Req() req: Request, @Res() res: Response) {
    const notification = await this.notifications.open(req.user!.id, id);
    if (!notification) throw new NotFoundError();
    res.redirect(303, notification.proposalId ? `/proposals/${notification.proposalId}` : '/notifications');
  }

  @Post('read-all')
  async readAll(@Req() req: Request, @Res() res: Response) {
    await this.notifications.markAllRead(req.user!.id);
    res.redirect(303, '/notifications');
  }
}
