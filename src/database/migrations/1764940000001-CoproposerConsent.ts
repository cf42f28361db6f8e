import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 共同提案 by consent (issue 10): a colleague named on a proposal is first invited ('invited') and
 * becomes a co-proposer, an author of it, only when they accept ('accepted'); declining deletes the
 * row. Rows from before were made without asking, as the app then worked: they stay co-proposers.
 * The default serves those rows and the bulk loader of generated data; the app always writes the status.
 * Same statements on SQLite and PostgreSQL.
 */
export class CoproposerConsent1764940000001 implements MigrationInterface {
  name = 'CoproposerConsent1764940000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE proposal_coproposers ADD COLUMN status varchar(20) NOT NULL DEFAULT 'accepted'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // without the column an invitation would read as consent: open invitations go
    await queryRunner.query(`DELETE FROM proposal_coproposers WHERE status <> 'accepted'`);
    await queryRunner.query('ALTER TABLE proposal_coproposers DROP COLUMN status');
  }
}
