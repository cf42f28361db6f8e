import { Inject, Injectable } from '@nestjs/common';
import { AppLogger } from '../common/app-logger';
import { formatDateLabel, jstDateString, jstParts } from '../common/jst';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DbService } from '../database/db.service';
import { isUniqueViolation } from '../database/unique-violation';
import { addDays } from '../proposals/proposal-view.service';
import { User } from '../users/user.entity';
import { NotificationDigest } from './notification-digest.entity';
import { Notification, notificationPath } from './notification.entity';
import { OutboxMail } from './outbox-mail.entity';
import { Clock } from '../common/clock';

/** The scheduler queues the previous day's digests from this hour (Japan time) on. */
export const DIGEST_HOUR_JST = 6;

export interface DigestResult {
  /** The Japan calendar day (2027-01-02) the digests cover. */
  date: string;
  /** Digest mails queued in the outbox by this run. */
  mails: number;
  /** Notifications listed in them. */
  notifications: number;
}

/** A day that has not ended cannot be summed up yet: notifications may still come. */
export class DigestDateError extends Error {}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * 1日1回のまとめメール. For each user, the notifications of one Japan calendar day whose e-mail was set to
 * 'digest' when they were created go out as one mail through the outbox. One digest row per user and
 * day, inserted in the same transaction as the mail, makes a second run (the scheduler on another
 * instance, cron, the same command twice) queue nothing more.
 */
@Injectable()
export class DigestService {
  constructor(
    private readonly db: DbService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: AppLogger,
    private readonly clock: Clock,
  ) {}

  /** For the scheduler: yesterday's digests, once it is DIGEST_HOUR_JST o'clock or later in Japan. */
  async sendDueDigests(now: Date = this.clock.now()): Promise<DigestResult | null> {
    if (jstParts(now).hour < DIGEST_HOUR_JST) return null;
    return this.sendDigests(now);
  }

  /**
   * Queues the digests of `date` (default: yesterday in Japan). Nothing without SMTP_URL: the outbox
   * is only written when mail can be sent (as for immediate mail).
   */
  async sendDigests(now: Date = this.clock.now(), date?: string): Promise<DigestResult> {
    const today = jstDateString(now);
    const day = date ?? addDays(today, -1);
    if (day >= today) throw new DigestDateError(`${formatDateLabel(day)}はまだ終わっていないため、まとめメールは送れません`);
    const result: DigestResult = { date: day, mails: 0, notifications: 0 };
    if (!this.config.smtpUrl) return result;

    const from = new Date(`${day}T00:00:00+09:00`);
    const to = new Date(from.getTime() + 24 * 60 * 60 * 1000);
    const rows = await this.db.dataSource
      .getRepository(Notification)
      .createQueryBuilder('n')
      .innerJoin(User, 'u', 'u.id = n.user_id')
      .where("n.mail_delivery = 'digest' AND n.created_at >= :from AND n.created_at < :to", { from, to })
      .andWhere('u.disabled = :no AND u.email IS NOT NULL', { no: false })
      .andWhere('NOT EXISTS (SELECT 1 FROM notification_digests d WHERE d.user_id = n.user_id AND d.digest_date = :day)', { day })
      .orderBy('n.user_id', 'ASC')
      .addOrderBy('n.id', 'ASC')
      .getMany();
    const byUser = new Map<number, Notification[]>();
    for (const row of rows) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row]);

    for (const [userId, items] of byUser) {
      try {
        const queued = await this.db.transaction(async (manager) => {
          const user = await manager.getRepository(User).findOneBy({ id: userId });
          if (!user?.email || user.disabled) return false;
          await manager.getRepository(NotificationDigest).insert({ userId, digestDate: day, notificationCount: items.length });
          await manager
            .createQueryBuilder()
            .insert()
            .into(OutboxMail)
            .values({ toAddress: user.email, subject: digestSubject(day, items.length), body: this.digestBody(user, day, items) })
            .updateEntity(false)
            .execute();
          return true;
        });
        if (queued) {
          result.mails++;
          result.notifications += items.length;
        }
      } catch (error) {
        // Another run queued this user's digest a moment earlier; theirs stands.
        if (!isUniqueViolation(error)) throw error;
      }
    }
    if (result.mails) this.logger.event('info', 'digests_queued', { ...result });
    return result;
  }

  /**
   * Only what the in-app notifications already say (titles, steps, decision labels), never opinion
   * texts or reasons; dates in the Japanese style.
   */
  private digestBody(user: User, day: string, items: Notification[]): string {
    const open = items.filter((n) => n.taskKey && !n.resolvedAt);
    const done = items.filter((n) => n.taskKey && n.resolvedAt);
    const news = items.filter((n) => !n.taskKey);
    const line = (n: Notification, suffix = '') => {
      const { hour, minute } = jstParts(n.createdAt);
      const path = notificationPath(n);
      const link = path ? `\n  ${this.config.publicUrl}${path}` : '';
      return `・${hour}時${pad(minute)}分${'\u3000'}${n.message}${suffix}${link}`;
    };
    const section = (heading: string, list: Notification[], suffix = '') =>
      list.length ? [`■ ${heading}（${list.length}件）`, ...list.map((n) => line(n, suffix)), ''] : [];
    return [
      `${user.name} 様`,
      '',
      `${formatDateLabel(day)}の改革のタネのお知らせは ${items.length} 件です。`,
      '',
      ...section('対応が必要なもの', open),
      ...section('対応済みになったもの', done, '（対応済み）'),
      ...section('お知らせ', news),
      `お知らせの一覧：${this.config.publicUrl}/notifications`,
      `メールの受け取り方の変更：${this.config.publicUrl}/account/notifications`,
      '',
      '-- ',
      '改革のタネ（このメールは送信専用です）',
    ].join('\n');
  }
}

export const digestSubject = (day: string, count: number): string => `【改革のタネ】${formatDateLabel(day)}のお知らせ（${count}件）`;
