import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';

export const DIVISION_KINDS = ['bureau', 'department', 'section'] as const;
export type DivisionKind = (typeof DIVISION_KINDS)[number];
export const DIVISION_KIND_LABELS: Record<DivisionKind, string> = { bureau: '局・区', department: '部', section: '課' };

/**
 * A unit of the organization as it was during [validFrom, validTo]. A reorganization (機構改革) ends
 * a division and creates its successor instead of renaming it, so past records keep pointing at the
 * division as it was when they were made.
 */
@Entity('divisions')
export class Division {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 20 })
  code!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: DivisionKind;

  @Column({ name: 'parent_id', type: 'integer', nullable: true })
  parentId!: number | null;

  @ManyToOne(() => Division, { nullable: true })
  @JoinColumn({ name: 'parent_id' })
  parent?: Division | null;

  /** First day of validity, YYYY-MM-DD (Japan date). */
  @Column({ name: 'valid_from', type: 'date' })
  validFrom!: string;

  /** Last day of validity, YYYY-MM-DD; null while the division exists. */
  @Column({ name: 'valid_to', type: 'date', nullable: true })
  validTo!: string | null;

  @Column({ name: 'sort_order', type: 'integer', default: 0 })
  sortOrder!: number;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;
}
