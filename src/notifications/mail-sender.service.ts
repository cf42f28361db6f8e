import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { AppLogger } from '../common/app-logger';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DbService } from '../database/db.service';
import { OutboxMail } from './outbox-mail.entity';
import { Clock } from '../common/clock';

/** What the sender needs from an SMTP client; nodemailer's transporter fits it, and so does a test double. */
export interface MailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string }): Promise<unknown>;
  close?(): void;
}

/** The transport, or null when SMTP_URL is not set (then nothing is sent and the outbox stays as it is). */
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

export function createMailTransport(config: AppConfig): MailTransport | null {
  if (!config.smtpUrl) return null;
  // nodemailer waits up to 10 minutes on a silent server by default; a claimed row must be finished
  // (sent or scheduled again) well within CLAIM_MS, so fail sooner. Query parameters in SMTP_URL win.
  return createTransport({ url: config.smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 });
}

export const MAIL_BATCH_SIZE = 50;
/** How long a claimed row stays invisible to other senders; longer than one send can take. */
export const CLAIM_MS = 10 * 60 * 1000;
const FIRST_RETRY_MS = 60 * 1000;
const MAX_RETRY_MS = 6 * 60 * 60 * 1000;

/** Wait before the next try after the n-th failed one: 1 min, 2, 4, 8 … never more than 6 hours. */
export function retryDelayMs(failedAttempts: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^9 minutes is already past the cap; stopping there keeps the number finite for any count.
  return Math.min(FIRST_RETRY_MS * 2 ** Math.min(exponent, 9), MAX_RETRY_MS);
}

export interface DeliveryResult {
  sent: number;
  failed: number;
}

/**
 * Delivers the mail outbox. A row is never deleted: sent rows keep sent_at, failed ones keep the
 * error and are tried again later. Several app instances (or the scheduler and a cron job) may run
 * this at once; each row is claimed with a compare-and-set first, so only one of them sends it.
 * A crash between the SMTP server accepting a message and sent_at being written means the message
 * is sent again after the claim expires: at least once, never lost.
 */
@Injectable()
export class MailSenderService implements OnApplicationShutdown {
  constructor(
    private readonly db: DbService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport | null,
    private readonly logger: AppLogger,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.transport !== null;
  }

  async deliverPending(now: Date = this.clock.now()): Promise<DeliveryResult> {
    const result: DeliveryResult = { sent: 0, failed: 0 };
    if (!this.transport) return result;
    const due = await this.db.dataSource
      .getRepository(OutboxMail)
      .createQueryBuilder('m')
      .where('m.sent_at IS NULL AND m.next_attempt_at <= :now', { now })
      .orderBy('m.id', 'ASC')
      .take(MAIL_BATCH_SIZE)
      .getMany();
    for (const mail of due) {
      if (!(await this.claim(mail.id, now))) continue;
      try {
        await this.transport.sendMail({ from: this.config.mailFrom, to: mail.toAddress, subject: mail.subject, text: mail.body });
      } catch (error) {
        await this.recordFailure(mail, now, error);
        result.failed++;
        continue;
      }
      await this.db.write((m) =>
        m
          .createQueryBuilder()
          .update(OutboxMail)
          // next_attempt_at back from the claim, so a sent row shows no attempt still to come.
          .set({ sentAt: now, nextAttemptAt: now, attempts: () => 'attempts + 1' })
          .where('id = :id', { id: mail.id })
          .execute(),
      );
      result.sent++;
    }
    if (result.sent || result.failed) this.logger.event('info', 'mail_delivered', { ...result });
    return result;
  }

  /** True when this caller now owns the row: it was still due, and nobody else moved it on first. */
  private async claim(id: number, now: Date): Promise<boolean> {
    const claimed = await this.db.write((m) =>
      m
        .createQueryBuilder()
        .update(OutboxMail)
        .set({ nextAttemptAt: new Date(now.getTime() + CLAIM_MS) })
        .where('id = :id AND sent_at IS NULL AND next_attempt_at <= :now', { id, now })
        .execute(),
    );
    return claimed.affected === 1;
  }

  private async recordFailure(mail: OutboxMail, now: Date, error: unknown): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim().slice(0, 500);
    const attempts = await this.db.write(async (m) => {
      // Read again: the row is ours since the claim, and another sender may have counted a failure
      // between our first read and the claim.
      const { attempts: before } = await m.getRepository(OutboxMail).findOneByOrFail({ id: mail.id });
      const after = before + 1;
      await m
        .createQueryBuilder()
        .update(OutboxMail)
        .set({ attempts: after, lastError: message || 'unknown error', nextAttemptAt: new Date(now.getTime() + retryDelayMs(after)) })
        .where('id = :id AND sent_at IS NULL', { id: mail.id })
        .execute();
      return after;
    });
    // The address stays out of the log; the row id leads to it for whoever may look.
    this.logger.event('warn', 'mail_send_failed', { mailId: mail.id, attempts, error: message });
  }

  onApplicationShutdown(): void {
    this.transport?.close?.();
  }
}
