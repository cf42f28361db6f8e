import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of the session store (see session-store.ts). */
@Entity('sessions')
export class SessionRecord {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  sid!: string;

  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId!: number | null;

  @Column({ type: 'text' })
  data!: string;

  /** Epoch milliseconds. */
  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt!: string | number;
}
