import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import sqlite3 from 'sqlite3';
import { DataSource, EntityManager } from 'typeorm';

/**
 * TypeORM's sqlite driver runs every query on one connection, so two transactions started at once
 * would interleave on it ("cannot start a transaction within a transaction", or worse, one request's
 * rollback undoing another's write). On SQLite every write therefore waits its turn here; PostgreSQL
 * has a connection pool and real isolation, so it goes straight through.
 */
@Injectable()
export class DbService implements BeforeApplicationShutdown {
  private queue: Promise<unknown> = Promise.resolve();
  private reader?: Promise<sqlite3.Database>;
  private closing = false;

  constructor(readonly dataSource: DataSource) {}

  /**
   * A read of committed data that may run beside the writes. On SQLite every query of the app shares
   * one connection, so a long read (ranking 似ている提案 after a submission) would hold up the writes
   * queued behind it; this one runs on a second, read-only connection, which in WAL mode sees every
   * committed transaction and never waits for a writer. Only for reads that need no uncommitted data
   * of the caller's own (never inside a transaction). PostgreSQL: the pool, as any query.
   */
  async readCommitted<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.isSqlite || this.closing) return this.dataSource.query(sql, params);
    const reader = await (this.reader ??= this.openReader());
    return new Promise((resolve, reject) => reader.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
  }

  private openReader(): Promise<sqlite3.Database> {
    const path = this.dataSource.options.database as string;
    return new Promise((resolve, reject) => {
      const reader = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (error) => {
        if (error) return reject(error);
        reader.configure('busyTimeout', 10_000);
        resolve(reader);
      });
    });
  }

  /**
   * Before the main connection closes (every beforeApplicationShutdown hook runs before any
   * onApplicationShutdown): the last connection to close checkpoints and removes the write-ahead log,
   * which a read-only one cannot do. Reads asked for after this go to the main connection.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    const reader = this.reader;
    this.reader = undefined;
    if (reader)
      await reader.then(
        (r) => new Promise<void>((resolve) => r.close(() => resolve())),
        () => undefined,
      );
  }

  /**
   * Makes transactions that take the same key run one after another, from here to their commit: a
   * PostgreSQL advisory lock. On SQLite writes run one at a time anyway, so there is nothing to take.
   */
  async serializeOn(manager: EntityManager, key: number): Promise<void> {
    if (!this.isSqlite) await manager.query('SELECT pg_advisory_xact_lock($1)', [key]);
  }

  get isSqlite(): boolean {
    return this.dataSource.options.type === 'sqlite';
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.isSqlite) return this.dataSource.transaction(work);
    return this.exclusive(() => this.dataSource.transaction(work));
  }

  /** A single write outside a transaction; on SQLite it must not land inside someone else's open transaction. */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.isSqlite) return work(this.dataSource.manager);
    return this.exclusive(() => work(this.dataSource.manager));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
