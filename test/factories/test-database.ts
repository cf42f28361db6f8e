import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppConfig } from '../../src/config/config';

export interface TestDatabase {
  database: AppConfig['database'];
  dataDir: string;
  drop: () => Promise<void>;
}

/**
 * A new, empty database for one test file. SQLite by default; when DATABASE_URL points at a PostgreSQL
 * server (as in CI), a new database on that server, dropped afterwards.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tane-test-'));
  const serverUrl = process.env.DATABASE_URL?.trim();
  if (!serverUrl) {
    return {
      database: { type: 'sqlite', path: join(dataDir, 'tane.sqlite') },
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `tane_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    database: { type: 'postgres', url: url.toString() },
    dataDir,
    drop: async () => {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
