import { createHash } from 'node:crypto';
import { TestApp } from './test-app';

/**
 * Tables a refused request may change, and why. Everything else must be byte-for-byte the same after a
 * refusal (4xx) as before it.
 *   sessions        every request touches its own session: the idle expiry rolls forward, flash messages
 *                   and the CSRF token live there, and a login regenerates it.
 *   login_failures  a refused login is recorded on purpose: that record is the login throttle.
 *   similar_rankings  derived from the proposals' text, made when first needed (a page shown again).
 * Notifications are NOT excluded: a refused action notifies nobody and marks nothing read (opening
 * a notification is a 303, which is not compared).
 */
export const SNAPSHOT_EXCLUDED_TABLES: Readonly<Record<string, string>> = {
  sessions: 'rolling session expiry, flash messages and the CSRF token are written on every request',
  login_failures: 'a refused login is recorded by design (login throttling)',
  similar_rankings: 'derived: a refused action shows the proposal page again, which ranks its 似ている提案 if none is stored yet (issue 11)',
};

export interface TableState {
  rows: number;
  /** sha256 of the rows, independent of their order. */
  hash: string;
}

export type DatabaseSnapshot = Record<string, TableState>;

/** The application's tables (SQLite: FTS shadow tables included, the virtual table itself not; PostgreSQL: the current schema). */
export async function tableNames(t: TestApp): Promise<string[]> {
  const rows: { name: string }[] = isPostgres(t)
    ? await t.dataSource.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
    : // A virtual (FTS) table's rows live in its shadow tables, which are listed and compared themselves.
      await t.dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'`);
  return rows.map((r) => r.name).sort();
}

const isPostgres = (t: TestApp) => t.dataSource.options.type === 'postgres';
const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** One query answering, for every compared table, its row count and its rows as text in a fixed order. */
const snapshotQueries = new WeakMap<TestApp, { tables: string[]; sql: string }>();

async function snapshotQuery(t: TestApp): Promise<{ tables: string[]; sql: string }> {
  const known = snapshotQueries.get(t);
  if (known) return known;
  const tables = (await tableNames(t)).filter((table) => !(table in SNAPSHOT_EXCLUDED_TABLES));
  const columns: string[] = [];
  for (const [i, table] of tables.entries()) {
    const name = quoteName(table);
    columns.push(`(SELECT count(*) FROM ${name}) AS n${i}`);
    if (isPostgres(t)) {
      // Each row as its text form, sorted and hashed by the database.
      columns.push(`(SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM ${name} x) AS r${i}`);
    } else {
      const names: { name: string }[] = await t.dataSource.query(`PRAGMA table_info(${name})`);
      const row = names.map((c) => `quote(${quoteName(c.name)})`).join(` || ',' || `);
      columns.push(`(SELECT group_concat(r, char(10)) FROM (SELECT ${row} AS r FROM ${name} ORDER BY r)) AS r${i}`);
    }
  }
  const query = { tables, sql: `SELECT ${columns.join(', ')}` };
  snapshotQueries.set(t, query);
  return query;
}

/**
 * Row count and a content hash of every table except SNAPSHOT_EXCLUDED_TABLES: proposals, users,
 * categories, divisions and settings, and also their neighbours (history, routings, attachments,
 * notifications, mail, counters, the search index), since a refused request must not write any of them.
 * The database serializes and orders the rows itself, in one query, which keeps this fast enough to
 * run around every fuzzed request.
 */
export async function databaseSnapshot(t: TestApp): Promise<DatabaseSnapshot> {
  const { tables, sql } = await snapshotQuery(t);
  const [result]: Record<string, string | number | null>[] = await t.dataSource.query(sql);
  const snapshot: DatabaseSnapshot = {};
  tables.forEach((table, i) => {
    snapshot[table] = {
      rows: Number(result[`n${i}`]),
      hash: createHash('sha256')
        .update(String(result[`r${i}`] ?? ''))
        .digest('hex'),
    };
  });
  return snapshot;
}

/** The tables whose rows differ between two snapshots, with the row counts before and after. */
export function snapshotChanges(before: DatabaseSnapshot, after: DatabaseSnapshot): string[] {
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed: string[] = [];
  for (const table of [...tables].sort()) {
    const a = before[table];
    const b = after[table];
    if (a?.hash === b?.hash && a?.rows === b?.rows) continue;
    changed.push(`${table}: ${a?.rows ?? 'missing'} rows → ${b?.rows ?? 'missing'} rows${a?.rows === b?.rows ? ' (contents changed)' : ''}`);
  }
  return changed;
}
