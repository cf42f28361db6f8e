import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { StoredFile } from '../attachments/stored-file.entity';
import { TimestampColumn } from '../database/column-types';

/** Who may answer a call: all staff, or the staff of chosen 局・区 / 課 (and the divisions under them). */
export const CALL_AUDIENCES = ['all', 'divisions'] as const;
export type CallAudience = (typeof CALL_AUDIENCES)[number];

/**
 * A themed call (課題提案 / テーマ募集): the office asks staff to answer an issue within a period. Answers are
 * ordinary proposals carrying `call_id`; they are counted as proposals in the year each was submitted.
 */
@Entity('calls')
export class ThemedCall {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The fiscal year in which the call opens. */
  @Column({ name: 'fiscal_year', type: 'integer' })
  fiscalYear!: number;

  @Column({ type: 'varchar', length: 100 })
  title!: string;

  @Column({ name: 'issue_text', type: 'text' })
  issueText!: string;

  /** First and last day of the period, Japan dates, both included. */
  @Column({ name: 'opens_on', type: 'date' })
  opensOn!: string;

  @Column({ name: 'closes_on', type: 'date' })
  closesOn!: string;

  @Column({ type: 'varchar', length: 20, default: 'all' })
  audience!: CallAudience;

  /** Whether staff may read the answers (title and text, without names) on the call's page while it is open. */
  @Column({ name: 'answers_public', type: 'boolean', default: false })
  answersPublic!: boolean;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_by', type: 'integer', nullable: true })
  createdBy!: number | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;

  /** Set when the office closes the call before its closing date. */
  @TimestampColumn({ name: 'closed_at', nullable: true })
  closedAt!: Date | null;
}

/** A division that will answer the call's proposals; the lead one is the routing default (主管課). */
@Entity('call_divisions')
export class CallDivision {
  @PrimaryColumn({ name: 'call_id', type: 'integer' })
  callId!: number;

  @PrimaryColumn({ name: 'division_id', type: 'integer' })
  divisionId!: number;

  @Column({ name: 'is_lead', type: 'boolean', default: false })
  isLead!: boolean;
}

@Entity('call_categories')
export class CallCategory {
  @PrimaryColumn({ name: 'call_id', type: 'integer' })
  callId!: number;

  @PrimaryColumn({ name: 'category_id', type: 'integer' })
  categoryId!: number;
}

@Entity('call_audience')
export class CallAudienceDivision {
  @PrimaryColumn({ name: 'call_id', type: 'integer' })
  callId!: number;

  @PrimaryColumn({ name: 'division_id', type: 'integer' })
  divisionId!: number;
}

export const CALL_EVENT_ACTIONS = ['create', 'edit', 'extend', 'close'] as const;
export type CallEventAction = (typeof CALL_EVENT_ACTIONS)[number];

/** What happened to a call: created, edited, extended (old and new closing date, reason), closed early. */
@Entity('call_events')
export class CallEvent {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'call_id', type: 'integer' })
  callId!: number;

  @Column({ type: 'varchar', length: 20 })
  action!: CallEventAction;

  @Column({ name: 'actor_id', type: 'integer', nullable: true })
  actorId!: number | null;

  @Column({ name: 'old_closes_on', type: 'date', nullable: true })
  oldClosesOn!: string | null;

  @Column({ name: 'new_closes_on', type: 'date', nullable: true })
  newClosesOn!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;
}

@Entity('call_attachments')
export class CallAttachment extends StoredFile {
  @Column({ name: 'call_id', type: 'integer' })
  callId!: number;
}

export const CALL_ENTITIES = [ThemedCall, CallDivision, CallCategory, CallAudienceDivision, CallEvent, CallAttachment];
