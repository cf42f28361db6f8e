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
