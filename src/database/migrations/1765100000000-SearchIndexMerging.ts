import { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from './migration-helpers';

/** FTS5's own defaults, which down() puts back. */
const FTS5_DEFAULT_AUTOMERGE = 4;
const FTS5_DEFAULT_CRISISMERGE = 16;

/**
 * Level 0 of the index may hold this many segments before FTS5 merges them inside the write that adds
 * the next one (its "crisis merge", which happens even with automerge off). Every write to the index
 * adds one small segment there and the scheduled merge (SearchIndexMaintenanceService) empties it every
 * few seconds, so this is reached only above about ten index writes a second; a crisis merge of that
 * many one-proposal segments is then still small. FTS5 allows up to 1999, but the whole index may hold
 * at most 2000 segments, and every search reads every segment.
 */
export const SEARCH_INDEX_CRISISMERGE = 64;

/**
 * Sets proposals_fts to merge only when told to. Exported because a migration that creates the table
 * again must apply it again: the settings live in the table's own config table (proposals_fts_config).
 */
export async function configureSqliteSearchIndexMerging(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('automerge', 0)`);
  await queryRunner.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('crisismerge', ?)`, [SEARCH_INDEX_CRISISMERGE]);
}

/**
 * Issue 11: by default FTS5 merges index segments inside whichever write transaction crosses its
 * threshold, so one submission now and then did the merge work of many: 1.1 s and 5.8 s with the write
 * lock held on a million proposals, and with one connection every request waits that long. With
 * automerge off, merging happens only in the scheduler's short, separate steps.
 *
 * PostgreSQL: nothing here. Its pg_trgm GIN indexes are the analogue: new entries wait in a pending
 * list that autovacuum merges outside any user transaction, except that the insert which takes the list
 * past gin_pending_list_limit (4 MB by default) merges it itself. Not measured as a problem yet; the
 * remedy would be a smaller limit or fastupdate = off on those indexes, not a scheduler job.
 */
export class SearchIndexMerging1765100000000 implements MigrationInterface {
  name = 'SearchIndexMerging1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) return;
    await configureSqliteSearchIndexMerging(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) return;
    await queryRunner.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('automerge', ?)`, [FTS5_DEFAULT_AUTOMERGE]);
    await queryRunner.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('crisismerge', ?)`, [FTS5_DEFAULT_CRISISMERGE]);
  }
}
