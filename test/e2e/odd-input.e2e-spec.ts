import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TestAgent from 'supertest/lib/agent';
import { maintenanceCommands } from '../../src/cli/maintenance-commands';
import { KEYWORD_MATCH_LIMIT } from '../../src/search/proposal-search';
import { createTestApp, TestApp } from '../factories/test-app';
import { loadProposal, postForm, proposalIdFrom, submitProposal, validProposal } from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * Odd input that used to end in a 500 or worse (issue 10): every case answers with a Japanese page and
 * changes nothing, or does what a person would expect. On SQLite by default, on PostgreSQL with DATABASE_URL.
 */
describe('odd input', () => {
  let t: TestApp;
  let staff: TestAgent;
  let other: TestAgent;
  let office: TestAgent;
  let admin: TestAgent;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    await createUser(t, { login: 'odd-staff', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'odd-other', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'odd-office', roles: ['staff', 'office'] });
    await createUser(t, { login: 'odd-admin', roles: ['staff', 'admin'] });
    staff = await signIn(t, 'odd-staff');
    other = await signIn(t, 'odd-other');
    office = await signIn(t, 'odd-office');
    admin = await signIn(t, 'odd-admin');
  });
  afterAll(() => t.close());

  describe('a control character in a query string is refused like one in a form', () => {
    it.each([
      ['staff', '/proposals?q=ab%00'],
      ['staff', '/proposals?q=%00%00%00'],
      ['staff', '/proposals.csv?q=ab%00c'],
      ['staff', '/adopted?q=ab%00'],
      ['staff', '/adopted?q=%01'],
      ['staff', '/proposals/mine?sort=%00'],
      ['admin', '/admin/users?q=ab%00'],
      ['office', '/reports/drilldown?year=2025&metric=submitted&page=%00'],
    ])('%s: %s', async (who, path) => {
      const agent = { staff, admin, office }[who]!;
      const res = await agent.get(path);
      expect(res.status).toBe(400);
      expect(res.text).toContain('制御文字');
    });

    it('still searches with ordinary text, line breaks and tabs included', async () => {
      expect((await staff.get('/proposals?q=%E7%AA%93%E5%8F%A3')).status).toBe(200);
      expect((await staff.get('/adopted?q=a%09b')).status).toBe(200);
      expect((await admin.get('/admin/users?q=odd')).status).toBe(200);
    });
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])('/reports/drilldown?metric=%s is not found, not a 500', async (metric) => {
    const res = await office.get(`/reports/drilldown?year=2025&metric=${metric}`);
    expect(res.status).toBe(404);
  });

  it.each(['toString', '__proto__'])('/reports/drilldown?by=%s is not found, not a 500', async (by) => {
    const res = await office.get(`/reports/drilldown?year=2025&metric=submitted&by=${by}&key=1`);
    expect(res.status).toBe(404);
  });

  it("another user's one-time form key, posted again, makes that user's own proposal and leaves the first alone", async () => {
    const form = await staff.get('/proposals/new');
    const formKey = /name="formKey" value="([^"]+)"/.exec(form.text)![1];
    const first = await postForm(staff, '/proposals', { ...validProposal({ title: '最初の人の提案' }), intent: 'draft', formKey }, '/proposals/new');
    expect(first.status).toBe(303);
    const firstId = proposalIdFrom(first.headers.location);

    const copied = await postForm(other, '/proposals', { ...validProposal({ title: '別の人の提案' }), intent: 'draft', formKey }, '/proposals/new');
    expect(copied.status).toBe(303);
    const copiedId = proposalIdFrom(copied.headers.location);
    expect(copiedId).not.toBe(firstId);
    expect((await loadProposal(t, copiedId)).title).toBe('別の人の提案');
    expect((await loadProposal(t, firstId)).title).toBe('最初の人の提案');
    // and the second person's own resend still finds their proposal
    const again = await postForm(other, '/proposals', { ...validProposal({ title: '別の人の提案' }), intent: 'draft', formKey }, '/proposals/new');
    expect(again.headers.location).toBe(copied.headers.location);
    // the first person does not see the other's proposal through the key
    expect((await staff.get(`/proposals/${copiedId}`)).status).toBe(404);
  });

  describe('single-line fields are single-line', () => {
    it.each(['件名\r\n宛先: 全職員', '件名\n偽の行', '件名\r偽の行', '件名\u2028偽の行'])(
      'a proposal title %j is refused and nothing is stored',
      async (title) => {
        const res = await postForm(staff, '/proposals', { ...validProposal({ title }), intent: 'submit' }, '/proposals/new');
        expect(res.status).toBe(422);
        expect(res.text).toContain('改行');
        const rows = await t.dataSource.query(`SELECT COUNT(*) AS n FROM proposals WHERE title LIKE '件名%'`);
        expect(Number(rows[0].n)).toBe(0);
      },
    );

    it('the text of a proposal keeps its line breaks', async () => {
      const id = await submitProposal(staff, { title: '複数行の本文', proposalText: '一行目\r\n二行目' });
      expect((await loadProposal(t, id)).proposalText).toContain('\n二行目');
    });

    it("a user's name and a category's name are refused with a line break too", async () => {
      const user = await postForm(
        admin,
        '/admin/users',
        { login: 'odd-newline', name: '氏名\r\n偽の行', email: '', divisionId: '', roles: 'staff' },
        '/admin/users/new',
      );
      expect(user.status).toBe(422);
      expect(user.text).toContain('改行');
      const category = await postForm(admin, '/admin/categories', { name: '分野\n偽の行', sortOrder: '1' }, '/admin/categories/new');
      expect(category.status).toBe(422);
      expect(category.text).toContain('改行');
    });
  });

  it.each(['＝HYPERLINK("http://example.com","x")', '＋81', '－5', '＠SUM(A1)'])('the list CSV guards the full-width formula start of %j', async (title) => {
    await submitProposal(staff, { title });
    const csv = await staff.get('/proposals.csv?encoding=utf8');
    expect(csv.status).toBe(200);
    const line = csv.text.split('\r\n').find((l) => l.includes(title.slice(1, 4).replace(/"/g, '""')))!;
    expect(line.split(',')[1].replace(/^"/, '')).toMatch(/^'/);
  });
});

/**
 * The list's keyword search on SQLite takes at most the newest KEYWORD_MATCH_LIMIT matches. They must
 * be matches the viewer may see: otherwise the "more than 1,000" notice tells how many hidden proposals
 * contain a phrase, and the viewer's own older proposal drops out of the results.
 */
describe('keyword search applies visibility before its cut', () => {
  let t: TestApp;
  let viewer: TestAgent;
  let office: TestAgent;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    const me = await createUser(t, { login: 'kw-viewer', roles: ['staff'], divisionCode: '411' });
    const someone = await createUser(t, { login: 'kw-someone', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'kw-office', roles: ['staff', 'office'] });
    viewer = await signIn(t, 'kw-viewer');
    office = await signIn(t, 'kw-office');
    const insert = (proposerId: number, status: string, title: string) =>
      t.dataSource.query(
        `INSERT INTO proposals (status, version, title, current_problem, proposal_text, expected_effect, proposer_id) VALUES ($1, 1, $2, '', '秘密の合言葉を含む本文', '', $3)`.replace(
          /\$\d/g,
          t.dataSource.options.type === 'postgres' ? (m) => m : () => '?',
        ),
        [status, title, proposerId],
      );
    await insert(me.id, 'draft', '自分の古い下書き（合言葉）');
    // newer than mine, and more than the cut: someone else's drafts, which the viewer may not see
    await t.dataSource.transaction(async (m) => {
      for (let i = 0; i < KEYWORD_MATCH_LIMIT + 5; i++) {
        await m.query(
          `INSERT INTO proposals (status, version, title, current_problem, proposal_text, expected_effect, proposer_id) VALUES (${
            t.dataSource.options.type === 'postgres' ? '$1, 1, $2, $3, $4, $5, $6' : '?, 1, ?, ?, ?, ?, ?'
          })`,
          ['draft', `他人の下書き${i}`, '', '秘密の合言葉を含む本文', '', someone.id],
        );
      }
    });
  }, 120_000);
  afterAll(() => t.close());

  it("finds the viewer's own older proposal and says nothing about hidden ones", async () => {
    const page = await viewer.get(`/proposals?q=${encodeURIComponent('秘密の合言葉')}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('自分の古い下書き（合言葉）');
    expect(page.text).not.toContain('他人の下書き');
    expect(page.text).not.toContain('一致する提案が多いため');
  });

  it("the office, who sees no one's drafts, is not told of them either", async () => {
    const page = await office.get(`/proposals?q=${encodeURIComponent('秘密の合言葉')}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('下書き（合言葉）');
    expect(page.text).not.toContain('一致する提案が多いため');
  });
});

/** The database, its WAL and shared-memory files and backups hold password hashes and sessions: owner only. */
describe('files on disk (SQLite)', () => {
  let t: TestApp;
  let dir: string;
  const mode = (path: string) => statSync(path).mode & 0o777;

  beforeAll(async () => {
    t = await createTestApp();
    dir = mkdtempSync(join(tmpdir(), 'tane-modes-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database, -wal and -shm readable by the owner only', async () => {
    if (t.config.database.type !== 'sqlite') return;
    await seedDemo(t);
    const path = t.config.database.path;
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      expect(existsSync(file)).toBe(true);
      expect([file, mode(file).toString(8)]).toEqual([file, '600']);
    }
  });

  it('writes a backup readable by the owner only', async () => {
    if (t.config.database.type !== 'sqlite') return;
    const target = join(dir, 'backup.sqlite');
    const lines: string[] = [];
    await maintenanceCommands.backup.run(t.app, { positional: [target], options: {} }, { out: (l) => lines.push(l), readStdin: async () => '' });
    expect(existsSync(target)).toBe(true);
    expect(mode(target).toString(8)).toBe('600');
  });
});
