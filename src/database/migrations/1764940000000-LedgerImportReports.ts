import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { idColumn } from './migration-helpers';

/**
 * ledger_import_reports: the full list of problems of a refused ledger import, as CSV, kept for the
 * importing user for a short time (expires_at, milliseconds since the epoch) so that the error page
 * can show the first 100 and offer the rest as a download from any instance. One row per user at most;
 * expired rows are deleted by the next import.
 */
export class LedgerImportReports1764940000000 implements MigrationInterface {
  name = 'LedgerImportReports1764940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'ledger_import_reports',
        columns: [
          idColumn(),
          { name: 'token', type: 'varchar', length: '64', isUnique: true },
          { name: 'user_id', type: 'integer' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'issue_count', type: 'integer' },
          { name: 'content', type: 'text' },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ledger_import_reports');
  }
}
