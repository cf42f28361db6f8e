import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { ProposalSearch1763770000003 } from '../../src/database/migrations/1763770000003-ProposalSearch';
import { Division } from '../../src/organization/division.entity';
import { Proposal } from '../../src/proposals/proposal.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import type { SimilarProposal } from '../../src/proposals/similar-proposals.service';
import { advance, loadProposal, postForm, proposalIdFrom, submitProposal, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/** A proposal whose every searched field is about one thing, so only the title decides what it resembles. */
const about = (title: string, proposalText: string, currentProblem: string) => validProposal({ title, proposalText, currentProblem });

describe('similar earlier proposals (似ている提案)', () => {
  let t: TestApp;
  let author: TestAgent; // staff, 区民課
  let otherStaff: TestAgent; // staff, 保険年金課: sees only own proposals and adopted cases
  let office: TestAgent;
  let shiminReviewer: TestAgent; // reviewer of 市民課
  let zaiseiReviewer: TestAgent; // reviewer of 財政課
  let shimin: Division;
  let waitingShorter: number;
  let waitingVisible: number;
  let carBooking: number;
  let draft: number;
  let library: number;
  let authorId: number;

  /** GET /proposals/similar as JSON; fails the test on anything but 200 with a JSON array. */
  async function similar(agent: TestAgent, q: string | undefined, exclude?: string | number): Promise<SimilarProposal[]> {
    const query: Record<string, string> = {};
    if (q !== undefined) query.q = q;
    if (exclude !== undefined) query.exclude = String(exclude);
    const res = await agent.get('/proposals/similar').query(query);
    expect({ q, status: res.status, type: res.type }).toEqual({ q, status: 200, type: 'application/json' });
    expect(Array.isArray(res.body)).toBe(true);
    return res.body as SimilarProposal[];
  }
  const ids = (items: SimilarProposal[]) => items.map((i) => i.id);
  const version = async (id: number) => String((await loadProposal(t, id)).version);

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    shimin = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' });
    authorId = (await createUser(t, { login: 'author', roles: ['staff'], divisionCode: '411' })).id;
    await createUser(t, { login: 'other-staff', roles: ['staff'], divisionCode: '412' });
    await createUser(t, { login: 'office1', roles: ['staff', 'office'], divisionCode: '121' });
    await createUser(t, { login: 'rev-shimin', roles: ['staff', 'reviewer'], divisionCode: '211' });
    await createUser(t, { login: 'rev-zaisei', roles: ['staff', 'reviewer'], divisionCode: '311' });
    author = await signIn(t, 'author');
    otherStaff = await signIn(t, 'other-staff');
    office = await signIn(t, 'office1');
    shiminReviewer = await signIn(t, 'rev-shimin');
    zaiseiReviewer = await signIn(t, 'rev-zaisei');

    waitingShorter = await submitProposal(
      author,
      about('窓口の待ち時間を短縮する', '呼出番号をウェブで公開し、外出して待てるようにする。', '繁忙期は来庁者が長く並ぶ。'),
    );
    waitingVisible = await submitProposal(
      author,
      about('窓口での待ち時間の見える化', '混雑状況をモニターとスマートフォンで確認できるようにする。', '混み具合が分からないまま来庁する人が多い。'),
    );
    carBooking = await submitProposal(
      author,
      about('公用車の予約をオンライン化', '紙の予約簿をやめて庁内システムで予約する。', '予約簿を見に行く手間がかかる。'),
    );
    await submitProposal(author, about('会議資料のペーパーレス化', 'タブレットで資料を配布する。', '印刷と製本に手間と紙代がかかる。'));
    await submitProposal(author, about('庁内電話の取次を減らす', '課ごとの直通番号を案内する。', '代表番号からの転送が多い。'));
    // shares one trigram (の待ち) with 窓口の待ち時間 and nothing else
    library = await submitProposal(author, about('図書館の待ち合わせスペースを広げる', 'ロビーに椅子を増やす。', '座る場所が足りない。'));
    const saved = await postForm(
      author,
      '/proposals',
      { ...about('窓口の待ち時間をゼロにする', '予約制にする。', '下書きの段階。'), intent: 'draft' },
      '/proposals/new',
    );
    draft = proposalIdFrom(saved.headers.location);
  });
  afterAll(() => t.close());

  it('answers GET /proposals/similar itself instead of taking "similar" for a proposal id', async () => {
    const res = await office.get('/proposals/similar').query({ q: '窓口の待ち時間' });
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    expect(res.body[0]).toEqual({
      id: waitingShorter,
      number: expect.stringMatching(/^\d{4}-\d{4}$/),
      title: '窓口の待ち時間を短縮する',
      status: 'submitted',
      statusLabel: '受付待ち',
      decisionLabel: null,
    });
    // the rule is "signed in": without a session it is the login page, not a 404 or the data
    const anonymous = await request(t.app.getHttpServer()).get('/proposals/similar?q=' + encodeURIComponent('窓口の待ち時間'));
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/login\?next=/);
  });

  it('puts the two 窓口 proposals first and leaves the unrelated one out', async () => {
    for (const viewer of [office, author]) {
      const items = await similar(viewer, '窓口の待ち時間');
      expect(ids(items).slice(0, 2)).toEqual([waitingShorter, waitingVisible]);
      expect(ids(items)).not.toContain(carBooking);
      // one shared trigram out of five is a coincidence, not a similar proposal
      expect(ids(items)).not.toContain(library);
      expect(items.length).toBeLessThanOrEqual(5);
    }
    expect(ids(await similar(office, '図書館の待ち合わせ'))).toEqual([library]);
    const cars = await similar(office, '公用車の予約');
    expect(ids(cars)[0]).toBe(carBooking);
    expect(ids(cars)).not.toContain(waitingShorter);
  });

  it('shows nobody a proposal they may not see', async () => {
    for (const viewer of [otherStaff, shiminReviewer, zaiseiReviewer]) {
      const items = await similar(viewer, '窓口の待ち時間');
      expect(ids(items)).not.toContain(waitingShorter);
      expect(ids(items)).not.toContain(waitingVisible);
    }
  });

  it('follows the visibility rules: routed divisions see theirs, everyone sees adopted cases', async () => {
    const garbage = await submitProposal(
      author,
      about('ごみ収集日の通知をアプリで配信する', '収集日の前日にアプリで知らせる。', '出し忘れの問い合わせが多い。'),
    );
    expect(ids(await similar(shiminReviewer, 'ごみ収集日の通知'))).not.toContain(garbage);

    const actors = { office, reviewer: shiminReviewer, divisionId: shimin.id };
    await advance(t, actors, garbage, 'under_review', { dueOn: addDays(jstDateString(new Date()), 30) });
    expect(ids(await similar(shiminReviewer, 'ごみ収集日の通知'))).toEqual([garbage]);
    expect(ids(await similar(zaiseiReviewer, 'ごみ収集日の通知'))).not.toContain(garbage);
    expect(ids(await similar(otherStaff, 'ごみ収集日の通知'))).not.toContain(garbage);

    await advance(t, actors, garbage, 'decided', { opinionText: '実施できます。', decision: 'adopted', reason: '効果が大きい', answer: '採用します。' });
    const adopted = await similar(otherStaff, 'ごみ収集日の通知');
    expect(adopted.map((i) => [i.id, i.statusLabel, i.decisionLabel])).toEqual([[garbage, '決定', '採用']]);
    // an adopted case opens that proposal only, not the same author's others
    expect(ids(await similar(otherStaff, '窓口の待ち時間'))).not.toContain(waitingShorter);
  });

  it('never lists a draft, not even to its author', async () => {
    expect((await loadProposal(t, draft)).status).toBe('draft');
    for (const viewer of [author, office]) {
      const items = await similar(viewer, '窓口の待ち時間をゼロにする');
      expect(ids(items)).not.toContain(draft);
      expect(ids(items)).toContain(waitingShorter);
    }
    // a draft's page has no similar list either: it is not submitted yet
    const page = await author.get(`/proposals/${draft}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('似ている過去の提案');
  });

  it('answers [] for text with fewer than 3 characters in a row', async () => {
    for (const q of [undefined, '', '窓口', 'ab', '  窓 口  ', '窓口、待ち', '""""']) {
      expect(await similar(office, q)).toEqual([]);
    }
    // three characters are enough
    expect(ids(await similar(office, '公用車'))).toEqual([carBooking]);
  });

  it('treats FTS query syntax as plain text and never fails on it', async () => {
    const hostile = [
      '"',
      '*',
      'OR',
      'NEAR(',
      'NEAR(窓口の待ち時間, 公用車)',
      '窓口の待ち時間 OR *',
      '"窓口の待ち時間',
      '窓口の待ち時間" OR "公用車',
      'title:公用車',
      '^窓口の待ち時間',
      '- 窓口の待ち時間 + NOT AND',
      "'; DROP TABLE proposals; --",
      '%_\\ 窓口の 待ち時間',
    ];
    for (const q of hostile) await similar(office, q);
    // a control character in the address is refused as in every query string (issue 10), not searched for
    const nul = await office.get('/proposals/similar').query({ q: '窓口の\u0000待ち時間' });
    expect(nul.status).toBe(400);
    // bytes that are not UTF-8, and a broken escape, sent as they are
    for (const raw of ['%ED%A0%80%E7%AA%93%E5%8F%A3%E3%81%AE%E5%BE%85', '%', '%FF%FE%FD']) {
      const res = await office.get(`/proposals/similar?q=${raw}`);
      expect({ raw, status: res.status, isArray: Array.isArray(res.body) }).toEqual({ raw, status: 200, isArray: true });
    }
    expect(ids(await similar(office, '"窓口の待ち時間"'))[0]).toBe(waitingShorter);
    expect(ids(await similar(office, 'NEAR(窓口の待ち時間)*'))[0]).toBe(waitingShorter);
    expect(Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM proposals'))[0].n)).toBeGreaterThanOrEqual(6);
  });

  it('leaves out the proposal given as exclude (the one being edited)', async () => {
    const items = await similar(office, '窓口の待ち時間を短縮する', waitingShorter);
    expect(ids(items)).not.toContain(waitingShorter);
    expect(ids(items)[0]).toBe(waitingVisible);
    // an exclude that is not an id is ignored
    expect(ids(await similar(office, '窓口の待ち時間を短縮する', 'abc'))[0]).toBe(waitingShorter);
  });

  it('follows edits: a changed title is found by its new words only', async () => {
    const id = await postForm(
      author,
      '/proposals',
      { ...about('住民票の郵送請求を電子化する', '申請フォームを作る。', '郵送の処理に時間がかかる。'), intent: 'draft' },
      '/proposals/new',
    ).then((r) => proposalIdFrom(r.headers.location));
    const edited = await postForm(
      author,
      `/proposals/${id}`,
      { ...about('証明書のコンビニ交付を広める', '案内チラシを配る。', '窓口の混雑。'), intent: 'submit', version: await version(id) },
      `/proposals/${id}/edit`,
    );
    expect(edited.status).toBe(303);
    expect(ids(await similar(office, '証明書のコンビニ交付'))).toEqual([id]);
    expect(ids(await similar(office, '住民票の郵送請求'))).not.toContain(id);
  });

  it('shows the office, when screening, the earlier proposals that look similar', async () => {
    const page = await office.get(`/proposals/${waitingVisible}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('受付（改革推進課）');
    const section = /<section class="similar"[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    expect(section).toContain('似ている過去の提案');
    expect(section).toContain(`href="/proposals/${waitingShorter}"`);
    expect(section).toContain('窓口の待ち時間を短縮する');
    expect(section).toContain(`${(await loadProposal(t, waitingShorter)).number}</span> 窓口の待ち時間を短縮する`);
    expect(section).not.toContain('[object Object]');
    expect(section).not.toContain(`href="/proposals/${carBooking}"`);
    expect(section).not.toContain(`href="/proposals/${waitingVisible}"`);
    // a longer, reworded title still finds both (it shares only 3 of its 14 trigrams with the second)
    const reworded = await submitProposal(author, about('窓口の待ち時間をアプリで知らせる', '待ち人数を通知する。', '並んでいる人が多い。'));
    const list = /<section class="similar"[\s\S]*?<\/section>/.exec((await office.get(`/proposals/${reworded}`)).text)?.[0] ?? '';
    expect(list).toContain(`href="/proposals/${waitingShorter}"`);
    expect(list).toContain(`href="/proposals/${waitingVisible}"`);
    expect(list).not.toContain(`href="/proposals/${carBooking}"`);
    expect(list).not.toContain(`href="/proposals/${library}"`);
    // "earlier": the first of the two has nothing before it
    expect((await office.get(`/proposals/${waitingShorter}`)).text).not.toContain('似ている過去の提案');
  });

  it('shows the proposer the list right after submission, with only what the proposer may see', async () => {
    const mine = await postForm(
      author,
      '/proposals',
      { ...about('公用車の予約をオンラインで受け付ける', '予約フォームを用意する。', '電話での予約が多い。'), intent: 'submit' },
      '/proposals/new',
    );
    const mineId = proposalIdFrom(mine.headers.location);
    const minePage = await author.get(mine.headers.location);
    expect(minePage.text).toContain('似ている過去の提案');
    expect(minePage.text).toContain(`href="/proposals/${carBooking}"`);

    // the same idea from someone who may not see the earlier ones: nothing of them shows
    const theirs = await postForm(
      otherStaff,
      '/proposals',
      { ...about('公用車の予約をオンライン化する', '予約を電子化する。', '予約簿が紙。'), intent: 'submit' },
      '/proposals/new',
    );
    const theirPage = await otherStaff.get(theirs.headers.location);
    expect(theirPage.status).toBe(200);
    expect(theirPage.text).not.toContain(`href="/proposals/${carBooking}"`);
    expect(theirPage.text).not.toContain(`href="/proposals/${mineId}"`);
    expect(theirPage.text).not.toContain('似ている過去の提案');

    // the office screening that one sees both earlier ones
    expect((await office.get(theirs.headers.location)).text).toContain(`href="/proposals/${carBooking}"`);
  });

  it('offers the live list on the proposal form through a same-origin script', async () => {
    const form = await author.get('/proposals/new');
    expect(form.text).toContain('<script src="/assets/js/similar-proposals.js" defer></script>');
    expect(form.text).toMatch(/<div id="similar-proposals" class="similar-live" role="region" aria-live="polite"/);
    const edit = await author.get(`/proposals/${draft}/edit`);
    expect(edit.text).toContain(`data-exclude="${draft}"`);
    const script = await author.get('/assets/js/similar-proposals.js');
    expect(script.status).toBe(200);
    expect(script.type).toMatch(/javascript$/);
    expect(script.text).toContain('/proposals/similar?q=');
  });

  it('builds the index from the proposals already there, and down() removes all of it', async () => {
    const migration = new ProposalSearch1763770000003();
    const runner = t.dataSource.createQueryRunner();
    const postgres = t.dataSource.options.type === 'postgres';
    const searchObjects = async (): Promise<string[]> => {
      const rows: { name: string }[] = postgres
        ? await runner.query(
            `SELECT indexname AS name FROM pg_indexes WHERE indexname LIKE '%trgm%' UNION ALL SELECT extname AS name FROM pg_extension WHERE extname = 'pg_trgm'`,
          )
        : await runner.query(`SELECT name FROM sqlite_master WHERE name LIKE 'proposals_fts%'`);
      return rows.map((r) => r.name).sort();
    };
    try {
      expect(await searchObjects()).toEqual(
        postgres
          ? ['ix_proposals_text_trgm', 'ix_proposals_title_trgm', 'pg_trgm']
          : [
              'proposals_fts',
              'proposals_fts_config',
              'proposals_fts_data',
              'proposals_fts_delete',
              'proposals_fts_docsize',
              'proposals_fts_idx',
              'proposals_fts_insert',
              'proposals_fts_update',
            ],
      );
      await migration.down(runner);
      expect(await searchObjects()).toEqual([]);
      // proposals are still written without the triggers' table
      const whileDown = await submitProposal(author, about('窓口の待ち時間を案内表示で知らせる', '掲示を増やす。', '案内が少ない。'));

      await migration.up(runner);
      const items = await similar(office, '窓口の待ち時間');
      expect(ids(items)).toEqual(expect.arrayContaining([waitingShorter, waitingVisible, whileDown]));
      expect(ids(items)).not.toContain(carBooking);

      // rows written straight to the table (not through the app) are indexed and unindexed too
      const inserted = await t.dataSource.getRepository(Proposal).insert({
        status: 'submitted',
        version: 1,
        title: '窓口の待ち時間を直接登録',
        currentProblem: '-',
        proposalText: '-',
        expectedEffect: '-',
        proposerId: authorId,
        submittedAt: new Date(),
      });
      const direct = Number(inserted.identifiers[0].id);
      expect(ids(await similar(office, '窓口の待ち時間を直接登録'))[0]).toBe(direct);
      await t.dataSource.getRepository(Proposal).delete({ id: direct });
      expect(ids(await similar(office, '窓口の待ち時間を直接登録'))).not.toContain(direct);
      if (!postgres) {
        const indexed = (await runner.query('SELECT rowid AS id FROM proposals_fts ORDER BY rowid')).map((r: { id: number }) => r.id);
        const stored = (await runner.query('SELECT id FROM proposals ORDER BY id')).map((r: { id: number }) => r.id);
        expect(indexed).toEqual(stored);
      }
    } finally {
      await runner.release();
    }
  });
});
