import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';

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
}
