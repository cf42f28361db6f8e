import { DataSource, QueryRunner } from 'typeorm';

/** TypeORM's bookkeeping on its query runner (transactionDepth is protected in its typings). */
type RunnerState = QueryRunner & { isTransactionActive: boolean; transactionDepth: number };

/**
 * Two corrections to how TypeORM runs transactions on SQLite, where it keeps one connection and one
 * query runner for everything (the runner patched here):
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
 */
export function useSafeSqliteTransactions(dataSource: DataSource): void {
  if (dataSource.options.type !== 'sqlite') return;
  const runner = dataSource.createQueryRunner() as RunnerState;
  const query = runner.query.bind(runner);
  runner.query = ((sql: string, ...rest: unknown[]) =>
    (query as (sql: string, ...rest: unknown[]) => Promise<unknown>)(sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql, ...rest)) as QueryRunner['query'];

  const rollback = runner.rollbackTransaction.bind(runner);
  runner.rollbackTransaction = async () => {
    try {
      await rollback();
    } catch (error) {
      runner.isTransactionActive = false;
      runner.transactionDepth = 0;
      throw error;
    }
  };
}
