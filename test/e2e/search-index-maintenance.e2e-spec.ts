import TestAgent from 'supertest/lib/agent';
import { DbService } from '../../src/database/db.service';
import { SLOW_TRANSACTION_MS, transactionTimings } from '../../src/database/sqlite-transactions';
import { SchedulerService } from '../../src/notifications/scheduler.service';
import type { SimilarProposal } from '../../src/proposals/similar-proposals.service';
import { SearchIndexMaintenanceService } from '../../src/search/search-index-maintenance.service';
import { submitProposal, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * Issue 11: the SQLite full-text index (proposals_fts) is merged by the scheduler in short steps of
 * their own, never inside a user's write. Through the real database; on PostgreSQL (pg_trgm) the
 * job has nothing to do.
 */
const TOPICS = [
  '押印欄の廃止',
  '公用車の予約',
  '会議室の予約',
  '窓口の待ち時間',
  '電子決裁の導入',
  '庁内便の削減',
  '議事録の自動作成',
  '時間外勤務の申請',
  '出張旅費の精算',
  '備品の共同購入',
  '住民票の郵送請求',
  '庁舎の節電',
];

describe('search index maintenance (issue 11)', () => {
  let t: TestApp;
  let author: TestAgent;
  let office: TestAgent;
  let maintenance: SearchIndexMaintenanceService;
  let sqlite: boolean;
  const ids: number[] = [];

  const query = <T>(sql: string, params: unknown[] = []) => t.dataSource.query(sql, params) as Promise<T[]>;
  /** Segments as FTS5's own %_idx table lists them: independent of the structure record's decoding. */
  const segmentsInIdx = async () => Number((await query<{ n: number }>('SELECT COUNT(DISTINCT segid) AS n FROM proposals_fts_idx'))[0].n);

  /** What the list's keyword search and the similar search find for each topic. */
  async function searchResults(): Promise<{ keyword: boolean[]; similar: number[] }> {
    const keyword: boolean[] = [];
    const similar: number[] = [];
    for (const [i, topic] of TOPICS.entries()) {
      const list = await author.get(`/proposals?q=${encodeURIComponent(topic)}`);
      expect(list.status).toBe(200);
      const other = TOPICS[(i + 1) % TOPICS.length];
      keyword.push(list.text.includes(`${topic}を進める`) && !list.text.includes(`${other}を進める`));
      const res = await office.get('/proposals/similar').query({ q: `${topic}を進める` });
      expect(res.status).toBe(200);
      similar.push((res.body as SimilarProposal[])[0]?.id ?? -1);
    }
    return { keyword, similar };
  }

  beforeAll(async () => {
    t = await createTestApp();
    sqlite = t.dataSource.options.type === 'sqlite';
    maintenance = t.app.get(SearchIndexMaintenanceService);
    await seedDemo(t);
    await createUser(t, { login: 'sim-author', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'sim-office', roles: ['staff', 'office'], divisionCode: '121' });
    author = await signIn(t, 'sim-author');
    office = await signIn(t, 'sim-office');
    // one submission, one transaction, one write to the index each
    for (const topic of TOPICS) {
      ids.push(
        await submitProposal(
          author,
          validProposal({
            title: `${topic}を進める`,
            proposalText: `${topic}について、手順を見直して実施する。`,
            currentProblem: `${topic}に手間がかかっている。`,
          }),
        ),
      );
    }
  }, 60_000);
  afterAll(() => t.close());

  it('turns FTS5 automatic merging off in the migrations (SQLite), and does nothing on PostgreSQL', async () => {
    if (!sqlite) {
      expect(await query(`SELECT to_regclass('proposals_fts_config') AS t`)).toEqual([{ t: null }]);
      expect(maintenance.enabled).toBe(false);
      return;
    }
    const settings = await query<{ k: string; v: number }>(`SELECT k, v FROM proposals_fts_config WHERE k IN ('automerge', 'crisismerge') ORDER BY k`);
    expect(settings).toEqual([
      { k: 'automerge', v: 0 },
      { k: 'crisismerge', v: 64 },
    ]);
    expect(maintenance.enabled).toBe(true);
  });

  it('leaves each write to the index as a segment of its own, and the job merges them, with every proposal still found', async () => {
    if (!sqlite) {
      expect(await maintenance.structure()).toBeNull();
      expect(await maintenance.mergeStep()).toBe(false);
      expect(await maintenance.merge()).toEqual({ steps: 0, finished: true });
      const found = await searchResults();
      expect(found.keyword).toEqual(TOPICS.map(() => true));
      expect(found.similar).toEqual(ids);
      return;
    }
    // More writes, each its own transaction, with enough text (several pages each) that FTS5's automatic
    // merging, were it on, would have merged by now: it starts after 64 pages written.
    const [{ id: authorId }] = await query<{ id: number }>(`SELECT id FROM users WHERE login = 'sim-author'`);
    const segmentsBefore = (await maintenance.structure())!.segments;
    for (let i = 0; i < 40; i++) {
      const text = Array.from({ length: 600 }, (_, j) => String.fromCodePoint(0x4e00 + (((i * 600 + j) * 31) % 20000))).join('');
      await query(
        `INSERT INTO proposals (status, version, title, current_problem, proposal_text, expected_effect, proposer_id) VALUES ('draft', 1, ?, '', ?, '', ?)`,
        [`下書き${i}`, text, authorId],
      );
    }
    const before = (await maintenance.structure())!;
    // No write merged anything: one more segment per write, all on level 0.
    expect(before.segments).toBe(segmentsBefore + 40);
    expect(before.levels[0].segments.length).toBeGreaterThanOrEqual(TOPICS.length + 40);
    expect(before.levels[0].segments.reduce((n, s) => n + s.pages, 0)).toBeGreaterThan(64);
    expect(before.segments).toBe(await segmentsInIdx());
    const foundBefore = await searchResults();
    expect(foundBefore.keyword).toEqual(TOPICS.map(() => true));
    expect(foundBefore.similar).toEqual(ids);

    const run = await maintenance.merge();
    expect(run.finished).toBe(true);
    expect(run.steps).toBeGreaterThan(0);
    const after = (await maintenance.structure())!;
    expect(after.segments).toBeLessThan(before.segments);
    expect(after.segments).toBeLessThanOrEqual(3);
    expect(after.levels[0].segments).toEqual([]);
    expect(after.levels.every((l) => l.merging === 0)).toBe(true);
    expect(after.segments).toBe(await segmentsInIdx());
    expect(after.levels.flatMap((l) => l.segments).reduce((n, s) => n + s.entries, 0)).toBe(
      before.levels.flatMap((l) => l.segments).reduce((n, s) => n + s.entries, 0),
    );

    expect(await searchResults()).toEqual(foundBefore);
    // Nothing left: the next step says so, and a run does nothing.
    expect(await maintenance.mergeStep()).toBe(false);
    expect(await maintenance.merge()).toEqual({ steps: 0, finished: true });
    expect(t.logs.filter((l) => l.event === 'search_index_merged')).toEqual([
      expect.objectContaining({ level: 'info', steps: run.steps, finished: true, segments: after.segments }),
    ]);
  });

  it('merges again after later writes, and the index holds exactly the proposals', async () => {
    const extra = await submitProposal(
      author,
      validProposal({ title: '庁内の案内表示を増やす', proposalText: '案内表示を増やす。', currentProblem: '案内が少ない。' }),
    );
    if (sqlite) {
      for (let i = 0; i < 4; i++) await submitProposal(author, validProposal({ title: `案内表示の改善その${i}` }));
      expect((await maintenance.structure())!.levels[0].segments.length).toBeGreaterThanOrEqual(5);
      await maintenance.merge();
      expect((await maintenance.structure())!.levels[0].segments).toEqual([]);
      const indexed = (await query<{ id: number }>('SELECT rowid AS id FROM proposals_fts ORDER BY rowid')).map((r) => Number(r.id));
      const stored = (await query<{ id: number }>('SELECT id FROM proposals ORDER BY id')).map((r) => Number(r.id));
      expect(indexed).toEqual(stored);
    }
    const res = await office.get('/proposals/similar').query({ q: '庁内の案内表示を増やす' });
    expect((res.body as SimilarProposal[])[0]?.id).toBe(extra);
  });

  it('reports a write transaction that holds the write lock too long (SQLite)', async () => {
    const before = transactionTimings(t.dataSource);
    // Held on purpose: the report is about how long, so this one must be long.
    await t.app.get(DbService).transaction(async (manager) => {
      await manager.query(`UPDATE users SET updated_at = updated_at WHERE login = 'sim-author'`);
      await new Promise((ok) => setTimeout(ok, SLOW_TRANSACTION_MS + 50));
    });
    const slow = t.logs.filter((l) => l.event === 'slow_transaction');
    const after = transactionTimings(t.dataSource);
    if (!sqlite) {
      expect(slow).toEqual([]);
      expect(after).toEqual({ transactions: 0, slow: 0, longest: null });
      return;
    }
    // (other writes of the app, made after a submission's answer, may be counted meanwhile)
    const mine = slow.filter((l) => l.firstWrite === 'UPDATE users');
    expect(mine).toEqual([expect.objectContaining({ level: 'warn', outcome: 'commit' })]);
    expect(Number(mine[0].ms)).toBeGreaterThanOrEqual(SLOW_TRANSACTION_MS);
    expect(after.transactions).toBeGreaterThan(before.transactions);
    expect(after.slow).toBeGreaterThan(before.slow);
    expect(after.longest!.ms).toBeGreaterThanOrEqual(SLOW_TRANSACTION_MS);
  });

  it('is a job of the scheduler on SQLite only', async () => {
    const scheduler = t.app.get(SchedulerService);
    expect(scheduler.start()).toBe(true);
    scheduler.stop();
    const started = t.logs.find((l) => l.event === 'scheduler_started');
    if (sqlite) expect(started?.jobs).toContain('search-index');
    else expect(started?.jobs).not.toContain('search-index');
  });
});
