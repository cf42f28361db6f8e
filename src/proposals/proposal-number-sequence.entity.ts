import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last proposal number given in a fiscal year. */
@Entity('proposal_number_sequences')
export class ProposalNumberSequence {
  @PrimaryColumn({ name: 'fiscal_year', type: 'integer' })
  fiscalYear!: number;

  @Column({ name: 'last_number', type: 'integer', default: 0 })
  lastNumber!: number;
}
