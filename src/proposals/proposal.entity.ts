import { Column, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber, TimestampColumn } from '../database/column-types';
import { Category } from '../organization/category.entity';
import { Division } from '../organization/division.entity';
import { User } from '../users/user.entity';
import type { Decision, ImplementationStatus, NotAcceptedReason, ProposalStatus } from './proposal-state-machine';
import { Routing } from './routing.entity';

@Entity('proposals')
export class Proposal {
  @PrimaryGeneratedColumn()
  id!: number;

  /** 2024-0001, given at the first submission. */
  @Column({ type: 'varchar', length: 20, nullable: true, unique: true })
  number!: string | null;

  @Column({ name: 'fiscal_year', type: 'integer', nullable: true })
  fiscalYear!: number | null;

  @Column({ type: 'varchar', length: 30 })
  status!: ProposalStatus;

  /** Raised by every change; every change is a compare-and-set on it (see ProposalWorkflowService). */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ type: 'varchar', length: 100 })
  title!: string;

  @Column({ name: 'category_id', type: 'integer', nullable: true })
  categoryId!: number | null;

  @ManyToOne(() => Category, { nullable: true })
  @JoinColumn({ name: 'category_id' })
  category?: Category | null;

  @Column({ name: 'current_problem', type: 'text' })
  currentProblem!: string;

  @Column({ name: 'proposal_text', type: 'text' })
  proposalText!: string;

  @Column({ name: 'expected_effect', type: 'text' })
  expectedEffect!: string;

  @Column({ name: 'estimated_hours', type: 'integer', nullable: true })
  estimatedHours!: number | null;

  @Column({ name: 'estimated_yen', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  estimatedYen!: number | null;

  @Column({ name: 'proposer_id', type: 'integer' })
  proposerId!: number;

  @ManyToOne(() => User)
  @JoinColumn({ name: 'proposer_id' })
  proposer?: User;

  @Column({ name: 'proposer_division_id', type: 'integer', nullable: true })
  proposerDivisionId!: number | null;

  @ManyToOne(() => Division, { nullable: true })
  @JoinColumn({ name: 'proposer_division_id' })
  proposerDivision?: Division | null;

  @Column({ name: 'lead_division_id', type: 'integer', nullable: true })
  leadDivisionId!: number | null;

  @ManyToOne(() => Division, { nullable: true })
  @JoinColumn({ name: 'lead_division_id' })
  leadDivision?: Division | null;

  @OneToMany(() => Routing, (routing) => routing.proposal)
  routings?: Routing[];

  /** The themed call (課題提案) this proposal answers; null for a 自由提案. */
  @Column({ name: 'call_id', type: 'integer', nullable: true })
  callId!: number | null;

  @Column({ name: 'not_accepted_reason', type: 'varchar', length: 30, nullable: true })
  notAcceptedReason!: NotAcceptedReason | null;

  @Column({ type: 'varchar', length: 30, nullable: true })
  decision!: Decision | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason!: string | null;

  /** The answer the proposer reads. */
  @Column({ type: 'text', nullable: true })
  answer!: string | null;

  @Column({ name: 'implementation_status', type: 'varchar', length: 30, nullable: true })
  implementationStatus!: ImplementationStatus | null;

  @Column({ name: 'implemented_on', type: 'date', nullable: true })
  implementedOn!: string | null;

  @Column({ name: 'actual_hours', type: 'integer', nullable: true })
  actualHours!: number | null;

  @Column({ name: 'actual_yen', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  actualYen!: number | null;

  @Column({ name: 'implementation_note', type: 'text', nullable: true })
  implementationNote!: string | null;

  @Column({ name: 'form_key', type: 'varchar', length: 64, nullable: true, unique: true, select: false })
  formKey!: string | null;

  @TimestampColumn({ name: 'submitted_at', nullable: true })
  submittedAt!: Date | null;

  @TimestampColumn({ name: 'decided_at', nullable: true })
  decidedAt!: Date | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at', default: () => 'CURRENT_TIMESTAMP' })
  updatedAt!: Date;
}
