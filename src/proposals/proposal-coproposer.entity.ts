import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CoproposerStatus } from './proposal-access';

/**
 * A colleague named on a proposal by its proposer: invited (招待中) until they accept and become a
 * co-proposer (accepted). Declining deletes the row. An entity of its own, not a many-to-many join
 * table, so that no query can list the named colleagues without their answer.
 */
@Entity('proposal_coproposers')
export class ProposalCoproposer {
  @PrimaryColumn({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @Column({ type: 'varchar', length: 20, default: 'accepted' })
  status!: CoproposerStatus;
}
