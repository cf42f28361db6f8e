import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { postgresStatsTrigger, rebuildStatsSql, sqliteStatsTriggers, STAT_COLUMNS } from '../../reports/stats-sql';
import { isPostgres } from './migration-helpers';

/**
 * Year-by-year counters, kept by triggers in the same transaction as every proposal change, so the
 * year-by-year report reads a few rows instead of counting every proposal (it must answer within
 * 100 ms over a million). `verify-stats` checks them against a full recount.
 */
export class FiscalYearStats1763770000004 implements MigrationInterface {
  name = 'FiscalYearStats1763770000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'fiscal_year_stats',
        columns: [{ name: 'fiscal_year', type: 'integer', isPrimary: true }, ...STAT_COLUMNS.map((c) => ({ name: c.column, type: c.type, default: 0 }))],
      }),
    );
    // The per-year breakdowns (by division, by category) count one fiscal year's rows through this index.
    await queryRunner.query('CREATE INDEX ix_proposals_fy_lead ON proposals (fiscal_year, lead_division_id)');
    await queryRunner.query('CREATE INDEX ix_proposals_fy_proposer_division ON proposals (fiscal_year, proposer_division_id)');
    await queryRunner.query('CREATE INDEX ix_proposals_fy_category ON proposals (fiscal_year, category_id)');
    for (const sql of isPostgres(queryRunner) ? postgresStatsTrigger() : sqliteStatsTriggers()) await queryRunner.query(sql);
    for (const sql of rebuildStatsSql()) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query('DROP TRIGGER proposals_stats ON proposals');
      await queryRunner.query('DROP FUNCTION proposals_stats()');
    } else {
      for (const name of ['proposals_stats_insert', 'proposals_stats_update', 'proposals_stats_delete']) {
        await queryRunner.query(`DROP TRIGGER ${name}`);
      }
    }
    await queryRunner.query('DROP INDEX ix_proposals_fy_lead');
    await queryRunner.query('DROP INDEX ix_proposals_fy_proposer_division');
    await queryRunner.query('DROP INDEX ix_proposals_fy_category');
    await queryRunner.dropTable('fiscal_year_stats');
  }
}
