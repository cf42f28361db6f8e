import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { buildApp, ChildApp, childEnv, cliOk, runCli, startChildApp } from '../factories/child-app';
import { DEFAULT_POSTGRES_URL } from '../factories/postgres-database';
import { integrityCheck, SqliteFile } from '../factories/sqlite-file';
import { SubmissionLoad, submitter } from '../factories/submission-load';

/**
 * `npm run -s cli -- backup <file>` while the built app serves and people keep submitting, and the
 * restore the README describes: stop, copy the backup over SQLITE_PATH, remove the old -wal and -shm,
 * start.
 */
describe('backup and restore (SQLite)', () => {
  let dir: string;
  let path: string;
  let env: NodeJS.ProcessEnv;
  let app: ChildApp | undefined;

  const proposalsIn = async (file: string) =>
    new Map((await SqliteFile.query<{ id: number; title: string; status: string }>(file, 'SELECT id, title, status FROM proposals')).map((p) => [p.id, p]));

  beforeAll(async () => {
    buildApp();
    dir = mkdtempSync(join(tmpdir(), 'tane-backup-'));
    path = join(dir, 'tane.sqlite');
    env = childEnv({ SQLITE_PATH: path, DATA_DIR: dir });
    await cliOk(env, ['migrate']);
    await cliOk(env, ['seed-demo']);
  }, 120_000);

  afterAll(async () => {
    await app?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a consistent copy while submissions keep coming, and the restored copy runs with everything acknowledged before the backup began', async () => {
    app = await startChildApp(env);
    // three people, two tabs each: within the upload slots (two at once per person, six per instance)
    const submitters = await Promise.all(['demo-staff', 'demo-reviewer', 'demo-office'].map((login) => submitter(app!.url, login, DEMO_PASSWORD)));
    const load = new SubmissionLoad(submitters, { workersPerSubmitter: 2, attachments: true, titlePrefix: 'バックアップ中の提案' });
    load.start();
    await load.whenAcknowledged(30);

    const acknowledgedBefore = new Map(load.submitted);
    const draftsBefore = new Map(load.drafts);
    const attachmentsBefore = [...load.attachments];
    const backupFile = join(dir, 'backup-1.sqlite');
    const ackAtStart = load.acknowledged;
    const run = await runCli(env, ['backup', backupFile]);
    const ackAtEnd = load.acknowledged;
    await load.stop();

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`バックアップを作成しました: ${backupFile}`);
    // The app kept answering while the backup ran.
    expect(ackAtEnd).toBeGreaterThan(ackAtStart);
    expect(load.unexpected).toEqual([]);
    expect(load.errors).toEqual([]);
    // Only the finished file: nothing left under a temporary name.
    expect(readdirSync(dir).filter((name) => name.startsWith('backup-1'))).toEqual(['backup-1.sqlite']);

    expect(await integrityCheck(backupFile)).toBe('ok');
    const inBackup = await proposalsIn(backupFile);
    for (const [id, title] of acknowledgedBefore) expect(inBackup.get(id)).toEqual({ id, title, status: 'submitted' });
    for (const [id, title] of draftsBefore) expect(inBackup.get(id)?.title).toBe(title);
    const backupAttachments = await SqliteFile.query<{ proposal_id: number; sha256: string }>(backupFile, 'SELECT proposal_id, sha256 FROM attachments');
    for (const a of attachmentsBefore) expect(backupAttachments).toContainEqual({ proposal_id: a.proposalId, sha256: a.sha256 });
    // A snapshot: whatever it holds is whole (every proposal with its history, counters that match).
    expect(
      (await SqliteFile.query(backupFile, `SELECT id FROM proposals p WHERE NOT EXISTS (SELECT 1 FROM proposal_history h WHERE h.proposal_id = p.id)`)).length,
    ).toBe(0);
    const live = await proposalsIn(path);
    expect(live.size).toBeGreaterThan(inBackup.size);

    // Restore as the README says.
    await app.stop();
    copyFileSync(backupFile, path);
    for (const stale of [`${path}-wal`, `${path}-shm`]) rmSync(stale, { force: true });
    app = await startChildApp(env);

    expect(await proposalsIn(path)).toEqual(inBackup);
    const verify = await runCli(env, ['verify-stats']);
    expect(verify.stdout).toContain('集計は一致しています');
    expect(verify.status).toBe(0);
    const person = await submitter(app.url, 'demo-office', DEMO_PASSWORD);
    const [someId, someTitle] = [...acknowledgedBefore][0];
    const page = await person.session.get(`/proposals/${someId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(someTitle);
    const after = new SubmissionLoad([person], { workersPerSubmitter: 1, attachments: false, titlePrefix: '復元後の提案' });
    after.start();
    await after.whenAcknowledged(1);
    await after.stop();
    expect(after.unexpected).toEqual([]);
    expect(await integrityCheck(path)).toBe('ok');
    await app.stop();
  }, 60_000);

  it('refuses to overwrite an existing file, and says so in one line', async () => {
    const existing = join(dir, 'already-here.sqlite');
    writeFileSync(existing, 'an earlier backup');
    const run = await runCli(env, ['backup', existing]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`エラー: バックアップ先 ${existing} はすでにあります。上書きはしないので、新しいファイル名を指定してください\n`);
    expect(readFileSync(existing, 'utf8')).toBe('an earlier backup');
  });

  it('asks for exactly one file, and for a folder that exists', async () => {
    const none = await runCli(env, ['backup']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^エラー: バックアップ先のファイルを1つ指定してください/);
    const missingFolder = join(dir, 'no-such-folder', 'x.sqlite');
    const run = await runCli(env, ['backup', missingFolder]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`エラー: バックアップ先のフォルダ ${join(dir, 'no-such-folder')} がありません\n`);
    expect(existsSync(missingFolder)).toBe(false);
  });

  it('on PostgreSQL, refuses and points at pg_dump', async () => {
    const target = join(dir, 'pg.sqlite');
    const run = await runCli(childEnv({ DATABASE_URL: process.env.DATABASE_URL?.trim() || DEFAULT_POSTGRES_URL }), ['backup', target]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^エラー: backup は SQLite 用です。PostgreSQL は pg_dump でバックアップしてください/);
    expect(existsSync(target)).toBe(false);
  });
});
