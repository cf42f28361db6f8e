import { Column, PrimaryGeneratedColumn } from 'typeorm';
import { binaryType, TimestampColumn } from '../database/column-types';

/**
 * A file kept in the database, as a proposal's attachments are, for the other things that carry files
 * (a themed call's material, a カイゼン report's photos). Each owner has its own table and owner column.
 */
export abstract class StoredFile {
  @PrimaryGeneratedColumn()
  id!: number;

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
