import { Client } from 'pg';
import sqlite3 from 'sqlite3';
import { PROPOSAL_STATUSES } from '../../src/proposals/proposal-state-machine';
import { decodeFts5Structure, FTS5_STRUCTURE_ROWID } from '../../src/search/fts5-structure';
import { CliRun as Run, runCli } from '../factories/cli';
import { createTestDatabase, TestDatabase } from '../factories/test-database';
import { buildApp } from '../factories/child-app';

/**
 * generate-data as an operator runs it: the compiled command line on a freshly migrated database,
 * then the database itself is examined. On SQLite always; on PostgreSQL too when DATABASE_URL is set.
 */
const PROPOSALS = 2000;

interface Db {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function openSqlite(path: string): Promise<Db> {
  return new Promise((ok, fail) => {
    const db = new sqlite3.Database(path, (error) => {
      if (error) return fail(error);
      ok({
        query: <T>(sql: string, params: unknown[] = []) =>
          new Promise<T[]>((done, failed) => db.all(sql.replace(/\$\d+/g, '?'), params, (e, rows) => (e ? failed(e) : done(rows as T[])))),
        close: () => new Promise<void>((done) => db.close(() => done())),
      });
    });
  });
}

async function openPostgres(url: string): Promise<Db> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return { query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[], close: () => client.end() };
}

const engines: ('sqlite' | 'postgres')[] = process.env.DATABASE_URL?.trim() ? ['sqlite', 'postgres'] : ['sqlite'];

beforeAll(() => {
  // The tests run the compiled command line (and its worker thread), so compile what is in src/ now.
  buildApp();
}, 180_000);

describe.each(engines)('generate-data on %s', (engine) => {
  let testDb: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let db: Db;
  let first: Run;
  const isPg = engine === 'postgres';

  const cli = (args: string[]): Run => runCli(args, { env, timeoutMs: 120_000 });
  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: number | string }>(sql, params))[0].n);

  /** The triggers and indexes on the tables the load writes to, as the engine describes them. */
  const schema = () =>
    isPg
      ? db.query(
          `SELECT 'trigger' AS type, t.tgname AS name, t.tgenabled::text AS detail FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relname IN ('proposals', 'proposal_history', 'routings', 'proposal_coproposers') AND NOT t.tgisinternal
           UNION ALL
           SELECT 'index', indexname, indexdef FROM pg_indexes WHERE tablename IN ('proposals', 'proposal_history', 'routings', 'proposal_coproposers', 'fiscal_year_stats')
           ORDER BY 1, 2`,
        )
      : db.query(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index', 'table') ORDER BY type, name`);

  let schemaBefore: unknown[];

  beforeAll(async () => {
    if (isPg) {
      const previous = process.env.DATABASE_URL;
      testDb = await createTestDatabase();
      process.env.DATABASE_URL = previous;
    } else {
      const saved = process.env.DATABASE_URL;
      delete process.env.DATABASE_URL;
      testDb = await createTestDatabase();
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
    env = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn' };
    delete env.DATA_DIR;
    if (testDb.database.type === 'postgres') env.DATABASE_URL = testDb.database.url;
    else {
      delete env.DATABASE_URL;
      env.SQLITE_PATH = testDb.database.path;
    }
    const migrate = cli(['migrate']);
    if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
    db = testDb.database.type === 'postgres' ? await openPostgres(testDb.database.url) : await openSqlite(testDb.database.path);
    schemaBefore = await schema();
    first = cli(['generate-data', '--proposals', String(PROPOSALS), '--from-year', '2012', '--seed', '7']);
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('runs, reports progress on stderr and one summary line with the time on stdout', () => {
    expect(first.stderr).not.toMatch(/エラー|Error/);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^提案 2,000 件を生成しました（2012〜2026年度、経過 [\d,]+ 件、回付 [\d,]+ 件、.*集計の照合: OK。所要 \d+\.\d 秒\n$/);
    expect(first.stderr).toContain('全文検索の索引を作りました');
  });

  it('stores the proposals, their histories and routings', async () => {
    expect(await count('SELECT COUNT(*) AS n FROM proposals')).toBe(PROPOSALS);
    expect(await count('SELECT COUNT(*) AS n FROM proposal_history')).toBeGreaterThan(PROPOSALS * 4);
    expect(await count(`SELECT COUNT(*) AS n FROM routings`)).toBeGreaterThan(PROPOSALS / 2);
    expect(await count(`SELECT COUNT(*) AS n FROM users WHERE login LIKE 's%'`)).toBe(400);
    expect(await count(`SELECT COUNT(*) AS n FROM divisions WHERE kind = 'section'`)).toBeGreaterThanOrEqual(300);
    // every proposal's version counts its history rows
    expect(await count(`SELECT COUNT(*) AS n FROM proposals p WHERE p.version <> (SELECT COUNT(*) FROM proposal_history h WHERE h.proposal_id = p.id)`)).toBe(
      0,
    );
  });

  it('has every state, and unique proposal numbers whose sequences are where the next number starts', async () => {
    const statuses = (await db.query<{ status: string }>('SELECT DISTINCT status FROM proposals')).map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set(PROPOSAL_STATUSES));
    expect(await count('SELECT COUNT(*) AS n FROM proposals WHERE number IS NOT NULL')).toBe(await count('SELECT COUNT(DISTINCT number) AS n FROM proposals'));
    const sequences = await db.query<{ fiscal_year: number; last_number: number; numbered: number | string }>(
      `SELECT s.fiscal_year, s.last_number, (SELECT COUNT(*) FROM proposals p WHERE p.fiscal_year = s.fiscal_year AND p.number IS NOT NULL) AS numbered
         FROM proposal_number_sequences s ORDER BY s.fiscal_year`,
    );
    expect(sequences.map((s) => Number(s.fiscal_year))).toEqual(Array.from({ length: 15 }, (_, i) => 2012 + i));
    for (const s of sequences) expect(Number(s.last_number)).toBe(Number(s.numbered));
  });

  it('leaves the counters in agreement with a full recount (verify-stats)', () => {
    const run = cli(['verify-stats']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('集計は一致しています（15 年度）。\n');
  });

  it('leaves the schema exactly as the migrations made it: the same triggers (enabled) and indexes', async () => {
    expect(await schema()).toEqual(schemaBefore);
    if (!isPg) {
      expect(await db.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await db.query('PRAGMA foreign_key_check')).toEqual([]);
      // as the migrations configured it (automatic merging off), the load's buffer size taken out again
      expect(await db.query('SELECT k, v FROM proposals_fts_config ORDER BY k')).toEqual([
        { k: 'automerge', v: 0 },
        { k: 'crisismerge', v: 64 },
        { k: 'version', v: 4 },
      ]);
      // merged into one segment: otherwise each later insert would go on merging the bulk-built ones
      expect(await count('SELECT COUNT(DISTINCT segid) AS n FROM proposals_fts_idx')).toBe(1);
      // and high enough up that the scheduled merges of later writes never reach it (issue 11)
      const [structure] = await db.query<{ block: Uint8Array }>('SELECT block FROM proposals_fts_data WHERE id = $1', [FTS5_STRUCTURE_ROWID]);
      const levels = decodeFts5Structure(structure.block).levels;
      expect(levels.findIndex((l) => l.segments.length > 0)).toBeGreaterThanOrEqual(10);
      expect(levels.flatMap((l) => l.segments).map((g) => g.entries)).toEqual([PROPOSALS]);
    }
  });

  it('finds a generated title through the search index', async () => {
    const [target] = await db.query<{ id: number; title: string }>(`SELECT id, title FROM proposals WHERE status = 'decided' ORDER BY id DESC LIMIT 1`);
    const found = isPg
      ? await db.query<{ id: number }>('SELECT id FROM proposals WHERE title %> $1 ORDER BY word_similarity($1, title) DESC, id DESC LIMIT 200', [target.title])
      : await db.query<{ id: number }>('SELECT rowid AS id FROM proposals_fts WHERE proposals_fts MATCH $1', [`title : "${target.title}"`]);
    expect(found.map((r) => Number(r.id))).toContain(Number(target.id));
    if (!isPg) {
      // every proposal is in the index, no more and no fewer
      const terms = ['について', 'の見直', 'を行う', 'ペーパーレス'];
      const anyColumn = ['title', 'proposal_text', 'current_problem'].flatMap((c) => terms.map((t) => `${c} LIKE '%${t}%'`)).join(' OR ');
      const indexed = await count(`SELECT COUNT(*) AS n FROM proposals_fts WHERE proposals_fts MATCH '${terms.map((t) => `"${t}"`).join(' OR ')}'`);
      expect(indexed).toBeGreaterThan(PROPOSALS / 2);
      expect(indexed).toBe(await count(`SELECT COUNT(*) AS n FROM proposals WHERE ${anyColumn}`));
    }
  });

  it('keeps the history append-only: the database refuses to change or delete a row', async () => {
    await expect(db.query(`UPDATE proposal_history SET comment = 'x' WHERE id = (SELECT MIN(id) FROM proposal_history)`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM proposal_history WHERE id = (SELECT MIN(id) FROM proposal_history)`)).rejects.toThrow(/append-only/);
  });

  it('keeps the counters and the search index by trigger again after the load', async () => {
    const [p] = await db.query<{ id: number; fiscal_year: number }>(`SELECT id, fiscal_year FROM proposals WHERE status = 'submitted' ORDER BY id LIMIT 1`);
    const submitted = () => count('SELECT submitted AS n FROM fiscal_year_stats WHERE fiscal_year = $1', [p.fiscal_year]);
    const before = await submitted();
    await db.query(`UPDATE proposals SET status = 'withdrawn', title = '窓口に置く再生紙ノートの共同購入' WHERE id = $1`, [p.id]);
    expect(await submitted()).toBe(before - 1);
    if (!isPg) {
      const hits = await db.query<{ id: number }>(`SELECT rowid AS id FROM proposals_fts WHERE proposals_fts MATCH '"再生紙ノート"'`);
      expect(hits.map((h) => Number(h.id))).toEqual([Number(p.id)]);
    }
    expect(cli(['verify-stats']).status).toBe(0);
  });

  it('refuses to run again on a database with proposals unless --append is given, and then adds on top', async () => {
    const refused = cli(['generate-data', '--proposals', '10']);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`エラー: このデータベースには既に提案が 2,000 件あります。追加するときは --append を付けてください\n`);
    expect(await count('SELECT COUNT(*) AS n FROM proposals')).toBe(PROPOSALS);

    const lastBefore = await count(`SELECT last_number AS n FROM proposal_number_sequences WHERE fiscal_year = 2026`);
    const appended = cli(['generate-data', '--proposals', '300', '--from-year', '2026', '--append', '--seed', '8']);
    expect(appended.stderr).not.toMatch(/エラー/);
    expect(appended.status).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM proposals')).toBe(PROPOSALS + 300);
    // the same staff and organization, reused
    expect(await count(`SELECT COUNT(*) AS n FROM users WHERE login LIKE 's%'`)).toBe(400);
    expect(await count('SELECT COUNT(*) AS n FROM proposals WHERE number IS NOT NULL')).toBe(await count('SELECT COUNT(DISTINCT number) AS n FROM proposals'));
    expect(await count(`SELECT last_number AS n FROM proposal_number_sequences WHERE fiscal_year = 2026`)).toBe(
      await count(`SELECT COUNT(*) AS n FROM proposals WHERE fiscal_year = 2026 AND number IS NOT NULL`),
    );
    expect(await count(`SELECT last_number AS n FROM proposal_number_sequences WHERE fiscal_year = 2026`)).toBeGreaterThan(lastBefore);
    expect(await schema()).toEqual(schemaBefore);
    expect(cli(['verify-stats']).status).toBe(0);
  });

  it('refuses a fiscal year in the future with a usage error', () => {
    const run = cli(['generate-data', '--proposals', '10', '--to-year', '2999', '--append']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^エラー: --to-year は 1990〜\d{4} の整数で指定してください\n$/);
  });
});
