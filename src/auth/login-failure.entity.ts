import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One counted login attempt: written before the password is checked (a reservation), deleted again if
 * the password was right, kept if it was wrong. See LoginThrottleService.
 */
@Entity('login_failures')
export class LoginFailure {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'client_key', type: 'varchar', length: 64 })
  clientKey!: string;

  @Column({ name: 'login_key', type: 'varchar', length: 128 })
  loginKey!: string;

  /** The device token the browser proved for this login (device-cookie.ts); null for an unknown browser. */
  @Column({ name: 'device_key', type: 'varchar', length: 64, nullable: true })
  deviceKey!: string | null;

  /** Epoch milliseconds. */
  @Column({ name: 'failed_at', type: 'bigint' })
  failedAt!: string | number;
}
