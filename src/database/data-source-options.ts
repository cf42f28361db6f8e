import sqlite3 from 'sqlite3';
import { DataSourceOptions } from 'typeorm';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppConfig } from '../config/config';
import { entities } from './entities';
import { migrations } from './migrations';

/** The one description of the database, used by the app, the command line and ormconfig.ts. */
export function buildDataSourceOptions(
  config: Pick<AppConfig, 'database'> & Partial<Pick<AppConfig, 'sqliteBusyTimeoutMs'>>,
): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: false, logging: false } as const;
  if (config.database.type === 'postgres') {
    return { ...common, type: 'postgres', url: config.database.url, extra: { max: 10 } };
  }
  mkdirSync(dirname(config.database.path), { recursive: true });
  return {
    ...common,
    type: 'sqlite',
    database: config.database.path,
    // WAL lets readers continue while one request writes; the busy timeout makes a second process
    // (the command line, a backup) wait for the lock instead of failing at once; past it, the request
    // gets the "try again" page (common/error-page.filter.ts).
    enableWAL: true,
    driver: quietSqlite3,
    busyTimeout: config.sqliteBusyTimeoutMs ?? 10_000,
  };
}

/**
 * TypeORM calls sqlite3.verbose(), which wraps every statement call to capture a stack trace for
 * error messages: a measurable share of each request's time on a busy server. The module is handed
 * over with verbose() as a no-op; errors still carry SQLite's message and code.
 */
const quietSqlite3: typeof sqlite3 = Object.assign(Object.create(sqlite3) as typeof sqlite3, { verbose: () => quietSqlite3 });
