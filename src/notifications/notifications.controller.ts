import type { User } from '../users/user.entity';
import { CurrentUser, currentUser } from '../auth/current-user.decorator';
import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SignedIn } from '../auth/access.decorators';
import { NotFoundError } from '../common/errors';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe, pageNumber } from '../common/id.pipe';
import { formatDateLabel, jstDateString, jstParts } from '../common/jst';
import { NotificationPreferencesDto } from './dto/notification-preferences.dto';
import { EVENT_DEFINITIONS, MAIL_DELIVERIES, MAIL_DELIVERY_LABELS } from './notification-events';
import { Notification, notificationPath } from './notification.entity';
import { NOTIFICATIONS_PAGE_SIZE, NotificationsService } from './notifications.service';

/** 2027年1月2日 9:05 */
const when = (instant: Date): string => {
  const { hour, minute } = jstParts(instant);
  return `${formatDateLabel(jstDateString(instant))} ${hour}:${String(minute).padStart(2, '0')}`;
};

@Controller()
@SignedIn()
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get('notifications')
  @Render('notifications/index')
  async list(@CurrentUser() user: User, @Query('page') page?: string) {
    const userId = user.id;
    const current = pageNumber(page);
    const [tasks, { items, total }] = await Promise.all([this.notifications.openTasks(userId), this.notifications.list(userId, current)]);
    const names = await this.notifications.resolverNames(items);
    const view = (n: Notification) => ({
      id: n.id,
      message: n.message,
      at: when(n.createdAt),
      unread: n.readAt === null && n.resolvedAt === null,
      resolved: n.resolvedAt ? { at: when(n.resolvedAt), by: n.resolvedBy ? (names.get(n.resolvedBy) ?? null) : null } : null,
    });
    return {
      title: 'お知らせ',
      tasks: tasks.items.map(view),
      taskTotal: tasks.total,
      moreTasks: Math.max(0, tasks.total - tasks.items.length),
      items: items.map(view),
      total,
      pager: { page: current, pages: Math.max(1, Math.ceil(total / NOTIFICATIONS_PAGE_SIZE)) },
      pagerQuery: {},
    };
  }

  /** Opening a notification marks it read and goes to what it is about. */
  @Post('notifications/:id/open')
  async open(@Param('id', IdPipe) id: number, @CurrentUser() user: User, @Res() res: Response) {
    const notification = await this.notifications.open(user.id, id);
    if (!notification) throw new NotFoundError();
    res.redirect(303, notificationPath(notification) ?? '/notifications');
  }

  @Post('notifications/read-all')
  async readAll(@CurrentUser() user: User, @Res() res: Response) {
    await this.notifications.markAllRead(user.id);
    res.redirect(303, '/notifications');
  }

  /** メールの受け取り方: per event type, at once, in a daily digest, or not at all. */
  @Get('account/notifications')
  @Render('account/notifications')
  async preferencesPage(@Req() req: Request) {
    const user = currentUser(req);
    const choices = await this.notifications.preferences(user);
    return {
      title: 'メールの受け取り方',
      email: user.email,
      events: choices.map(({ event, delivery }) => ({
        event,
        ...EVENT_DEFINITIONS[event],
        options: MAIL_DELIVERIES.map((value) => ({ value, label: MAIL_DELIVERY_LABELS[value], checked: value === delivery })),
      })),
    };
  }

  @Post('account/notifications')
  @FormPage('account/notifications', (c: NotificationsController, req) => c.preferencesPage(req))
  async savePreferences(@Body() dto: NotificationPreferencesDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.notifications.savePreferences(user, dto);
    flash(req, 'success', 'メールの受け取り方を保存しました。');
    res.redirect(303, '/account/notifications');
  }
}
