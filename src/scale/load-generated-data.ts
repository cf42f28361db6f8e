import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';
import { hashPassword } from '../auth/password';
import { INDEX_EXISTING_PROPOSALS } from '../database/migrations/1763770000003-ProposalSearch';
import { ReportsService } from '../reports/reports.service';
import { rebuildStatsSql } from '../reports/stats-sql';
import { decodeFts5Structure, FTS5_STRUCTURE_ROWID } from '../search/fts5-structure';
import { serializeRoles } from '../users/roles';
import { BulkWriter, PostgresBulkWriter, SqliteBulkWriter } from './bulk-writer';
import { currentFiscalYear, GenerationContext, planOrganization, planStaff, planYears, Rng, staffCountFor, YearPlan } from './generate-data';
import type { WorkerCredit, WorkerInput, WorkerMessage } from './generate-worker';
import type { TableSpec } from './sql-literals';

export interface GenerateDataOptions {
  proposals: number;
  fromYear: number;
  toYear: number;
  seed: number;
  /** Add to a database that already has proposals. */
  append: boolean;
  now?: Date;
}

export interface GenerateDataResult {
  engine: 'sqlite' | 'postgres';
  proposals: number;
  history: number;
  routings: number;
  coproposers: number;
  divisionsCreated: number;
  usersCreated: number;
  staff: number;
  years: YearPlan[];
  /** Kept counters against a full recount: empty when they agree. */
  differences: number;
  seconds: number;
}

/** Refused before anything is written; the command line shows the message as a usage error. */
export class GenerateDataRefused extends Error {}

const USERS: TableSpec = {
  name: 'users',
  columns: ['login', 'name', 'email', 'password_hash', 'roles', 'division_id', 'disabled', 'must_change_password', 'created_at', 'updated_at'],
  kinds: { disabled: 'flag', must_change_password: 'flag', created_at: 'instant', updated_at: 'instant' },
};

/** The tables the load writes to: their triggers are set aside and their indexes rebuilt. */
const LOADED_TABLES = ['proposals', 'proposal_history', 'routings', 'proposal_coproposers'];

/** What the database derives from proposals by itself: triggers and secondary indexes. */
interface Derived {
  triggers: { name: string; table: string; sql: string }[];
  indexes: { name: string; sql: string }[];
}

/**
 * The engine-specific part of a bulk load: setting the per-row work (triggers, secondary indexes)
 * aside and putting it back exactly as it was, and rebuilding set-wise what those triggers would
 * have kept (the search index, the fiscal-year counters).
 */
interface Engine {
  writer: BulkWriter;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** The first free proposal id, reserving `count` ids from there. */
  reserveProposalIds(count: number): Promise<number>;
  snapshot(): Promise<Derived>;
  setAside(derived: Derived, dropIndexes: boolean): Promise<void>;
  putBack(derived: Derived, dropIndexes: boolean): Promise<void>;
  indexForSearch(firstId: number): Promise<void>;
  raiseSequence(fiscalYear: number, lastNumber: number): Promise<void>;
  /** After the commit (or rollback): connection settings back, statistics. */
  finish(): Promise<void>;
}

function sqliteEngine(dataSource: DataSource, freshLoad = false): Engine {
  const writer = SqliteBulkWriter.of(dataSource);
  const saved: Record<string, unknown> = {};
  let journal: string | null = null;
  const pragma = async (name: string) => Object.values((await writer.query(`PRAGMA ${name}`))[0] ?? {})[0];
  let prepared = false;
  return {
    writer,
    async begin() {
      for (const name of ['foreign_keys', 'synchronous', 'cache_size', 'temp_store']) saved[name] = await pragma(name);
      prepared = true;
      // For the load only, on this connection: the rows are consistent by construction (the e2e test
      // runs foreign_key_check), durability comes from the final checkpoint, and a big cache keeps the
      // index builds in memory. foreign_keys can only change outside a transaction.
      await writer.exec('PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY');
      if (freshLoad) {
        // Into a database without proposals, the rows go straight into the file instead of through the
        // write-ahead log (which would hold all of them, gigabytes, before copying them again). An error
        // still rolls everything back; a crash in the middle leaves a file to delete and generate again.
        // Switching needs the database to itself; if another connection has it open, the log stays.
        const [mode] = await writer.query<{ journal_mode: string }>('PRAGMA journal_mode');
        const [changed] = await writer.query<{ journal_mode: string }>('PRAGMA journal_mode = MEMORY').catch(() => [mode]);
        if (changed.journal_mode !== mode.journal_mode) journal = mode.journal_mode;
      }
      writer.db.serialize();
      await writer.exec('BEGIN IMMEDIATE');
    },
    commit: () => writer.exec('COMMIT'),
    rollback: () => writer.exec('ROLLBACK').catch(() => undefined),
    async reserveProposalIds() {
      const [row] = await writer.query<{ last: number }>(
        `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'proposals'), 0), COALESCE((SELECT MAX(id) FROM proposals), 0)) AS last`,
      );
      return Number(row.last) + 1;
    },
    async snapshot() {
      const names = LOADED_TABLES.map((t) => `'${t}'`).join(', ');
      return {
        triggers: await writer.query(
          `SELECT name, tbl_name AS "table", sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (${names}) ORDER BY name`,
        ),
        indexes: await writer.query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${names}) ORDER BY name`),
      };
    },
    async setAside(derived, dropIndexes) {
      for (const t of derived.triggers) await writer.exec(`DROP TRIGGER "${t.name}"`);
      if (dropIndexes) for (const i of derived.indexes) await writer.exec(`DROP INDEX "${i.name}"`);
    },
    async putBack(derived, dropIndexes) {
      // the exact statements sqlite_master held, so the schema is what the migrations made
      if (dropIndexes) for (const i of derived.indexes) await writer.exec(i.sql);
      for (const t of derived.triggers) await writer.exec(t.sql);
    },
    async indexForSearch(firstId) {
      await raiseSearchIndexLevels(writer);
      // FTS5 flushes its in-memory index every 1 MB by default; a bigger buffer for this one statement
      // writes fewer, larger segments (about half the time). The setting is stored in the index's
      // config table, so it is taken out again afterwards: the index is left configured as created.
      const [before] = await writer.query<{ v: number }>(`SELECT v FROM proposals_fts_config WHERE k = 'hashsize'`);
      await writer.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('hashsize', ?)`, [256 * 1024 * 1024]);
      await writer.query(`${INDEX_EXISTING_PROPOSALS} WHERE id >= ?`, [firstId]);
      await writer.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('hashsize', ?)`, [before?.v ?? 1024 * 1024]);
      if (!before) await writer.query(`DELETE FROM proposals_fts_config WHERE k = 'hashsize'`);
      await writer.query(`DELETE FROM proposals_fts WHERE rowid < 0`);
      // One segment, on the level above every level raiseSearchIndexLevels made. Left as the bulk insert
      // made it (several large segments on the lowest levels), the index would be merged again by the
      // next writes: with FTS5's automatic merging every later insert of a single proposal rewrote
      // thousands of index pages (about 0.3 s and 4 MB per submission on a million proposals).
      await writer.query(`INSERT INTO proposals_fts (proposals_fts) VALUES ('optimize')`);
    },
    async raiseSequence(fiscalYear, lastNumber) {
      await writer.query(
        `INSERT INTO proposal_number_sequences (fiscal_year, last_number) VALUES (?, ?)
         ON CONFLICT (fiscal_year) DO UPDATE SET last_number = MAX(last_number, excluded.last_number)`,
        [fiscalYear, lastNumber],
      );
    },
    async finish() {
      writer.db.parallelize();
      if (!prepared) return;
      await writer.exec(
        `PRAGMA foreign_keys = ${Number(saved.foreign_keys)}; PRAGMA synchronous = ${Number(saved.synchronous)}; ` +
          `PRAGMA cache_size = ${Number(saved.cache_size)}; PRAGMA temp_store = ${Number(saved.temp_store)}`,
      );
      if (journal) await writer.query(`PRAGMA journal_mode = ${journal}`);
      // Everything into the database file itself, synced, and the write-ahead log back to nothing.
      await writer.query('PRAGMA wal_checkpoint(TRUNCATE)');
    },
  };
}

async function postgresEngine(dataSource: DataSource): Promise<Engine> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const writer = new PostgresBulkWriter(runner);
  const tables = LOADED_TABLES.map((t) => `'${t}'`).join(', ');
  return {
    writer,
    async begin() {
      await runner.query('BEGIN');
      // for this transaction only: the index builds at the end sort in memory
      await runner.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    },
    commit: () => runner.query('COMMIT').then(() => undefined),
    rollback: () =>
      runner.query('ROLLBACK').then(
        () => undefined,
        () => undefined,
      ),
    async reserveProposalIds(count) {
      // setval is outside any transaction: the app's own inserts meanwhile take ids after the range.
      const [row] = await writer.query<{ first: string }>(
        `SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM proposals),
                         COALESCE(pg_sequence_last_value(pg_get_serial_sequence('proposals', 'id')::regclass), 0)) + 1 AS first`,
      );
      const first = Number(row.first);
      await writer.query(`SELECT setval(pg_get_serial_sequence('proposals', 'id'), ?, true)`, [first + count - 1]);
      return first;
    },
    async snapshot() {
      return {
        triggers: await writer.query(
          `SELECT t.tgname AS name, c.relname AS "table", '' AS sql FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relname IN (${tables}) AND c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal ORDER BY t.tgname`,
        ),
        indexes: await writer.query(
          `SELECT i.indexname AS name, i.indexdef AS sql FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename IN (${tables})
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
            ORDER BY i.indexname`,
        ),
      };
    },
    async setAside(derived, dropIndexes) {
      for (const t of derived.triggers) await runner.query(`ALTER TABLE "${t.table}" DISABLE TRIGGER "${t.name}"`);
      if (dropIndexes) for (const i of derived.indexes) await runner.query(`DROP INDEX "${i.name}"`);
    },
    async putBack(derived, dropIndexes) {
      if (dropIndexes) for (const i of derived.indexes) await runner.query(i.sql);
      for (const t of derived.triggers) await runner.query(`ALTER TABLE "${t.table}" ENABLE TRIGGER "${t.name}"`);
    },
    // pg_trgm's GIN indexes are ordinary indexes on proposals: rebuilt with the others.
    async indexForSearch() {},
    async raiseSequence(fiscalYear, lastNumber) {
      await writer.query(
        `INSERT INTO proposal_number_sequences (fiscal_year, last_number) VALUES (?, ?)
         ON CONFLICT (fiscal_year) DO UPDATE SET last_number = GREATEST(proposal_number_sequences.last_number, excluded.last_number)`,
        [fiscalYear, lastNumber],
      );
    },
    async finish() {
      try {
        await runner.query('ANALYZE proposals, proposal_history, routings, proposal_coproposers, users, divisions');
      } finally {
        await runner.release();
      }
    },
  };
}

/** Users and divisions the generator works with, created where missing (a second run reuses them). */
async function ensureOrganization(writer: BulkWriter, rng: Rng, proposals: number, now: number) {
  const organization = planOrganization();
  const current = async () =>
    new Map((await writer.query<{ id: number; code: string }>(`SELECT id, code FROM divisions WHERE valid_to IS NULL`)).map((d) => [d.code, Number(d.id)]));
  const divisionIds = await current();
  const validFrom = '2000-04-01';
  let divisionsCreated = 0;
  for (const d of organization) {
    if (divisionIds.has(d.code)) continue;
    const parentId = d.parentCode ? divisionIds.get(d.parentCode)! : null;
    const [row] = await writer.query<{ id: number }>(
      `INSERT INTO divisions (code, name, kind, parent_id, valid_from, valid_to, sort_order) VALUES (?, ?, ?, ?, ?, NULL, ?) RETURNING id`,
      [d.code, d.name, d.kind, parentId, validFrom, d.sortOrder],
    );
    divisionIds.set(d.code, Number(row.id));
    divisionsCreated++;
  }

  const staffPlan = planStaff(staffCountFor(proposals), organization, rng);
  const existing = new Set((await writer.query<{ login: string }>(`SELECT login FROM users`)).map((u) => u.login));
  const missing = staffPlan.filter((s) => !existing.has(s.login));
  if (missing.length) {
    // One hash of a random password that nobody knows, shared by every generated account: argon2 is
    // deliberately slow, and thousands of hashes would take longer than the rest of the load.
    const passwordHash = await hashPassword(randomBytes(24).toString('base64'));
    await writer.insertRows(
      USERS,
      missing.map((s) => [s.login, s.name, s.email, passwordHash, serializeRoles(s.roles), divisionIds.get(s.divisionCode)!, false, false, now, now]),
    );
  }
  const users = new Map(
    (await writer.query<{ id: number; login: string; division_id: number }>(`SELECT id, login, division_id FROM users`)).map((u) => [u.login, u]),
  );
  const planned = staffPlan.map((s) => ({ plan: s, user: users.get(s.login)! }));
  const sections = organization
    .filter((d) => d.kind === 'section')
    .map((d) => {
      const reviewer = planned.find((p) => p.plan.divisionCode === d.code && p.plan.roles.includes('reviewer'))!;
      return { id: divisionIds.get(d.code)!, name: d.name, reviewerId: Number(reviewer.user.id) };
    });
  return {
    divisionsCreated,
    usersCreated: missing.length,
    sections,
    staff: planned.map((p) => ({ id: Number(p.user.id), divisionId: Number(p.user.division_id) })),
    officeIds: planned.filter((p) => p.plan.roles.includes('office')).map((p) => Number(p.user.id)),
  };
}

/** Levels the search index has before a load's final optimize; the loaded segment goes on the next one. */
const SEARCH_INDEX_LEVELS = 10;

/**
 * Keeps the segment a load builds out of later merges (issue 11). FTS5 merges the segments of a level
 * once it has four (usermerge); the output goes one level up. 'optimize' puts its one segment on the
 * level above all existing levels, which after a plain load is level 0, 1 or 2: the scheduled merges
 * would then fold the small segments of a dozen submissions into it and rewrite the whole index (120 MB
 * for 200,000 proposals), and no merge step can be shorter than one term's list of proposals, which in
 * a segment that size took up to 200 ms to write (more in proportion on a million). Ten levels below it, the
 * first merge into it comes after 3 × 4^10 merges of new segments: never, at any plausible load.
 *
 * Levels exist only as merges make them, so this makes some, from placeholder rows (negative rowids,
 * deleted again before the optimize; the transaction holds them all, so nobody ever finds them).
 * Each round adds a segment and starts a merge of everything with a budget of one page ('merge', -1):
 * that puts all segments on a new top level and leaves the merge unfinished, two levels more each
 * time. The unfinished merge also keeps FTS5 from moving smaller segments down to level 0 next to the
 * load's when that is written, which would let the optimize merge all on one level and put its output
 * on level 1 again. Each placeholder holds 2,000 different characters, several pages, so a one-page
 * budget cannot finish merging them. The e2e test of generate-data checks the level that results.
 */
async function raiseSearchIndexLevels(writer: BulkWriter): Promise<void> {
  for (let round = 1; round <= 2 * SEARCH_INDEX_LEVELS; round++) {
    const [row] = await writer.query<{ block: Uint8Array }>(`SELECT block FROM proposals_fts_data WHERE id = ?`, [FTS5_STRUCTURE_ROWID]);
    const structure = row ? decodeFts5Structure(row.block) : null;
    if (structure && structure.levels.length >= SEARCH_INDEX_LEVELS && structure.levels.some((l) => l.merging > 0)) return;
    const placeholder = Array.from({ length: 2000 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919 + round * 104729) % 20000))).join('');
    await writer.query(`INSERT INTO proposals_fts (rowid, title, proposal_text, current_problem) VALUES (?, ?, '', '')`, [-round, placeholder]);
    await writer.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('merge', -1)`);
  }
}

const formatCount = (n: number): string => n.toLocaleString('en-US');

/** Threads making rows and statements while the database thread stores them. */
const GENERATING_WORKERS = 2;

/**
 * Runs the generating workers and executes the statements they send on the writer's connection, as
 * they come (each year's ids are fixed in advance, so years may interleave). Each worker sends a few
 * statements ahead and then waits for credit, so memory stays flat however many rows there are.
 */
function streamFromWorkers(writer: BulkWriter, inputs: WorkerInput[], progress: (proposals: number) => void) {
  type Totals = { proposals: number; history: number; routings: number; coproposers: number };
  return new Promise<{ totals: Totals; lastSequences: Map<number, number> }>((resolve, reject) => {
    const lastSequences = new Map<number, number>();
    const totalsByWorker: Totals[] = inputs.map(() => ({ proposals: 0, history: 0, routings: 0, coproposers: 0 }));
    const sum = (): Totals =>
      totalsByWorker.reduce((a, t) => ({
        proposals: a.proposals + t.proposals,
        history: a.history + t.history,
        routings: a.routings + t.routings,
        coproposers: a.coproposers + t.coproposers,
      }));
    let lastReport = Date.now();
    let running = inputs.length;
    let settled = false;
    // Statements run one after the other, in the order they arrive.
    let chain = Promise.resolve();
    const workers: Worker[] = [];
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      reject(error);
    };
    inputs.forEach((input, index) => {
      // The young generation holds the statements being built; with the default (16 MB) V8 copies and
      // promotes them over and over, which took two thirds of the generating time.
      const worker = new Worker(join(__dirname, 'generate-worker.js'), { workerData: input, resourceLimits: { maxYoungGenerationSizeMb: 384 } });
      workers.push(worker);
      let finished = false;
      worker.on('message', (message: WorkerMessage) => {
        if (settled) return;
        if (message.type === 'sql') {
          chain = chain
            .then(() => writer.execute(message.sql))
            .then(() => worker.postMessage({ credit: 1 } satisfies WorkerCredit))
            .catch(fail);
        } else if (message.type === 'progress') {
          totalsByWorker[index] = { proposals: message.proposals, history: message.history, routings: message.routings, coproposers: message.coproposers };
          if (Date.now() - lastReport > 2000) {
            progress(sum().proposals);
            lastReport = Date.now();
          }
        } else if (message.type === 'year') {
          lastSequences.set(message.fiscalYear, message.lastSequence);
        } else {
          finished = true;
          void worker.terminate();
          if (--running === 0) {
            chain = chain
              .then(() => writer.settle())
              .then(() => {
                settled = true;
                resolve({ totals: sum(), lastSequences });
              })
              .catch(fail);
          }
        }
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!finished) fail(new Error(`データ生成のスレッドが異常終了しました（終了コード ${code}）`));
      });
    });
  });
}

/** Years shared out among the workers, largest first to the least loaded. */
function shareOut<T extends { count: number }>(years: T[], workers: number): T[][] {
  const shares = Array.from({ length: workers }, () => ({ total: 0, years: [] as T[] }));
  for (const year of [...years].sort((a, b) => b.count - a.count)) {
    const least = shares.reduce((a, b) => (b.total < a.total ? b : a));
    least.years.push(year);
    least.total += year.count;
  }
  return shares.map((s) => s.years).filter((y) => y.length);
}

/**
 * Fills the database with `proposals` generated proposals and everything that goes with them, in one
 * transaction: the per-row triggers (counters, search index, append-only guard) are set aside for
 * the load, then put back exactly as they were, and what they would have maintained is rebuilt
 * set-wise. Ends by checking the counters against a full recount.
 */
export async function generateData(
  dataSource: DataSource,
  reports: ReportsService,
  options: GenerateDataOptions,
  progress: (line: string) => void,
): Promise<GenerateDataResult> {
  const started = Date.now();
  const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
  const now = (options.now ?? new Date()).getTime();
  if (options.toYear > currentFiscalYear(now)) throw new GenerateDataRefused(`--to-year は今年度（${currentFiscalYear(now)}）以前にしてください`);
  if (options.fromYear > options.toYear) throw new GenerateDataRefused('--from-year は --to-year 以前にしてください');

  const isSqlite = dataSource.options.type === 'sqlite';
  const existing = Number((await dataSource.query('SELECT COUNT(*) AS n FROM proposals'))[0].n);
  if (existing > 0 && !options.append) {
    throw new GenerateDataRefused(`このデータベースには既に提案が ${formatCount(existing)} 件あります。追加するときは --append を付けてください`);
  }

  const engine = isSqlite ? sqliteEngine(dataSource, existing === 0) : await postgresEngine(dataSource);
  const writer = engine.writer;
  const rng = new Rng(options.seed);
  const years = planYears(options.proposals, options.fromYear, options.toYear, now, rng);
  const counts = { history: 0, routings: 0, coproposers: 0 };
  let result: Omit<GenerateDataResult, 'differences' | 'seconds'>;
  let derivedBefore: Derived;
  // Rebuilding an index from scratch beats inserting into it only when the load is the larger part.
  const dropIndexes = options.proposals >= existing;
  try {
    const firstId = await engine.reserveProposalIds(options.proposals);
    await engine.begin();
    derivedBefore = await engine.snapshot();
    const org = await ensureOrganization(writer, rng, options.proposals, now);
    const categoryIds = (await writer.query<{ id: number }>(`SELECT id FROM categories WHERE active = ? ORDER BY sort_order, id`, [isSqlite ? 1 : true])).map(
      (c) => Number(c.id),
    );
    const lastNumbers = new Map(
      (await writer.query<{ fiscal_year: number; last_number: number }>(`SELECT fiscal_year, last_number FROM proposal_number_sequences`)).map((r) => [
        Number(r.fiscal_year),
        Number(r.last_number),
      ]),
    );
    const ctx: GenerationContext = { now, sections: org.sections, staff: org.staff, officeIds: org.officeIds, categoryIds };
    progress(`組織 ${org.sections.length} 課・職員 ${formatCount(org.staff.length)} 人を用意しました（${elapsed()} 秒）`);

    await engine.setAside(derivedBefore, dropIndexes);
    let nextId = firstId;
    const plan = years
      .filter((y) => y.count > 0)
      .map((y) => {
        const item = { fiscalYear: y.fiscalYear, count: y.count, firstId: nextId, firstSequence: (lastNumbers.get(y.fiscalYear) ?? 0) + 1 };
        nextId += y.count;
        return item;
      });
    const streamed = await streamFromWorkers(
      writer,
      shareOut(plan, GENERATING_WORKERS).map((share) => ({ engine: writer.engine, ctx, seed: options.seed, years: share, window: 8 })),
      (done) =>
        progress(`提案 ${formatCount(done)} / ${formatCount(options.proposals)} 件（${Math.floor((done / options.proposals) * 100)}%）… ${elapsed()} 秒`),
    );
    for (const [fiscalYear, lastSequence] of streamed.lastSequences) {
      if (lastSequence > (lastNumbers.get(fiscalYear) ?? 0)) await engine.raiseSequence(fiscalYear, lastSequence);
    }
    const done = streamed.totals.proposals;
    Object.assign(counts, { history: streamed.totals.history, routings: streamed.totals.routings, coproposers: streamed.totals.coproposers });
    await writer.settle();
    progress(
      `提案 ${formatCount(done)} 件、経過 ${formatCount(counts.history)} 件、回付 ${formatCount(counts.routings)} 件を書き込みました（${elapsed()} 秒）`,
    );

    await engine.putBack(derivedBefore, dropIndexes);
    progress(`索引とトリガーを元に戻しました（${elapsed()} 秒）`);
    await engine.indexForSearch(firstId);
    progress(`全文検索の索引を作りました（${elapsed()} 秒）`);
    for (const sql of rebuildStatsSql()) await writer.query(sql);
    progress(`年度別の集計を作り直しました（${elapsed()} 秒）`);
    await engine.commit();
    progress(`書き込みを確定しました（${elapsed()} 秒）`);
    result = {
      engine: isSqlite ? 'sqlite' : 'postgres',
      proposals: done,
      ...counts,
      divisionsCreated: org.divisionsCreated,
      usersCreated: org.usersCreated,
      staff: org.staff.length,
      years,
    };
  } catch (error) {
    await engine.rollback();
    throw error;
  } finally {
    await engine.finish();
  }
  progress(`データベースファイルに反映しました（${elapsed()} 秒）`);

  // The schema must be exactly as before: the same triggers (enabled) and indexes.
  const checkEngine = isSqlite ? sqliteEngine(dataSource) : await postgresEngine(dataSource);
  try {
    const after = await checkEngine.snapshot();
    if (JSON.stringify(after) !== JSON.stringify(derivedBefore!)) throw new Error('索引またはトリガーが生成前と一致しません');
    if (!isSqlite) {
      const disabled = await checkEngine.writer.query(
        `SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname IN (${LOADED_TABLES.map((t) => `'${t}'`).join(', ')}) AND NOT t.tgisinternal AND t.tgenabled = 'D'`,
      );
      if (disabled.length) throw new Error('無効のままのトリガーがあります');
    }
  } finally {
    if (!isSqlite) await (checkEngine.writer as PostgresBulkWriter).runner.release();
  }
  const differences = (await reports.verify()).length;
  progress(`集計を全件の再集計と照合しました（${elapsed()} 秒）`);
  return { ...result, differences, seconds: (Date.now() - started) / 1000 };
}
