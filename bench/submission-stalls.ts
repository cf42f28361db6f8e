/**
 * npm run bench:stalls — issue 11: while 10,000 proposals are submitted on a large database, no write
 * transaction may hold SQLite's write lock for 250 ms or more (the app has one connection, so every
 * request waits that long).
 *
 *  1. A SQLite database with STALLS_PROPOSALS generated proposals (default 200,000; the issue's figure
 *     is 1,000,000): bench/data/stalls-<n>.sqlite, made once with the command line's `generate-data`
 *     and reused while its marker says it is complete. Each run works on a fresh copy of it, migrated.
 *  2. The app in this process, built from the same modules with the same configureApp as main.ts,
 *     listening on loopback, in production mode, with the scheduler started as main.ts starts it, so
 *     the search index is merged by the same job on the same timer as in production. The scheduler's
 *     first runs are let finish before anything is measured (see below).
 *  3. STALLS_SUBMISSIONS proposals (10,000) submitted through HTTP with the real form (GET
 *     /proposals/new, POST /proposals), STALLS_CONNECTIONS at a time (10), with the texts of generated
 *     proposals, so the index gets realistic text.
 *  4. The database layer's own measurement of every transaction (src/database/sqlite-transactions.ts),
 *     the merge steps included: the longest, and how many held the lock 250 ms or more. Exits 1 if any.
 *
 * STALLS_FTS5_DEFAULTS=1 puts FTS5's own merge settings back (automerge 4, crisismerge 16) and runs no
 * scheduler: the behaviour before issue 11, for comparison. STALLS_DATABASE=<file> uses a copy of that
 * generated database instead of bench/data/stalls-<n>.sqlite.
 */
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { AppLogger } from '../src/common/app-logger';
import { loadConfig } from '../src/config/config';
import { configureApp } from '../src/configure-app';
import { resetTransactionTimings, SLOW_TRANSACTION_MS, transactionTimings } from '../src/database/sqlite-transactions';
import { SchedulerService, SEARCH_INDEX_INTERVAL_MS } from '../src/notifications/scheduler.service';
import { reformOfficeCode } from '../src/scale/generate-data';
import type { SearchIndexStructure } from '../src/search/fts5-structure';
import { SearchIndexMaintenanceService } from '../src/search/search-index-maintenance.service';
import { csrfOf, FORWARDED, percentiles, runCli, Session } from './lib';

const ROOT = resolve(__dirname, '../..');
const DATA = join(ROOT, 'bench/data');
const PROPOSALS = Number(process.env.STALLS_PROPOSALS || 200_000);
const SUBMISSIONS = Number(process.env.STALLS_SUBMISSIONS || 10_000);
const CONNECTIONS = Number(process.env.STALLS_CONNECTIONS || 10);
const FTS5_DEFAULTS = process.env.STALLS_FTS5_DEFAULTS === '1';
const SOURCE = process.env.STALLS_DATABASE ? resolve(process.env.STALLS_DATABASE) : join(DATA, `stalls-${PROPOSALS}.sqlite`);
const MARKER = join(DATA, `stalls-${PROPOSALS}.json`);
const RUN_DB = join(DATA, 'stalls-run.sqlite');
const SEED = 1;
const LOGIN = 'bench-stalls';

const log = (line: string) => process.stderr.write(`[stalls] ${line}\n`);
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function cliEnv(database: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SQLITE_PATH: database, DATA_DIR: DATA, NODE_ENV: 'development', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  return env;
}

function cli(database: string, args: string[], options: { input?: string; live?: boolean } = {}): string {
  const run = runCli(ROOT, cliEnv(database), args, options);
  if (run.status !== 0) throw new Error(`${args[0]} failed (exit ${run.status}): ${run.stderr}`);
  return run.stdout.trim();
}

/** The generated database: made once per size, then reused (generating a million takes minutes). */
function ensureSource(): void {
  if (process.env.STALLS_DATABASE) {
    if (!existsSync(SOURCE)) throw new Error(`STALLS_DATABASE: ${SOURCE} does not exist`);
    return;
  }
  mkdirSync(DATA, { recursive: true });
  const marker = existsSync(MARKER) ? (JSON.parse(readFileSync(MARKER, 'utf8')) as { complete: boolean; proposals: number; seed: number }) : null;
  if (marker?.complete && marker.proposals === PROPOSALS && marker.seed === SEED && existsSync(SOURCE)) {
    log(`reusing ${SOURCE}`);
    return;
  }
  log(`generating ${PROPOSALS.toLocaleString('en-US')} proposals into ${SOURCE}`);
  for (const file of [SOURCE, `${SOURCE}-wal`, `${SOURCE}-shm`, MARKER]) rmSync(file, { force: true });
  cli(SOURCE, ['migrate']);
  const started = Date.now();
  const summary = cli(SOURCE, ['generate-data', '--proposals', String(PROPOSALS), '--seed', String(SEED)], { live: true });
  log(summary);
  writeFileSync(
    MARKER,
    JSON.stringify({ complete: true, proposals: PROPOSALS, seed: SEED, generateSeconds: (Date.now() - started) / 1000, summary }, null, 2) + '\n',
  );
}

/** A fresh copy for this run (generate-data leaves the file checkpointed, so the main file is all of it), migrated, with the bench's user. */
function prepareRunCopy(): string {
  for (const file of [RUN_DB, `${RUN_DB}-wal`, `${RUN_DB}-shm`]) rmSync(file, { force: true });
  copyFileSync(SOURCE, RUN_DB);
  cli(RUN_DB, ['migrate']);
  const password = randomBytes(18).toString('base64url');
  cli(RUN_DB, ['create-user', '--login', LOGIN, '--name', 'ベンチ 提出', '--roles', 'staff', '--division', reformOfficeCode(), '--password-stdin'], {
    input: password + '\n',
  });
  return password;
}

/** A raw request that hands back every cookie set, for the login form's own CSRF cookie. */
function exchange(baseUrl: string, method: 'GET' | 'POST', path: string, cookies: string[], form?: Record<string, string>) {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise<{ status: number; body: string; cookies: string[] }>((ok, fail) => {
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method,
        headers: {
          ...FORWARDED,
          ...(cookies.length ? { cookie: cookies.join('; ') } : {}),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          ok({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            cookies: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]),
          }),
        );
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** Signs in through the login form (its token is bound to a cookie of its own), then browses with the session cookie. */
async function signIn(baseUrl: string, agent: http.Agent, login: string, password: string): Promise<Session> {
  const page = await exchange(baseUrl, 'GET', '/login', []);
  const res = await exchange(baseUrl, 'POST', '/login', page.cookies, { _csrf: csrfOf(page.body), login, password });
  const sid = res.cookies.find((c) => c.startsWith('tane.sid='));
  if (res.status !== 303 || !sid) throw new Error(`login failed (status ${res.status})`);
  const session = new Session(baseUrl, agent);
  session.cookie = sid;
  return session;
}

const describeStructure = (s: SearchIndexStructure | null): string =>
  s
    ? `${s.segments} segments: ` +
      s.levels
        .map((l, i) => ({ i, l }))
        .filter(({ l }) => l.segments.length)
        .map(({ i, l }) => `L${i} ${l.segments.map((g) => g.pages).join('+')}p${l.merging ? ` (${l.merging} merging)` : ''}`)
        .join(', ')
    : 'none';

async function main(): Promise<void> {
  const loadAtStart = load();
  ensureSource();
  const password = prepareRunCopy();

  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    SQLITE_PATH: RUN_DB,
    DATA_DIR: DATA,
    DEMO_DATA: 'false',
    TRUST_PROXY: '1',
    SCHEDULER: FTS5_DEFAULTS ? 'false' : 'true',
    LOG_LEVEL: 'info',
  });
  const logger = new AppLogger('info', sink);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), { logger: false, bodyParser: false });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const dataSource = app.get(DataSource);
  const searchIndex = app.get(SearchIndexMaintenanceService);

  if (FTS5_DEFAULTS) {
    await dataSource.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('automerge', 4)`);
    await dataSource.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('crisismerge', 16)`);
  }
  const settings = Object.fromEntries(
    ((await dataSource.query(`SELECT k, v FROM proposals_fts_config WHERE k IN ('automerge', 'crisismerge')`)) as { k: string; v: number }[]).map((r) => [
      r.k,
      r.v,
    ]),
  );
  const structureBefore = await searchIndex.structure();
  // Generated texts, resubmitted: the index gets what real proposals put in it.
  const texts = (await dataSource.query(
    `SELECT title, proposal_text, current_problem, expected_effect FROM proposals WHERE id % 7 = 0 ORDER BY id DESC LIMIT ?`,
    [SUBMISSIONS],
  )) as { title: string; proposal_text: string; current_problem: string; expected_effect: string }[];
  const [{ n: proposalsInDb }] = (await dataSource.query('SELECT COUNT(*) AS n FROM proposals')) as { n: number }[];
  log(`${Number(proposalsInDb).toLocaleString('en-US')} proposals; merge settings ${JSON.stringify(settings)}; index ${describeStructure(structureBefore)}`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  // One sign-in shared by every connection, like one person with several tabs: sign-ins are throttled.
  const signedIn = await signIn(baseUrl, agent, LOGIN, password);
  const sessions = Array.from({ length: CONNECTIONS }, () => Object.assign(new Session(baseUrl, agent), { cookie: signedIn.cookie }));

  if (!FTS5_DEFAULTS) {
    // Started as main.ts starts it. Its first runs are let finish before measuring: on a generated
    // database the first reminders run sends some ten thousand overdue notices at once (a minute of
    // writes that a real database has long behind it), and its queries hold the one connection.
    const scheduler = app.get(SchedulerService);
    scheduler.start();
    const idle = async () => undefined;
    // runOnce hands back a run of that job still going, so this waits for the first ones to end
    await Promise.all(['reminders', 'mail', 'digest', 'search-index'].map((name) => scheduler.runOnce({ name, run: idle })));
    log(`the scheduler's first runs are done; load ${load()}`);
  }
  // Everything before this (migrations, sign-in, the scheduler's first runs) is not what is measured.
  resetTransactionTimings(dataSource);
  lines.length = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const postMs: number[] = [];
  const errors: string[] = [];
  let next = 0;
  let acknowledged = 0;
  const started = performance.now();
  const progress = setInterval(
    () =>
      log(
        `${acknowledged.toLocaleString('en-US')} / ${SUBMISSIONS.toLocaleString('en-US')} submitted, longest transaction ${transactionTimings(dataSource).longest?.ms.toFixed(1) ?? '–'} ms, load ${load()}`,
      ),
    15_000,
  );
  await Promise.all(
    sessions.map(async (session) => {
      while (next < SUBMISSIONS) {
        const n = next++;
        const text = texts[n % texts.length];
        try {
          const form = await session.get('/proposals/new');
          const formKey = /name="formKey" value="([^"]+)"/.exec(form.body)?.[1];
          const categories = [...form.body.matchAll(/<option value="(\d+)"/g)].map((m) => m[1]);
          if (form.status !== 200 || !formKey || !categories.length) throw new Error(`form answered ${form.status}`);
          const t = performance.now();
          const res = await session.post('/proposals', {
            _csrf: csrfOf(form.body),
            formKey,
            intent: 'submit',
            title: [...`${n} ${text.title}`].slice(0, 100).join(''),
            categoryId: categories[n % categories.length],
            currentProblem: text.current_problem,
            proposalText: text.proposal_text,
            expectedEffect: text.expected_effect,
            estimatedHours: '120',
            estimatedYen: '50000',
            coproposers: '',
          });
          postMs.push(performance.now() - t);
          if (res.status !== 303 || !/^\/proposals\/\d+$/.test(String(res.headers.location))) throw new Error(`POST answered ${res.status}`);
          acknowledged++;
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error));
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  clearInterval(progress);
  agent.destroy();

  // The merging left after the last submission is part of the load: one more interval of the job.
  if (!FTS5_DEFAULTS) await new Promise((ok) => setTimeout(ok, SEARCH_INDEX_INTERVAL_MS + 1000));
  const merged = lines.filter((l) => l.event === 'search_index_merged');
  if (!FTS5_DEFAULTS) {
    // and what that run left, if it stopped at its step limit
    while (!(await searchIndex.merge()).finished);
  }
  const timings = transactionTimings(dataSource);
  const structureAfter = await searchIndex.structure();
  await app.close();

  const slowLines = lines.filter((l) => l.event === 'slow_transaction');
  const post = percentiles(postMs);
  const out = [
    `database: ${Number(proposalsInDb).toLocaleString('en-US')} generated proposals (${SOURCE}); merge settings ${JSON.stringify(settings)}${FTS5_DEFAULTS ? ' (FTS5 defaults, no scheduler)' : ''}`,
    `submissions: ${acknowledged.toLocaleString('en-US')} acknowledged of ${SUBMISSIONS.toLocaleString('en-US')}, ${errors.length} errors, ${seconds.toFixed(1)} s (${(acknowledged / seconds).toFixed(1)}/s) through ${CONNECTIONS} connections`,
    `POST /proposals: p50 ${post.p50} ms, p99 ${post.p99} ms, max ${post.max} ms`,
    `search index merge runs: ${merged.length}, ${merged.reduce((s, l) => s + Number(l.steps), 0)} steps`,
    `index before: ${describeStructure(structureBefore)}`,
    `index after:  ${describeStructure(structureAfter)}`,
    `write transactions: ${timings.transactions.toLocaleString('en-US')}; longest ${timings.longest ? `${timings.longest.ms.toFixed(1)} ms (${timings.longest.firstWrite ?? 'no write'})` : '–'}`,
    `transactions holding the write lock ${SLOW_TRANSACTION_MS} ms or more: ${timings.slow}`,
    ...slowLines.slice(0, 20).map((l) => `  slow: ${String(l.ms)} ms, ${String(l.firstWrite)}, ${String(l.outcome)}`),
    // A transaction is measured in this process: when the machine is busy, the wait for a CPU counts too.
    `event loop delay while submitting: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; load average at start ${loadAtStart}, at end ${load()}`,
  ];
  if (errors.length) out.push(`first errors: ${[...new Set(errors)].slice(0, 5).join(' | ')}`);
  process.stdout.write(out.join('\n') + '\n');
  process.exitCode = timings.slow > 0 || errors.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`[stalls] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
