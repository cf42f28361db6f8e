import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One failed login, counted by LoginThrottleService. */
@Entity('login_failures')
export class LoginFailure {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'client_key', type: 'varchar', length: 64 })
  clientKey!: string;

  @Column({ name: 'login_key', type: 'varchar', length: 128 })
  loginKey!: string;

  /** Epoch milliseconds. */
  @Column({ name: 'failed_at', type: 'bigint' })
  failedAt!: string | number;
}
