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
