import TestAgent from 'supertest/lib/agent';
import { loadProposal, postConfirmed, postForm, proposalIdFrom, submitProposal, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/*
 * Issue 11: a submitted proposal's 似ている過去の提案 are ranked once, after its submission, stored, and
 * read on every view; the viewer's visibility is applied when they are shown. A text change forgets
 * what it makes wrong: the proposal's own ranking, and (a returned proposal edited) every later one.
 */

const about = (title: string, proposalText: string, currentProblem: string) => validProposal({ title, proposalText, currentProblem });

describe('stored rankings of similar earlier proposals (issue 11)', () => {
  let t: TestApp;
  let author: TestAgent; // staff: sees own proposals and adopted cases
  let otherStaff: TestAgent;
  let office: TestAgent;
  let waitingShorter: number;
  let carBooking: number;

  const param = (n: number) => (t.dataSource.options.type === 'postgres' ? `$${n}` : '?');

  /** The stored ranking of a proposal (ids, most similar first), or null. */
  async function stored(id: number): Promise<number[] | null> {
    const rows = (await t.dataSource.query(`SELECT similar_ids FROM similar_rankings WHERE proposal_id = ${param(1)}`, [id])) as { similar_ids: string }[];
    if (!rows.length) return null;
    return rows[0].similar_ids ? rows[0].similar_ids.split(',').map(Number) : [];
  }

  /** Waits for the ranking made after the answer to a submission. */
  async function storedSoon(id: number): Promise<number[] | null> {
    for (let i = 0; i < 250; i++) {
      const ids = await stored(id);
      if (ids) return ids;
      await new Promise((r) => setTimeout(r, 20));
    }
    return null;
  }

  /** The proposal ids linked from the page's 似ている過去の提案 section, in order. */
  async function shownSimilar(agent: TestAgent, id: number): Promise<number[]> {
    const page = await agent.get(`/proposals/${id}`);
    expect(page.status).toBe(200);
    const section = /<section class="similar"[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    return [...section.matchAll(/href="\/proposals\/(\d+)"/g)].map((m) => Number(m[1]));
  }

  const version = async (id: number) => String((await loadProposal(t, id)).version);

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    await createUser(t, { login: 'author', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'other-staff', roles: ['staff'], divisionCode: '412' });
    await createUser(t, { login: 'office1', roles: ['staff', 'office'], divisionCode: '121' });
    author = await signIn(t, 'author');
    otherStaff = await signIn(t, 'other-staff');
    office = await signIn(t, 'office1');
    waitingShorter = await submitProposal(
      author,
      about('窓口の待ち時間を短縮する', '呼出番号をウェブで公開し、外出して待てるようにする。', '繁忙期は来庁者が長く並ぶ。'),
    );
    carBooking = await submitProposal(
      author,
      about('公用車の予約をオンライン化', '紙の予約簿をやめて庁内システムで予約する。', '予約簿を見に行く手間がかかる。'),
    );
  });
  afterAll(() => t.close());

  it('ranks a proposal after its submission and shows the stored ranking, not a new search', async () => {
    const visible = await submitProposal(author, about('窓口での待ち時間の見える化', '混雑状況をモニターで確認できるようにする。', '混み具合が分からない。'));
    expect(await storedSoon(visible)).toEqual([waitingShorter]);
    expect(await shownSimilar(office, visible)).toEqual([waitingShorter]);

    // the page reads what is stored: a ranking changed behind its back is what it shows
    await t.dataSource.query(`UPDATE similar_rankings SET similar_ids = ${param(1)} WHERE proposal_id = ${param(2)}`, [String(carBooking), visible]);
    expect(await shownSimilar(office, visible)).toEqual([carBooking]);
    await t.dataSource.query(`UPDATE similar_rankings SET similar_ids = ${param(1)} WHERE proposal_id = ${param(2)}`, [String(waitingShorter), visible]);
  });

  it('makes the ranking on the first view when none is stored (a failed or lost background run)', async () => {
    const id = await submitProposal(author, about('窓口の待ち時間を知らせる', '待ち人数をメールで知らせる。', '長く待たされる。'));
    await storedSoon(id);
    await t.dataSource.query(`DELETE FROM similar_rankings WHERE proposal_id = ${param(1)}`, [id]);
    expect(await shownSimilar(office, id)).toContain(waitingShorter);
    expect(await stored(id)).toContain(waitingShorter);
  });

  it('stores what anyone could see and shows each viewer only what they may see', async () => {
    const theirs = proposalIdFrom(
      (
        await postForm(
          otherStaff,
          '/proposals',
          { ...about('公用車の予約をオンラインで受け付ける', '予約を電子化する。', '予約簿が紙。'), intent: 'submit' },
          '/proposals/new',
        )
      ).headers.location,
    );
    expect(await storedSoon(theirs)).toContain(carBooking);
    // the author's proposal is neither theirs nor an adopted case
    expect(await shownSimilar(otherStaff, theirs)).toEqual([]);
    expect((await otherStaff.get(`/proposals/${theirs}`)).text).not.toContain('似ている過去の提案');
    expect(await shownSimilar(office, theirs)).toContain(carBooking);
  });

  it('ranks a returned proposal again when its proposer changes its text', async () => {
    const id = await submitProposal(author, about('窓口の待ち時間を減らす', '番号札をやめて予約制にする。', '待ち時間が長い。'));
    expect(await storedSoon(id)).toContain(waitingShorter);
    expect(
      (await postConfirmed(office, `/proposals/${id}/return`, { version: await version(id), comment: '内容を具体的にしてください。' }, `/proposals/${id}`))
        .status,
    ).toBe(303);

    const saved = await postForm(
      author,
      `/proposals/${id}`,
      { ...about('公用車の予約を電子化する', '予約を庁内システムで受け付ける。', '予約簿が紙。'), intent: 'draft', version: await version(id) },
      `/proposals/${id}/edit`,
    );
    expect(saved.status).toBe(303);
    // forgotten in the same transaction as the change
    expect(await stored(id)).toBeNull();
    const resubmitted = await postForm(
      author,
      `/proposals/${id}`,
      { ...about('公用車の予約を電子化する', '予約を庁内システムで受け付ける。', '予約簿が紙。'), intent: 'submit', version: await version(id) },
      `/proposals/${id}/edit`,
    );
    expect(resubmitted.status).toBe(303);
    const ranked = await storedSoon(id);
    expect(ranked).toContain(carBooking);
    expect(ranked).not.toContain(waitingShorter);
    // other staff's proposal about the same is ranked too, and not shown to this author
    expect(await shownSimilar(author, id)).toEqual([carBooking]);
  });

  it('ranks later proposals again when an earlier proposal changes its text', async () => {
    const earlier = await submitProposal(author, about('会議資料のペーパーレス化', 'タブレットで資料を配布する。', '印刷に手間がかかる。'));
    const later = await submitProposal(author, about('会議資料をタブレットで配る', 'ペーパーレス会議にする。', '紙代がかかる。'));
    expect(await storedSoon(later)).toContain(earlier);

    // the earlier one is returned and rewritten about something else: the later one no longer lists it
    await postConfirmed(
      office,
      `/proposals/${earlier}/return`,
      { version: await version(earlier), comment: '別の案にしてください。' },
      `/proposals/${earlier}`,
    );
    const rewritten = await postForm(
      author,
      `/proposals/${earlier}`,
      { ...about('庁内電話の取次を減らす', '課ごとの直通番号を案内する。', '転送が多い。'), intent: 'draft', version: await version(earlier) },
      `/proposals/${earlier}/edit`,
    );
    expect(rewritten.status).toBe(303);
    expect(await shownSimilar(office, later)).not.toContain(earlier);
    expect(await stored(later)).not.toContain(earlier);

    // and rewritten back: listed again
    await postForm(
      author,
      `/proposals/${earlier}`,
      { ...about('会議資料のペーパーレス化', 'タブレットで資料を配布する。', '印刷に手間がかかる。'), intent: 'draft', version: await version(earlier) },
      `/proposals/${earlier}/edit`,
    );
    expect(await shownSimilar(office, later)).toContain(earlier);
  });

  it('leaves other rankings alone when a draft changes (nothing was ranked against it)', async () => {
    const before = (await t.dataSource.query('SELECT value FROM similar_ranking_generation')) as { value: number | string }[];
    const draft = proposalIdFrom(
      (await postForm(author, '/proposals', { ...about('窓口の案内表示', '表示を増やす。', '迷う人が多い。'), intent: 'draft' }, '/proposals/new')).headers
        .location,
    );
    await postForm(
      author,
      `/proposals/${draft}`,
      { ...about('窓口の案内表示を大きくする', '表示を増やす。', '迷う人が多い。'), intent: 'draft', version: await version(draft) },
      `/proposals/${draft}/edit`,
    );
    const after = (await t.dataSource.query('SELECT value FROM similar_ranking_generation')) as { value: number | string }[];
    expect(Number(after[0].value)).toBe(Number(before[0].value));
  });
});
