import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * TypeORM's sqlite driver runs every query on one connection, so two transactions started at once
 * would interleave on it ("cannot start a transaction within a transaction", or worse, one request's
 * rollback undoing another's write). On SQLite every write therefore waits its turn here; PostgreSQL
 * has a connection pool and real isolation, so it goes straight through.
 */
@Injectable()
export class DbService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dataSource: DataSource) {}

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
