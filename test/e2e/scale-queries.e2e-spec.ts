import TestAgent from 'supertest/lib/agent';
import { attemptLogin, sidOf } from '../factories/auth-helpers';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, signIn, TEST_PASSWORD } from '../factories/users';
import { SessionRecord } from '../../src/auth/session-record.entity';
import { reformOfficeCode } from '../../src/scale/generate-data';
import { buildApp } from '../factories/child-app';
import { runCli } from '../factories/cli';

/**
 * The changes made for a million proposals (issue 5), checked on a database filled by generate-data:
 * the list pages from an index and counts only as far as its pager needs; keyword search on SQLite
 * goes through the trigram index and finds what LIKE finds; similar proposals still finds an old
 * duplicate behind many newer matches; a page view does not rewrite its session every time.
 */
const GENERATED = 1500;

describe('queries at scale (generated data)', () => {
  let t: TestApp;
  let office: TestAgent;
  let officeId: number;
  const isPg = () => t.config.database.type === 'postgres';
  // $1, $2 … on both engines (SQLite reads ?1, ?2 …)
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    t.dataSource.query(isPg() ? text : text.replace(/\$(\d+)/g, '?$1'), params) as Promise<T[]>;
  const idsOnPage = (html: string) => [...html.matchAll(/<a href="\/proposals\/(\d+)">/g)].map((m) => Number(m[1]));
  const countText = (html: string) => /<p class="result-count">([^<]+)<\/p>/.exec(html)?.[1];

  beforeAll(async () => {
    t = await createTestApp();
    buildApp();
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', DATA_DIR: t.config.dataDir };
    if (t.config.database.type === 'postgres') env.DATABASE_URL = t.config.database.url;
    else {
      delete env.DATABASE_URL;
      env.SQLITE_PATH = t.config.database.path;
    }
    const run = runCli(['generate-data', '--proposals', String(GENERATED), '--from-year', '2015', '--seed', '3'], { env, timeoutMs: 120_000 });
    if (run.status !== 0) throw new Error(`generate-data failed: ${run.stderr}`);
    officeId = (await createUser(t, { login: 'scale-office', roles: ['staff', 'office'], divisionCode: reformOfficeCode() })).id;
    office = await signIn(t, 'scale-office');
  }, 240_000);
  afterAll(() => t?.close());

  /** What the office sees, in the list's order, by plain SQL (the rule the list must keep). */
  const expectedIds = async (where: string, params: unknown[], offset: number) =>
    (
      await sql<{ id: number }>(
        `SELECT id FROM proposals p WHERE (p.status <> 'draft' OR p.proposer_id = $1) AND (${where}) ORDER BY p.updated_at DESC, p.id DESC LIMIT 20 OFFSET ${offset}`,
        [officeId, ...params],
      )
    ).map((r) => Number(r.id));

  it('shows the first page in update order and counts only as far as the pager needs ("1,000件以上")', async () => {
    const res = await office.get('/proposals');
    expect(res.status).toBe(200);
    expect(idsOnPage(res.text)).toEqual(await expectedIds('1 = 1', [], 0));
    expect(countText(res.text)).toBe('1,000件以上');
    expect(res.text).toContain('1 / 50+ ページ');
    expect(res.text).toContain('<a href="?page&#x3D;2" rel="next">次へ</a>');
  });

  it('pages deep into the list with the same rows as OFFSET would give, and counts exactly on the last pages', async () => {
    const visible = Number((await sql<{ n: number }>(`SELECT COUNT(*) AS n FROM proposals WHERE status <> 'draft' OR proposer_id = $1`, [officeId]))[0].n);
    expect(visible).toBeGreaterThan(1300);
    const deep = await office.get('/proposals?page=60');
    expect(idsOnPage(deep.text)).toEqual(await expectedIds('1 = 1', [], 59 * 20));
    expect(countText(deep.text)).toBe(`${(59 * 20 + 200).toLocaleString('en-US')}件以上`);
    const lastPage = Math.ceil(visible / 20);
    const last = await office.get(`/proposals?page=${lastPage}`);
    expect(countText(last.text)).toBe(`${visible.toLocaleString('en-US')}件`);
    expect(last.text).toContain(`${lastPage} / ${lastPage} ページ`);
    expect(last.text).not.toContain('rel="next"');
    expect(idsOnPage(last.text)).toEqual(await expectedIds('1 = 1', [], (lastPage - 1) * 20));
  });

  it('finds by keyword exactly what LIKE finds, in the list order, for long and short keywords', async () => {
    for (const keyword of ['押印の廃止', 'ペーパーレス化', '窓口', '存在しない言葉の並び']) {
      const like = `%${keyword}%`;
      const where = 'p.title LIKE $2 OR p.proposal_text LIKE $2';
      const total = Number(
        (
          await sql<{ n: number }>(`SELECT COUNT(*) AS n FROM proposals p WHERE (p.status <> 'draft' OR p.proposer_id = $1) AND (${where})`, [officeId, like])
        )[0].n,
      );
      const res = await office.get('/proposals').query({ q: keyword });
      expect(res.status).toBe(200);
      expect({ keyword, ids: idsOnPage(res.text) }).toEqual({ keyword, ids: await expectedIds(where, [like], 0) });
      expect({ keyword, count: countText(res.text) }).toEqual({ keyword, count: `${total.toLocaleString('en-US')}件` });
    }
  });

  it('searches every match, not only the newest ones, when a year or another filter narrows the list', async () => {
    for (const keyword of ['押印の廃止', 'ペーパーレス化']) {
      const like = `%${keyword}%`;
      const where = 'p.fiscal_year = 2015 AND (p.title LIKE $2 OR p.proposal_text LIKE $2)';
      const expected = await expectedIds(where, [like], 0);
      expect(expected.length).toBeGreaterThan(0);
      const res = await office.get('/proposals').query({ q: keyword, fiscalYear: 2015 });
      expect(res.status).toBe(200);
      expect({ keyword, ids: idsOnPage(res.text) }).toEqual({ keyword, ids: expected });
      expect(res.text).not.toContain('新しく登録された');
    }
  });

  it('says so when a common word matched more than it searched, and every row shown matches', async () => {
    const like = '%について%';
    const matching = Number((await sql<{ n: number }>(`SELECT COUNT(*) AS n FROM proposals p WHERE p.title LIKE $1 OR p.proposal_text LIKE $1`, [like]))[0].n);
    expect(matching).toBeGreaterThan(1000);
    const res = await office.get('/proposals').query({ q: 'について' });
    expect(res.status).toBe(200);
    // only SQLite searches the newest matches first; PostgreSQL's trigram index answers LIKE over all of them
    if (isPg()) expect(res.text).not.toContain('新しく登録された');
    else expect(res.text).toContain('新しく登録された 1,000 件の中から表示しています');
    // SQLite: what the viewer may see of the 1,000 newest matches; PostgreSQL: counted up to 1,000
    const shown = /^([\d,]+)件以上$/.exec(countText(res.text) ?? '')?.[1];
    expect(Number(shown?.replace(/,/g, ''))).toBeGreaterThan(900);
    expect(Number(shown?.replace(/,/g, ''))).toBeLessThanOrEqual(1000);
    const ids = idsOnPage(res.text);
    expect(ids).toHaveLength(20);
    const rows = await sql<{ id: number }>(`SELECT id FROM proposals p WHERE (p.title LIKE $1 OR p.proposal_text LIKE $1) AND id IN (${ids.join(', ')})`, [
      like,
    ]);
    expect(rows).toHaveLength(20);
  });

  it('finds a proposal by its number', async () => {
    const [p] = await sql<{ id: number; number: string }>(`SELECT id, number FROM proposals WHERE number IS NOT NULL ORDER BY id LIMIT 1 OFFSET 10`);
    const res = await office.get('/proposals').query({ q: p.number });
    expect(idsOnPage(res.text)).toContain(Number(p.id));
  });

  it('finds an old proposal with the same title behind hundreds of newer partial matches', async () => {
    const [oldest] = await sql<{ id: number }>(`SELECT id FROM proposals WHERE status <> 'draft' AND fiscal_year = 2015 ORDER BY id LIMIT 1`);
    // words that hundreds of newer proposals share in part (会議資料, ペーパーレス化, 押印の廃止, について)
    const title = '会議資料のペーパーレス化と押印の廃止の同時実施について';
    await sql('UPDATE proposals SET title = $1 WHERE id = $2', [title, oldest.id]);
    const newerSharing = Number(
      (
        await sql<{ n: number }>(
          `SELECT COUNT(*) AS n FROM proposals WHERE id > $1 AND (title LIKE '%について%' OR title LIKE '%の廃止%' OR proposal_text LIKE '%について%')`,
          [oldest.id],
        )
      )[0].n,
    );
    expect(newerSharing).toBeGreaterThan(300);
    const res = await office.get('/proposals/similar').query({ q: title });
    expect(res.status).toBe(200);
    expect((res.body as { id: number }[])[0]).toMatchObject({ id: Number(oldest.id), title });
  });

  it('does not rewrite the session on every page view, only when its expiry would move by a minute or more', async () => {
    const { agent, cookieAfter } = await attemptLogin(t, { login: 'scale-office', password: TEST_PASSWORD });
    const sid = sidOf(cookieAfter!);
    // the first page after login takes the welcome message out of the session, which saves it
    expect((await agent.get('/proposals')).status).toBe(200);
    const repo = t.dataSource.getRepository(SessionRecord);
    // as if written 30 seconds ago: a page view now moves the idle expiry by 30 s, which is not written
    const recent = Date.now() + t.config.sessionIdleMinutes * 60_000 - 30_000;
    await repo.update({ sid }, { expiresAt: recent });
    expect((await agent.get('/proposals')).status).toBe(200);
    expect(Number((await repo.findOneByOrFail({ sid })).expiresAt)).toBe(recent);
    // written two minutes ago: moved forward
    const older = Date.now() + t.config.sessionIdleMinutes * 60_000 - 120_000;
    await repo.update({ sid }, { expiresAt: older });
    expect((await agent.get('/proposals')).status).toBe(200);
    expect(Number((await repo.findOneByOrFail({ sid })).expiresAt)).toBeGreaterThan(older + 60_000);
  });
});
