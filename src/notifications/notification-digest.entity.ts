import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';

/**
 * One row per user and Japan calendar day whose digest mail was queued. The unique (user, day) makes
 * a second run, from the scheduler on another instance or from cron, queue nothing.
 */
@Entity('notification_digests')
export class NotificationDigest {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** 2027-01-02: the Japan calendar day the digest covers. */
  @Column({ name: 'digest_date', type: 'varchar', length: 10 })
  digestDate!: string;

  @Column({ name: 'notification_count', type: 'integer' })
  notificationCount!: number;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;
}
