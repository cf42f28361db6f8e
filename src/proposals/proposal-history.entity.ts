import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';
import { User } from '../users/user.entity';
import type { ProposalAction, ProposalStatus } from './proposal-state-machine';

/** 経過: one step in a proposal's life. Append-only; the database refuses updates and deletes. */
@Entity('proposal_history')
export class ProposalHistoryEntry {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @Column({ name: 'actor_id', type: 'integer', nullable: true })
  actorId!: number | null;

  @ManyToOne(() => User, { nullable: true })
  @JoinColumn({ name: 'actor_id' })
  actor?: User | null;

  @Column({ type: 'varchar', length: 30 })
  /**
   * 'coproposal': an invitation to co-propose, its acceptance or refusal; 'award': a 表彰 decided (the
   * status stays as it was in both).
   */
  action!: ProposalAction | 'implementation' | 'imported' | 'coproposal' | 'award';

  @Column({ name: 'from_status', type: 'varchar', length: 30, nullable: true })
  fromStatus!: ProposalStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 30 })
  toStatus!: ProposalStatus;

  /** What changed besides the status, in words (e.g. 実施状況: 未着手 → 実施中). */
  @Column({ type: 'text', nullable: true })
  detail!: string | null;

  /** What the person wrote. */
  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;
}
