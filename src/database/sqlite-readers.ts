import sqlite3 from 'sqlite3';
import { DataSource, QueryRunner } from 'typeorm';

/** How many read-only connections serve SELECTs; the machines this runs on have two cores. */
export const SQLITE_READ_CONNECTIONS = 2;

type Connection = sqlite3.Database & { inFlight?: number };
type RunnerState = QueryRunner & { isTransactionActive: boolean; connect(): Promise<Connection> };

/** A statement that only reads: the read connections are opened read-only, so anything else fails there. */
const READ_ONLY_STATEMENT = /^\s*SELECT\b/i;

/**
 * TypeORM's sqlite driver runs everything, from every request, on one connection and one query
 * runner, so SQLite works on one query at a time however many cores there are, and a page view waits
 * behind every other page's queries. Here the SELECTs made while no transaction is open go to a few
 * read-only connections instead (in WAL mode readers run beside the writer and each statement sees
 * everything committed when it starts); writes and everything inside a transaction stay on the main
 * connection, as before (TypeORM's one query runner cannot tell whose transaction is open, so while
 * one is, every query stays on the main connection).
 *
 * TypeORM's SqliteQueryRunner.query() calls connect() synchronously before its first await, so the
 * connection chosen here just before calling it is the one the statement runs on; the results and
 * errors then go through TypeORM exactly as for the main connection.
 */
export async function useSqliteReadConnections(dataSource: DataSource, count = SQLITE_READ_CONNECTIONS): Promise<void> {
  const options = dataSource.options;
  if (options.type !== 'sqlite' || count < 1 || options.database === ':memory:' || options.database === '') return;
  const readers = await Promise.all(Array.from({ length: count }, () => openReader(options.database, options.busyTimeout)));

  const runner = dataSource.createQueryRunner() as RunnerState;
  const connect = runner.connect.bind(runner);
  const query = runner.query.bind(runner) as (sql: string, ...rest: unknown[]) => Promise<unknown>;
  let chosen: Connection | null = null;
  runner.connect = () => (chosen ? Promise.resolve(chosen) : connect());
  runner.query = ((sql: string, ...rest: unknown[]) => {
    if (runner.isTransactionActive || !READ_ONLY_STATEMENT.test(sql)) return query(sql, ...rest);
    const reader = readers.reduce((a, b) => ((b.inFlight ?? 0) < (a.inFlight ?? 0) ? b : a));
    reader.inFlight = (reader.inFlight ?? 0) + 1;
    chosen = reader;
    try {
      return query(sql, ...rest).finally(() => {
        reader.inFlight!--;
      });
    } finally {
      chosen = null;
    }
  }) as QueryRunner['query'];

  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await Promise.all(readers.map((reader) => new Promise<void>((done) => reader.close(() => done()))));
    return destroy();
  };
}

function openReader(path: string, busyTimeoutMs: number | undefined): Promise<Connection> {
  return new Promise((ok, fail) => {
    const db: Connection = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (error) => {
      if (error) return fail(error);
      // the main connection's checkpoints can briefly hold what a reader needs: wait as it does
      db.configure('busyTimeout', busyTimeoutMs ?? 10_000);
      ok(db);
    });
  });
}
