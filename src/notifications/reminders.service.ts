import { Injectable } from '@nestjs/common';
import { AppLogger } from '../common/app-logger';
import { formatDateLabel, jstDateString } from '../common/jst';
import { DbService } from '../database/db.service';
import { isUniqueViolation } from '../database/unique-violation';
import { DUE_SOON_DAYS } from '../review/inbox.service';
import { addDays } from '../proposals/proposal-view.service';
import { RoutingRepository } from '../proposals/routing.repository';
import { UsersRepository } from '../users/users.repository';
import { TaskKeys } from './notification-events';
import { NotificationInput, NotificationsService } from './notifications.service';
import { Clock } from '../common/clock';

export interface ReminderResult {
  /** Notifications created for opinions due within DUE_SOON_DAYS days. */
  dueSoon: number;
  /** Notifications created for opinions past their due date (reviewers and office together). */
  overdue: number;
}

/**
 * 回答期限のリマインダー. Reviewers hear once when their division's opinion is due soon and once when
 * it is overdue; the office hears once per overdue routing. Every notice carries a dedupe key, so
 * running this again (from the scheduler, from cron, from a second instance at the same moment)
 * creates nothing twice. The key includes the due date: when the office moves the due date, the
 * reminders start over for the new one.
 */
/** Routings read at a time. */
export const REMINDER_PAGE = 500;

@Injectable()
export class RemindersService {
  constructor(
    private readonly db: DbService,
    private readonly notifications: NotificationsService,
    private readonly logger: AppLogger,
    private readonly users: UsersRepository,
    private readonly routings: RoutingRepository,
    private readonly clock: Clock,
  ) {}

  async sendReminders(now: Date = this.clock.now()): Promise<ReminderResult> {
    // 回答期限 is a Japan calendar date, so "today" is the Japan date whatever the server's zone.
    const today = jstDateString(now);
    const soon = addDays(today, DUE_SOON_DAYS);
    const result: ReminderResult = { dueSoon: 0, overdue: 0 };
    // whom to tell, asked once per run: the office, and each division's reviewers
    let office: Promise<number[]> | null = null;
    const reviewersOf = new Map<number, Promise<number[]>>();
    for await (const page of this.routings.owedDueBy(soon, REMINDER_PAGE)) {
      const notices: {
        kind: keyof ReminderResult;
        userIds: number[];
        input: Omit<NotificationInput, 'userIds'> & { dedupeKey: (userId: number) => string };
      }[] = [];
      for (const routing of page) {
        const title = routing.proposal!.title;
        const due = formatDateLabel(routing.dueOn);
        if (!reviewersOf.has(routing.divisionId)) reviewersOf.set(routing.divisionId, this.usersWithRole('reviewer', routing.divisionId));
        const reviewers = await reviewersOf.get(routing.divisionId)!;
        const key = (prefix: string) => (userId: number) => `${prefix}:routing:${routing.id}:${routing.dueOn}:user:${userId}`;
        // Reminders are tasks too: the division's opinion (or the routing's end) resolves them.
        const taskKey = TaskKeys.opinion(routing.divisionId);
        const about = { proposalId: routing.proposalId, taskKey };
        if (routing.dueOn >= today) {
          notices.push({
            kind: 'dueSoon',
            userIds: reviewers,
            input: { ...about, kind: 'due_soon', message: `提案「${title}」への意見の回答期限（${due}）が近づいています。`, dedupeKey: key('due-soon') },
          });
        } else {
          notices.push({
            kind: 'overdue',
            userIds: reviewers,
            input: {
              ...about,
              kind: 'overdue',
              message: `提案「${title}」への意見が回答期限（${due}）を過ぎています。意見の入力をお願いします。`,
              dedupeKey: key('overdue'),
            },
          });
          notices.push({
            kind: 'overdue',
            userIds: await (office ??= this.usersWithRole('office')),
            input: {
              ...about,
              kind: 'overdue',
              message: `提案「${title}」への${routing.division!.name}の意見が回答期限（${due}）を過ぎています。`,
              dedupeKey: key('overdue-office'),
            },
          });
        }
      }
      // What earlier runs already said is asked for the whole page at once, so a run with nothing new
      // (every run after the first, on a database with years of neglected routings) writes nothing.
      const sent = await this.notifications.existingDedupeKeys(notices.flatMap((n) => n.userIds.map(n.input.dedupeKey)));
      for (const notice of notices) {
        result[notice.kind] += await this.notifyEach(
          notice.userIds.filter((userId) => !sent.has(notice.input.dedupeKey(userId))),
          notice.input,
        );
      }
    }
    if (result.dueSoon || result.overdue) this.logger.event('info', 'reminders_sent', { ...result });
    return result;
  }

  /**
   * One transaction per person: when another run inserted the same key a moment earlier, the unique
   * key refuses this one (on PostgreSQL that ends the whole transaction), and only that notice is
   * skipped, not the others.
   */
  private async notifyEach(userIds: number[], input: Omit<NotificationInput, 'userIds'>): Promise<number> {
    let created = 0;
    for (const userId of userIds) {
      try {
        created += await this.db.transaction((manager) => this.notifications.notify(manager, { ...input, userIds: [userId] }));
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    return created;
  }

  private usersWithRole(role: 'reviewer' | 'office', divisionId?: number): Promise<number[]> {
    return this.users.idsWithRole(role, divisionId === undefined ? {} : { divisionIds: [divisionId] });
  }
}
