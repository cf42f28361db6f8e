import { Inject, Injectable } from '@nestjs/common';
import { Brackets, EntityManager, In, IsNull, Repository } from 'typeorm';
import { InjectRepository } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { placeholder } from '../database/sql-placeholder';
import { DbService } from '../database/db.service';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { deliveryFor, eventOf, eventsFor, isMailDelivery, MailDelivery, NotificationEvent, taskKeyMatch, TaskKeys } from './notification-events';
import { NotificationPreference } from './notification-preference.entity';
import { Notification, notificationPath } from './notification.entity';
import { OutboxMail } from './outbox-mail.entity';
import { Clock } from '../common/clock';

/** Dedupe keys asked for in one statement (well under either database's limit of bound parameters). */
const DEDUPE_KEYS_PER_QUERY = 500;

export interface NotificationInput {
  userIds: readonly number[];
  /** The recipients' active accounts when the caller has just read them (saves reading them again); else read by id. */
  recipients?: readonly User[];
  proposalId: number | null;
  /** The page it opens when it is not about a proposal (see notificationPath). */
  link?: string;
  kind: string;
  message: string;
  /** For reminders: a key per (user, event) so a second run adds nothing. */
  dedupeKey?: (userId: number) => string;
  /**
   * Makes it a "please act" notification that the act named by the key resolves, for every
   * recipient at once (see TaskKeys). Needs a proposal.
   */
  taskKey?: string;
}

export interface ResolveOptions {
  /** Who did the act (shown as 対応済み with the name); null for the system. */
  by?: number | null;
  /** Keys that the pattern matches but that stay open (a division still routed after a re-route). */
  except?: readonly string[];
}

export const NOTIFICATIONS_PAGE_SIZE = 30;
/** Open tasks shown at the top of the page; beyond this the page says how many more there are. */
export const OPEN_TASKS_SHOWN = 50;

/**
 * The header's unread badge counts no further than this: "99+" says as much as 12,000, and counting
 * every unread row of someone who never opens them (the office, after years of reminders) cost every
 * page they open a scan of them all.
 */
export const UNREAD_COUNT_CAP = 100;

/** The capped unread count of the user whose id is `userId` (a column or a parameter), as one SQL expression. */
export const UNREAD_COUNT_SQL = (alias: string, userId: string): string =>
  `(SELECT COUNT(*) FROM notifications ${alias} WHERE ${alias}.id IN (SELECT u.id FROM notifications u WHERE u.user_id = ${userId} AND u.read_at IS NULL AND u.resolved_at IS NULL LIMIT ${UNREAD_COUNT_CAP}))`;

@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: DbService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
    private readonly users: UsersRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Records notifications inside the caller's transaction, so a notification exists exactly when the
   * change it reports was committed. Each recipient's e-mail follows their preference for the event
   * type: with SMTP configured, 'immediate' goes to the outbox in the same transaction, 'digest' waits
   * for the daily digest, 'none' sends nothing. Returns how many were new (a repeated dedupe key adds
   * nothing).
   */
  async notify(manager: EntityManager, input: NotificationInput): Promise<number> {
    // A notification is one line: a title with a line break (from the ledger, or from before forms
    // refused one) must not write lines of its own into the e-mails built from it.
    input = { ...input, message: input.message.replace(/[\r\n\u0085\u2028\u2029]+/g, ' ') };
    const userIds = [...new Set(input.userIds)];
    if (!userIds.length) return 0;
    if (input.taskKey) taskKeyMatch(input.taskKey);
    const given = input.recipients ? new Map(input.recipients.map((u) => [u.id, u])) : null;
    let recipients =
      given && userIds.every((id) => given.has(id))
        ? userIds.map((id) => given.get(id)!).filter((u) => !u.disabled)
        : await manager.getRepository(User).find({ where: { id: In(userIds), disabled: false } });
    if (input.dedupeKey) {
      const keys = recipients.map((user) => input.dedupeKey!(user.id));
      const sent = new Set(
        (await manager.getRepository(Notification).find({ select: { dedupeKey: true }, where: { dedupeKey: In(keys) } })).map((n) => n.dedupeKey),
      );
      recipients = recipients.filter((user) => !sent.has(input.dedupeKey!(user.id)));
    }
    if (!recipients.length) return 0;
    const event = eventOf(input.kind, input.taskKey);
    const chosen = new Map(
      (await manager.getRepository(NotificationPreference).find({ where: { userId: In(recipients.map((u) => u.id)), event } })).map(
        (p) => [p.userId, p.delivery] as const,
      ),
    );
    const delivery = (user: User): MailDelivery => deliveryFor(event, { [event]: chosen.get(user.id) });
    // One statement per table, and no reading back of generated columns (nothing here needs them):
    // the office is notified of every submission, inside the submission's transaction.
    await manager
      .createQueryBuilder()
      .insert()
      .into(Notification)
      .values(
        recipients.map((user) => ({
          userId: user.id,
          proposalId: input.proposalId,
          link: input.link ?? null,
          kind: input.kind,
          message: input.message,
          dedupeKey: input.dedupeKey?.(user.id) ?? null,
          taskKey: input.taskKey ?? null,
          mailDelivery: delivery(user),
        })),
      )
      .updateEntity(false)
      .execute();
    const mailed = this.config.smtpUrl ? recipients.filter((user) => user.email && delivery(user) === 'immediate') : [];
    if (mailed.length) {
      const path = notificationPath({ link: input.link ?? null, proposalId: input.proposalId, kind: input.kind });
      const link = path ? `\n\n${this.config.publicUrl}${path}` : '';
      const settings = `\n\nメールの受け取り方（すぐに・1日1回まとめて・受け取らない）は次のページで変えられます。\n${this.config.publicUrl}/account/notifications`;
      await manager
        .createQueryBuilder()
        .insert()
        .into(OutboxMail)
        .values(
          mailed.map((user) => ({
            toAddress: user.email!,
            subject: `【改革のタネ】${input.message}`.slice(0, 200),
            body: `${user.name} 様\n\n${input.message}${link}${settings}\n\n-- \n改革のタネ（このメールは送信専用です）`,
          })),
        )
        .updateEntity(false)
        .execute();
    }
    return recipients.length;
  }

  /**
   * Which of these dedupe keys a notification already carries: read outside any transaction, so a
   * reminder run that has nothing new to say opens no write transaction at all. A key missing here can
   * still be taken by another run a moment later; the unique key decides then (see RemindersService).
   */
  async existingDedupeKeys(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let start = 0; start < keys.length; start += DEDUPE_KEYS_PER_QUERY) {
      const chunk = keys.slice(start, start + DEDUPE_KEYS_PER_QUERY);
      const rows = await this.notifications.find({ select: { dedupeKey: true }, where: { dedupeKey: In(chunk) } });
      for (const row of rows) if (row.dedupeKey) found.add(row.dedupeKey);
    }
    return found;
  }

  /**
   * Marks the open task notifications of a proposal done, for every recipient, inside the caller's
   * transaction (the one that does the act). The key is exact ('decide', 'opinion:12') or a prefix
   * pattern ('opinion:*' for every division, '*' for every task of the proposal). Returns how many
   * notifications were resolved.
   */
  async resolveTask(manager: EntityManager, proposalId: number, taskKey: string, options: ResolveOptions = {}): Promise<number> {
    const match = taskKeyMatch(taskKey);
    const query = manager
      .createQueryBuilder()
      .update(Notification)
      .set({ resolvedAt: this.clock.now(), resolvedBy: options.by ?? null })
      .where('proposal_id = :proposalId AND resolved_at IS NULL AND task_key IS NOT NULL', { proposalId });
    if ('exact' in match) query.andWhere('task_key = :taskKey', { taskKey: match.exact });
    else if (match.prefix) query.andWhere('task_key LIKE :pattern', { pattern: `${match.prefix}%` });
    if (options.except?.length) query.andWhere('task_key NOT IN (:...except)', { except: [...options.except] });
    const result = await query.execute();
    return result.affected ?? 0;
  }

  /**
   * The lead division's part of the implementation track, called where the implementation status is
   * set (decision, correction, report), inside that transaction. When reporting starts (未着手), the
   * lead division's reviewers get a task that 実施済 or 断念 resolves; when the track ends (or a
   * correction takes it away), the task is resolved. 既実施 is recorded as 実施済 at once, so the
   * division only hears of it.
   */
  async implementationTrack(
    manager: EntityManager,
    proposal: { id: number; title: string; leadDivisionId: number | null },
    change: { status: string | null; by: number | null; decision?: string },
  ): Promise<void> {
    const lead = proposal.leadDivisionId;
    if (change.status === 'not_started') {
      if (lead === null) return;
      const open = await manager
        .getRepository(Notification)
        .count({ where: { proposalId: proposal.id, taskKey: TaskKeys.implement(lead), resolvedAt: IsNull() } });
      if (open) return;
      await this.notify(manager, {
        userIds: await this.reviewerIds(manager, lead),
        proposalId: proposal.id,
        kind: 'implementation',
        message: `提案「${proposal.title}」が採用となり、主管課として実施状況の報告が始まります。実施状況の報告をお願いします。`,
        taskKey: TaskKeys.implement(lead),
      });
      return;
    }
    if (change.status === 'in_progress') return;
    await this.resolveTask(manager, proposal.id, TaskKeys.anyImplement, { by: change.by });
    if (change.decision === 'already_implemented' && lead !== null) {
      await this.notify(manager, {
        userIds: await this.reviewerIds(manager, lead),
        proposalId: proposal.id,
        kind: 'implementation',
        message: `提案「${proposal.title}」は既実施と決定され、実施済として記録されました。`,
      });
    }
  }

  /** The active reviewers of a division (the recipients of its tasks). */
  private reviewerIds(manager: EntityManager, divisionId: number): Promise<number[]> {
    return this.users.idsWithRole('reviewer', { divisionIds: [divisionId], manager });
  }

  /** The header's count: unread notifications, leaving out tasks that someone has already done; up to UNREAD_COUNT_CAP. */
  async unreadCount(userId: number): Promise<number> {
    const param = placeholder(this.db.dataSource, 1);
    const rows = (await this.notifications.query(`SELECT ${UNREAD_COUNT_SQL('n', param)} AS n`, [userId])) as { n: number | string }[];
    return Number(rows[0].n);
  }

  /** The user's tasks still to be done (対応が必要), newest first. */
  async openTasks(userId: number): Promise<{ items: Notification[]; total: number }> {
    const [items, total] = await this.notifications
      .createQueryBuilder('n')
      .where('n.user_id = :userId AND n.task_key IS NOT NULL AND n.resolved_at IS NULL', { userId })
      .orderBy('n.id', 'DESC')
      .take(OPEN_TASKS_SHOWN)
      .getManyAndCount();
    return { items, total };
  }

  /** Everything else: plain news, and tasks that are done. */
  async list(userId: number, page: number): Promise<{ items: Notification[]; total: number }> {
    const [items, total] = await this.notifications
      .createQueryBuilder('n')
      .where('n.user_id = :userId', { userId })
      .andWhere(new Brackets((b) => b.where('n.task_key IS NULL').orWhere('n.resolved_at IS NOT NULL')))
      .orderBy('n.id', 'DESC')
      .skip((page - 1) * NOTIFICATIONS_PAGE_SIZE)
      .take(NOTIFICATIONS_PAGE_SIZE)
      .getManyAndCount();
    return { items, total };
  }

  /** Names of the people who resolved these notifications, by user id. */
  async resolverNames(items: readonly Notification[]): Promise<Map<number, string>> {
    const ids = [...new Set(items.map((n) => n.resolvedBy).filter((id): id is number => id !== null))];
    if (!ids.length) return new Map();
    const users = await this.db.dataSource.getRepository(User).find({ select: { id: true, name: true }, where: { id: In(ids) } });
    return new Map(users.map((u) => [u.id, u.name]));
  }

  /** Marks one notification read and returns where it points; only the owner's own. */
  async open(userId: number, id: number): Promise<Notification | null> {
    const notification = await this.notifications.findOne({ where: { id, userId } });
    if (!notification) return null;
    if (!notification.readAt) {
      await this.db.write((m) => m.getRepository(Notification).update({ id, userId }, { readAt: this.clock.now() }));
    }
    return notification;
  }

  async markAllRead(userId: number): Promise<void> {
    await this.db.write((m) => m.getRepository(Notification).update({ userId, readAt: IsNull() }, { readAt: this.clock.now() }));
  }

  // --- e-mail preferences ---

  /** The user's e-mail choice for each event type their roles receive (stored, else the default). */
  async preferences(user: User): Promise<{ event: NotificationEvent; delivery: MailDelivery }[]> {
    const rows = await this.db.dataSource.getRepository(NotificationPreference).find({ where: { userId: user.id } });
    const stored = Object.fromEntries(rows.filter((r) => isMailDelivery(r.delivery)).map((r) => [r.event, r.delivery]));
    return eventsFor(user.roles).map((event) => ({ event, delivery: deliveryFor(event, stored) }));
  }

  /** Saves the choices for the event types the user's roles receive; other event types are left alone. */
  async savePreferences(user: User, choices: Partial<Record<NotificationEvent, MailDelivery>>): Promise<void> {
    const events = eventsFor(user.roles).filter((event) => choices[event]);
    if (!events.length) return;
    await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(NotificationPreference);
      await repo.delete({ userId: user.id, event: In(events) });
      await repo.insert(events.map((event) => ({ userId: user.id, event, delivery: choices[event]! })));
    });
  }
}
