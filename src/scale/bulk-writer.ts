import { Database, Statement } from 'sqlite3';
import type { DataSource, QueryRunner } from 'typeorm';
import { Engine, InsertBuilder, TableSpec } from './sql-literals';

/**
 * Runs the bulk load's statements on one connection, inside the transaction the caller opens:
 * statements are sent without waiting for the previous one (a few at a time), so the database is
 * busy while the next ones are made.
 */
export abstract class BulkWriter {
  abstract readonly engine: Engine;
  /** Statements sent before the oldest must have finished. */
  protected abstract readonly inFlight: number;
  private pending: Promise<void>[] = [];
  private failure: unknown = null;

  /** Runs one statement (with `?` placeholders) and returns its rows. */
  abstract query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs one statement without parameters. */
  protected abstract run(sql: string): Promise<void>;

  /** Sends a statement; resolves once it may be followed by more (not when it has run). */
  async execute(sql: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.pending.push(
      this.run(sql).catch((error: unknown) => {
        this.failure ??= error;
      }),
    );
    if (this.pending.length > this.inFlight) await this.pending.shift();
    if (this.failure) throw this.failure;
  }

  /** Waits until every statement sent has run. */
  async settle(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
    if (this.failure) throw this.failure;
  }

  /** A few rows, made here rather than in the worker (the generated staff). */
  async insertRows(spec: TableSpec, rows: readonly (readonly unknown[])[]): Promise<void> {
    const builder = new InsertBuilder(spec, this.engine);
    for (const sql of builder.add(rows)) await this.execute(sql);
    const rest = builder.take();
    if (rest) await this.execute(rest);
    await this.settle();
  }
}

/** On the sqlite3 driver's own connection (TypeORM's), in serialized mode so statements run in the order sent. */
export class SqliteBulkWriter extends BulkWriter {
  readonly engine = 'sqlite' as const;
  protected readonly inFlight = 4;

  constructor(readonly db: Database) {
    super();
  }

  static of(dataSource: DataSource): SqliteBulkWriter {
    return new SqliteBulkWriter((dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection);
  }

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((ok, fail) => this.db.all(sql, params, (error, rows) => (error ? fail(error) : ok(rows as T[]))));
  }

  /** Several statements without parameters (DDL, PRAGMAs). */
  exec(sql: string): Promise<void> {
    return new Promise((ok, fail) => this.db.exec(sql, (error) => (error ? fail(error) : ok())));
  }

  protected run(sql: string): Promise<void> {
    // A Statement made directly: TypeORM turns on the driver's verbose mode, whose wrappers around
    // Database#run and #exec pass every argument (this whole statement) through util.inspect.
    return new Promise((ok, fail) => {
      const statement = new (Statement as unknown as new (db: Database, sql: string) => Statement)(this.db, sql);
      statement.run((error: Error | null) => (error ? fail(error) : ok()));
      statement.finalize();
    });
  }
}

/** On one pooled connection of TypeORM's pg driver. */
export class PostgresBulkWriter extends BulkWriter {
  readonly engine = 'postgres' as const;
  // pg runs one query at a time per connection (and warns about queueing): one at a time, while the
  // workers make the next statements
  protected readonly inFlight = 0;

  constructor(readonly runner: QueryRunner) {
    super();
  }

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    let n = 0;
    return this.runner.query(
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    ) as Promise<T[]>;
  }

  protected run(sql: string): Promise<void> {
    return this.runner.query(sql).then(() => undefined);
  }
}
