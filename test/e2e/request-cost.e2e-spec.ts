import TestAgent from 'supertest/lib/agent';
import { LEDGER_COLUMNS } from '../../src/ledger/ledger-format';
import { postForm, proposalIdFrom, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/*
 * Issue 10, cost per request: every request a signed-in user can send costs a bounded amount — short
 * keywords search a bounded window, page numbers past the end answer with the last page without
 * reading to that offset, expensive pages are rate-limited per user, exports stream, the office inbox
 * lists the oldest few of each kind, and a ledger file with 60,000 bad rows shows 100 of them.
 */

const decodeHtml = (s: string) => s.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');

describe('bounded cost per request (issue 10)', () => {
  let t: TestApp;
  let staff: TestAgent;
  let searcher: TestAgent;
  let bystander: TestAgent;
  let office: TestAgent;
  const isPg = () => t.config.database.type === 'postgres';
  let statements: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    await createUser(t, { login: 'rc-staff', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'rc-searcher', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'rc-bystander', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'rc-office', roles: ['staff', 'office'], divisionCode: '121' });
    staff = await signIn(t, 'rc-staff');
    searcher = await signIn(t, 'rc-searcher');
    bystander = await signIn(t, 'rc-bystander');
    office = await signIn(t, 'rc-office');
    // 55 proposals of rc-staff, made submitted in one statement (the inbox needs more than it shows)
    const ids: number[] = [];
    for (let i = 0; i < 55; i++) {
      const res = await postForm(staff, '/proposals', { ...validProposal({ title: `費用の確認 ${i} ab` }), intent: 'draft' }, '/proposals/new');
      ids.push(proposalIdFrom(res.headers.location));
    }
    await t.dataSource.query(
      `UPDATE proposals SET status = 'submitted', submitted_at = updated_at, fiscal_year = 2026, number = '2026-' || (9000 + id) WHERE id IN (${ids.join(', ')})`,
    );
    // every SQL statement the app sends, to see how deep it reads
    // TypeORM hands every statement to its logger, whatever the engine
    jest.spyOn(t.dataSource.logger, 'logQuery').mockImplementation((query: string) => {
      statements.push(query);
    });
  }, 120_000);
  afterAll(async () => {
    jest.restoreAllMocks();
    await t.close();
  });
  beforeEach(() => (statements = []));

  /** The largest OFFSET (or LIMIT) any statement since the test began asked for. */
  const deepest = (keyword: 'OFFSET' | 'LIMIT') =>
    Math.max(0, ...statements.flatMap((s) => [...s.matchAll(new RegExp(`${keyword}\\s+(\\d+)`, 'gi'))].map((m) => Number(m[1]))));

  it('answers a page number past the last page with the last page, without reading to that offset', async () => {
    const res = await office.get('/proposals?page=999999');
    expect(res.status).toBe(200);
    expect(res.text).toContain('3 / 3 ページ');
    expect(res.text).toContain('費用の確認');
    expect(statements.some((s) => /OFFSET/i.test(s))).toBe(true);
    expect(deepest('OFFSET')).toBeLessThanOrEqual(10_000);
    expect(deepest('LIMIT')).toBeLessThanOrEqual(10_001);
  });

  it('answers /adopted and /admin/users far past the end with their last page, without reading to that offset', async () => {
    const adopted = await staff.get('/adopted?page=99999');
    expect(adopted.status).toBe(200);
    expect(deepest('OFFSET')).toBeLessThanOrEqual(10_000);
    await createUser(t, { login: 'rc-admin', roles: ['admin'], divisionCode: '121' });
    const admin = await signIn(t, 'rc-admin');
    statements = [];
    const users = await admin.get('/admin/users?page=99999');
    expect(users.status).toBe(200);
    expect(users.text).toContain('rc-');
    expect(deepest('OFFSET')).toBeLessThanOrEqual(10_000);
  });

  it('searches one- and two-character keywords only among the newest proposals, and says so', async () => {
    const res = await staff.get('/proposals').query({ q: 'ab' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-testid="short-keyword"');
    expect(res.text).toContain('費用の確認');
    const likes = statements.filter((s) => /proposal_text"?\s+LIKE/i.test(s));
    expect(likes.length).toBeGreaterThan(0);
    for (const s of likes) expect(s).toMatch(/ORDER BY id DESC LIMIT 5000/);
    const adopted = await staff.get('/adopted').query({ q: 'ab' });
    expect(adopted.status).toBe(200);
    expect(adopted.text).toContain('data-testid="short-keyword"');
  });

  it('searches /adopted through the index for longer keywords (no row-by-row LIKE on SQLite)', async () => {
    const res = await staff.get('/adopted').query({ q: '費用の確認' });
    expect(res.status).toBe(200);
    if (!isPg()) expect(statements.filter((s) => /proposal_text"?\s+LIKE/i.test(s))).toEqual([]);
  });

  it('limits searches and deep pages per user with a Japanese 429 page, leaving other users and plain pages alone', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await searcher.get('/proposals').query({ q: `提案 ${i}` })).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const limited = await searcher.get('/proposals').query({ q: '提案 ほか' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.text).toContain('しばらく');
    expect((await searcher.get('/proposals?page=99')).status).toBe(429);
    // the first pages of the list stay open, and other users are not affected
    expect((await searcher.get('/proposals')).status).toBe(200);
    expect((await bystander.get('/proposals').query({ q: '提案' })).status).toBe(200);
  });

  it('streams the list CSV and the ledger CSV as they are read (no whole-file body)', async () => {
    const list = await office.get('/proposals.csv');
    expect(list.status).toBe(200);
    expect(list.headers['content-length']).toBeUndefined();
    expect(list.headers['transfer-encoding']).toBe('chunked');
    expect(list.text).toContain('費用の確認 54 ab');
    const ledger = await office.get('/ledger.csv');
    expect(ledger.status).toBe(200);
    expect(ledger.headers['content-length']).toBeUndefined();
  });

  it('lists the oldest 50 of each inbox list on /office with the exact count and a link to the whole list', async () => {
    const res = await office.get('/office');
    expect(res.status).toBe(200);
    const screen = /<section class="card" aria-labelledby="screen-h">([\s\S]*?)<\/section>/.exec(res.text)![1];
    expect((screen.match(/<li><a href="\/proposals\/\d+">/g) ?? []).length).toBe(50);
    expect(screen).toContain('<span class="count">55</span>');
    expect(decodeHtml(screen)).toContain('href="/proposals?status=submitted&dir=asc"');
    expect(screen).toContain('費用の確認 0 ab');
    expect(screen).not.toContain('費用の確認 54 ab');
  });

  it('shows the first 100 of 60,000 ledger errors with the total, and the whole list as a CSV for the importing user only', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `X-${i},日付ではない,件名${i},内容,総務課,総務課,採用,,`);
    const file = Buffer.from([LEDGER_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n', 'utf8');
    const page = await office.get('/ledger/import');
    const action = decodeHtml(/<form method="post" action="(\/ledger\/import\?_csrf=[^"]+)"/.exec(page.text)![1]);
    const res = await office.post(action).field('dryRun', 'on').attach('file', file, { filename: '提案簿.csv', contentType: 'text/csv' });
    expect(res.status).toBe(422);
    expect(res.text.length).toBeLessThan(200_000);
    const table = /<table class="table" data-testid="ledger-issues">([\s\S]*?)<\/table>/.exec(res.text)![1];
    expect((table.match(/<tr><td>/g) ?? []).length).toBe(100);
    expect(res.text).toContain('60,000 行のうち 60,000 行');
    const href = decodeHtml(/href="(\/ledger\/import\/issues\/[0-9a-f]+\.csv)"/.exec(res.text)![1]);
    const csv = await office.get(href).buffer(true);
    expect(csv.status).toBe(200);
    const text = csv.text ?? String(csv.body);
    expect(text.split('\r\n').filter(Boolean).length).toBeGreaterThanOrEqual(60_001);
    // nobody else gets it
    await createUser(t, { login: 'rc-office2', roles: ['staff', 'office'], divisionCode: '121' });
    const other = await signIn(t, 'rc-office2');
    expect((await other.get(href)).status).toBe(404);
  }, 60_000);
});
