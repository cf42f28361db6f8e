import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';
import { Division } from '../organization/division.entity';
import { User } from '../users/user.entity';
import type { Decision } from './proposal-state-machine';
import type { Proposal } from './proposal.entity';

/** 回付: a proposal sent to one division for its opinion, with a due date. */
@Entity('routings')
export class Routing {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @ManyToOne('Proposal', 'routings')
  @JoinColumn({ name: 'proposal_id' })
  proposal?: Proposal;

  @Column({ name: 'division_id', type: 'integer' })
  divisionId!: number;

  @ManyToOne(() => Division)
  @JoinColumn({ name: 'division_id' })
  division?: Division;

  /** 主管課 (true) or 関係課 (false). */
  @Column({ name: 'is_lead', type: 'boolean', default: false })
  isLead!: boolean;

  /** 回答期限, a Japan calendar date. */
  @Column({ name: 'due_on', type: 'date' })
  dueOn!: string;

  /** False once the office re-routed the proposal elsewhere. */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'opinion_outcome', type: 'varchar', length: 30, nullable: true })
  opinionOutcome!: Decision | null;

  @Column({ name: 'opinion_text', type: 'text', nullable: true })
  opinionText!: string | null;

  @Column({ name: 'opinion_by', type: 'integer', nullable: true })
  opinionById!: number | null;

  @ManyToOne(() => User, { nullable: true })
  @JoinColumn({ name: 'opinion_by' })
  opinionBy?: User | null;

  @TimestampColumn({ name: 'opinion_at', nullable: true })
  opinionAt!: Date | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;
}
