import { QueryRunner, TableColumnOptions } from 'typeorm';

/** Column shapes shared by migrations, so one migration runs on both SQLite and PostgreSQL. */
export const isPostgres = (queryRunner: QueryRunner): boolean => queryRunner.connection.driver.options.type === 'postgres';

export const idColumn = (): TableColumnOptions => ({
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
});

export const timestampColumn = (queryRunner: QueryRunner, name: string, nullable = false): TableColumnOptions => ({
  name,
  type: isPostgres(queryRunner) ? 'timestamptz' : 'datetime',
  isNullable: nullable,
  ...(nullable ? {} : { default: 'CURRENT_TIMESTAMP' }),
});

/**
 * Inserts rows with plain SQL. Migrations must not go through entity metadata: an entity describes
 * today's schema, a migration the schema at its own point in history (and the query builder would
 * silently drop keys that are column names rather than entity properties).
 */
export async function insertRows(queryRunner: QueryRunner, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (const row of rows) {
    const columns = Object.keys(row);
    const placeholders = columns.map((_, i) => (isPostgres(queryRunner) ? `$${i + 1}` : '?'));
    await queryRunner.query(
      `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${placeholders.join(', ')})`,
      columns.map((c) => row[c]),
    );
  }
}
