import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import TestAgent from 'supertest/lib/agent';
import { IsNull, Not } from 'typeorm';
import { formatDateLabel, jstDateString } from '../../src/common/jst';
import { DigestService } from '../../src/notifications/digest.service';
import { NotificationDigest } from '../../src/notifications/notification-digest.entity';
import { Notification } from '../../src/notifications/notification.entity';
import { OutboxMail } from '../../src/notifications/outbox-mail.entity';
import { RemindersService } from '../../src/notifications/reminders.service';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { User } from '../../src/users/user.entity';
import { buildApp } from '../factories/child-app';
import { advance, loadProposal, postForm, submitProposal, postConfirmed as act } from '../factories/proposals';
import { startSmtpServer, TestSmtpServer } from '../factories/smtp-server';
import { cliEnv } from '../factories/cli';
import { createTestApp, TestApp } from '../factories/test-app';
import { createTestDatabase, TestDatabase } from '../factories/test-database';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * Notifications that resolve: a "please act" notification is done for everyone it went to as soon as
 * anyone entitled does the act; e-mail follows each user's choice per event type (at once, in the
 * daily digest, or not at all), and the digest is one mail per user and day however often it runs.
 */

/** The text of the element carrying this data-testid (to the end of its list). */
function section(html: string, testId: string): string {
  const start = html.indexOf(`data-testid="${testId}"`);
  if (start < 0) throw new Error(`no ${testId} on the page`);
  return html.slice(start, html.indexOf('</ul>', start));
}

/** Internal text: the opinion and the decision's reason, which no notification or mail may carry. */
const OPINION = '所管課として実施可能と考える（内部メモ）';
const REASON = '内部の決定理由（提案者には見せない）';

const unreadBadge = (html: string): number => Number(/aria-label="未読 (\d+) 件"/.exec(html)?.[1] ?? 0);
const ISO_DATE = /\d{4}-\d{2}-\d{2}/;

describe('notifications that resolve', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let staff: TestAgent;
  let officeA: TestAgent;
  let officeB: TestAgent;
  let reviewerA: TestAgent;
  let reviewerB: TestAgent;
  let users: Record<string, User>;
  let officeIds: number[];
  const division: Record<string, Division> = {};

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ overrides: { smtpUrl: smtp.url, mailFrom: 'tane@city.example.jp', publicUrl: 'https://tane.city.example.jp' } });
    await seedDemo(t);
    for (const code of ['212', '311']) division[code] = await t.dataSource.getRepository(Division).findOneByOrFail({ code });
    users = {};
    for (const [login, name, roles, code] of [
      ['nt-office-a', '改革 一子', ['office'], '121'],
      ['nt-office-b', '改革 二郎', ['office'], '121'],
      ['nt-rev-a', '区政 三郎', ['staff', 'reviewer'], '212'],
      ['nt-rev-b', '区政 四子', ['reviewer'], '212'],
      ['nt-rev-c', '財政 五郎', ['reviewer'], '311'],
      ['nt-staff', '区民 六子', ['staff'], '411'],
    ] as const) {
      const user = await createUser(t, { login, name, roles: [...roles], divisionCode: code });
      await t.dataSource.getRepository(User).update(user.id, { email: `${login}@city.example.jp` });
      users[login] = user;
    }
    officeIds = (await t.dataSource.getRepository(User).find({ where: { disabled: false } })).filter((u) => u.roles.includes('office')).map((u) => u.id);
    expect(officeIds.length).toBe(3); // demo-office and the two above
    staff = await signIn(t, 'nt-staff');
    officeA = await signIn(t, 'nt-office-a');
    officeB = await signIn(t, 'nt-office-b');
    reviewerA = await signIn(t, 'nt-rev-a');
    reviewerB = await signIn(t, 'nt-rev-b');
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const version = async (id: number) => String((await loadProposal(t, id)).version);
  const rows = (proposalId: number, taskKey?: string) =>
    t.dataSource.getRepository(Notification).find({ where: { proposalId, ...(taskKey ? { taskKey } : {}) }, order: { id: 'ASC' } });
  const open = (rs: Notification[]) => rs.filter((n) => n.resolvedAt === null);
  const recipients = (rs: Notification[]) => rs.map((n) => n.userId).sort((a, b) => a - b);
  const dueOn = () => addDays(jstDateString(new Date()), 14);

  async function route(id: number, codes: string[]) {
    const res = await postForm(officeA, `/proposals/${id}/accept`, {
      version: await version(id),
      leadDivisionId: String(division[codes[0]].id),
      relatedDivisionIds: codes.slice(1).map((c) => String(division[c].id)),
      dueOn: dueOn(),
    });
    expect(res.status).toBe(303);
  }

  async function opinion(agent: TestAgent, id: number, text = OPINION) {
    const res = await postForm(agent, `/proposals/${id}/opinion`, { version: await version(id), outcome: 'adopted', opinionText: text });
    expect(res.status).toBe(303);
  }

  async function decide(id: number, decision: string) {
    const res = await act(officeB, `/proposals/${id}/decision`, {
      version: await version(id),
      decision,
      reason: REASON,
      answer: '採用します。',
    });
    expect(res.status).toBe(303);
  }

  /** Office A and reviewer A of 区政推進課, who route and answer above; pass office B for the decision, as `decide` does. */
  const actors = (office = officeA) => ({ office, reviewer: reviewerA, divisionId: division['212'].id });

  /** A proposal decided as setup for what follows the decision. */
  async function decided(title: string, decision: string): Promise<number> {
    const id = await submitProposal(staff, { title });
    await advance(t, actors(), id, 'awaiting_decision', { dueOn: dueOn(), opinionText: OPINION });
    await advance(t, actors(officeB), id, 'decided', { decision, reason: REASON, answer: '採用します。' });
    return id;
  }

  describe('the office\'s "受理・回付をお願いします"', () => {
    it('is an open task for every office user, counted in the header, until one of them accepts; then it is done for all, with who and when', async () => {
      const id = await submitProposal(staff, { title: '受付の task が解ける提案' });
      const screen = await rows(id, 'screen');
      expect(recipients(screen)).toEqual(officeIds);
      expect(open(screen)).toHaveLength(3);

      let page = (await officeB.get('/notifications')).text;
      expect(section(page, 'open-tasks')).toContain('受付の task が解ける提案');
      expect(section(page, 'news')).not.toContain('受付の task が解ける提案');
      const unreadBefore = unreadBadge(page);
      expect(unreadBefore).toBeGreaterThanOrEqual(1);

      await route(id, ['212']);
      const after = await rows(id, 'screen');
      expect(open(after)).toHaveLength(0);
      expect(after.every((n) => n.resolvedBy === users['nt-office-a'].id)).toBe(true);

      page = (await officeB.get('/notifications')).text;
      expect(section(page, 'open-tasks')).not.toContain('受付の task が解ける提案');
      const news = section(page, 'news');
      expect(news).toContain('受付の task が解ける提案');
      expect(news).toContain('対応済み');
      expect(news).toContain('改革 一子');
      expect(news).toContain(`${formatDateLabel(jstDateString(new Date()))}`);
      expect(news).not.toMatch(ISO_DATE);
      // Done by a colleague, it is no longer counted as unread work.
      expect(unreadBadge(page)).toBe(unreadBefore - 1);
    });

    it.each([
      [
        '不受理',
        (id: number, v: string) => act(officeB, `/proposals/${id}/not-accept`, { version: v, reason: 'unclear', comment: '内容が分かりません' }),
        'nt-office-b',
      ],
      ['差戻し', (id: number, v: string) => act(officeB, `/proposals/${id}/return`, { version: v, comment: '効果を具体的に' }), 'nt-office-b'],
      ['取下げ', (id: number, v: string) => act(staff, `/proposals/${id}/withdraw`, { version: v, comment: '' }), 'nt-staff'],
    ])('resolves for every office user at %s', async (label, doIt, by) => {
      const id = await submitProposal(staff, { title: `${label}で解ける提案` });
      expect(open(await rows(id, 'screen'))).toHaveLength(3);
      expect((await doIt(id, await version(id))).status).toBe(303);
      const screen = await rows(id, 'screen');
      expect(open(screen)).toHaveLength(0);
      expect(screen.every((n) => n.resolvedBy === users[by].id)).toBe(true);
    });

    it('差戻し asks the proposer to resubmit, which resolves that and asks the office again', async () => {
      const id = await submitProposal(staff, { title: '差戻しから再提出する提案' });
      expect((await act(officeA, `/proposals/${id}/return`, { version: await version(id), comment: '数字を入れてください' })).status).toBe(303);
      const resubmit = await rows(id, 'resubmit');
      expect(recipients(open(resubmit))).toEqual([users['nt-staff'].id]);

      const p = await loadProposal(t, id);
      const res = await postForm(
        staff,
        `/proposals/${id}`,
        {
          title: p.title,
          categoryId: String(p.categoryId),
          currentProblem: p.currentProblem,
          proposalText: p.proposalText,
          expectedEffect: `${p.expectedEffect} 年間120時間`,
          intent: 'submit',
          version: String(p.version),
        },
        `/proposals/${id}/edit`,
      );
      expect(res.status).toBe(303);
      expect(open(await rows(id, 'resubmit'))).toHaveLength(0);
      const screen = await rows(id, 'screen');
      expect(screen).toHaveLength(6); // three for the first submission (done), three for the second
      expect(open(screen)).toHaveLength(3);
    });
  });

  describe('a reviewer\'s "回付されました" and the reminders', () => {
    it('resolve for every reviewer of the division when a colleague gives its opinion, not for another division; then the decision asks the office', async () => {
      const id = await submitProposal(staff, { title: '意見の task が解ける提案' });
      await advance(t, actors(), id, 'under_review', { relatedDivisionIds: [division['311'].id], dueOn: dueOn() });
      const [rA, rB, rC] = [users['nt-rev-a'].id, users['nt-rev-b'].id, users['nt-rev-c'].id];
      expect(recipients(open(await rows(id, `opinion:${division['212'].id}`)))).toEqual([rA, rB]);
      expect(recipients(open(await rows(id, `opinion:${division['311'].id}`)))).toEqual([rC]);
      const routed = (await rows(id)).find((n) => n.kind === 'routing')!;
      expect(routed.message).toContain(formatDateLabel(dueOn()));
      expect(routed.message).not.toMatch(ISO_DATE);

      // Due in 14 days: a reminder 12 days from now is "due soon", and is a task of the same kind.
      await t.app.get(RemindersService).sendReminders(new Date(Date.now() + 12 * 24 * 3600 * 1000));
      const reminders = (await rows(id)).filter((n) => n.kind === 'due_soon');
      expect(reminders.length).toBeGreaterThanOrEqual(3);
      expect(open(reminders)).toHaveLength(reminders.length);

      let page = (await reviewerA.get('/notifications')).text;
      expect(section(page, 'open-tasks')).toContain('意見の task が解ける提案');

      await opinion(reviewerB, id);
      const division212 = await rows(id, `opinion:${division['212'].id}`);
      expect(division212.length).toBeGreaterThanOrEqual(4); // routing ×2, due soon ×2
      expect(open(division212)).toHaveLength(0);
      expect(division212.every((n) => n.resolvedBy === users['nt-rev-b'].id)).toBe(true);
      expect(open(await rows(id, `opinion:${division['311'].id}`)).length).toBeGreaterThanOrEqual(1);

      page = (await reviewerA.get('/notifications')).text;
      expect(section(page, 'open-tasks')).not.toContain('意見の task が解ける提案');
      expect(section(page, 'news')).toContain('区政 四子');

      // The last opinion: the office is asked to decide, a task of its own.
      await opinion(await signIn(t, 'nt-rev-c'), id);
      expect(open(await rows(id, `opinion:${division['311'].id}`))).toHaveLength(0);
      const decideTasks = await rows(id, 'decide');
      expect(recipients(open(decideTasks))).toEqual(officeIds);

      await decide(id, 'rejected');
      expect(open(await rows(id, 'decide'))).toHaveLength(0);
      expect((await rows(id, 'decide')).every((n) => n.resolvedBy === users['nt-office-b'].id)).toBe(true);
      // 不採用: no implementation to report.
      expect((await rows(id)).filter((n) => n.taskKey?.startsWith('implement:'))).toHaveLength(0);
    });

    it('resolve when the routing to the division ends (re-routed elsewhere), and stay open for divisions still routed', async () => {
      const id = await submitProposal(staff, { title: '回付先から外れる提案' });
      await advance(t, actors(), id, 'under_review', { relatedDivisionIds: [division['311'].id], dueOn: dueOn() });
      const res = await postForm(officeA, `/proposals/${id}/reroute`, {
        version: await version(id),
        leadDivisionId: String(division['212'].id),
        dueOn: dueOn(),
      });
      expect(res.status).toBe(303);
      expect(open(await rows(id, `opinion:${division['311'].id}`))).toHaveLength(0);
      expect(open(await rows(id, `opinion:${division['212'].id}`))).toHaveLength(2);
    });
  });

  describe('the implementation task', () => {
    it("at 採用, the lead division's reviewers are asked to report; 実施中 keeps it open, 実施済 resolves it for both", async () => {
      const id = await decided('実施状況の task の提案', 'adopted');
      const implement = `implement:${division['212'].id}`;
      let tasks = await rows(id, implement);
      expect(recipients(open(tasks))).toEqual([users['nt-rev-a'].id, users['nt-rev-b'].id]);
      expect(tasks[0].message).toContain('実施状況の報告をお願いします');
      // The decision's internal reason never reaches a notification.
      expect((await rows(id)).some((n) => n.message.includes('内部の決定理由'))).toBe(false);

      expect((await postForm(reviewerA, `/proposals/${id}/implementation`, { version: await version(id), status: 'in_progress' })).status).toBe(303);
      expect(open(await rows(id, implement))).toHaveLength(2);

      const implementedOn = jstDateString(new Date());
      const res = await postForm(reviewerB, `/proposals/${id}/implementation`, {
        version: await version(id),
        status: 'implemented',
        implementedOn,
        actualHours: '100',
        actualYen: '',
      });
      expect(res.status).toBe(303);
      tasks = await rows(id, implement);
      expect(open(tasks)).toHaveLength(0);
      expect(tasks.every((n) => n.resolvedBy === users['nt-rev-b'].id)).toBe(true);
    });

    it('断念 resolves it too; 既実施 only tells the division (nothing left to report)', async () => {
      const id = await decided('断念する提案', 'partially_adopted');
      const implement = `implement:${division['212'].id}`;
      expect(open(await rows(id, implement))).toHaveLength(2);
      expect(
        (await postForm(reviewerA, `/proposals/${id}/implementation`, { version: await version(id), status: 'abandoned', note: '予算がつかなかった' })).status,
      ).toBe(303);
      expect(open(await rows(id, implement))).toHaveLength(0);

      const done = await decided('既実施の提案', 'already_implemented');
      const notes = await rows(done);
      expect(notes.filter((n) => n.taskKey?.startsWith('implement:'))).toHaveLength(0);
      expect(recipients(notes.filter((n) => n.kind === 'implementation'))).toEqual([users['nt-rev-a'].id, users['nt-rev-b'].id]);
    });
  });

  describe('e-mail by preference', () => {
    const outbox = () => t.dataSource.getRepository(OutboxMail).find({ order: { id: 'ASC' } });
    const mailsTo = async (login: string) => (await outbox()).filter((m) => m.toAddress === `${login}@city.example.jp`);

    beforeEach(async () => {
      await t.dataSource.createQueryBuilder().delete().from(OutboxMail).execute();
    });

    it("the page shows the events of the user's roles with the defaults: tasks at once, the office's other news in the digest", async () => {
      const page = (await officeA.get('/account/notifications')).text;
      expect(page).toContain('メールの受け取り方');
      expect(page).toContain('nt-office-a@city.example.jp');
      expect(page).toMatch(/name="screen" value="immediate"[^>]*checked/);
      expect(page).toMatch(/name="decide" value="immediate"[^>]*checked/);
      expect(page).toMatch(/name="news" value="digest"[^>]*checked/);
      expect(page).not.toContain('name="opinion"'); // not a reviewer
      expect((await officeA.get('/notifications')).text).toContain('href="/account/notifications"');

      const staffPage = (await staff.get('/account/notifications')).text;
      expect(staffPage).toMatch(/name="status" value="immediate"[^>]*checked/);
      expect(staffPage).toMatch(/name="resubmit" value="immediate"[^>]*checked/);
      expect(staffPage).not.toContain('name="screen"');
    });

    it('refuses a value that is not one of the choices, and saves nothing', async () => {
      const res = await postForm(officeA, '/account/notifications', { screen: 'hourly' }, '/account/notifications');
      expect(res.status).toBe(422);
      expect(res.text).toContain('メールの受け取り方を選び直してください。');
      expect((await officeA.get('/account/notifications')).text).toMatch(/name="screen" value="immediate"[^>]*checked/);
    });

    it('immediate, digest and none are respected; the in-app notification is kept in every case; the digest is one mail, once', async () => {
      // A: digest for submissions; B: no mail at all for them; demo-office has no address.
      let res = await postForm(
        officeA,
        '/account/notifications',
        { screen: 'digest', decide: 'immediate', reminder: 'immediate', news: 'digest' },
        '/account/notifications',
      );
      expect(res.status).toBe(303);
      expect((await officeA.get('/account/notifications')).text).toMatch(/name="screen" value="digest"[^>]*checked/);
      res = await postForm(
        officeB,
        '/account/notifications',
        { screen: 'none', decide: 'immediate', reminder: 'immediate', news: 'none' },
        '/account/notifications',
      );
      expect(res.status).toBe(303);

      const id = await submitProposal(staff, { title: 'メールの受け取り方を試す提案' });
      const screen = await rows(id, 'screen');
      expect(recipients(screen)).toEqual(officeIds);
      expect(await mailsTo('nt-office-a')).toHaveLength(0);
      expect(await mailsTo('nt-office-b')).toHaveLength(0);
      expect(Object.fromEntries(screen.map((n) => [n.userId, n.mailDelivery]))).toMatchObject({
        [users['nt-office-a'].id]: 'digest',
        [users['nt-office-b'].id]: 'none',
      });

      // The proposer's own news is mailed at once by default.
      expect(
        (
          await postForm(officeB, `/proposals/${id}/accept`, {
            version: await version(id),
            leadDivisionId: String(division['212'].id),
            relatedDivisionIds: [],
            dueOn: dueOn(),
          })
        ).status,
      ).toBe(303);
      expect(await mailsTo('nt-staff')).toHaveLength(1);
      // The reviewers' task at once; its mail says the date the Japanese way.
      const [routingMail] = await mailsTo('nt-rev-a');
      expect(routingMail.subject).toContain('回付されました');
      expect(routingMail.body).toContain(formatDateLabel(dueOn()));
      expect(routingMail.body).not.toMatch(ISO_DATE);
      expect(routingMail.body).toContain('https://tane.city.example.jp/account/notifications');

      // The day's digest, built the next morning: one mail for A listing the submission (now done).
      const digests = t.app.get(DigestService);
      const today = jstDateString(new Date());
      const nextMorning = new Date(`${addDays(today, 1)}T07:00:00+09:00`);
      const first = await digests.sendDueDigests(nextMorning);
      expect(first).toMatchObject({ date: today });
      const digestA = (await mailsTo('nt-office-a')).filter((m) => m.subject.includes('のお知らせ（'));
      expect(digestA).toHaveLength(1);
      expect(digestA[0].subject).toMatch(new RegExp(`^【改革のタネ】${formatDateLabel(today)}のお知らせ（\\d+件）$`));
      expect(digestA[0].body).toContain('改革 一子 様');
      expect(digestA[0].body).toContain('メールの受け取り方を試す提案');
      expect(digestA[0].body).toContain('（対応済み）');
      expect(digestA[0].body).toContain(`https://tane.city.example.jp/proposals/${id}`);
      expect(digestA[0].body).not.toMatch(ISO_DATE);
      for (const internal of ['内部メモ', '内部の決定理由']) expect(digestA[0].body).not.toContain(internal);
      // B chose no mail for submissions (B's digest has only the day's other news); demo-office has no address.
      for (const mail of await mailsTo('nt-office-b')) expect(mail.body).not.toContain('メールの受け取り方を試す提案');

      // Running again (another instance, cron, the next tick) queues nothing more.
      const before = (await outbox()).length;
      const second = await digests.sendDueDigests(new Date(nextMorning.getTime() + 10 * 60 * 1000));
      expect(second).toMatchObject({ date: today, mails: 0 });
      await digests.sendDigests(nextMorning, today);
      expect((await outbox()).length).toBe(before);
      expect(await t.dataSource.getRepository(NotificationDigest).count({ where: { userId: users['nt-office-a'].id, digestDate: today } })).toBe(1);

      // Before 6 o'clock the scheduler's job waits; a day that has not ended is refused.
      expect(await digests.sendDueDigests(new Date(`${addDays(today, 1)}T05:59:00+09:00`))).toBeNull();
      await expect(digests.sendDigests(new Date(), today)).rejects.toThrow('まだ終わっていない');
    });

    it('every mail queued by this file is free of internal text and ISO dates', async () => {
      // Everything the earlier tests queued was cleared; queue a full cycle and look at it all.
      await decided('全部のメールを確かめる提案', 'adopted');
      const mails = await outbox();
      expect(mails.length).toBeGreaterThan(0);
      for (const mail of mails) {
        expect(mail.body).not.toMatch(ISO_DATE);
        expect(mail.subject).not.toMatch(ISO_DATE);
        for (const internal of ['内部メモ', '内部の決定理由']) expect(mail.body).not.toContain(internal);
      }
    });
  });

  it('the header count leaves out tasks done by others, and "すべて既読" empties it', async () => {
    await officeA.get('/notifications');
    const openUnread = await t.dataSource
      .getRepository(Notification)
      .count({ where: { userId: users['nt-office-a'].id, readAt: IsNull(), resolvedAt: IsNull() } });
    const resolvedUnread = await t.dataSource
      .getRepository(Notification)
      .count({ where: { userId: users['nt-office-a'].id, readAt: IsNull(), resolvedAt: Not(IsNull()) } });
    expect(resolvedUnread).toBeGreaterThan(0);
    expect(unreadBadge((await officeA.get('/notifications')).text)).toBe(openUnread);
    expect((await postForm(officeA, '/notifications/read-all', {}, '/notifications')).status).toBe(303);
    expect(unreadBadge((await officeA.get('/notifications')).text)).toBe(0);
    // Read, but still to do: open tasks stay listed under 対応が必要.
    const stillOpen = await t.dataSource
      .getRepository(Notification)
      .count({ where: { userId: users['nt-office-a'].id, taskKey: Not(IsNull()), resolvedAt: IsNull() } });
    expect((await officeA.get('/notifications')).text).toContain(`対応が必要（${stillOpen}件）`);
  });
});

/** `send-digest` as cron runs it: the compiled script on a database the web app prepared. */
describe('command line: send-digest', () => {
  const ROOT = resolve(__dirname, '../..');
  const CLI = join(ROOT, 'dist/src/cli/main.js');
  let db: TestDatabase;
  let t: TestApp;
  let smtp: TestSmtpServer;
  let env: NodeJS.ProcessEnv;

  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((ok, fail) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', fail);
      child.on('close', (status) => ok({ status, stdout, stderr }));
    });

  beforeAll(async () => {
    buildApp();
    smtp = await startSmtpServer();
    db = await createTestDatabase();
    t = await createTestApp({ overrides: { database: db.database, smtpUrl: smtp.url } });
    env = cliEnv(db.dataDir, smtp.url);
    delete env.LOG_LEVEL;
    if (db.database.type === 'sqlite') {
      env.SQLITE_PATH = db.database.path;
      delete env.DATABASE_URL;
    } else {
      env.DATABASE_URL = db.database.url;
    }
    await seedDemo(t);
    const office = await createUser(t, { login: 'cli-digest-office', name: '集約 太郎', roles: ['office'], divisionCode: '121' });
    await t.dataSource.getRepository(User).update(office.id, { email: 'cli-digest-office@city.example.jp' });
    await createUser(t, { login: 'cli-digest-staff', roles: ['staff'], divisionCode: '411' });
    const officeAgent = await signIn(t, 'cli-digest-office');
    expect(
      (
        await postForm(
          officeAgent,
          '/account/notifications',
          { screen: 'digest', decide: 'digest', reminder: 'digest', news: 'digest' },
          '/account/notifications',
        )
      ).status,
    ).toBe(303);
    const staff = await signIn(t, 'cli-digest-staff');
    await submitProposal(staff, { title: 'コマンドでまとめる提案その一' });
    await submitProposal(staff, { title: 'コマンドでまとめる提案その二' });
    // Yesterday's notifications, as they would be on the morning the cron job runs.
    const yesterdayNoon = new Date(`${addDays(jstDateString(new Date()), -1)}T12:00:00+09:00`);
    await t.dataSource.getRepository(Notification).update({ userId: office.id }, { createdAt: yesterdayNoon });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await smtp?.close();
  });

  it("queues yesterday's digest once, however often it runs, and refuses a day that has not ended", async () => {
    const yesterday = addDays(jstDateString(new Date()), -1);
    const first = await cli(['send-digest']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`${formatDateLabel(yesterday)}分のまとめメールを 1 通（お知らせ 2 件）作成しました。`);

    const second = await cli(['send-digest', '--date', yesterday]);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('まとめメールを 0 通');
    const digests = await t.dataSource.getRepository(OutboxMail).find({ where: { toAddress: 'cli-digest-office@city.example.jp' } });
    const digestMails = digests.filter((m) => m.subject.includes('のお知らせ（'));
    expect(digestMails).toHaveLength(1);
    expect(digestMails[0].body).toContain('コマンドでまとめる提案その一');
    expect(digestMails[0].body).toContain('コマンドでまとめる提案その二');
    expect(digestMails[0].body).toContain('■ 対応が必要なもの（2件）');

    const today = await cli(['send-digest', '--date', jstDateString(new Date())]);
    expect(today.status).toBe(2);
    expect(today.stderr).toContain('まだ終わっていない');
    const bad = await cli(['send-digest', '--date', '2027/01/02']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--date は 2027-01-02 の形で');
    const noSmtp = await cli(['send-digest'], { SMTP_URL: '' });
    expect(noSmtp.status).toBe(2);
    expect(noSmtp.stderr).toContain('SMTP_URL');
    expect(await t.dataSource.getRepository(NotificationDigest).count()).toBe(1);
  });
});
