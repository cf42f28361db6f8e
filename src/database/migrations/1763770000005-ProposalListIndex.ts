import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The proposal list shows the most recently updated first, 20 at a time. Without an index on that
 * order every page view sorted all proposals (seconds with a million). With updated_at and id first,
 * a page walks the index from the newest entry; status and proposer_id make it covering for the
 * visibility rule of the office (not a draft, or one's own), so even a deep page (OFFSET 40,000) and
 * the list's count never read the table. Same statement on SQLite and PostgreSQL.
 */
export class ProposalListIndex1763770000005 implements MigrationInterface {
  name = 'ProposalListIndex1763770000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX ix_proposals_updated ON proposals (updated_at, id, status, proposer_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_proposals_updated');
  }
}
