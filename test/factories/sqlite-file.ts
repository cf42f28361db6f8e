import sqlite3 from 'sqlite3';

/**
 * A connection of the test's own to an app's SQLite file: to look at what is stored without going
 * through the app, and to play the other process (one that holds a lock).
 */
export class SqliteFile {
  private constructor(private readonly db: sqlite3.Database) {}

  static open(path: string, options: { readOnly?: boolean } = {}): Promise<SqliteFile> {
    return new Promise((ok, fail) => {
      const db = new sqlite3.Database(path, options.readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE, (error) =>
        error ? fail(error) : ok(new SqliteFile(db)),
      );
    });
  }

  /** Opens, runs one query, closes. */
  static async query<T = Record<string, unknown>>(path: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const file = await SqliteFile.open(path, { readOnly: true });
    try {
      return await file.all<T>(sql, params);
    } finally {
      await file.close();
    }
  }

  all<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((ok, fail) => this.db.all(sql, params, (error, rows) => (error ? fail(error) : ok(rows as T[]))));
  }

  exec(sql: string): Promise<void> {
    return new Promise((ok, fail) => this.db.exec(sql, (error) => (error ? fail(error) : ok())));
  }

  close(): Promise<void> {
    return new Promise((ok, fail) => this.db.close((error) => (error ? fail(error) : ok())));
  }
}

/** `PRAGMA integrity_check` of a file: 'ok', or what is wrong. */
export async function integrityCheck(path: string): Promise<string> {
  const rows = await SqliteFile.query<{ integrity_check: string }>(path, 'PRAGMA integrity_check');
  return rows.map((r) => r.integrity_check).join('\n');
}
