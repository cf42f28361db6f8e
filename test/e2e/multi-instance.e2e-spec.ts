import { randomUUID } from 'node:crypto';
import { jstDateString } from '../../src/common/jst';
import { addDays } from '../../src/proposals/proposal-view.service';
import { buildApp, ChildApp, childEnv, cliOk, runCli, startChildApp } from '../factories/child-app';
import { createPostgresDatabase, PostgresDatabase } from '../factories/postgres-database';
import { validProposal } from '../factories/proposals';
import { proposalIdIn, WebSession } from '../factories/web-session';

/**
 * Two instances of the built app on one PostgreSQL database, as the README's "PostgreSQL で運用する"
 * describes: migrated once by the command line, the second started with MIGRATE_ON_START=false, the
 * same SESSION_SECRET everywhere. Always PostgreSQL (the database named by DATABASE_URL, else the
 * machine's at 127.0.0.1:5432), whichever engine the rest of the run uses.
 */
const PASSWORD = '複数インスタンスでも同じ合言葉';

describe('several instances on one PostgreSQL database', () => {
  let db: PostgresDatabase;
  let env: NodeJS.ProcessEnv;
  let a: ChildApp;
  let b: ChildApp;
  const divisionId: Record<string, number> = {};

  const createUser = (login: string, name: string, roles: string, division: string) =>
    cliOk(env, ['create-user', '--login', login, '--name', name, '--roles', roles, '--division', division, '--password-stdin'], PASSWORD);

  const version = async (id: number) => (await db.query<{ version: number }>('SELECT version FROM proposals WHERE id = $1', [id]))[0].version;

  beforeAll(async () => {
    buildApp();
    db = await createPostgresDatabase();
    env = childEnv({ DATABASE_URL: db.url, TRUST_PROXY: '1' });
    expect(await cliOk(env, ['migrate'])).toMatch(/^適用したマイグレーション: /);

    // Organization and people through the command line, each level of the tree at once (sections
    // straight under their bureau: the test needs no departments).
    const levels: string[][][] = [
      [
        ['--code', '100', '--name', '総務局'],
        ['--code', '200', '--name', '市民局'],
        ['--code', '400', '--name', '中央区'],
      ],
      [
        ['--code', '121', '--name', '改革推進課', '--parent', '100', '--kind', 'section'],
        ['--code', '211', '--name', '市民課', '--parent', '200', '--kind', 'section'],
        ['--code', '212', '--name', '区政推進課', '--parent', '200', '--kind', 'section'],
        ['--code', '411', '--name', '区民課', '--parent', '400', '--kind', 'section'],
      ],
    ];
    for (const level of levels) await Promise.all(level.map((args) => cliOk(env, ['create-division', ...args])));
    await Promise.all([
      createUser('mi-staff', '二台 花子', 'staff', '411'),
      createUser('mi-office-a', '東 一郎', 'staff,office', '121'),
      createUser('mi-office-b', '西 二郎', 'staff,office', '121'),
      createUser('mi-rev-1', '市民 一', 'reviewer', '211'),
      createUser('mi-rev-2', '市民 二', 'reviewer', '211'),
      createUser('mi-rev-3', '区政 三', 'reviewer', '212'),
      createUser('mi-locked', '試行 過多', 'staff', '411'),
    ]);
    for (const row of await db.query<{ id: number; code: string }>('SELECT id, code FROM divisions')) divisionId[row.code] = row.id;

    // The first instance could migrate at start (there is nothing left to do); the others must not try.
    [a, b] = await Promise.all([startChildApp(env), startChildApp({ ...env, MIGRATE_ON_START: 'false' })]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('runs two instances, each on its own port and both on PostgreSQL', () => {
    expect(a.port).not.toBe(b.port);
    for (const instance of [a, b]) expect(instance.output()).toMatch(/"event":"started".*"database":"postgres"/);
  });

  it('a sign-in on A carries on at B: B shows the name, takes a form whose token came from A, and a logout on B ends it on A', async () => {
    const person = new WebSession(a.url);
    await person.signIn('mi-staff', PASSWORD);

    const dashboardOnB = await person.get('/', b.url);
    expect(dashboardOnB.status).toBe(200);
    expect(dashboardOnB.text).toContain('二台 花子');

    const token = await person.csrfToken('/proposals/new', a.url);
    const title = `A で開いて B で提出 ${randomUUID().slice(0, 8)}`;
    const posted = await person.postForm('/proposals', { ...validProposal({ title }), intent: 'submit', formKey: randomUUID(), _csrf: token }, b.url);
    expect(posted.status).toBe(303);
    const id = proposalIdIn(posted.location);
    expect(id).not.toBeNull();
    const shownOnA = await person.get(`/proposals/${id}`, a.url);
    expect(shownOnA.status).toBe(200);
    expect(shownOnA.text).toContain(title);
    expect((await db.query('SELECT status FROM proposals WHERE id = $1', [id]))[0]).toEqual({ status: 'submitted' });

    const signedInCookie = person.cookie;
    const logout = await person.postForm('/logout', { _csrf: await person.csrfToken('/', a.url) }, b.url);
    expect(logout.status).toBe(303);
    // The old cookie, replayed on A: the session behind it is gone from the shared store.
    person.cookie = signedInCookie;
    const afterLogout = await person.get('/', a.url);
    expect(afterLogout.status).toBe(303);
    expect(afterLogout.location).toMatch(/^\/login/);
  });

  it('counts failed logins across both instances: five failures alternating A and B, and the sixth try is refused even with the right password', async () => {
    // Behind the README's nginx (TRUST_PROXY=1): the client is the address the proxy forwards.
    const client = { 'x-forwarded-for': '203.0.113.7' };
    for (let attempt = 1; attempt <= 5; attempt++) {
      const base = attempt % 2 ? a.url : b.url;
      const res = await new WebSession(base, client).login('mi-locked', 'まちがった合言葉');
      expect(res.status).toBe(422);
      expect(res.text).toContain('ログインIDまたはパスワードが正しくありません。');
    }
    expect(await db.query('SELECT client_key FROM login_failures WHERE login_key = $1', ['mi-locked'])).toEqual(
      Array.from({ length: 5 }, () => ({ client_key: '203.0.113.7' })),
    );

    const sixth = await new WebSession(b.url, client).login('mi-locked', PASSWORD);
    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain('ログインの試行回数が上限に達しました。');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await new WebSession(a.url, client).login('mi-locked', PASSWORD)).status).toBe(429);
    // Another client is not held back by this one's typos.
    expect((await new WebSession(a.url, { 'x-forwarded-for': '198.51.100.20' }).login('mi-locked', PASSWORD)).status).toBe(303);
  });

  it('the same decision sent to both instances at once: exactly one is stored, the other gets the 409 page', async () => {
    const staff = await new WebSession(a.url).signIn('mi-staff', PASSWORD);
    const officeA = await new WebSession(a.url).signIn('mi-office-a', PASSWORD);
    const officeB = await new WebSession(b.url).signIn('mi-office-b', PASSWORD);
    const reviewer = await new WebSession(b.url).signIn('mi-rev-1', PASSWORD);
    const dueOn = addDays(jstDateString(new Date()), 14);

    for (let round = 0; round < 4; round++) {
      const submitted = await staff.postForm('/proposals', {
        ...validProposal({ title: `二台同時の決定 ${round}` }),
        intent: 'submit',
        formKey: randomUUID(),
        _csrf: await staff.csrfToken('/proposals/new'),
      });
      const id = proposalIdIn(submitted.location)!;
      const accepted = await officeA.postForm(`/proposals/${id}/accept`, {
        version: String(await version(id)),
        leadDivisionId: String(divisionId['211']),
        dueOn,
        _csrf: await officeA.csrfToken(`/proposals/${id}`),
      });
      expect(accepted.status).toBe(303);
      const opinion = await reviewer.postForm(`/proposals/${id}/opinion`, {
        version: String(await version(id)),
        outcome: 'adopted',
        opinionText: '賛成です',
        _csrf: await reviewer.csrfToken(`/proposals/${id}`),
      });
      expect(opinion.status).toBe(303);
      expect((await db.query('SELECT status FROM proposals WHERE id = $1', [id]))[0]).toEqual({ status: 'awaiting_decision' });

      const v = String(await version(id));
      const [tokenA, tokenB] = await Promise.all([officeA.csrfToken(`/proposals/${id}`), officeB.csrfToken(`/proposals/${id}`)]);
      const [fromA, fromB] = await Promise.all([
        officeA.postForm(`/proposals/${id}/decision`, {
          confirm: 'on',
          version: v,
          decision: 'adopted',
          reason: 'A の理由',
          answer: 'A の回答',
          _csrf: tokenA,
        }),
        officeB.postForm(`/proposals/${id}/decision`, {
          confirm: 'on',
          version: v,
          decision: 'rejected',
          reason: 'B の理由',
          answer: 'B の回答',
          _csrf: tokenB,
        }),
      ]);
      expect([fromA.status, fromB.status].sort()).toEqual([303, 409]);
      const loser = fromA.status === 409 ? fromA : fromB;
      expect(loser.text).toContain('現在の状態は「決定」');

      const winner = fromA.status === 303 ? { decision: 'adopted', answer: 'A の回答' } : { decision: 'rejected', answer: 'B の回答' };
      expect((await db.query('SELECT decision, answer FROM proposals WHERE id = $1', [id]))[0]).toEqual(winner);
      expect(await db.query("SELECT 1 FROM proposal_history WHERE proposal_id = $1 AND action = 'decide'", [id])).toHaveLength(1);
    }
  });

  it('reminders run twice at the same moment and once more: each notice is created once', async () => {
    const staff = await new WebSession(b.url).signIn('mi-staff', PASSWORD);
    const office = await new WebSession(a.url).signIn('mi-office-a', PASSWORD);
    const today = jstDateString(new Date());
    // One token per session, taken before the requests below run side by side (a session's first
    // page stores its token; pages opened at the same moment would each store their own).
    const [staffToken, officeToken] = [await staff.csrfToken('/proposals/new'), await office.csrfToken('/')];
    const route = async (title: string, code: string) => {
      const submitted = await staff.postForm('/proposals', { ...validProposal({ title }), intent: 'submit', formKey: randomUUID(), _csrf: staffToken });
      const id = proposalIdIn(submitted.location)!;
      expect(id).not.toBeNull();
      const res = await office.postForm(`/proposals/${id}/accept`, {
        version: String(await version(id)),
        leadDivisionId: String(divisionId[code]),
        dueOn: addDays(today, 1),
        _csrf: officeToken,
      });
      expect(res.status).toBe(303);
      return id;
    };
    // Due tomorrow at 市民課 (two reviewers each): "due soon". At 区政推進課 (one reviewer), then moved to
    // yesterday as if the days had passed: "overdue" for that reviewer and for both office users.
    const soon = await Promise.all(Array.from({ length: 6 }, (_, i) => route(`期限間近 ${i}`, '211')));
    const late = await Promise.all(Array.from({ length: 3 }, (_, i) => route(`期限超過 ${i}`, '212')));
    await db.query('UPDATE routings SET due_on = $1 WHERE proposal_id = ANY($2)', [addDays(today, -1), late]);
    const expected = { dueSoon: soon.length * 2, overdue: late.length * (1 + 2) };

    const reminderCount = () =>
      db.query<{ n: string }>("SELECT COUNT(*) AS n FROM notifications WHERE kind IN ('due_soon', 'overdue')").then((rows) => Number(rows[0].n));
    expect(await reminderCount()).toBe(0);

    const together = await Promise.all([runCli(env, ['send-reminders']), runCli(env, ['send-reminders'])]);
    const again = await runCli(env, ['send-reminders']);
    const counts = [...together, again].map((run) => {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const match = /^期限間近 (\d+) 件、期限超過 (\d+) 件の通知を作成しました。\n$/.exec(run.stdout);
      expect(match).not.toBeNull();
      return { dueSoon: Number(match![1]), overdue: Number(match![2]) };
    });
    // What the runs say they created adds up to one of each: neither counted a notice the other made.
    expect(counts.reduce((sum, c) => sum + c.dueSoon, 0)).toBe(expected.dueSoon);
    expect(counts.reduce((sum, c) => sum + c.overdue, 0)).toBe(expected.overdue);
    expect(counts[2]).toEqual({ dueSoon: 0, overdue: 0 });

    expect(await reminderCount()).toBe(expected.dueSoon + expected.overdue);
    const perPerson = await db.query<{ user_id: number; proposal_id: number; kind: string; n: string }>(
      `SELECT user_id, proposal_id, kind, COUNT(*) AS n FROM notifications
        WHERE kind IN ('due_soon', 'overdue') GROUP BY user_id, proposal_id, kind`,
    );
    expect(perPerson).toHaveLength(expected.dueSoon + expected.overdue);
    expect(perPerson.every((row) => Number(row.n) === 1)).toBe(true);
    const overdueProposals = new Set(perPerson.filter((r) => r.kind === 'overdue').map((r) => r.proposal_id));
    expect([...overdueProposals].sort()).toEqual([...late].sort());
  });
});
