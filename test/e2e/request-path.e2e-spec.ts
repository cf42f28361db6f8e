import { principalStatement } from '../../src/auth/session-principal';
import { UsersService } from '../../src/users/users.service';
import { User } from '../../src/users/user.entity';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/*
 * Issue 11, the per-request path: a signed-in page reads its session, the user with the division and
 * the unread count in one statement, and what it reads is what the slower path (UsersService) gives.
 * The guarantees stay: a disabled account or revoked sessions end at the next request.
 */
describe('one statement per request for the session, user and unread count (issue 11)', () => {
  let t: TestApp;
  let statements: string[] = [];
  const param = (n: number) => (t.config.database.type === 'postgres' ? `$${n}` : '?');

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    jest.spyOn(t.dataSource.logger, 'logQuery').mockImplementation((query: string) => {
      statements.push(query);
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t.close();
  });
  beforeEach(() => (statements = []));

  /** Statements that read who is signed in: the session, the user by id, the unread count. */
  const principalReads = () =>
    statements.filter(
      (s) => /^\s*SELECT/i.test(s) && /\bsessions\b|FROM "users"|COUNT\(1\)[\s\S]*"notifications"|FROM "notifications"[\s\S]*"read_at" IS NULL/.test(s),
    );

  it('reads session, user, division and unread count in one statement, and the header shows them', async () => {
    const user = await createUser(t, { login: 'rp-staff', name: '経路 確認', roles: ['staff'], divisionCode: '411' });
    const agent = await signIn(t, 'rp-staff');
    for (let i = 0; i < 3; i++) {
      await t.dataSource.query(`INSERT INTO notifications (user_id, kind, message) VALUES (${param(1)}, 'info', ${param(2)})`, [user.id, `お知らせ ${i}`]);
    }
    // the first page after signing in takes the flash message out of the session (a write); the second is the steady state
    await agent.get('/notifications');
    statements = [];
    const page = await agent.get('/notifications');
    expect(page.status).toBe(200);
    expect(principalReads()).toHaveLength(1);
    expect(statements.filter((s) => /^\s*(INSERT|UPDATE|DELETE)/i.test(s))).toEqual([]);
    expect(principalReads()[0]).toMatch(/FROM sessions s\s+LEFT JOIN users u[\s\S]*LEFT JOIN divisions d/);
    expect(page.text).toContain('経路 確認');
    expect(page.text).toContain('aria-label="未読 3 件">3</span>');
  });

  it('counts unread notifications up to 100 for the header, which shows 99+ beyond', async () => {
    const user = await createUser(t, { login: 'rp-many', roles: ['staff'], divisionCode: '411' });
    const agent = await signIn(t, 'rp-many');
    for (let i = 0; i < 120; i++) {
      await t.dataSource.query(`INSERT INTO notifications (user_id, kind, message) VALUES (${param(1)}, 'info', ${param(2)})`, [user.id, `お知らせ ${i}`]);
    }
    const page = await agent.get('/notifications');
    expect(page.text).toContain('aria-label="未読 99 件以上">99+</span>');
    await t.dataSource.query(
      `UPDATE notifications SET read_at = created_at WHERE user_id = ${param(1)} AND id NOT IN (SELECT id FROM notifications WHERE user_id = ${param(2)} ORDER BY id LIMIT 99)`,
      [user.id, user.id],
    );
    expect((await agent.get('/notifications')).text).toContain('aria-label="未読 99 件">99</span>');
  });

  it('hydrates the same user as UsersService.findActiveById, with and without a division, and none for a disabled account', async () => {
    const withDivision = await createUser(t, { login: 'rp-a', roles: ['staff', 'reviewer'], divisionCode: '211' });
    const withoutDivision = await createUser(t, { login: 'rp-b', roles: ['staff'], divisionCode: '411' });
    await t.dataSource
      .getRepository(User)
      .update(withoutDivision.id, { divisionId: null, sessionsRevokedAt: new Date('2026-04-01T00:05:00Z'), lastLoginAt: new Date('2026-03-31T23:00:00Z') });
    const disabled = await createUser(t, { login: 'rp-c', roles: ['staff'], divisionCode: '411' });
    await t.dataSource.getRepository(User).update(disabled.id, { disabled: true });

    const statement = principalStatement(t.dataSource);
    const users = t.app.get(UsersService);
    for (const id of [withDivision.id, withoutDivision.id, disabled.id]) {
      const sid = `test-sid-${id}`;
      await t.dataSource.query(`INSERT INTO sessions (sid, user_id, data, expires_at) VALUES (${param(1)}, ${param(2)}, '{}', ${param(3)})`, [
        sid,
        id,
        Date.now() + 60_000,
      ]);
      const [row] = (await t.dataSource.query(statement.sql, [sid])) as Record<string, unknown>[];
      const { principal } = statement.read(row);
      expect(principal?.userId).toBe(id);
      const expected = await users.findActiveById(id);
      expect(principal?.user ?? null).toEqual(expected);
      if (expected) expect(principal!.user).toBeInstanceOf(User);
    }
  });

  it('still ends the session at the next request once the account is disabled', async () => {
    const user = await createUser(t, { login: 'rp-gone', roles: ['staff'], divisionCode: '411' });
    const agent = await signIn(t, 'rp-gone');
    expect((await agent.get('/notifications')).status).toBe(200);
    await t.dataSource.getRepository(User).update(user.id, { disabled: true });
    const after = await agent.get('/notifications');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
  });
});
