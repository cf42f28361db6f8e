import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';

/** A tier of the year's 表彰 (最優秀賞 …): how many awards it has and what comes with it. */
@Entity('award_tiers')
export class AwardTier {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'fiscal_year', type: 'integer' })
  fiscalYear!: number;

  @Column({ type: 'integer' })
  position!: number;

  @Column({ type: 'varchar', length: 30 })
  name!: string;

  @Column({ type: 'integer' })
  slots!: number;

  @Column({ name: 'reward_yen', type: 'integer', nullable: true })
  rewardYen!: number | null;

  /** A reward that is not money (記念品). */
  @Column({ name: 'reward_note', type: 'varchar', length: 60, nullable: true })
  rewardNote!: string | null;
}

export const AWARD_STATUSES = ['proposed', 'decided'] as const;
export type AwardStatus = (typeof AWARD_STATUSES)[number];
export const AWARD_STATUS_LABELS: Record<AwardStatus, string> = { proposed: '案', decided: '決定' };

/** An award to a proposal: proposed by the office (from a round's ranking, or by hand with a reason), then decided. */
@Entity('awards')
export class Award {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'fiscal_year', type: 'integer' })
  fiscalYear!: number;

  @Column({ name: 'tier_id', type: 'integer' })
  tierId!: number;

  @Column({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @Column({ name: 'round_id', type: 'integer', nullable: true })
  roundId!: number | null;

  @Column({ type: 'varchar', length: 20, default: 'proposed' })
  status!: AwardStatus;

  /** Why, for an award proposed by hand (or beside a round's ranking). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'proposed_by', type: 'integer', nullable: true })
  proposedBy!: number | null;

  @TimestampColumn({ name: 'proposed_at', default: () => 'CURRENT_TIMESTAMP' })
  proposedAt!: Date;

  @Column({ name: 'decided_by', type: 'integer', nullable: true })
  decidedBy!: number | null;

  /** The date of the award (on the 賞状), set when it is decided. */
  @Column({ name: 'awarded_on', type: 'date', nullable: true })
  awardedOn!: string | null;
}

/** Who received an award, with their name and division as they were when it was decided. */
@Entity('award_recipients')
export class AwardRecipient {
  @PrimaryColumn({ name: 'award_id', type: 'integer' })
  awardId!: number;

  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** 0 for the proposer, then the co-proposers. */
  @Column({ type: 'integer' })
  position!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'division_name', type: 'varchar', length: 100, nullable: true })
  divisionName!: string | null;
}

export const AWARD_ENTITIES = [AwardTier, Award, AwardRecipient];
