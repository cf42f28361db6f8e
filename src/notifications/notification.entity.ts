import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';
import type { MailDelivery } from './notification-events';

@Entity('notifications')
export class Notification {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  @Column({ name: 'proposal_id', type: 'integer', nullable: true })
  proposalId!: number | null;

  @Column({ type: 'varchar', length: 40 })
  kind!: string;

  /** The page it opens when it is about something other than a proposal (a カイゼン report): a path such as /kaizen/3. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  link!: string | null;

  @Column({ type: 'text' })
  message!: string;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 120, nullable: true, unique: true })
  dedupeKey!: string | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;

  @TimestampColumn({ name: 'read_at', nullable: true })
  readAt!: Date | null;

  /** Set on a "please act" notification: the act on its proposal that resolves it (see TaskKeys). */
  @Column({ name: 'task_key', type: 'varchar', length: 60, nullable: true })
  taskKey!: string | null;

  /** When the act was done, by anyone entitled; a resolved task is no longer work to do. */
  @TimestampColumn({ name: 'resolved_at', nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'resolved_by', type: 'integer', nullable: true })
  resolvedBy!: number | null;

  /** How the e-mail for it was handled when it was created (null: before preferences existed). */
  @Column({ name: 'mail_delivery', type: 'varchar', length: 20, nullable: true })
  mailDelivery!: MailDelivery | null;
}

/** Where opening a notification leads, on the site and in mails: its link, its proposal, or the judge's rounds. */
export function notificationPath(n: Pick<Notification, 'link' | 'proposalId' | 'kind'>): string | null {
  if (n.link) return n.link;
  if (n.proposalId) return `/proposals/${n.proposalId}`;
  // a request to score (審査) is about the judge's rounds, never one proposal (a blind round names none)
  return n.kind === 'judging' ? '/scoring' : null;
}
