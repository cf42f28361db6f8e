import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The machine's PostgreSQL, as CI starts it (.ci/run); DATABASE_URL, when set, names another server. */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PostgresDatabase {
  url: string;
  /** A client on the new database, for the test's own checks. */
  query: <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;
  drop: () => Promise<void>;
}

/**
 * A new, empty PostgreSQL database for one test file, whatever the surrounding run uses: for tests
 * that are about PostgreSQL (several instances on one database), and so must not quietly run on SQLite.
 */
export async function createPostgresDatabase(serverUrl = process.env.DATABASE_URL?.trim() || DEFAULT_POSTGRES_URL): Promise<PostgresDatabase> {
  const name = `tane_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`these tests need PostgreSQL at ${serverUrl} (start it, or set DATABASE_URL): ${(error as Error).message}`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return {
    url: url.toString(),
    query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    drop: async () => {
      await client.end();
      const dropper = new Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
