import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/column-types';
import { Division } from '../organization/division.entity';
import { parseRoles, Role, serializeRoles } from './roles';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Stored normalized (NFKC, lower case) so "ＹＡＭＡＤＡ" and "yamada" are the same login. */
  @Column({ type: 'varchar', length: 64, unique: true })
  login!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, select: false })
  passwordHash!: string;

  @Column({
    type: 'varchar',
    length: 100,
    transformer: { to: (roles: Role[]) => serializeRoles(roles ?? []), from: (value: string) => parseRoles(value) },
  })
  roles!: Role[];

  @Column({ name: 'division_id', type: 'integer', nullable: true })
  divisionId!: number | null;

  @ManyToOne(() => Division, { nullable: true })
  @JoinColumn({ name: 'division_id' })
  division?: Division | null;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /** When the account was last disabled (for "active during the year" in participation). */
  @TimestampColumn({ name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;

  @Column({ name: 'must_change_password', type: 'boolean', default: false })
  mustChangePassword!: boolean;

  @TimestampColumn({ name: 'last_login_at', nullable: true })
  lastLoginAt!: Date | null;

  /** Sessions whose sign-in is older than this are ended, even one saved again by a request in flight. */
  @TimestampColumn({ name: 'sessions_revoked_at', nullable: true })
  sessionsRevokedAt!: Date | null;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at', default: () => 'CURRENT_TIMESTAMP' })
  updatedAt!: Date;

  hasRole(...roles: Role[]): boolean {
    return roles.some((role) => this.roles.includes(role));
  }
}
