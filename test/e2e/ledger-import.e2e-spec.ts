import * as iconv from 'iconv-lite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { fiscalYearOf } from '../../src/common/fiscal-year';
import { jstDateString } from '../../src/common/jst';
import { LEDGER_COLUMNS } from '../../src/ledger/ledger-format';
import { LEDGER_IMPORT_LOGIN } from '../../src/ledger/ledger-import.service';
import { Division } from '../../src/organization/division.entity';
import { OrganizationService } from '../../src/organization/organization.service';
import { ProposalHistoryEntry } from '../../src/proposals/proposal-history.entity';
import { Proposal } from '../../src/proposals/proposal.entity';
import { ReportsService } from '../../src/reports/reports.service';
import { User } from '../../src/users/user.entity';
import { decodeHtml, textOf } from '../factories/admin-helpers';
import { passwordHashOf } from '../factories/auth-helpers';
import { historyOf, loadProposal, postForm, submitProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';
import { buildApp } from '../factories/child-app';
import { runCli } from '../factories/cli';
import { SqliteFile } from '../factories/sqlite-file';

/**
 * The legacy ledger (提案簿) import, as the office uses it: through the upload page and through the
 * compiled command line. A few years of ledger, scaled down from the figures in DOMAIN.md (FY2018:
 * 10 proposals, 2 implemented = 20.0%), in the three encodings Excel writes.
 */

type Row = Record<(typeof LEDGER_COLUMNS)[number], string>;
const HEADER = LEDGER_COLUMNS.join(',');

const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);
const csv = (rows: Row[]) => [HEADER, ...rows.map((r) => LEDGER_COLUMNS.map((c) => quote(r[c])).join(','))].join('\r\n') + '\r\n';
const r = (
  number: string,
  submitted: string,
  title: string,
  proposer: string,
  lead: string,
  decision: string,
  implementation = '',
  implementedOn = '',
  text = `${title}についての提案です。`,
): Row => ({
  提案番号: number,
  提出日: submitted,
  件名: title,
  提案内容: text,
  提案者所属: proposer,
  所管課: lead,
  採否: decision,
  実施状況: implementation,
  実施日: implementedOn,
});

/** 平成29年度: 7 proposals; 採用 3 (採用 2 + 一部採用 1), 実施 2 (one 実施済, one 既実施). */
const FY2017 = [
  r('H29-001', '2017-05-10', '窓口の案内表示を大きくする', '411', '市民課', '採用', '実施済', '2017-08-01'),
  r('H29-002', '2017/6/1', '会議資料のペーパーレス化', '総務課', '111', '一部採用', '実施中'),
  r('H29-003', 'H29.7.3', '庁内便の集配を1日1回にする', '112', '', '既実施'),
  r('H29-004', '平成29年9月15日', '公用車の共同利用', '311', '契約課', '不採用'),
  r('H29-005', '2017-11-20T10:00:00+09:00', '職員食堂のメニュー', '412', '', '不受理'),
  r('H29-006', 'H30.1.10', '電子決裁の全庁導入', '122', '情報政策課', '継続検討'),
  // submitted 23:50 JST on the last day of the fiscal year: still 平成29年度
  r(
    'H29-007',
    '2018-03-31T23:50:00+09:00',
    '窓口で「よくある質問」を配る',
    '211',
    '211',
    '採用',
    '未着手',
    '',
    '質問をまとめ、\r\n"よくある質問"として配る。\r\n費用は、印刷代のみ。',
  ),
];
/** 平成30年度: 10 proposals; 採用 3, 実施 2 (20.0%, as in DOMAIN.md), 不受理 1, 継続検討 1, undecided 1. */
const FY2018 = [
  // 15:10 UTC on 31 March is 00:10 JST on 1 April: 平成30年度
  r('H30-001', '2018-03-31T15:10:00Z', '申請書の押印を廃止する', '411', '区民課', '採用', '実施済', 'H30.6.1'),
  r('H30-002', 'H30.4.2', '窓口番号札①～⑩の見直し', '区民課', '', '既実施', '', 'H30.3.1'),
  r('H30-003', '平成30年5月1日', '庁舎の照明をLEDにする', '311', '311', '採用', '断念'),
  r('H30-004', '2018/6/1', '研修動画の共有', '112', '人事課', '一部採用'),
  r('H30-005', 'H30.7.1', '公用車を全部電気自動車にする', '311', '契約課', '不採用'),
  r('H30-006', 'H30.8.1', '庁内の自動販売機を増やす', '111', '', '不採用'),
  r('H30-007', 'H30.9.1', '苦情の件', '412', '', '不受理'),
  r('H30-008', 'H30.10.1', 'テレワークの拡大', '122', '122', '継続検討'),
  r('H30-009', 'H31.1.10', '窓口の混雑予報', '２１１', '', ''),
  r('H30-010', '平成31年3月29日', '郵送料の削減', '区民課', '', '不採用'),
];
/** 令和元年度: 3 proposals across the change of era; 採用 2, 実施 1. */
const FY2019 = [
  r('R01-001', '平成31年4月30日', '改元に伴う様式の一括修正', '111', '総務課', '採用', '実施済', '令和元年5月1日'),
  r('R01-002', '令和元年5月1日', '記念品の配布', '212', '', '不採用'),
  r('R01-003', 'R2.3.31', 'オンライン相談窓口', '411', '区民課', '採用'),
];

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const FILES = {
  fy2017: Buffer.concat([BOM, Buffer.from(csv(FY2017), 'utf8')]), // Excel "CSV UTF-8"
  fy2018: iconv.encode(csv(FY2018), 'cp932'), // Excel "CSV" on Japanese Windows
  fy2019: Buffer.from(csv(FY2019), 'utf8'), // other tools: UTF-8 without BOM
};

/** Counted by hand from the rows above (DOMAIN.md's cohort rules). */
const EXPECTED = [
  {
    fiscalYear: 2017,
    submitted: 7,
    accepted: 6,
    not_accepted: 1,
    adopted: 3,
    continued: 1,
    undecided: 0,
    implemented: 2,
    adoptionRate: 42.9,
    implementationRate: 28.6,
  },
  {
    fiscalYear: 2018,
    submitted: 10,
    accepted: 8,
    not_accepted: 1,
    adopted: 3,
    continued: 1,
    undecided: 1,
    implemented: 2,
    adoptionRate: 30.0,
    implementationRate: 20.0,
  },
  {
    fiscalYear: 2019,
    submitted: 3,
    accepted: 3,
    not_accepted: 0,
    adopted: 2,
    continued: 0,
    undecided: 0,
    implemented: 1,
    adoptionRate: 66.7,
    implementationRate: 33.3,
  },
];

/**
 * A file with three bad rows of different kinds, after a good row whose quoted text spans two lines;
 * the last bad row also names an unknown division, which is listed in the same upload.
 */
const BAD_FILE = Buffer.from(
  csv([
    r('BAD-001', '2017-05-10', '正しい行', '411', '', '採用', '', '', '一行目\r\n二行目'), // lines 2–3
    r('BAD-002', 'H29.13.1', '月が13', '411', '', '不採用'), // line 4
    r('BAD-003', '2017-06-01', 'あ'.repeat(101), '411', '', '不採用'), // line 5
    r('BAD-004', '2017-06-02', '採否が違う', '411', '存在しない課', '保留'), // line 6
  ]),
  'utf8',
);
const BAD_ISSUES = [
  ['4', '提出日', '日付として読めません（「H29.13.1」）'],
  ['5', '件名', '件名は100文字以内にしてください（101文字）'],
  [
    '6',
    '所管課',
    '「存在しない課」に当たる組織が、コードにも名称にも見つかりません（組織の管理で登録するか、新しく作成して取り込むなら「見つからない所属・所管課を新しく作成する」（--create-missing-divisions）を指定してください）',
  ],
  ['6', '採否', '「保留」は採否として使えません（採用・一部採用・不採用・既実施・継続検討・不受理、または空欄）'],
];

/** Two rows naming a division the organization does not have, by the same name. */
const NEW_DIVISION_FILE = Buffer.from(
  csv([r('NEW-001', 'R1.6.1', '新しい課からの提案', 'DX推進室', '', '不採用'), r('NEW-002', 'R1.5.20', '新しい課が所管する提案', '411', 'DX推進室', '採用')]),
  'utf8',
);

describe('legacy ledger import through the web page', () => {
  let t: TestApp;
  let reports: ReportsService;
  let office: TestAgent;
  let officeUser: User;
  let staff: TestAgent;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    reports = t.app.get(ReportsService);
    officeUser = await createUser(t, { login: 'ledger-office', roles: ['staff', 'office'], divisionCode: '121' });
    await createUser(t, { login: 'ledger-staff', roles: ['staff'], divisionCode: '411' });
    office = await signIn(t, 'ledger-office');
    staff = await signIn(t, 'ledger-staff');
  });
  afterAll(() => t.close());

  /** Posts the upload form as a browser does: to the form's own action URL, which carries the CSRF token. */
  async function upload(agent: TestAgent, bytes: Buffer, fields: Record<string, string> = {}): Promise<Response> {
    const page = await agent.get('/ledger/import');
    const action = /<form method="post" action="(\/ledger\/import\?_csrf=[^"]+)"/.exec(page.text);
    if (!action) throw new Error(`no upload form on /ledger/import (status ${page.status})`);
    let req = agent.post(decodeHtml(action[1]));
    for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
    return req.attach('file', bytes, { filename: '提案簿.csv', contentType: 'text/csv' });
  }

  const tableRows = (html: string, testId: string): string[][] => {
    const table = new RegExp(`<table class="table" data-testid="${testId}">([\\s\\S]*?)</table>`).exec(html);
    if (!table) return [];
    const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table[1])!;
    return [...body[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((cell) => textOf(cell[1])));
  };
  const resultText = (html: string) => textOf(/<div class="flash[^"]*" role="status" data-testid="ledger-result">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '');
  const proposalCount = () => t.dataSource.getRepository(Proposal).count();
  const historyCount = () => t.dataSource.getRepository(ProposalHistoryEntry).count();
  const byNumber = (number: string) => t.dataSource.getRepository(Proposal).findOneByOrFail({ number });
  const counts = async () =>
    (await reports.yearByYear()).map((y) => ({
      fiscalYear: y.fiscalYear,
      submitted: y.submitted,
      accepted: y.accepted,
      not_accepted: y.not_accepted,
      adopted: y.adopted,
      continued: y.continued,
      undecided: y.undecided,
      implemented: y.implemented,
      adoptionRate: y.adoptionRate,
      implementationRate: y.implementationRate,
    }));

  it('shows the office the upload form: multipart, CSRF token in the action URL, both checkboxes', async () => {
    const page = await office.get('/ledger/import');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<form method="post" action="\/ledger\/import\?_csrf=[^"]+" enctype="multipart\/form-data"/);
    expect(page.text).toContain('name="file" type="file"');
    const text = textOf(page.text);
    expect(text).toContain('見つからない所属・所管課を新しく作成する');
    expect(text).toContain('確認のみ（取り込まない）');
    expect(text).toContain(HEADER);
  });

  it('refuses staff without the office role, before reading any upload', async () => {
    expect((await staff.get('/ledger/import')).status).toBe(403);
    const before = await proposalCount();
    const token = /name="_csrf" value="([^"]+)"/.exec((await staff.get('/')).text)![1];
    const res = await staff.post(`/ledger/import?_csrf=${token}`).attach('file', FILES.fy2017, { filename: 'a.csv', contentType: 'text/csv' });
    expect(res.status).toBe(403);
    expect(await proposalCount()).toBe(before);
  });

  it('refuses an upload without the CSRF token', async () => {
    const res = await office.post('/ledger/import').attach('file', FILES.fy2017, { filename: 'a.csv', contentType: 'text/csv' });
    expect(res.status).toBe(403);
    expect(await proposalCount()).toBe(0);
  });

  it('--dry-run (確認のみ) reports what it would add and writes nothing', async () => {
    const res = await upload(office, FILES.fy2017, { dryRun: 'on' });
    expect(res.status).toBe(200);
    expect(resultText(res.text)).toContain('確認のみ: 誤りはありません。取り込むと 7 件を追加します（まだ何も取り込んでいません）。');
    expect(tableRows(res.text, 'ledger-by-year')).toEqual([['2017年度', '平成29年度', '7']]);
    expect(await proposalCount()).toBe(0);
    expect(await historyCount()).toBe(0);
    expect(await t.dataSource.getRepository(User).countBy({ login: LEDGER_IMPORT_LOGIN })).toBe(0);
    expect(await reports.yearByYear()).toEqual([]);
  });

  it('imports three years in three encodings; the year-by-year counters equal a count by hand', async () => {
    const fy2017 = await upload(office, FILES.fy2017);
    expect(fy2017.status).toBe(200);
    expect(resultText(fy2017.text)).toBe('7 件を追加しました。');
    expect(tableRows(fy2017.text, 'ledger-by-year')).toEqual([['2017年度', '平成29年度', '7']]);

    const fy2018 = await upload(office, FILES.fy2018);
    expect(fy2018.status).toBe(200);
    expect(resultText(fy2018.text)).toBe('10 件を追加しました。');

    const fy2019 = await upload(office, FILES.fy2019);
    expect(fy2019.status).toBe(200);
    expect(resultText(fy2019.text)).toBe('3 件を追加しました。');
    expect(tableRows(fy2019.text, 'ledger-by-year')).toEqual([['2019年度', '令和元年度', '3']]);

    expect(await counts()).toEqual(EXPECTED);
    expect(await reports.verify()).toEqual([]);
  });

  it('keeps Japanese text, line breaks, quotes and dates as the ledger wrote them', async () => {
    const quoted = await byNumber('H29-007');
    expect(quoted.proposalText).toBe('質問をまとめ、\n"よくある質問"として配る。\n費用は、印刷代のみ。');
    expect(quoted.fiscalYear).toBe(2017);
    expect(quoted.submittedAt!.toISOString()).toBe('2018-03-31T14:50:00.000Z');
    expect(quoted.currentProblem).toBe('');
    expect(quoted.expectedEffect).toBe('');

    const sjis = await byNumber('H30-002');
    expect(sjis.title).toBe('窓口番号札①～⑩の見直し');
    expect(sjis).toMatchObject({
      status: 'decided',
      decision: 'already_implemented',
      implementationStatus: 'implemented',
      implementedOn: '2018-03-01',
      fiscalYear: 2018,
    });

    expect(await byNumber('H30-001')).toMatchObject({ fiscalYear: 2018, implementationStatus: 'implemented', implementedOn: '2018-06-01' });
    expect(await byNumber('H29-003')).toMatchObject({ implementationStatus: 'implemented', implementedOn: '2017-07-03' });
    expect(await byNumber('H29-005')).toMatchObject({ status: 'not_accepted', decision: null, implementationStatus: null });
    expect(await byNumber('H29-006')).toMatchObject({ status: 'continued', decision: 'continued' });
    expect(await byNumber('H30-009')).toMatchObject({ status: 'submitted', decision: null });
    expect(await byNumber('H30-004')).toMatchObject({ decision: 'partially_adopted', implementationStatus: 'not_started' });
    expect(await byNumber('R01-001')).toMatchObject({ fiscalYear: 2019, implementedOn: '2019-05-01' });
  });

  it('matches divisions by code first, then by name (full-width digits too)', async () => {
    const divisions = t.dataSource.getRepository(Division);
    const code = async (id: number | null) => (id === null ? null : (await divisions.findOneByOrFail({ id })).code);
    const h29001 = await byNumber('H29-001');
    expect([await code(h29001.proposerDivisionId), await code(h29001.leadDivisionId)]).toEqual(['411', '211']);
    const h29002 = await byNumber('H29-002');
    expect([await code(h29002.proposerDivisionId), await code(h29002.leadDivisionId)]).toEqual(['111', '111']);
    expect(await code((await byNumber('H29-003')).leadDivisionId)).toBeNull();
    expect(await code((await byNumber('H30-009')).proposerDivisionId)).toBe('211');
  });

  it('proposes every imported proposal by one disabled system account without roles', async () => {
    const system = await t.dataSource.getRepository(User).findOneByOrFail({ login: LEDGER_IMPORT_LOGIN });
    expect(system).toMatchObject({ name: '提案簿（取込）', disabled: true, roles: [], divisionId: null });
    expect(await passwordHashOf(t, system.id)).toMatch(/^\$argon2id\$/);
    expect(await t.dataSource.getRepository(Proposal).countBy({ proposerId: system.id })).toBe(20);
    expect(await t.dataSource.getRepository(User).countBy({ login: LEDGER_IMPORT_LOGIN })).toBe(1);
  });

  it('gives each imported proposal one history row, "imported", by the importing user', async () => {
    const proposals = await t.dataSource.getRepository(Proposal).find();
    for (const p of proposals) {
      const history = await historyOf(t, p.id);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ action: 'imported', fromStatus: null, toStatus: p.status, actorId: officeUser.id, comment: null });
    }
    const adopted = await byNumber('H29-001');
    expect((await historyOf(t, adopted.id))[0].detail).toBe('提案簿から取込（採否: 採用、実施状況: 実施済、実施日: 2017-08-01）');
    expect((await historyOf(t, (await byNumber('H30-009')).id))[0].detail).toBe('提案簿から取込（採否: 未決定）');

    const page = await office.get(`/proposals/${adopted.id}`);
    expect(page.status).toBe(200);
    const text = textOf(page.text);
    expect(text).toContain('提案簿から取込');
    expect(text).toContain('提案簿から取込（採否：採用、実施状況：実施済、実施日：2017年8月1日）');
    expect(text).toContain('提案簿（取込）');
  });

  it('importing the same file again adds nothing and says so', async () => {
    const [proposals, history, before] = [await proposalCount(), await historyCount(), await counts()];
    const again = await upload(office, FILES.fy2018);
    expect(again.status).toBe(200);
    expect(resultText(again.text)).toBe('0 件を追加しました。 10 件は登録済みのため追加しませんでした。');
    expect(tableRows(again.text, 'ledger-by-year')).toEqual([]);
    expect(await proposalCount()).toBe(proposals);
    expect(await historyCount()).toBe(history);
    expect(await counts()).toEqual(before);
  });

  it('a bad file imports nothing and lists every bad row with its line and column', async () => {
    const before = await proposalCount();
    const res = await upload(office, BAD_FILE);
    expect(res.status).toBe(422);
    expect(textOf(res.text)).toContain('提案簿に誤りがあるため、何も取り込んでいません');
    expect(textOf(res.text)).toContain('4 行のうち 3 行に、次の 4 件の誤りがあります');
    expect(tableRows(res.text, 'ledger-issues')).toEqual(BAD_ISSUES);
    expect(await proposalCount()).toBe(before);
    // the good row of the bad file was not imported either
    expect(await t.dataSource.getRepository(Proposal).countBy({ number: 'BAD-001' })).toBe(0);
    expect(await counts()).toEqual(EXPECTED);
  });

  it('refuses an unknown division unless asked to create it; then creates it once, as a section', async () => {
    const divisions = t.dataSource.getRepository(Division);
    const divisionCount = await divisions.count();
    const refused = await upload(office, NEW_DIVISION_FILE);
    expect(refused.status).toBe(422);
    const issues = tableRows(refused.text, 'ledger-issues');
    expect(issues.map(([line, column]) => [line, column])).toEqual([
      ['2', '提案者所属'],
      ['3', '所管課'],
    ]);
    expect(issues[0][2]).toContain('「DX推進室」に当たる組織が、コードにも名称にも見つかりません');
    expect(await divisions.count()).toBe(divisionCount);

    // a check with the option reports the division it would create, and creates nothing
    const checked = await upload(office, NEW_DIVISION_FILE, { createMissingDivisions: 'on', dryRun: 'on' });
    expect(checked.status).toBe(200);
    expect(tableRows(checked.text, 'ledger-created-divisions')).toEqual([['DX推進室', 'LEDGER-0001', '2019年5月20日']]);
    expect(await divisions.count()).toBe(divisionCount);
    expect(await t.dataSource.getRepository(Proposal).countBy({ number: 'NEW-001' })).toBe(0);

    const created = await upload(office, NEW_DIVISION_FILE, { createMissingDivisions: 'on' });
    expect(created.status).toBe(200);
    expect(resultText(created.text)).toBe('2 件を追加しました。 新しく作成した所属・所管課: 1 件 DX推進室（LEDGER-0001）');
    expect(await divisions.count()).toBe(divisionCount + 1);
    const division = await divisions.findOneByOrFail({ name: 'DX推進室' });
    // valid from the earliest submission date naming it in the file
    expect(division).toMatchObject({ code: 'LEDGER-0001', kind: 'section', parentId: null, validFrom: '2019-05-20', validTo: null });
    expect((await byNumber('NEW-001')).proposerDivisionId).toBe(division.id);
    expect((await byNumber('NEW-002')).leadDivisionId).toBe(division.id);
    expect(await reports.verify()).toEqual([]);
  });

  it('an imported adopted proposal takes an implementation report like any other', async () => {
    const proposal = await byNumber('R01-003');
    expect(proposal.implementationStatus).toBe('not_started');
    const before = (await reports.yearByYear()).find((y) => y.fiscalYear === 2019)!;
    const res = await postForm(office, `/proposals/${proposal.id}/implementation`, {
      version: String(proposal.version),
      status: 'implemented',
      implementedOn: '2020-06-30',
      actualHours: '120',
      actualYen: '50,000',
      note: '相談窓口を開設した',
    });
    expect(res.status).toBe(303);
    expect(await loadProposal(t, proposal.id)).toMatchObject({
      implementationStatus: 'implemented',
      implementedOn: '2020-06-30',
      actualHours: 120,
      actualYen: 50000,
    });
    const after = (await reports.yearByYear()).find((y) => y.fiscalYear === 2019)!;
    expect(after.implemented).toBe(before.implemented + 1);
    expect(after.actual_yen).toBe(before.actual_yen + 50000);
    expect((await historyOf(t, proposal.id)).map((h) => h.action)).toEqual(['imported', 'implementation']);
    expect(await reports.verify()).toEqual([]);
  });

  it('an imported decision can be corrected, and the counters follow', async () => {
    const proposal = await byNumber('H29-004');
    const before = (await reports.yearByYear()).find((y) => y.fiscalYear === 2017)!;
    const res = await postForm(office, `/proposals/${proposal.id}/correction`, {
      confirm: 'on',
      version: String(proposal.version),
      decision: 'adopted',
      reason: '再検討の結果',
      answer: '採用します。',
      correctionReason: '提案簿の転記誤り',
    });
    expect(res.status).toBe(303);
    expect(await loadProposal(t, proposal.id)).toMatchObject({ decision: 'adopted', implementationStatus: 'not_started' });
    const after = (await reports.yearByYear()).find((y) => y.fiscalYear === 2017)!;
    expect(after.adopted).toBe(before.adopted + 1);
    expect(await reports.verify()).toEqual([]);
  });

  it("a number in the system's own form moves the fiscal year's counter past it", async () => {
    const fiscalYear = fiscalYearOf(new Date());
    const file = Buffer.from(csv([r(`${fiscalYear}-0001`, jstDateString(new Date()), '今年度の紙の提案簿から', '411', '', '')]), 'utf8');
    expect((await upload(office, file)).status).toBe(200);
    const id = await submitProposal(staff, { title: '取込のあとに出した提案' });
    expect((await loadProposal(t, id)).number).toBe(`${fiscalYear}-0002`);
  });

  it('asks for a name written as a code when a name fits several divisions', async () => {
    // a second 区民課, in another ward
    await t.app
      .get(OrganizationService)
      .createDivision({ code: '511', name: '区民課', kind: 'section', parentId: null, validFrom: '2000-04-01', validTo: null, sortOrder: null });
    const res = await upload(office, Buffer.from(csv([r('AMB-001', '2019-06-01', '区民課から', '区民課', '', '不採用')]), 'utf8'));
    expect(res.status).toBe(422);
    expect(tableRows(res.text, 'ledger-issues')).toEqual([
      ['2', '提案者所属', '「区民課」という名称の組織が複数あります。どれか分かるよう、コードで書いてください（411、511）'],
    ]);
  });

  it('round trip: the ledger download imports again — adding nothing here, and the same figures in a new database', async () => {
    const download = await office
      .get('/ledger.csv?encoding=sjis')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(download.status).toBe(200);
    const exported = download.body as Buffer;
    const total = await proposalCount();

    const again = await upload(office, exported);
    expect(again.status).toBe(200);
    expect(resultText(again.text)).toBe(`0 件を追加しました。 ${total} 件は登録済みのため追加しませんでした。`);
    expect(await proposalCount()).toBe(total);

    const fresh = await createTestApp();
    try {
      await seedDemo(fresh);
      await createUser(fresh, { login: 'ledger-office-2', roles: ['office'], divisionCode: '121' });
      const office2 = await signIn(fresh, 'ledger-office-2');
      const res = await upload(office2, exported, { createMissingDivisions: 'on' });
      expect(res.status).toBe(200);
      expect(resultText(res.text)).toContain(`${total} 件を追加しました。`);
      const figures = async (app: TestApp) =>
        (await app.app.get(ReportsService).yearByYear()).map(
          ({ fiscalYear, submitted, accepted, not_accepted, adopted, already_implemented, rejected, continued, undecided, implemented }) => ({
            fiscalYear,
            submitted,
            accepted,
            not_accepted,
            adopted,
            already_implemented,
            rejected,
            continued,
            undecided,
            implemented,
          }),
        );
      expect(await figures(fresh)).toEqual(await figures(t));
      expect(await fresh.app.get(ReportsService).verify()).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a missing file, an empty file and a file over 5 MB with a message beside the field', async () => {
    const page = await office.get('/ledger/import');
    const action = decodeHtml(/action="(\/ledger\/import\?_csrf=[^"]+)"/.exec(page.text)![1]);
    const missing = await office.post(action).field('dryRun', 'on');
    expect(missing.status).toBe(422);
    expect(textOf(missing.text)).toContain('取り込む提案簿のCSVファイルを選んでください。');

    const empty = await upload(office, Buffer.alloc(0));
    expect(empty.status).toBe(422);
    expect(textOf(empty.text)).toContain('選んだファイルは空（0バイト）です。');

    const before = await proposalCount();
    const tooLarge = await upload(office, Buffer.alloc(5 * 1024 * 1024 + 1, 0x41));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.text).toContain('id="file-error"');
    expect(textOf(tooLarge.text)).toContain('提案簿のファイルは5MBまでです。');
    expect(await proposalCount()).toBe(before);
  });
});

/**
 * The same ledger through the compiled command line on a fresh SQLite file, as an operator runs it.
 * DATABASE_URL is removed so this part uses SQLite whatever the surrounding run uses.
 */
describe('legacy ledger import from the command line', () => {
  let dir: string;
  let dbPath: string;
  let env: NodeJS.ProcessEnv;

  const cli = (args: string[]) => runCli(args, { env });
  const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => SqliteFile.query<T>(dbPath, sql, params);
  const count = async (sql: string) => (await query<{ n: number }>(sql))[0].n;
  const file = (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  beforeAll(() => {
    buildApp();
    dir = mkdtempSync(join(tmpdir(), 'tane-ledger-cli-'));
    dbPath = join(dir, 'tane.sqlite');
    env = { ...process.env, SQLITE_PATH: dbPath, NODE_ENV: 'development' };
    delete env.DATABASE_URL;
    delete env.DATA_DIR;
    delete env.LOG_LEVEL;
    for (const args of [['migrate'], ['seed-demo']]) {
      const run = cli(args);
      if (run.status !== 0) throw new Error(`${args[0]} failed: ${run.stderr}`);
    }
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--dry-run prints what it would add and writes nothing', async () => {
    const run = cli(['import-ledger', file('fy2018.csv', FILES.fy2018), '--dry-run']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('確認のみ: 誤りはありません。取り込むと 10 件を追加します（まだ何も取り込んでいません）。\n  2018年度（平成30年度）: 10 件\n');
    expect(await count('SELECT COUNT(*) AS n FROM proposals')).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM users WHERE login = '${LEDGER_IMPORT_LOGIN}'`)).toBe(0);
  });

  it('imports UTF-8 with BOM, Shift_JIS and UTF-8 files; the counters equal the count by hand', async () => {
    const runs = [
      cli(['import-ledger', file('fy2017.csv', FILES.fy2017)]),
      cli(['import-ledger', file('fy2018.csv', FILES.fy2018)]),
      cli(['import-ledger', file('fy2019.csv', FILES.fy2019)]),
    ];
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    expect(runs.map((run) => run.stdout)).toEqual([
      '7 件を追加しました。\n  2017年度（平成29年度）: 7 件\n',
      '10 件を追加しました。\n  2018年度（平成30年度）: 10 件\n',
      '3 件を追加しました。\n  2019年度（令和元年度）: 3 件\n',
    ]);
    const stats = await query<Record<string, number>>(
      'SELECT fiscal_year, submitted, accepted, not_accepted, adopted, continued, undecided, implemented FROM fiscal_year_stats ORDER BY fiscal_year',
    );
    expect(stats).toEqual(
      EXPECTED.map((e) => ({
        fiscal_year: e.fiscalYear,
        submitted: e.submitted,
        accepted: e.accepted,
        not_accepted: e.not_accepted,
        adopted: e.adopted,
        continued: e.continued,
        undecided: e.undecided,
        implemented: e.implemented,
      })),
    );
    // one history row each, by nobody in particular (the command line has no signed-in user)
    const history = await query<{ action: string; actor_id: number | null; from_status: string | null; n: number }>(
      'SELECT action, actor_id, from_status, COUNT(*) AS n FROM proposal_history GROUP BY action, actor_id, from_status',
    );
    expect(history).toEqual([{ action: 'imported', actor_id: null, from_status: null, n: 20 }]);
    const [sjis] = await query<{ title: string }>("SELECT title FROM proposals WHERE number = 'H30-002'");
    expect(sjis.title).toBe('窓口番号札①～⑩の見直し');
  });

  it('importing the same file again adds nothing and says so', async () => {
    const run = cli(['import-ledger', join(dir, 'fy2018.csv')]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('0 件を追加しました。\n10 件は登録済みのため追加しませんでした。\n');
    expect(await count('SELECT COUNT(*) AS n FROM proposals')).toBe(20);
  });

  it('a bad file: every bad row on stderr with line and column, exit status 1, nothing imported', async () => {
    const run = cli(['import-ledger', file('bad.csv', BAD_FILE)]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      ...BAD_ISSUES.map(([line, column, reason]) => `行 ${line} ・ ${column}: ${reason}`),
      'エラー: 提案簿に 4 件の誤り（3 行）があるため、何も取り込んでいません',
    ]);
    expect(await count('SELECT COUNT(*) AS n FROM proposals')).toBe(20);
  });

  it('refuses an unknown division unless --create-missing-divisions is given', async () => {
    const path = file('new-division.csv', NEW_DIVISION_FILE);
    const refused = cli(['import-ledger', path]);
    expect(refused.status).toBe(1);
    const lines = refused.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^行 2 ・ 提案者所属: 「DX推進室」に当たる組織が、コードにも名称にも見つかりません.*--create-missing-divisions/);
    expect(lines[1]).toMatch(/^行 3 ・ 所管課: /);
    expect(await count("SELECT COUNT(*) AS n FROM divisions WHERE name = 'DX推進室'")).toBe(0);

    const created = cli(['import-ledger', path, '--create-missing-divisions']);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toBe('2 件を追加しました。\n新しく作成した所属・所管課: 1 件 DX推進室（LEDGER-0001）\n  2019年度（令和元年度）: 2 件\n');
    expect(await query("SELECT code, kind, parent_id, valid_from FROM divisions WHERE name = 'DX推進室'")).toEqual([
      { code: 'LEDGER-0001', kind: 'section', parent_id: null, valid_from: '2019-05-20' },
    ]);
  });

  it('answers a missing file with one line and exit status 1, and a missing argument with the usage status 2', () => {
    const missing = cli(['import-ledger', join(dir, 'no-such.csv')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`エラー: ファイル「${join(dir, 'no-such.csv')}」を読めません\n`);
    const noArgument = cli(['import-ledger']);
    expect(noArgument.status).toBe(2);
    expect(noArgument.stderr).toContain('取り込む提案簿のCSVファイルを1つ指定してください');
  });
});
