import { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from './migration-helpers';

/**
 * SQLite: keeps proposals_fts in step with proposals. Exported because TypeORM rebuilds a SQLite table
 * (create a copy, DROP the original, rename) for most column changes, and dropping `proposals` drops
 * these triggers with it: a later migration that alters `proposals` on SQLite must call this again
 * (and `INDEX_EXISTING_PROPOSALS`, after emptying proposals_fts, if rows may have changed meanwhile).
 */
export async function createSqliteProposalSearchTriggers(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TRIGGER proposals_fts_insert AFTER INSERT ON proposals BEGIN
      INSERT INTO proposals_fts (rowid, title, proposal_text, current_problem)
      VALUES (new.id, new.title, new.proposal_text, new.current_problem);
    END`);
  // Only a change of the searched text re-indexes: status changes (most updates) leave the index alone.
  await queryRunner.query(`
    CREATE TRIGGER proposals_fts_update AFTER UPDATE OF id, title, proposal_text, current_problem ON proposals BEGIN
      DELETE FROM proposals_fts WHERE rowid = old.id;
      INSERT INTO proposals_fts (rowid, title, proposal_text, current_problem)
      VALUES (new.id, new.title, new.proposal_text, new.current_problem);
    END`);
  await queryRunner.query(`
    CREATE TRIGGER proposals_fts_delete AFTER DELETE ON proposals BEGIN
      DELETE FROM proposals_fts WHERE rowid = old.id;
    END`);
}

export const INDEX_EXISTING_PROPOSALS = `
  INSERT INTO proposals_fts (rowid, title, proposal_text, current_problem)
  SELECT id, title, proposal_text, current_problem FROM proposals`;

/**
 * 似ている提案: full-text search over Japanese text, which has no spaces between words, so both
 * engines compare character trigrams instead of words.
 *
 * SQLite: an FTS5 table with the trigram tokenizer. It is contentless (the text stays only in
 * proposals) with contentless_delete, so a row is removed by its id alone: the index cannot drift
 * from the table because a trigger was given old values that differ from what was indexed, as can
 * happen with an external-content table. Drafts are indexed too; the query leaves them out.
 *
 * PostgreSQL: pg_trgm with GIN indexes, queried through word_similarity. pg_trgm decides what a
 * "word" character is from the database's LC_CTYPE: under the plain C / POSIX locale it sees no
 * Japanese characters at all (C.UTF-8 and ja_JP.UTF-8 work), so create the database with one of those.
 */
export class ProposalSearch1763770000003 implements MigrationInterface {
  name = 'ProposalSearch1763770000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await queryRunner.query('CREATE INDEX ix_proposals_title_trgm ON proposals USING gin (title gin_trgm_ops)');
      await queryRunner.query('CREATE INDEX ix_proposals_text_trgm ON proposals USING gin (proposal_text gin_trgm_ops)');
      return;
    }
    await queryRunner.query(`
      CREATE VIRTUAL TABLE proposals_fts USING fts5(
        title, proposal_text, current_problem,
        content = '', contentless_delete = 1, tokenize = 'trigram'
      )`);
    await queryRunner.query(INDEX_EXISTING_PROPOSALS);
    await createSqliteProposalSearchTriggers(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query('DROP INDEX IF EXISTS ix_proposals_text_trgm');
      await queryRunner.query('DROP INDEX IF EXISTS ix_proposals_title_trgm');
      // No CASCADE: if something else has come to use pg_trgm meanwhile, refusing here is better
      // than silently dropping it.
      await queryRunner.query('DROP EXTENSION IF EXISTS pg_trgm');
      return;
    }
    await queryRunner.query('DROP TRIGGER IF EXISTS proposals_fts_delete');
    await queryRunner.query('DROP TRIGGER IF EXISTS proposals_fts_update');
    await queryRunner.query('DROP TRIGGER IF EXISTS proposals_fts_insert');
    await queryRunner.query('DROP TABLE IF EXISTS proposals_fts');
  }
}
