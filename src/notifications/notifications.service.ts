import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull, Repository } from 'typeorm';
import { InjectRepository } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DbService } from '../database/db.service';
import { User } from '../users/user.entity';
import { Notification } from './notification.entity';
import { OutboxMail } from './outbox-mail.entity';

export interface NotificationInput {
  userIds: readonly number[];
  proposalId: number | null;
  kind: string;
  message: string;
  /** For reminders: a key per (user, event) so a second run adds nothing. */
  dedupeKey?: (userId: number) => string;
}

export const NOTIFICATIONS_PAGE_SIZE = 30;

@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: DbService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
  ) {}

  /**
   * Records notifications inside the caller's transaction, so a notification exists exactly when the
   * change it reports was committed. With SMTP configured, the e-mail goes to the outbox in the same
   * transaction. Returns how many were new (a repeated dedupe key adds nothing).
   */
  async notify(manager: EntityManager, input: NotificationInput): Promise<number> {
    const userIds = [...new Set(input.userIds)];
    if (!userIds.length) return 0;
    let recipients = await manager.getRepository(User).find({ where: { id: In(userIds), disabled: false } });
    if (input.dedupeKey) {
      const keys = recipients.map((user) => input.dedupeKey!(user.id));
      const sent = new Set(
        (await manager.getRepository(Notification).find({ select: { dedupeKey: true }, where: { dedupeKey: In(keys) } })).map((n) => n.dedupeKey),
      );
      recipients = recipients.filter((user) => !sent.has(input.dedupeKey!(user.id)));
    }
    if (!recipients.length) return 0;
    // One statement per table, and no reading back of generated columns (nothing here needs them):
    // the office is notified of every submission, inside the submission's transaction.
    await manager
      .createQueryBuilder()
      .insert()
      .into(Notification)
      .values(recipients.map((user) => ({ userId: user.id, proposalId: input.proposalId, kind: input.kind, message: input.message, dedupeKey: input.dedupeKey?.(user.id) ?? null })))
      .updateEntity(false)
      .execute();
    const mailed = this.config.smtpUrl ? recipients.filter((user) => user.email) : [];
    if (mailed.length) {
      const link = input.proposalId ? `\n\n${this.config.publicUrl}/proposals/${input.proposalId}` : '';
      await manager
        .createQueryBuilder()
        .insert()
        .into(OutboxMail)
        .values(
          mailed.map((user) => ({
            toAddress: user.email!,
            subject: `【改革のタネ】${input.message}`.slice(0, 200),
            body: `${user.name} 様\n\n${input.message}${link}\n\n-- \n改革のタネ（このメールは送信専用です）`,
          })),
        )
        .updateEntity(false)
        .execute();
    }
    return recipients.length;
  }

  unreadCount(userId: number): Promise<number> {
    return this.notifications.count({ where: { userId, readAt: IsNull() } });
  }

  async list(userId: number, page: number): Promise<{ items: Notification[]; total: number }> {
    const [items, total] = await this.notifications.findAndCount({
      where: { userId },
      order: { id: 'DESC' },
      skip: (page - 1) * NOTIFICATIONS_PAGE_SIZE,
      take: NOTIFICATIONS_PAGE_SIZE,
    });
    return { items, total };
  }

  /** Marks one notification read and returns where it points; only the owner's own. */
  async open(userId: number, id: number): Promise<Notification | null> {
    const notification = await this.notifications.findOne({ where: { id, userId } });
    if (!notification) return null;
    if (!notification.readAt) {
      await this.db.write((m) => m.getRepository(Notification).update({ id, userId }, { readAt: new Date() }));
    }
    return notification;
  }

  async markAllRead(userId: number): Promise<void> {
    await this.db.write((m) => m.getRepository(Notification).update({ userId, readAt: IsNull() }, { readAt: new Date() }));
  }
}
