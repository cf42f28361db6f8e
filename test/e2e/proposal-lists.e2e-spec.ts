import * as iconv from 'iconv-lite';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { Division } from '../../src/organization/division.entity';
import { LIST_STATUS_RANK_SQL } from '../../src/database/migrations/1764920000000-ListSortIndexes';
import { PROPOSAL_STATUSES } from '../../src/proposals/proposal-state-machine';
import { LIST_CSV_HEADER } from '../../src/proposals/proposals.service';
import { createTestApp, TestApp } from '../factories/test-app';
import { advance, loadProposal, postForm, submitProposal, validProposal, workflowActors, WorkflowActors } from '../factories/proposals';
import { visibleText } from '../factories/auth-helpers';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * The proposal lists (issue 9): sortable columns that keep the filters, the filtered list as CSV with
 * only what the user may see and only public columns, the decision in the 状態 column, and 採用事例
 * with a summary, the lead division and the effects.
 */
describe('proposal lists: sorting, CSV, 採用事例', () => {
  let t: TestApp;
  let actors: WorkflowActors;
  let staffA: TestAgent;
  let staffB: TestAgent;
  let leadDivisionName: string;
  const ids: Record<string, number> = {};
  // Internal text that must never reach a list or its CSV
  const OPINION = '内部意見マーカー-7Q';
  const REASON = '内部理由マーカー-7Q';
  const ANSWER = '回答マーカー-7Q';
  const longText = `${'書類の押印を廃止し、電子決裁に一本化する。'.repeat(12)}末尾マーカー`;

  /** 提案番号 cells in page order (a number, or （未提出）). */
  const numbersOnPage = (html: string) => [...html.matchAll(/<td data-label="提案番号"[^>]*>([\s\S]*?)<\/td>/g)].map((m) => visibleText(m[1]));
  const titlesOnPage = (html: string) => [...html.matchAll(/<td data-label="件名">\s*<a href="\/proposals\/\d+">([^<]*)<\/a>/g)].map((m) => m[1]);
  const statusCells = (html: string) => [...html.matchAll(/<td data-label="状態">([\s\S]*?)<\/td>/g)].map((m) => visibleText(m[1]));
  const csvText = (body: Buffer) => body.toString('utf8').replace(/^\uFEFF/, '');
  const csvLines = (text: string) => text.split('\r\n').filter((l) => l !== '');
  /** RFC 4180 records (the project has no CSV reader among its dependencies). */
  const csvRecords = (text: string): string[][] => {
    const records: string[][] = [];
    for (const line of csvLines(text)) {
      const cells = [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
      records.push(cells);
    }
    return records;
  };
  const getCsv = (agent: TestAgent, path: string) =>
    agent
      .get(path)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    actors = await workflowActors(t, '211');
    leadDivisionName = (await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' })).name;
    await createUser(t, { login: 'lists-a', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'lists-b', roles: ['staff'], divisionCode: '311' });
    staffA = await signIn(t, 'lists-a');
    staffB = await signIn(t, 'lists-b');

    // A's: three submitted with titles in a known order, one adopted (with internal text), one draft
    ids.ka = await submitProposal(staffA, { title: 'かきくけこの提案' });
    ids.a = await submitProposal(staffA, { title: 'あいうえおの提案' });
    ids.formula = await submitProposal(staffA, { title: '=HYPERLINK("http://evil.example","さしすせそ")' });
    ids.adoptedA = await submitProposal(staffA, { title: 'たちつてとの提案', proposalText: longText });
    await advance(t, actors, ids.adoptedA, 'decided', { decision: 'adopted', opinionText: OPINION, reason: REASON, answer: ANSWER });
    const draft = await postForm(staffA, '/proposals', { ...validProposal({ title: 'なにぬねのの下書き' }), intent: 'draft' }, '/proposals/new');
    ids.draftA = Number(draft.headers.location.split('/').pop());

    // B's: one private (A must not see it), one adopted with an actual effect reported (A sees it)
    ids.privateB = await submitProposal(staffB, { title: 'Bだけの非公開の提案' });
    ids.adoptedB = await submitProposal(staffB, { title: 'はひふへほの提案', estimatedHours: '40', estimatedYen: '' });
    await advance(t, actors, ids.adoptedB, 'decided', { decision: 'partially_adopted', opinionText: OPINION, reason: REASON, answer: ANSWER });
    const version = String((await loadProposal(t, ids.adoptedB)).version);
    const implemented = await postForm(actors.reviewer, `/proposals/${ids.adoptedB}/implementation`, {
      version,
      status: 'implemented',
      implementedOn: jstDateString(new Date()),
      actualHours: '1,250',
      actualYen: '4,800,000',
      note: '',
    });
    expect(implemented.status).toBe(303);
  });
  afterAll(() => t?.close());

  it('shows the proposal number (2026-0001 style, never [object Object]) and the decision instead of 決定', async () => {
    const res = await staffA.get('/proposals');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('[object Object]');
    const numbers = numbersOnPage(res.text);
    expect(numbers.length).toBeGreaterThanOrEqual(6);
    for (const n of numbers) expect(n).toMatch(/^\d{4}-\d{4}$|^（未提出）$/);
    expect(numbers).toContain((await loadProposal(t, ids.adoptedA)).number);
    const statuses = statusCells(res.text);
    expect(statuses.some((s) => s.startsWith('採用'))).toBe(true);
    expect(statuses.some((s) => s.startsWith('一部採用'))).toBe(true);
    expect(statuses.some((s) => s.startsWith('決定'))).toBe(false);
    // dates as people read them
    expect(visibleText(res.text)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(res.text).toMatch(/<td data-label="更新" class="nowrap">\d{4}年\d{1,2}月\d{1,2}日<\/td>/);
  });

  it('sorts by 件名, 提案番号 and 状態 both ways, with aria-sort and header links that keep the filters', async () => {
    const asc = await staffA.get('/proposals?sort=title&dir=asc');
    expect(asc.status).toBe(200);
    const ascTitles = titlesOnPage(asc.text);
    expect(ascTitles.length).toBeGreaterThanOrEqual(6);
    expect(ascTitles).toEqual([...ascTitles].sort());
    const desc = await staffA.get('/proposals?sort=title&dir=desc');
    expect(titlesOnPage(desc.text)).toEqual([...ascTitles].reverse());
    expect(asc.text).toMatch(/<th scope="col" aria-sort="ascending">\s*<a class="sort-link" href="\?sort&#x3D;title&amp;dir&#x3D;desc"/);
    expect((asc.text.match(/aria-sort=/g) ?? []).length).toBe(1);

    // 提案番号: ascending, a draft (no number) last; descending, first
    const byNumber = numbersOnPage((await staffA.get('/proposals?sort=number&dir=asc')).text);
    expect(byNumber[byNumber.length - 1]).toBe('（未提出）');
    const numbered = byNumber.filter((n) => n !== '（未提出）');
    expect(numbered).toEqual([...numbered].sort());
    expect(numbersOnPage((await staffA.get('/proposals?sort=number&dir=desc')).text)).toEqual([...byNumber].reverse());

    // 状態 in the order of the workflow: 下書き, 受付待ち … 決定
    const byStatus = statusCells((await staffA.get('/proposals?sort=status&dir=asc')).text);
    expect(byStatus[0]).toBe('下書き');
    expect(byStatus[1]).toBe('受付待ち');
    expect(byStatus.slice(-2).every((s) => /採用/.test(s))).toBe(true);

    // the default is unchanged: the most recently updated first
    const plain = await staffA.get('/proposals');
    expect(plain.text).toMatch(/<th scope="col" aria-sort="descending">\s*<a class="sort-link" href="\?sort&#x3D;updated&amp;dir&#x3D;asc"/);

    // a filter stays in the header links, the CSV link and the filter form
    const filtered = await staffA.get('/proposals?status=submitted&sort=title&dir=asc');
    expect(titlesOnPage(filtered.text)).toEqual(ascTitles.filter((x) => !/たちつてと|はひふへほ|なにぬねの/.test(x)));
    expect(filtered.text).toContain('href="?status&#x3D;submitted&amp;sort&#x3D;number&amp;dir&#x3D;asc"');
    expect(filtered.text).toContain('href="/proposals.csv?status&#x3D;submitted&amp;sort&#x3D;title&amp;dir&#x3D;asc"');
    expect(filtered.text).toContain('<input type="hidden" name="sort" value="title">');
  });

  it('refuses an unknown sort or direction with a Japanese message, and a key the list does not have with 400', async () => {
    const badSort = await staffA.get('/proposals?sort=password');
    expect(badSort.status).toBe(400);
    expect(visibleText(badSort.text)).toContain('並べ替えの指定が正しくありません');
    const badDir = await staffA.get('/proposals?sort=title&dir=sideways');
    expect(badDir.status).toBe(400);
    expect(visibleText(badDir.text)).toContain('並び順は asc（昇順）か desc（降順）で指定してください。');
    const injected = await staffA.get(`/proposals?sort=${encodeURIComponent('title; DROP TABLE proposals')}`);
    expect(injected.status).toBe(400);
    expect((await staffA.get('/proposals?orderBy=id')).status).toBe(400);
    // an odd page number still means the first page, as before
    expect((await staffA.get('/proposals?page=abc')).status).toBe(200);
  });

  it('sorts 自分の提案 too', async () => {
    const mine = await staffA.get('/proposals/mine?sort=title&dir=asc');
    expect(mine.status).toBe(200);
    const titles = titlesOnPage(mine.text);
    expect(titles).toHaveLength(5);
    expect(titles).toEqual([...titles].sort());
    expect(mine.text).not.toContain('Bだけの非公開の提案');
    expect((await staffA.get('/proposals/mine?sort=bogus')).status).toBe(400);
  });

  it('downloads the filtered list as CSV: what this user may see, public columns only, UTF-8 with BOM', async () => {
    const res = await getCsv(staffA, '/proposals.csv?sort=title&dir=asc');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="proposals.csv"; filename*=UTF-8''${encodeURIComponent('提案一覧.csv')}`);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csvText(body);
    const lines = csvLines(text);
    expect(lines[0]).toBe(LIST_CSV_HEADER.join(','));
    expect(lines[0]).toBe('提案番号,件名,提案分野,状態,採否,実施状況,提出日,主管課,提案者所属');

    // the same rows as the page, in the same order
    const page = await staffA.get('/proposals?sort=title&dir=asc');
    expect(
      csvRecords(text)
        .slice(1)
        .map((r) => r[0] || '（未提出）'),
    ).toEqual(numbersOnPage(page.text));
    expect(text).not.toContain('Bだけの非公開の提案');
    expect(text).toContain('はひふへほの提案');
    for (const secret of [OPINION, REASON, ANSWER, '押印を廃止', '繁忙期は窓口', '待合スペースの混雑緩和']) expect(text).not.toContain(secret);

    const adoptedB = csvRecords(text).find((r) => r[1] === 'はひふへほの提案')!;
    const number = (await loadProposal(t, ids.adoptedB)).number!;
    expect(adoptedB).toEqual([
      number,
      'はひふへほの提案',
      expect.any(String),
      '決定',
      '一部採用',
      '実施済',
      expect.stringMatching(/^\d{4}年\d{1,2}月\d{1,2}日$/),
      leadDivisionName,
      expect.any(String),
    ]);
    // a title that a spreadsheet would run as a formula arrives as text
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""さしすせそ"")"`);
    expect(res.headers['x-rows-cut']).toBe('0');
  });

  it('keeps the filters in the CSV, offers Shift_JIS, and refuses an unknown encoding', async () => {
    const filtered = csvRecords(csvText((await getCsv(staffA, '/proposals.csv?status=submitted')).body as Buffer));
    expect(filtered).toHaveLength(1 + 3);
    expect(filtered.slice(1).map((r) => r[3])).toEqual(['受付待ち', '受付待ち', '受付待ち']);

    const sjis = await getCsv(staffA, '/proposals.csv?encoding=sjis');
    expect(sjis.headers['content-type']).toBe('text/csv; charset=Shift_JIS');
    expect(iconv.decode(sjis.body as Buffer, 'cp932')).toContain('あいうえおの提案');

    const bad = await staffA.get('/proposals.csv?encoding=latin1');
    expect(bad.status).toBe(400);
    expect(visibleText(bad.text)).toContain('文字コードは utf8 か sjis を指定してください。');
  });

  it("gives the office every submitted proposal but nobody's draft", async () => {
    const text = csvText((await getCsv(actors.office, '/proposals.csv')).body as Buffer);
    expect(text).toContain('Bだけの非公開の提案');
    expect(text).not.toContain('なにぬねのの下書き');
    expect(text).not.toContain(REASON);
    // signed-out: the login page, not a file
    const anonymous = await request(t.app.getHttpServer()).get('/proposals.csv');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/login/);
  });

  it('shows each adopted case with a summary, the lead division and the effects (actual, or the estimate as 見込み)', async () => {
    const res = await staffB.get('/adopted');
    expect(res.status).toBe(200);
    const cards = [...res.text.matchAll(/<li class="card case">([\s\S]*?)<\/li>/g)].map((m) => m[1]);
    expect(cards).toHaveLength(2);
    const a = cards.find((c) => c.includes('たちつてとの提案'))!;
    const b = cards.find((c) => c.includes('はひふへほの提案'))!;

    // the summary: about 120 characters of the proposal's text, cut with …
    const summary = visibleText(/<p class="case__summary">([\s\S]*?)<\/p>/.exec(a)![1]);
    expect(summary.endsWith('…')).toBe(true);
    expect([...summary].length).toBeLessThanOrEqual(121);
    expect(summary.startsWith('書類の押印を廃止し、電子決裁に一本化する。')).toBe(true);
    expect(a).not.toContain('末尾マーカー');

    expect(visibleText(a)).toContain(`主管課 ${leadDivisionName}`);
    expect(visibleText(a)).toContain('効果（見込み・年間） 見込み 削減時間 120 時間 ・ 削減額 300,000 円');
    expect(visibleText(b)).toContain(`主管課 ${leadDivisionName}`);
    expect(visibleText(b)).toContain('効果（実績・年間） 削減時間 1,250 時間 ・ 削減額 4,800,000 円');
    expect(visibleText(b)).not.toContain('見込み');
    expect(visibleText(b)).toContain('一部採用');
    expect(visibleText(b)).toMatch(/\d{4}-\d{4}/);
    for (const secret of [OPINION, REASON, '[object Object]']) expect(res.text).not.toContain(secret);
  });

  it('ranks every status in the 状態 order the index is built on', () => {
    // a status missing here would sort last and silently break the order of 状態
    for (const status of PROPOSAL_STATUSES) expect(LIST_STATUS_RANK_SQL).toContain(`'${status}'`);
  });
});
