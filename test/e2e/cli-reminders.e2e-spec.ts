import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { formatDateLabel, jstDateString } from '../../src/common/jst';
import { Notification } from '../../src/notifications/notification.entity';
import { OutboxMail } from '../../src/notifications/outbox-mail.entity';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { Routing } from '../../src/proposals/routing.entity';
import { User } from '../../src/users/user.entity';
import { advance, submitProposal } from '../factories/proposals';
import { parseMail, startSmtpServer, TestSmtpServer } from '../factories/smtp-server';
import { cliEnv } from '../factories/cli';
import { createTestApp, TestApp } from '../factories/test-app';
import { createTestDatabase, TestDatabase } from '../factories/test-database';
import { createUser, seedDemo, signIn } from '../factories/users';
import { buildApp } from '../factories/child-app';

/**
 * `send-reminders` and `send-mail` as cron runs them: the compiled script, on a database prepared
 * through the web app (SQLite, or PostgreSQL when DATABASE_URL is set), and only what it prints.
 */
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('command line: send-reminders and send-mail', () => {
  let db: TestDatabase;
  let t: TestApp;
  let smtp: TestSmtpServer;
  let env: NodeJS.ProcessEnv;

  /** Runs the CLI without blocking this process, so the SMTP server in it can answer. */
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', reject);
      child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
    });

  const notificationCount = () => t.dataSource.getRepository(Notification).count();

  beforeAll(async () => {
    buildApp();

    smtp = await startSmtpServer();
    db = await createTestDatabase();
    // The web app prepares the data on the same database the command line will use.
    t = await createTestApp({ overrides: { database: db.database } });
    env = cliEnv(db.dataDir, smtp.url);
    delete env.LOG_LEVEL;
    if (db.database.type === 'sqlite') {
      env.SQLITE_PATH = db.database.path;
      delete env.DATABASE_URL;
    } else {
      env.DATABASE_URL = db.database.url;
    }

    await seedDemo(t);
    const users = t.dataSource.getRepository(User);
    for (const [login, code, roles] of [
      ['cli-rev-a', '212', ['reviewer']],
      ['cli-rev-b', '212', ['staff', 'reviewer']],
      ['cli-rev-c', '311', ['reviewer']],
      ['cli-office', '121', ['office']],
    ] as const) {
      const user = await createUser(t, { login, roles: [...roles], divisionCode: code });
      await users.update(user.id, { email: `${login}@city.example.jp` });
    }
    await createUser(t, { login: 'cli-staff', roles: ['staff'], divisionCode: '411' });
    const staff = await signIn(t, 'cli-staff');
    const office = await signIn(t, 'cli-office');
    const today = jstDateString(new Date());
    const route = async (title: string, code: string, dueOn: string) => {
      const id = await submitProposal(staff, { title });
      const division = await t.dataSource.getRepository(Division).findOneByOrFail({ code });
      await advance(t, { office, divisionId: division.id }, id, 'under_review', { dueOn });
      return id;
    };
    // Due tomorrow: "due soon" for the two reviewers of 区政推進課.
    await route('期限間近の提案', '212', addDays(today, 1));
    // Routed with a week to go; then, as if the week had passed, due yesterday: overdue for the one
    // reviewer of 財政課 and the two office users (demo-office has no e-mail address).
    const late = await route('期限超過の提案', '311', addDays(today, 7));
    await t.dataSource.getRepository(Routing).update({ proposalId: late }, { dueOn: addDays(today, -1) });
    // The web app here has no SMTP_URL, so only the command line's reminders will be in the outbox.
    expect(await t.dataSource.getRepository(OutboxMail).count()).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await smtp?.close();
  });

  it('lists both commands in the usage', async () => {
    const run = await cli(['no-such-command']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('  send-reminders');
    expect(run.stderr).toContain('  send-mail');
  });

  it('send-reminders prints the counts; a second run creates nothing and says 0', async () => {
    const before = await notificationCount();
    const first = await cli(['send-reminders']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('期限間近 2 件、期限超過 3 件の通知を作成しました。\n');
    const afterFirst = await notificationCount();
    expect(afterFirst).toBe(before + 5);
    const kinds = await t.dataSource.getRepository(Notification).find({ where: [{ kind: 'due_soon' }, { kind: 'overdue' }] });
    expect(kinds.map((n) => n.kind).sort()).toEqual(['due_soon', 'due_soon', 'overdue', 'overdue', 'overdue']);

    const second = await cli(['send-reminders']);
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(second.stdout).toBe('期限間近 0 件、期限超過 0 件の通知を作成しました。\n');
    expect(await notificationCount()).toBe(afterFirst);
  });

  it('send-mail delivers the queued reminders over SMTP once; a second run sends none', async () => {
    const queued = await t.dataSource.getRepository(OutboxMail).find({ order: { id: 'ASC' } });
    // Everyone reminded has an address except demo-office.
    expect(queued.map((m) => m.toAddress).sort()).toEqual([
      'cli-office@city.example.jp',
      'cli-rev-a@city.example.jp',
      'cli-rev-b@city.example.jp',
      'cli-rev-c@city.example.jp',
    ]);
    const first = await cli(['send-mail']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('送信 4 件、失敗 0 件。\n');
    const received = await smtp.waitForMessages(4);
    expect(received.map((m) => m.to[0]).sort()).toEqual(queued.map((m) => m.toAddress).sort());
    expect(received.every((m) => m.from === 'tane@city.example.jp')).toBe(true);
    expect(received.map((m) => parseMail(m.data).headers.subject).sort()).toEqual(
      [
        '【改革のタネ】提案「期限間近の提案」への意見の回答期限（' + formatDate(1) + '）が近づいています。',
        '【改革のタネ】提案「期限間近の提案」への意見の回答期限（' + formatDate(1) + '）が近づいています。',
        '【改革のタネ】提案「期限超過の提案」への意見が回答期限（' + formatDate(-1) + '）を過ぎています。意見の入力をお願いします。',
        '【改革のタネ】提案「期限超過の提案」への財政課の意見が回答期限（' + formatDate(-1) + '）を過ぎています。',
      ].sort(),
    );
    expect((await t.dataSource.getRepository(OutboxMail).find()).every((m) => m.sentAt !== null)).toBe(true);

    const second = await cli(['send-mail']);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe('送信 0 件、失敗 0 件。\n');
    expect(smtp.messages).toHaveLength(4);
  });

  it('send-mail without SMTP_URL refuses with one line and exit status 2', async () => {
    const run = await cli(['send-mail'], { SMTP_URL: '' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('エラー: SMTP_URL が設定されていないため、メールを送信できません\n');
  });
});

/** The label of today's date (Japan) plus `days`, as the messages write it (2031年1月10日). */
const formatDate = (days: number): string => formatDateLabel(addDays(jstDateString(new Date()), days));
