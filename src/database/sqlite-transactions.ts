import { DataSource, QueryRunner } from 'typeorm';

/** TypeORM's bookkeeping on its query runner (transactionDepth is protected in its typings). */
type RunnerState = QueryRunner & { isTransactionActive: boolean; transactionDepth: number };

/**
 * A write transaction that holds SQLite's write lock this long or longer is reported. The app has one
 * connection, so while one transaction holds it every other request waits (issue 11: full-text index
 * merges inside a submission froze the whole app for seconds).
 */
export const SLOW_TRANSACTION_MS = 250;

export interface TransactionRecord {
  /** From the end of BEGIN (the lock is held) to the end of COMMIT or ROLLBACK. */
  ms: number;
  outcome: 'commit' | 'rollback';
  /**
   * Verb and table of its first write (`INSERT INTO "proposals"`), to tell which operation it was.
   * Reliable because writes take turns (DbService); other requests' reads share the one connection
   * and run in between, so a count of statements would not be this transaction's own.
   */
  firstWrite: string | null;
}

export interface TransactionTimings {
  transactions: number;
  slow: number;
  longest: TransactionRecord | null;
}

interface Watch {
  timings: TransactionTimings;
  listeners: Set<(transaction: TransactionRecord) => void>;
}

const watches = new WeakMap<DataSource, Watch>();
const emptyTimings = (): TransactionTimings => ({ transactions: 0, slow: 0, longest: null });
/** Verb and table only: the rest of the SQL may be long, and literal values do not belong in a log. */
const WRITE = /^\s*(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+("[^"]+"|\w+)/i;

/** Transactions counted since the data source opened (or since the last reset), with the longest one. */
export function transactionTimings(dataSource: DataSource): TransactionTimings {
  const timings = watches.get(dataSource)?.timings ?? emptyTimings();
  return { ...timings, longest: timings.longest && { ...timings.longest } };
}

export function resetTransactionTimings(dataSource: DataSource): void {
  const watch = watches.get(dataSource);
  if (watch) watch.timings = emptyTimings();
}

/**
 * Calls `listener` after every transaction that held the write lock SLOW_TRANSACTION_MS or longer.
 * The database layer opens before the app's logger exists, so whoever has the logger subscribes here.
 * Returns the unsubscribe function. A no-op on PostgreSQL, which has no single write lock.
 */
export function onSlowTransaction(dataSource: DataSource, listener: (transaction: TransactionRecord) => void): () => void {
  const watch = watches.get(dataSource);
  if (!watch) return () => undefined;
  watch.listeners.add(listener);
  return () => watch.listeners.delete(listener);
}

/**
 * Two corrections to how TypeORM runs transactions on SQLite, where it keeps one connection and one
 * query runner for everything (the runner patched here), and one measurement:
 *
 * 1. `BEGIN IMMEDIATE` instead of TypeORM's deferred `BEGIN`. A deferred transaction takes the write
 *    lock only at its first write; if another process (the command line, a cron job) holds the lock
 *    then, and this transaction has already read something, SQLite answers SQLITE_BUSY at once instead
 *    of waiting for the busy timeout, to avoid a deadlock. Taking the lock first makes the wait happen
 *    at BEGIN, under the busy timeout. All the app's transactions write, and writes are already one at
 *    a time in this process (DbService), so nothing is lost.
 *
 * 2. When BEGIN fails (busy past the timeout), or COMMIT fails in a way that makes SQLite roll back by
 *    itself (disk full, I/O error), TypeORM's ROLLBACK fails too ("no transaction is active") and it
 *    leaves the runner believing a transaction is still open: every later transaction would then be
 *    a savepoint inside nothing. A failed ROLLBACK therefore resets that state.
 *
 * 3. How long each transaction held the write lock: one clock reading after BEGIN and one after COMMIT
 *    or ROLLBACK (see transactionTimings and onSlowTransaction). Time spent waiting for the lock at
 *    BEGIN is not counted: it is someone else's transaction. Time the connection spent meanwhile on
 *    other requests' reads is counted: the lock stays held while the transaction waits for them.
 */
export function useSafeSqliteTransactions(dataSource: DataSource): void {
  if (dataSource.options.type !== 'sqlite') return;
  const watch: Watch = { timings: emptyTimings(), listeners: new Set() };
  watches.set(dataSource, watch);
  let open: { startedAt: number; firstWrite: string | null } | null = null;

  const finish = (outcome: TransactionRecord['outcome']) => {
    if (!open) return;
    const record: TransactionRecord = { ms: performance.now() - open.startedAt, outcome, firstWrite: open.firstWrite };
    open = null;
    const timings = watch.timings;
    timings.transactions++;
    if (!timings.longest || record.ms > timings.longest.ms) timings.longest = record;
    if (record.ms < SLOW_TRANSACTION_MS) return;
    timings.slow++;
    for (const listener of watch.listeners) {
      try {
        listener(record);
      } catch {
        // reporting must never turn a committed transaction into a failed request
      }
    }
  };

  const runner = dataSource.createQueryRunner() as RunnerState;
  const query = runner.query.bind(runner) as (sql: string, ...rest: unknown[]) => Promise<unknown>;
  runner.query = ((sql: string, ...rest: unknown[]) => {
    if (sql === 'BEGIN TRANSACTION') {
      return query('BEGIN IMMEDIATE TRANSACTION', ...rest).then((result) => {
        open = { startedAt: performance.now(), firstWrite: null };
        return result;
      });
    }
    if (open) {
      if (sql === 'COMMIT') {
        // A COMMIT that fails leaves the transaction open until TypeORM's ROLLBACK, which then ends it.
        return query(sql, ...rest).then((result) => {
          finish('commit');
          return result;
        });
      }
      if (sql === 'ROLLBACK') return query(sql, ...rest).finally(() => finish('rollback'));
      if (open.firstWrite === null) {
        const write = WRITE.exec(sql);
        if (write) open.firstWrite = `${write[1].replace(/\s+/g, ' ').toUpperCase()} ${write[2]}`;
      }
    }
    return query(sql, ...rest);
  }) as QueryRunner['query'];

  const rollback = runner.rollbackTransaction.bind(runner);
  runner.rollbackTransaction = async () => {
    try {
      await rollback();
    } catch (error) {
      runner.isTransactionActive = false;
      runner.transactionDepth = 0;
      open = null;
      throw error;
    }
  };
}
