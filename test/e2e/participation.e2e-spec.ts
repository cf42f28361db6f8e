import TestAgent from 'supertest/lib/agent';
import { fiscalYearOf, eraFiscalYearLabel } from '../../src/common/fiscal-year';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { KaizenMember, KaizenReport, KaizenStatus } from '../../src/kaizen/kaizen.entities';
import { Division } from '../../src/organization/division.entity';
import { DivisionStaffCount } from '../../src/participation/division-staff-count.entity';
import { loadProposal, postForm, submitProposal, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';
import { errorSummary, fieldError, flashes, inputValue, textOf } from '../factories/admin-helpers';
import { User } from '../../src/users/user.entity';

/**
 * 参加率 per fiscal year and division (issue 13), through HTTP on a year built by hand: accounts in several
 * divisions (one disabled before the year, one disabled on its first day, one disabled without a date, one
 * created after it), proposals with an accepted and a pending co-proposer, a person moved to another division,
 * カイゼン reports written into their tables, and a staff number entered by the office.
 */
describe('participation (参加率)', () => {
  let t: TestApp;
  let office: TestAgent;
  let admin: TestAgent;
  let officeUser: User;
  const Y = fiscalYearOf(new Date());
  const division: Record<string, number> = {};
  const users: Record<string, User> = {};

  /** Rows of the participation table: the row header then the cells, as visible text. */
  function pageRows(html: string): string[][] {
    const table = /<table[^>]*data-testid="participation-table"[^>]*>([\s\S]*?)<\/table>/.exec(html);
    if (!table) throw new Error('no participation table');
    return [...table[1].matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)]
      .map((row) => [...row[1].matchAll(/<t[hd]\b[^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1])))
      .filter((cells) => cells[0] !== '局・区／課');
  }

  async function kaizen(status: KaizenStatus, fiscalYear: number | null, reporter: string, members: string[], effect: { hours?: number; yen?: number } = {}) {
    const reports = t.dataSource.getRepository(KaizenReport);
    const { identifiers } = await reports.insert({
      status,
      fiscalYear,
      title: `${reporter}のカイゼン`,
      problem: '手作業の転記が多い',
      changeText: '様式を統一した',
      effectText: '',
      effectHours: effect.hours ?? null,
      effectYen: effect.yen ?? null,
      reporterId: users[reporter].id,
      reporterDivisionId: users[reporter].divisionId,
      submittedAt: fiscalYear ? new Date() : null,
    });
    const reportId = Number(identifiers[0].id);
    for (const member of members) await t.dataSource.getRepository(KaizenMember).insert({ reportId, userId: users[member].id });
  }

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    for (const d of await t.dataSource.getRepository(Division).find()) division[d.code] = d.id;
    const staffIn = async (key: string, code: string) =>
      (users[key] = await createUser(t, { roles: ['staff'], login: `pt-${key}`, divisionCode: code, name: `参加 ${key}` }));
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) await staffIn(key, '411');
    await staffIn('h', '211');
    await staffIn('i', '211');
    await staffIn('m', '212');
    await staffIn('j', '311');
    await staffIn('l', '311');
    await staffIn('k', '412');
    officeUser = await createUser(t, { roles: ['office'], login: 'pt-office', divisionCode: '121' });
    await createUser(t, { roles: ['admin'], login: 'pt-admin' });
    await createUser(t, { roles: ['reviewer'], login: 'pt-reviewer', divisionCode: '211' });
    office = await signIn(t, 'pt-office');
    admin = await signIn(t, 'pt-admin');

    const agent: Record<string, TestAgent> = {};
    for (const key of ['a', 'b', 'c', 'h', 'm', 'l']) agent[key] = await signIn(t, `pt-${key}`);
    // 区民課: a proposes twice, once with b and h as co-proposers; c's proposals are withdrawn or a draft
    const p1 = await submitProposal(agent.a, { title: '共同で出した提案', coproposers: 'pt-b, pt-h' });
    await submitProposal(agent.a, { title: 'ひとりで出した提案' });
    const withdrawn = await submitProposal(agent.c, { title: '取り下げた提案' });
    expect(
      (await postForm(agent.c, `/proposals/${withdrawn}/withdraw`, { confirm: 'on', version: String((await loadProposal(t, withdrawn)).version) })).status,
    ).toBe(303);
    expect((await postForm(agent.c, '/proposals', { ...validProposal({ title: '下書きの提案' }), intent: 'draft' }, '/proposals/new')).status).toBe(303);
    // 市民課: h proposes with i invited (i never answers), then moves to 保険年金課 and accepts a's invitation
    await submitProposal(agent.h, { title: '市民課からの提案', coproposers: 'pt-i' });
    await t.dataSource.getRepository(User).update(users.h.id, { divisionId: division['412'] });
    users.h.divisionId = division['412'];
    for (const key of ['b', 'h']) expect((await postForm(agent[key], `/proposals/${p1}/coproposal/accept`, {}, `/proposals/${p1}`)).status).toBe(303);
    await submitProposal(agent.m, { title: '区政推進課からの提案' });
    await submitProposal(agent.l, { title: '財政課からの提案' });

    // accounts: d disabled before the year, e on its first day (still counted), f without a date, g created after it
    const accounts = t.dataSource.getRepository(User);
    await accounts.update(users.d.id, { disabled: true, disabledAt: new Date(`${Y}-03-31T23:59:00+09:00`) });
    await accounts.update(users.e.id, { disabled: true, disabledAt: new Date(`${Y}-04-01T00:00:00+09:00`) });
    await accounts.update(users.f.id, { disabled: true, disabledAt: null });
    await accounts.update(users.g.id, { createdAt: new Date(`${Y + 1}-04-01T00:00:00+09:00`) });

    // カイゼン: counted when confirmed or published, in their fiscal year
    await kaizen('confirmed', Y, 'j', ['k', 'l'], { hours: 100, yen: 50_000 });
    await kaizen('published', Y, 'l', ['j'], { yen: 20_000 });
    await kaizen('submitted', Y, 'c', ['a']);
    await kaizen('draft', null, 'a', []);
    await kaizen('confirmed', Y - 1, 'b', []);
  }, 120_000);
  afterAll(() => t?.close());

  it('lets the office enter a staff number, naming every bad box at once and keeping what was typed', async () => {
    const refused = await postForm(office, `/reports/participation/${Y}/staff-counts`, {
      [`staff_${division['211']}`]: 'abc',
      [`staff_${division['311']}`]: '100001',
      [`staff_${division['212']}`]: '1,200',
    });
    expect(refused.status).toBe(422);
    expect(errorSummary(refused.text)).toEqual([
      '市民課の職員数は0から100,000までの整数で入力してください（例: 1,200）。空欄にすると入力値を取り消します。',
      '財政課の職員数は0から100,000までの整数で入力してください（例: 1,200）。空欄にすると入力値を取り消します。',
    ]);
    expect(fieldError(refused.text, `staff_${division['311']}`)).toContain('財政課');
    expect(inputValue(refused.text, `staff_${division['211']}`)).toBe('abc');
    expect(inputValue(refused.text, `staff_${division['212']}`)).toBe('1,200');
    expect(await t.dataSource.getRepository(DivisionStaffCount).count()).toBe(0);

    // a box the form does not have is tampering: refused whole
    expect((await postForm(office, `/reports/participation/${Y}/staff-counts`, { staff_999999: '5', [`staff_${division['212']}`]: '3' })).status).toBe(400);
    expect((await postForm(office, `/reports/participation/${Y}/staff-counts`, { [`staff_${division['211']}`]: '3', note: 'x' })).status).toBe(400);
    // a 局・区 takes no number: its figure is the sum of its 課
    expect((await postForm(office, `/reports/participation/${Y}/staff-counts`, { [`staff_${division['200']}`]: '3' })).status).toBe(400);

    const saved = await postForm(office, `/reports/participation/${Y}/staff-counts`, {
      [`staff_${division['212']}`]: '１，２００',
      [`staff_${division['211']}`]: '',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/reports/participation?year=${Y}`);
    expect(flashes((await office.get(saved.headers.location)).text)).toEqual(['職員数を保存しました（1件の課）。']);
    const row = await t.dataSource.getRepository(DivisionStaffCount).findOneByOrFail({ fiscalYear: Y, divisionId: division['212'] });
    expect([row.staffCount, row.updatedBy]).toEqual([1200, officeUser.id]);

    expect((await postForm(office, `/reports/participation/${Y}/staff-counts`, { [`staff_${division['212']}`]: '' })).status).toBe(303);
    expect(await t.dataSource.getRepository(DivisionStaffCount).count()).toBe(0);
    expect((await postForm(office, `/reports/participation/${Y}/staff-counts`, { [`staff_${division['212']}`]: '40' })).status).toBe(303);
    expect((await postForm(office, `/reports/participation/${Y}/staff-counts`, { [`staff_${division['212']}`]: '40' })).status).toBe(303);
    expect(flashes((await office.get(`/reports/participation?year=${Y}`)).text)).toEqual(['職員数に変更はありませんでした。']);
  });

  // 区民課 6 = demo-staff, demo-head, a, b, c, e (d, f disabled, g created after the year); 保険年金課 2 = k, h (moved);
  // 市民課 2 = demo-reviewer, i; 区政推進課 40 entered (1 account); 財政課 2 = j, l; 改革推進課, 情報政策課 = demo-office, demo-admin.
  // Proposers: 区民課 a, b; 保険年金課 h (co-proposer, current division); 市民課 h (proposer's division at submission);
  // 区政推進課 m; 財政課 l. h counts once in 中央区 and once in the total. Reporters: j, l (財政課), k (保険年金課).
  const EXPECTED_ROWS = [
    ['総務局', '2', '0', '0', '0', '0.0', '0.0'],
    ['総務課', '0', '0', '0', '0', '―', '―'],
    ['人事課', '0', '0', '0', '0', '―', '―'],
    ['改革推進課', '1', '0', '0', '0', '0.0', '0.0'],
    ['情報政策課', '1', '0', '0', '0', '0.0', '0.0'],
    ['市民局', '42 入力値を含む', '2', '2', '0', '4.8', '4.8'],
    ['市民課', '2', '1', '1', '0', '50.0', '50.0'],
    ['区政推進課', '40 入力値', '1', '1', '0', '2.5', '2.5'],
    ['財政局', '2', '1', '1', '2', '50.0', '50.0'],
    ['財政課', '2', '1', '1', '2', '50.0', '50.0'],
    ['契約課', '0', '0', '0', '0', '―', '―'],
    ['中央区', '8', '2', '3', '1', '37.5', '25.0'],
    ['区民課', '6', '2', '2', '0', '33.3', '33.3'],
    ['保険年金課', '2', '0', '1', '1', '50.0', '0.0'],
    ['合計', '54 入力値を含む', '5', '5', '3', '9.3', '9.3'],
  ];

  it('shows the year per 局・区 with its 課, the entered number marked, and the total', async () => {
    const page = await office.get(`/reports/participation?year=${Y}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`${Y}年度（${eraFiscalYearLabel(Y)}）の参加率`);
    expect(pageRows(page.text)).toEqual(EXPECTED_ROWS);
    expect(page.text).toContain('data-testid="entered-note"');
    expect(inputValue(page.text, `staff_${division['212']}`)).toBe('40');
    expect(page.text).toContain('<svg');
    expect(page.text).toContain('中央区 37.5%');
    // the current year is the default
    expect(pageRows((await office.get('/reports/participation')).text)).toEqual(EXPECTED_ROWS);
    // the office may open the people behind a row
    expect(page.text).toContain(`href="/reports/participation/${Y}/divisions/${division['400']}"`);
  });

  it('counts another year on its own: its reports, no accounts yet (all were created later), no entered number', async () => {
    const rows = pageRows((await office.get(`/reports/participation?year=${Y - 1}`)).text);
    expect(rows.find((r) => r[0] === '区民課')).toEqual(['区民課', '0', '0', '0', '1', '―', '―']);
    expect(rows.find((r) => r[0] === '区政推進課')).toEqual(['区政推進課', '0', '0', '0', '0', '―', '―']);
    expect(rows.at(-1)).toEqual(['合計', '0', '0', '0', '1', '―', '―']);
  });

  it('downloads the same figures as CSV, one line per division', async () => {
    const res = await office.get(`/reports/participation.csv?year=${Y}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain(`filename="participation-${Y}.csv"`);
    expect(res.text.startsWith('\ufeff')).toBe(true);
    const text = res.text.slice(1);
    expect(text).toBe(
      [
        '年度,局・区,課,区分,職員数,職員数の入力値,提案件数,提案者数,実績報告者数,参加率,100人当たり提案件数',
        `${Y},総務局,,局・区,2,,0,0,0,0.0,0.0`,
        `${Y},総務局,総務課,課,0,,0,0,0,,`,
        `${Y},総務局,人事課,課,0,,0,0,0,,`,
        `${Y},総務局,改革推進課,課,1,,0,0,0,0.0,0.0`,
        `${Y},総務局,情報政策課,課,1,,0,0,0,0.0,0.0`,
        `${Y},市民局,,局・区,42,入力値を含む,2,2,0,4.8,4.8`,
        `${Y},市民局,市民課,課,2,,1,1,0,50.0,50.0`,
        `${Y},市民局,区政推進課,課,40,入力値,1,1,0,2.5,2.5`,
        `${Y},財政局,,局・区,2,,1,1,2,50.0,50.0`,
        `${Y},財政局,財政課,課,2,,1,1,2,50.0,50.0`,
        `${Y},財政局,契約課,課,0,,0,0,0,,`,
        `${Y},中央区,,局・区,8,,2,3,1,37.5,25.0`,
        `${Y},中央区,区民課,課,6,,2,2,0,33.3,33.3`,
        `${Y},中央区,保険年金課,課,2,,0,1,1,50.0,0.0`,
        `${Y},合計,,合計,54,入力値を含む,5,5,3,9.3,9.3`,
        '',
      ].join('\r\n'),
    );
    const sjis = await office.get(`/reports/participation.csv?year=${Y}&encoding=sjis`);
    expect([sjis.status, sjis.headers['content-type']]).toEqual([200, 'text/csv; charset=Shift_JIS']);
    expect((await office.get(`/reports/participation.csv?year=${Y}&encoding=latin1`)).status).toBe(400);
  });

  it('drills down to the people counted in a 局・区 or a 課, with their counts', async () => {
    const cells = (html: string, testid: string) => {
      const table = new RegExp(`<table[^>]*data-testid="${testid}"[^>]*>([\\s\\S]*?)</table>`).exec(html)![1];
      return [...table.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)[Symbol.iterator]()].flatMap((b) =>
        [...b[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(c[1]))),
      );
    };
    const chuo = await office.get(`/reports/participation/${Y}/divisions/${division['400']}`);
    expect(chuo.status).toBe(200);
    const proposers = cells(chuo.text, 'proposers');
    expect(proposers[0]).toEqual(['参加 a', 'pt-a', '区民課', '2']);
    expect(proposers.slice(1).sort()).toEqual([
      ['参加 b', 'pt-b', '区民課', '1'],
      ['参加 h', 'pt-h', '保険年金課', '1'],
    ]);
    expect(cells(chuo.text, 'reporters')).toEqual([['参加 k', 'pt-k', '保険年金課', '1']]);

    const zaisei = await office.get(`/reports/participation/${Y}/divisions/${division['311']}`);
    expect(cells(zaisei.text, 'proposers')).toEqual([['参加 l', 'pt-l', '財政課', '1']]);
    expect(cells(zaisei.text, 'reporters').sort()).toEqual([
      ['参加 j', 'pt-j', '財政課', '2'],
      ['参加 l', 'pt-l', '財政課', '2'],
    ]);
    // h proposed from 市民課 before moving: credited there too
    expect(cells((await office.get(`/reports/participation/${Y}/divisions/${division['211']}`)).text, 'proposers')).toEqual([
      ['参加 h', 'pt-h', '保険年金課', '1'],
    ]);

    expect((await office.get(`/reports/participation/${Y}/divisions/999999`)).status).toBe(404);
    expect((await office.get(`/reports/participation/abcd/divisions/${division['311']}`)).status).toBe(404);
  });

  it('is for the office and the administrator; names are for the office only; others get the access page', async () => {
    expect((await admin.get(`/reports/participation?year=${Y}`)).status).toBe(200);
    expect((await admin.get(`/reports/participation?year=${Y}`)).text).not.toContain('/divisions/');
    expect((await admin.get(`/reports/participation.csv?year=${Y}`)).status).toBe(200);
    expect((await admin.get(`/reports/participation/${Y}/divisions/${division['400']}`)).status).toBe(403);
    const staff = await signIn(t, 'pt-a');
    const reviewer = await signIn(t, 'pt-reviewer');
    const demoStaff = await signIn(t, 'demo-staff', DEMO_PASSWORD);
    for (const agent of [staff, reviewer, demoStaff]) {
      expect((await agent.get(`/reports/participation?year=${Y}`)).status).toBe(403);
      expect((await agent.get(`/reports/participation.csv?year=${Y}`)).status).toBe(403);
      expect((await agent.get(`/reports/participation/${Y}/divisions/${division['400']}`)).status).toBe(403);
      expect((await postForm(agent, `/reports/participation/${Y}/staff-counts`, { [`staff_${division['212']}`]: '1' })).status).toBe(403);
    }
    expect((await office.get('/reports/participation?year=abc')).status).toBe(404);
    expect(await t.dataSource.getRepository(DivisionStaffCount).findOneByOrFail({ fiscalYear: Y, divisionId: division['212'] })).toMatchObject({
      staffCount: 40,
    });
  });

  it('is linked from the year-by-year report, where a year with only カイゼン reports has a line of its own', async () => {
    const page = await office.get('/reports');
    expect(page.text).toContain('href="/reports/participation"');
    const csv = await office.get(`/reports/years.csv?to=${Y - 1}&encoding=utf8`);
    // no proposal in the year before: its proposal figures are 0 and its rates empty; one counted report, no effects entered
    expect(csv.text.slice(1)).toBe(
      '年度,年度(和暦),提案件数,受理件数,採用件数,採用率,実施件数,実施率,不受理件数,継続検討件数,未決定件数,効果見込み時間,効果見込み額,実績時間,実績額,表彰件数,課題提案件数,実績報告件数,実績報告の削減時間,実績報告の削減額\r\n' +
        `${Y - 1},${eraFiscalYearLabel(Y - 1)},0,0,0,,0,,0,0,0,0,0,0,0,0,0,1,0,0\r\n`,
    );
    // this year: 5 proposals, none answering a call; 2 counted reports with 100 hours and 70,000 yen
    expect((await office.get(`/reports/years.csv?from=${Y}`)).text.split('\r\n')[1]).toMatch(
      new RegExp(`^${Y},${eraFiscalYearLabel(Y)},5,.*,0,0,2,100,70000$`),
    );
  });
});
