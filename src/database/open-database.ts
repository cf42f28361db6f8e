import { DataSource, DataSourceOptions } from 'typeorm';
import { restrictSqliteFiles } from './data-source-options';
import { useSafeSqliteTransactions } from './sqlite-transactions';

/** Opens the database, applies the SQLite settings that TypeORM has no option for, and migrates if asked. */
export async function openDatabase(options: DataSourceOptions, migrate: boolean): Promise<DataSource> {
  if (options.type === 'sqlite') restrictSqliteFiles(options.database);
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  if (options.type === 'sqlite') {
    // WAL, busy_timeout and foreign_keys are set by the driver from the options; FULL makes every
    // commit durable across a power cut, which matters more here than write speed.
    await dataSource.query('PRAGMA synchronous = FULL');
    useSafeSqliteTransactions(dataSource);
  }
  if (migrate) await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
