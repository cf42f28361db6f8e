import sqlite3 from 'sqlite3';
import { DataSourceOptions } from 'typeorm';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppConfig } from '../config/config';
import { entities } from './entities';
import { migrations } from './migrations';

/** The one description of the database, used by the app, the command line and ormconfig.ts. */
export function buildDataSourceOptions(config: Pick<AppConfig, 'database'> & Partial<Pick<AppConfig, 'sqliteBusyTimeoutMs'>>): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: false, logging: false } as const;
  if (config.database.type === 'postgres') {
    return { ...common, type: 'postgres', url: config.database.url, extra: { max: 10 } };
  }
  // a folder made here is the owner's only, and so is the file (see restrictSqliteFiles)
  mkdirSync(dirname(config.database.path), { recursive: true, mode: 0o700 });
  restrictSqliteFiles(config.database.path);
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

/** Owner only: the database holds password hashes, sessions and attachments. */
export const DATABASE_FILE_MODE = 0o600;

/**
 * Creates the SQLite file, if it is not there yet, readable and writable by its owner only, and brings
 * an existing one (and its -wal, -shm or -journal left from an earlier run) to the same mode. SQLite
 * creates the -wal and -shm files later with the permissions of the database file itself, so they
 * follow; the process umask alone would not do (the usual 022 gives 0644).
 */
export function restrictSqliteFiles(path: string): void {
  if (path === ':memory:' || path === '' || path.startsWith('file:')) return;
  try {
    closeSync(openSync(path, 'wx', DATABASE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    try {
      // only take away what others may do: a file an operator made read-only stays read-only
      if (existsSync(file)) chmodSync(file, statSync(file).mode & DATABASE_FILE_MODE);
    } catch (error) {
      // a file owned by another account (set up by an operator) keeps the mode they chose
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    }
  }
}
