import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';

/**
 * The tables of 審査 (review rounds). A round is prepared (entries, judges), opened (its criteria are
 * copied then, so later edits of the office's criteria do not rewrite it), scored, and closed; a closed
 * round is read-only until the office re-opens it with a reason.
 */
export const ROUND_STATUSES = ['preparing', 'open', 'closed'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];
export const ROUND_STATUS_LABELS: Record<RoundStatus, string> = { preparing: '準備中', open: '審査中', closed: '締切済' };

/** What a criterion says: its name, what judges look at, its weight in the total and its top score. */
abstract class CriterionDefinition {
  @Column({ type: 'varchar', length: 50 })
  name!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  description!: string | null;

  @Column({ type: 'integer' })
  weight!: number;

  @Column({ name: 'scale_max', type: 'integer' })
  scaleMax!: number;
}

/** A criterion as the office keeps it (the template for the next rounds). */
@Entity('judging_criteria')
export class JudgingCriterion extends CriterionDefinition {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  position!: number;
}

@Entity('judging_rounds')
export class JudgingRound {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'fiscal_year', type: 'integer' })
  fiscalYear!: number;

  @Column({ type: 'varchar', length: 60 })
  name!: string;

  @Column({ type: 'varchar', length: 20, default: 'preparing' })
  status!: RoundStatus;

  /** 氏名・所属を秘して: judges see neither proposers nor divisions. */
  @Column({ type: 'boolean', default: false })
  blind!: boolean;

  /** Rank by the trimmed mean (highest and lowest judge dropped) instead of the mean. */
  @Column({ type: 'boolean', default: false })
  trimmed!: boolean;

  /** The scoring window, Japan dates, both days included. */
  @Column({ name: 'opens_on', type: 'date' })
  opensOn!: string;

  @Column({ name: 'closes_on', type: 'date' })
  closesOn!: string;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_by', type: 'integer', nullable: true })
  createdBy!: number | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;

  @TimestampColumn({ name: 'closed_at', nullable: true })
  closedAt!: Date | null;
}

/** A criterion as it was when its round opened. */
@Entity('judging_round_criteria')
export class JudgingRoundCriterion extends CriterionDefinition {
  @PrimaryColumn({ name: 'round_id', type: 'integer' })
  roundId!: number;

  @PrimaryColumn({ type: 'integer' })
  position!: number;
}

@Entity('judging_entries')
export class JudgingEntry {
  @PrimaryColumn({ name: 'round_id', type: 'integer' })
  roundId!: number;

  @PrimaryColumn({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  /** 発表順: the order judges and the live screen show. */
  @Column({ type: 'integer' })
  position!: number;
}

@Entity('judging_judges')
export class JudgingJudge {
  @PrimaryColumn({ name: 'round_id', type: 'integer' })
  roundId!: number;

  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;
}

/** One judge's sheet for one entry of a round: the key of its scores and of its comment. */
abstract class SheetKey {
  @PrimaryColumn({ name: 'round_id', type: 'integer' })
  roundId!: number;

  @PrimaryColumn({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @PrimaryColumn({ name: 'judge_id', type: 'integer' })
  judgeId!: number;
}

@Entity('judging_scores')
export class JudgingScore extends SheetKey {
  @PrimaryColumn({ name: 'criterion_position', type: 'integer' })
  criterionPosition!: number;

  @Column({ type: 'integer' })
  score!: number;
}

@Entity('judging_comments')
export class JudgingComment extends SheetKey {
  @Column({ type: 'text' })
  comment!: string;
}

/** Every change of a score (criterion_position) or of the comment (criterion_position null). */
@Entity('judging_score_log')
export class JudgingScoreChange {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'round_id', type: 'integer' })
  roundId!: number;

  @Column({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @Column({ name: 'judge_id', type: 'integer' })
  judgeId!: number;

  @Column({ name: 'criterion_position', type: 'integer', nullable: true })
  criterionPosition!: number | null;

  @Column({ name: 'old_value', type: 'text', nullable: true })
  oldValue!: string | null;

  @Column({ name: 'new_value', type: 'text', nullable: true })
  newValue!: string | null;

  @TimestampColumn({ name: 'changed_at', default: () => 'CURRENT_TIMESTAMP' })
  changedAt!: Date;
}

export const ROUND_EVENT_LABELS = { created: '作成', opened: '審査開始', extended: '締切日の変更', closed: '締切', reopened: '再開' } as const;
export type RoundEventAction = keyof typeof ROUND_EVENT_LABELS;

@Entity('judging_round_events')
export class JudgingRoundEvent {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'round_id', type: 'integer' })
  roundId!: number;

  @Column({ type: 'varchar', length: 20 })
  action!: RoundEventAction;

  @Column({ name: 'actor_id', type: 'integer', nullable: true })
  actorId!: number | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;
}

export const JUDGING_ENTITIES = [
  JudgingCriterion,
  JudgingRound,
  JudgingRoundCriterion,
  JudgingEntry,
  JudgingJudge,
  JudgingScore,
  JudgingComment,
  JudgingScoreChange,
  JudgingRoundEvent,
];
