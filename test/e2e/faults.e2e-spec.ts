import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { INTERNAL_TEXT, visibleText } from '../factories/auth-helpers';
import { buildApp, ChildApp, childEnv, cliOk, runCli, startChildApp, StartOptions } from '../factories/child-app';
import { validProposal } from '../factories/proposals';
import { integrityCheck, SqliteFile } from '../factories/sqlite-file';
import { pdfNumbered, SubmissionLoad, submitter } from '../factories/submission-load';
import { proposalIdIn, WebSession } from '../factories/web-session';

/**
 * Faults on SQLite, with the built app as a separate process on a file of its own (SQLite whatever
 * the surrounding run uses): killed in the middle of a load, a lock held by another process, a
 * database it may not write, a disk that fills up. Each time: a Japanese page that says what happened
 * (never a stack trace), and nothing half-saved.
 */
const BUSY_TIMEOUT_MS = 1000;
const NOBODY = 65534;

describe('faults (SQLite)', () => {
  let template: string;
  const dirs: string[] = [];
  const apps: ChildApp[] = [];

  /** A fresh copy of the migrated, seeded database in a folder of its own. */
  function scenario(name: string): { dir: string; path: string; env: NodeJS.ProcessEnv } {
    const dir = mkdtempSync(join(tmpdir(), `tane-fault-${name}-`));
    dirs.push(dir);
    const path = join(dir, 'tane.sqlite');
    copyFileSync(template, path);
    return { dir, path, env: childEnv({ SQLITE_PATH: path, DATA_DIR: dir }) };
  }

  async function start(env: NodeJS.ProcessEnv, options?: StartOptions): Promise<ChildApp> {
    const app = await startChildApp(env, options);
    apps.push(app);
    return app;
  }

  const count = async (path: string, sql: string, params: unknown[] = []) => Number(Object.values((await SqliteFile.query(path, sql, params))[0])[0]);

  /** Nothing half-written: every proposal has its history, every submitted one its number and submit step, numbers without gaps or repeats. */
  async function expectWholeProposals(path: string): Promise<void> {
    expect(
      await count(
        path,
        `SELECT COUNT(*) FROM proposals p WHERE NOT EXISTS (SELECT 1 FROM proposal_history h WHERE h.proposal_id = p.id AND h.action = 'save_draft')`,
      ),
    ).toBe(0);
    expect(
      await count(
        path,
        `SELECT COUNT(*) FROM proposals p WHERE p.status = 'submitted' AND (p.number IS NULL OR NOT EXISTS (SELECT 1 FROM proposal_history h WHERE h.proposal_id = p.id AND h.action = 'submit'))`,
      ),
    ).toBe(0);
    expect(await count(path, `SELECT COUNT(*) FROM proposals WHERE status = 'draft' AND number IS NOT NULL`)).toBe(0);
    const numbers = await SqliteFile.query<{ number: string }>(path, 'SELECT number FROM proposals WHERE number IS NOT NULL');
    const sequence = numbers.map((r) => Number(r.number.split('-')[1])).sort((x, y) => x - y);
    expect(sequence).toEqual(Array.from({ length: sequence.length }, (_, i) => i + 1));
    expect(await SqliteFile.query(path, 'PRAGMA foreign_key_check')).toEqual([]);
  }

  /** The fiscal-year counters agree with a recount (the command line's verify-stats). */
  async function expectStatsVerified(env: NodeJS.ProcessEnv): Promise<void> {
    const run = await runCli(env, ['verify-stats']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('集計は一致しています');
    expect(run.status).toBe(0);
  }

  /** A Japanese error page with this status and text, and nothing internal on it. */
  function expectErrorPage(page: { status: number; text: string }, status: number, ...texts: string[]): void {
    expect(page.status).toBe(status);
    const shown = visibleText(page.text);
    for (const text of texts) expect(shown).toContain(text);
    expect(shown).not.toMatch(INTERNAL_TEXT);
  }

  const submitForm = (token: string, title: string) => ({ ...validProposal({ title }), intent: 'submit', formKey: randomUUID(), _csrf: token });

  beforeAll(async () => {
    buildApp();
    const dir = mkdtempSync(join(tmpdir(), 'tane-fault-template-'));
    dirs.push(dir);
    template = join(dir, 'tane.sqlite');
    const env = childEnv({ SQLITE_PATH: template, DATA_DIR: dir });
    await cliOk(env, ['migrate']);
    await cliOk(env, ['seed-demo']);
    // The command line closed the database cleanly: one self-contained file to copy.
    expect(existsSync(`${template}-wal`)).toBe(false);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL in the middle of a submission load: after a restart the file is sound and every acknowledged submission is there with its history and attachment', async () => {
    const { path, env } = scenario('kill');
    const app = await start(env);
    // three people, two tabs each: within the upload slots (two at once per person, six per instance),
    // so every refusal the load meets is a fault, not the cap doing its job
    const submitters = await Promise.all(['demo-staff', 'demo-reviewer', 'demo-office'].map((login) => submitter(app.url, login, DEMO_PASSWORD)));
    const load = new SubmissionLoad(submitters, { workersPerSubmitter: 2, attachments: true, titlePrefix: '強制終了の最中' });
    load.start();
    await load.whenAcknowledged(60);
    const inFlightAtKill = load.inFlight;
    await app.kill();
    await load.ended();

    expect(await app.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(load.unexpected).toEqual([]);
    expect(load.attachments.length).toBeGreaterThan(0);
    // Killed, not closed: the write-ahead log is still there for the next open to recover.
    expect(existsSync(`${path}-wal`)).toBe(true);

    const restarted = await start(env);
    expect(await integrityCheck(path)).toBe('ok');

    const stored = new Map(
      (await SqliteFile.query<{ id: number; title: string; status: string }>(path, 'SELECT id, title, status FROM proposals')).map((p) => [p.id, p]),
    );
    const history = await SqliteFile.query<{ proposal_id: number; action: string }>(path, 'SELECT proposal_id, action FROM proposal_history ORDER BY id');
    const actionsOf = (id: number) => history.filter((h) => h.proposal_id === id).map((h) => h.action);
    for (const [id, title] of load.submitted) {
      expect(stored.get(id)).toEqual({ id, title, status: 'submitted' });
      expect(actionsOf(id)).toEqual(expect.arrayContaining(['save_draft', 'submit']));
      expect(actionsOf(id)[0]).toBe('save_draft');
    }
    for (const [id, title] of load.drafts) {
      expect(stored.get(id)?.title).toBe(title);
      expect(actionsOf(id)[0]).toBe('save_draft');
    }
    const attachments = await SqliteFile.query<{ proposal_id: number; sha256: string; size: number; stored: number }>(
      path,
      'SELECT proposal_id, sha256, size, length(content) AS stored FROM attachments',
    );
    for (const acknowledged of load.attachments) {
      const found = attachments.find((a) => a.proposal_id === acknowledged.proposalId && a.sha256 === acknowledged.sha256);
      expect(found).toBeDefined();
      expect(found!.stored).toBe(found!.size);
    }
    await expectWholeProposals(path);
    await expectStatsVerified(env);

    // The restarted app serves what was acknowledged and takes the next submission (numbered after
    // the others: expectWholeProposals checks the numbers have no gap).
    const person = await submitter(restarted.url, 'demo-office', DEMO_PASSWORD);
    const [someId, someTitle] = [...load.submitted][0];
    const page = await person.session.get(`/proposals/${someId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(someTitle);
    const next = await person.session.postForm('/proposals', submitForm(person.token, '再起動後の提案'));
    expect(next.status).toBe(303);
    await expectWholeProposals(path);
    await restarted.stop();
  }, 90_000);

  it('a write lock held by another process: a short one makes the request wait and succeed; one past the busy timeout gives the Japanese "try again" page and saves nothing', async () => {
    const { path, env } = scenario('busy');
    const app = await start({ ...env, SQLITE_BUSY_TIMEOUT_MS: String(BUSY_TIMEOUT_MS) });
    const person = await submitter(app.url, 'demo-staff', DEMO_PASSWORD);
    const before = await count(path, 'SELECT COUNT(*) FROM proposals');

    // Longer than the busy timeout: the lock is released only after the answer has come.
    const other = await SqliteFile.open(path);
    await other.exec('BEGIN EXCLUSIVE');
    const startedAt = Date.now();
    const refused = await person.session.postForm('/proposals', submitForm(person.token, 'ロック中に送った提案'));
    const waited = Date.now() - startedAt;
    await other.exec('ROLLBACK');
    expectErrorPage(
      refused,
      503,
      'ただいま混み合っています',
      'ただいま処理が混み合っています。少し時間をおいてからもう一度お試しください。',
      'この操作は完了していません',
    );
    expect(refused.headers.get('retry-after')).toBe('5');
    // It waited for the lock, as long as SQLITE_BUSY_TIMEOUT_MS says (and the session's own save after
    // the answer as long again), not the 10 s default.
    expect(waited).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS);
    expect(waited).toBeLessThan(10_000);
    expect(await count(path, 'SELECT COUNT(*) FROM proposals')).toBe(before);
    expect(await count(path, `SELECT COUNT(*) FROM proposals WHERE title = 'ロック中に送った提案'`)).toBe(0);
    expect(app.output()).toMatch(/"event":"database_busy".*"code":"SQLITE_BUSY"/);

    // Shorter than the busy timeout: the request waits for the lock and then goes through. The hold
    // time is the scenario itself (another process's transaction taking its time), not a wait for
    // something to happen.
    await other.exec('BEGIN EXCLUSIVE');
    const sent = person.session.postForm('/proposals', submitForm(person.token, 'ロックが外れるのを待った提案'));
    let answeredAt = 0;
    void sent.then(() => (answeredAt = Date.now()));
    await new Promise((release) => setTimeout(release, BUSY_TIMEOUT_MS / 3));
    expect(answeredAt).toBe(0);
    const releasedAt = Date.now();
    await other.exec('COMMIT');
    const waitedOut = await sent;
    expect(waitedOut.status).toBe(303);
    expect(answeredAt).toBeGreaterThanOrEqual(releasedAt);
    const id = proposalIdIn(waitedOut.location)!;
    expect(await count(path, `SELECT COUNT(*) FROM proposal_history WHERE proposal_id = ? AND action IN ('save_draft', 'submit')`, [id])).toBe(2);
    await other.close();

    await expectWholeProposals(path);
    await app.stop();
    await expectStatsVerified(env);
  }, 60_000);

  it('a database file the app may not write: pages still open, a save gives a clear Japanese page and stores nothing; once fixed it saves again', async () => {
    const { dir, path, env } = scenario('readonly');
    // Signed in, with a draft, while everything was fine.
    const writable = await start(env);
    const person = await submitter(writable.url, 'demo-staff', DEMO_PASSWORD);
    const draft = await person.session.postForm('/proposals', {
      ...validProposal({ title: '添付を待つ下書き' }),
      intent: 'draft',
      formKey: randomUUID(),
      _csrf: person.token,
    });
    const draftId = proposalIdIn(draft.location)!;
    expect(draftId).not.toBeNull();
    await writable.stop();
    // Closed cleanly, so the app below makes its own -wal and -shm: what it cannot write is the
    // database file itself. (This test reads the file only while an app has it open, so that it
    // never leaves those files behind with its own owner.)
    expect(existsSync(`${path}-wal`) || existsSync(`${path}-shm`)).toBe(false);

    // The file is put back read-only (as a restore by another user leaves it); the folder stays the
    // app's. Root may write any file, so as root the app runs as nobody; otherwise the file loses its
    // write permission.
    const asRoot = process.getuid?.() === 0;
    const as: StartOptions = asRoot ? { uid: NOBODY, gid: NOBODY } : {};
    // (The app creates its database 0600; a file restored by another account is readable, 0644, but not its own.)
    if (asRoot) {
      chownSync(dir, NOBODY, NOBODY);
      chmodSync(path, 0o644);
    } else chmodSync(path, 0o444);

    const readOnly = await start(env, as);
    const before = { proposals: await count(path, 'SELECT COUNT(*) FROM proposals'), attachments: await count(path, 'SELECT COUNT(*) FROM attachments') };
    const dashboard = await person.session.get('/', readOnly.url);
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('山田 花子');

    const refused = await person.session.postForm('/proposals', submitForm(person.token, '書き込めないときの提案'), readOnly.url);
    expectErrorPage(refused, 503, 'データを保存できません', 'データベースに書き込めないため、この操作は保存されませんでした。', 'システム管理者');
    expect(refused.headers.get('retry-after')).toBeNull();
    // The request id on the page is the one in the log line that says what happened.
    const requestId = /<code>([0-9a-f-]{36})<\/code>/.exec(refused.text)?.[1];
    expect(requestId).toBeDefined();
    expect(readOnly.output()).toMatch(new RegExp(`"event":"database_unavailable".*"requestId":"${requestId}".*"kind":"read_only","code":"SQLITE_READONLY"`));

    const form = new FormData();
    form.append('file', new Blob([pdfNumbered(1)], { type: 'application/pdf' }), '資料.pdf');
    const upload = await person.session.postMultipart(`/proposals/${draftId}/attachments?_csrf=${person.token}`, form, readOnly.url);
    expectErrorPage(upload, 503, 'データを保存できません');

    expect(await count(path, 'SELECT COUNT(*) FROM proposals')).toBe(before.proposals);
    expect(await count(path, 'SELECT COUNT(*) FROM attachments')).toBe(before.attachments);
    expect(before).toEqual({ proposals: 1, attachments: 0 });
    await readOnly.stop();

    // Fixed, as an administrator would: the database files (SQLite made its -wal and -shm with the
    // database's permissions) are the app's to write again.
    for (const file of [path, `${path}-wal`, `${path}-shm`].filter((f) => existsSync(f))) {
      if (asRoot) chownSync(file, NOBODY, NOBODY);
      else chmodSync(file, 0o644);
    }
    const fixed = await start(env, as);
    const saved = await person.session.postForm('/proposals', submitForm(person.token, '書き込めないときの提案'), fixed.url);
    expect(saved.status).toBe(303);
    await expectWholeProposals(path);
    await fixed.stop();
    expect(await integrityCheck(path)).toBe('ok');
  }, 60_000);

  it('the disk fills up during submissions: a clear Japanese page, the failed one stored not at all, the rest whole; with space again the app saves without a restart', async () => {
    const { path, env } = scenario('full');
    // RLIMIT_FSIZE: the kernel refuses to let the app's files grow past this size, as a full disk
    // would (the test may not mount a small filesystem). The hard limit stays open so that "freeing
    // space" below can lift it.
    const limit = statSync(path).size + 1024 * 1024;
    const app = await start(env, { wrapper: ['prlimit', `--fsize=${limit}:unlimited`, '--'] });
    const person = await submitter(app.url, 'demo-staff', DEMO_PASSWORD);
    const long = (n: number) => `${'提案の本文が長いので保存に場所をとります。'.repeat(180)}${n}`.slice(0, 4000);

    const acknowledged = new Map<number, string>();
    let full: { title: string; page: Awaited<ReturnType<WebSession['get']>> } | null = null;
    for (let n = 1; n <= 100 && !full; n++) {
      const title = `容量いっぱいまで ${n}`;
      const page = await person.session.postForm('/proposals', {
        ...submitForm(person.token, title),
        currentProblem: long(n),
        proposalText: long(n + 1),
        expectedEffect: long(n + 2),
      });
      if (page.status === 303) acknowledged.set(proposalIdIn(page.location)!, title);
      else full = { title, page };
    }
    expect(full).not.toBeNull();
    expect(acknowledged.size).toBeGreaterThan(0);
    expectErrorPage(full!.page, 503, 'データを保存できません', 'この操作は保存されませんでした。', 'システム管理者');
    expect(app.output()).toMatch(/"event":"database_unavailable".*"kind":"(full|io_error)"/);

    expect(await count(path, 'SELECT COUNT(*) FROM proposals WHERE title = ?', [full!.title])).toBe(0);
    const stored = await SqliteFile.query<{ id: number; title: string }>(path, 'SELECT id, title FROM proposals');
    expect(new Map(stored.map((p) => [p.id, p.title]))).toEqual(acknowledged);
    await expectWholeProposals(path);

    // Space again (the limit lifted on the running process): the same form goes through.
    const lift = spawnSync('prlimit', ['--pid', String(app.pid), '--fsize=unlimited'], { encoding: 'utf8' });
    expect(lift.stderr).toBe('');
    const retried = await person.session.postForm('/proposals', submitForm(person.token, full!.title));
    expect(retried.status).toBe(303);
    // An everyday refusal inside a transaction (a stale page: 409), then another save. SQLite rolled
    // the failed transaction back by itself; had the app lost track of that, this refusal would leave
    // a transaction open and the save after it would never be committed.
    const [someId] = [...acknowledged.keys()];
    const stale = await person.session.postForm(`/proposals/${someId}/withdraw`, { confirm: 'on', version: '999', comment: '', _csrf: person.token });
    expect(stale.status).toBe(409);
    const afterRefusal = await person.session.postForm('/proposals', submitForm(person.token, '容量が戻ったあとの提案'));
    expect(afterRefusal.status).toBe(303);
    await app.stop();
    expect(await integrityCheck(path)).toBe('ok');
    // Committed for real: there once the app has closed the database.
    expect(await count(path, 'SELECT COUNT(*) FROM proposals WHERE id = ? AND title = ?', [proposalIdIn(retried.location), full!.title])).toBe(1);
    expect(await count(path, 'SELECT COUNT(*) FROM proposals WHERE id = ?', [proposalIdIn(afterRefusal.location)])).toBe(1);
    await expectWholeProposals(path);
    await expectStatsVerified(env);
  }, 60_000);
});
