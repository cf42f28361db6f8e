import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { StoredFile } from '../attachments/stored-file.entity';
import { bigintAsNumber, TimestampColumn } from '../database/column-types';

/**
 * The life of a カイゼン report (実績報告): 下書き → 確認待ち (with the reporter's 所属長) → 確認済 (with the office) →
 * 公開 (a case others can read). The 所属長 may return it (差戻し, with a comment); the reporter edits and sends it again.
 * No routing, no opinions, no 採否.
 */
export const KAIZEN_STATUSES = ['draft', 'submitted', 'returned', 'confirmed', 'published'] as const;
export type KaizenStatus = (typeof KAIZEN_STATUSES)[number];
export const KAIZEN_STATUS_LABELS: Record<KaizenStatus, string> = {
  draft: '下書き',
  submitted: '所属長の確認待ち',
  returned: '差戻し',
  confirmed: '確認済',
  published: '公開',
};

@Entity('kaizen_reports')
export class KaizenReport {
  @PrimaryGeneratedColumn()
  id!: number;

  /** K2026-0001, given at the first submission. */
  @Column({ type: 'varchar', length: 20, nullable: true, unique: true })
  number!: string | null;

  /** The fiscal year of the first submission (the cohort rule, as for proposals). */
  @Column({ name: 'fiscal_year', type: 'integer', nullable: true })
  fiscalYear!: number | null;

  @Column({ type: 'varchar', length: 20 })
  status!: KaizenStatus;

  /** Raised by every change; every change is a compare-and-set on it. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ type: 'varchar', length: 100 })
  title!: string;

  @Column({ name: 'category_id', type: 'integer', nullable: true })
  categoryId!: number | null;

  /** What was wrong (改善前). */
  @Column({ type: 'text' })
  problem!: string;

  /** What was changed (改善内容). */
  @Column({ name: 'change_text', type: 'text' })
  changeText!: string;

  /** When the change was made (Japan date). */
  @Column({ name: 'done_on', type: 'date', nullable: true })
  doneOn!: string | null;

  /** Hours saved per year. */
  @Column({ name: 'effect_hours', type: 'integer', nullable: true })
  effectHours!: number | null;

  /** Yen saved per year. */
  @Column({ name: 'effect_yen', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  effectYen!: number | null;

  /** The effect in words (where it is not in hours or yen). */
  @Column({ name: 'effect_text', type: 'text' })
  effectText!: string;

  @Column({ name: 'reporter_id', type: 'integer' })
  reporterId!: number;

  /** The reporter's division at the first submission; its 所属長 confirms the report. */
  @Column({ name: 'reporter_division_id', type: 'integer', nullable: true })
  reporterDivisionId!: number | null;

  @TimestampColumn({ name: 'submitted_at', nullable: true })
  submittedAt!: Date | null;

  @TimestampColumn({ name: 'confirmed_at', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'confirmed_by', type: 'integer', nullable: true })
  confirmedBy!: number | null;

  @TimestampColumn({ name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  /** Set when the office nominates the report for 表彰. */
  @TimestampColumn({ name: 'nominated_at', nullable: true })
  nominatedAt!: Date | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at', default: () => 'CURRENT_TIMESTAMP' })
  updatedAt!: Date;
}

/** A team member named on the report (共同報告者). */
@Entity('kaizen_members')
export class KaizenMember {
  @PrimaryColumn({ name: 'report_id', type: 'integer' })
  reportId!: number;

  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;
}

/** One step of a report: who, when, from what to what, and the comment. Never edited or deleted. */
@Entity('kaizen_history')
export class KaizenHistoryEntry {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId!: number;

  @Column({ name: 'actor_id', type: 'integer', nullable: true })
  actorId!: number | null;

  @Column({ type: 'varchar', length: 20 })
  action!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 20, nullable: true })
  fromStatus!: KaizenStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 20, nullable: true })
  toStatus!: KaizenStatus | null;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;
}

@Entity('kaizen_attachments')
export class KaizenAttachment extends StoredFile {
  @Column({ name: 'report_id', type: 'integer' })
  reportId!: number;
}

export const KAIZEN_ENTITIES = [KaizenReport, KaizenMember, KaizenHistoryEntry, KaizenAttachment];
