import { Column, Entity } from 'typeorm';
import { StoredFile } from './stored-file.entity';

/** A file attached to a proposal, stored in the database so any app instance can serve it. */
@Entity('attachments')
export class Attachment extends StoredFile {
  @Column({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;
}
