import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';

/**
 * Staff numbers the office enters for a year and division, for a city where not every member of staff has an
 * account: the participation rate then divides by this number instead of the active accounts, and says so.
 */
@Entity('division_staff_counts')
export class DivisionStaffCount {
  @PrimaryColumn({ name: 'fiscal_year', type: 'integer' })
  fiscalYear!: number;

  @PrimaryColumn({ name: 'division_id', type: 'integer' })
  divisionId!: number;

  @Column({ name: 'staff_count', type: 'integer' })
  staffCount!: number;

  @Column({ name: 'updated_by', type: 'integer', nullable: true })
  updatedBy!: number | null;

  @TimestampColumn({ name: 'updated_at', default: () => 'CURRENT_TIMESTAMP' })
  updatedAt!: Date;
}
