import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { binaryType, TimestampColumn } from '../database/column-types';

/** A file attached to a proposal, stored in the database so any app instance can serve it. */
@Entity('attachments')
export class Attachment {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  /** The name as uploaded, cleaned of path parts and control characters. */
  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName!: string;

  /** Decided from the content, never from the name or the browser's claim. */
  @Column({ name: 'media_type', type: 'varchar', length: 100 })
  mediaType!: string;

  @Column({ type: 'integer' })
  size!: number;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ type: binaryType(), select: false })
  content!: Buffer;

  @Column({ name: 'uploaded_by', type: 'integer' })
  uploadedBy!: number;

  @TimestampColumn({ name: 'created_at', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;
}
