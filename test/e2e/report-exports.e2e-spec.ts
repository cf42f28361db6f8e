import * as iconv from 'iconv-lite';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import request, { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { eraFiscalYearLabel, fiscalYearOf } from '../../src/common/fiscal-year';
import { jstDateString } from '../../src/common/jst';
import { Category } from '../../src/organization/category.entity';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { Proposal } from '../../src/proposals/proposal.entity';
import { ThemedCall } from '../../src/calls/call.entities';
import { KaizenReport, KaizenStatus } from '../../src/kaizen/kaizen.entities';
import { User } from '../../src/users/user.entity';
import { ReportCsvService } from '../../src/reports/report-csv.service';
import { advance, loadProposal, postForm, submitProposal, validProposal } from '../factories/proposals';
import { cliEnv } from '../factories/cli';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';
import { buildApp } from '../factories/child-app';

/**
 * The CSV downloads (years, breakdowns, ledger) through HTTP after a mixed workflow, and the compiled
 * command line (report, verify-stats, export-ledger) on the same database: SQLite, or PostgreSQL when
 * DATABASE_URL is set.
 */
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

/**
 * The figures of a year; the year CSV adds 表彰件数 after them (issue 12), then 課題提案件数 and the カイゼン reports
 * (issue 13): new columns go after the existing ones, which keep their order and values.
 */
const FIGURES_HEADER =
  '年度,年度(和暦),提案件数,受理件数,採用件数,採用率,実施件数,実施率,不受理件数,継続検討件数,未決定件数,効果見込み時間,効果見込み額,実績時間,実績額';
const YEAR_HEADER = `${FIGURES_HEADER},表彰件数,課題提案件数,実績報告件数,実績報告の削減時間,実績報告の削減額`;
const LEDGER_LEGACY = ['提案番号', '提出日', '件名', '提案内容', '提案者所属', '所管課', '採否', '実施状況', '実施日'];
const LEDGER_EXTRA = ['状態', '提案分野', '現状・課題', '期待される効果', '効果見込み時間', '効果見込み額', '実績時間', '実績額', '回答'];
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const TRICKY_TITLE = 'カンマ, "引用符" と\n改行のある件名';
const FORMULA_TITLE = '=SUM(1+1) 採用された提案';

/** RFC 4180 as a spreadsheet reads it, written here independently of the code under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) throw new Error('the CSV does not end with CRLF');
  return rows;
}

/** The response body as bytes, whatever its type (superagent would decode text/* as UTF-8). */
const bytes = (res: Response): Buffer => res.body as Buffer;
function raw(res: Response, done: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

describe('CSV exports and the statistics command line', () => {
  let t: TestApp;
  let staff: TestAgent;
  let office: TestAgent;
  let reviewer: TestAgent;
  let admin: TestAgent;
  let env: NodeJS.ProcessEnv;
  const thisYear = fiscalYearOf(new Date());
  const lastYear = thisYear - 1;
  const today = jstDateString(new Date());
  const ids: Record<string, number> = {};

  const download = async (agent: TestAgent, path: string) => {
    const res = await agent.get(path).buffer(true).parse(raw);
    return res;
  };
  /** The UTF-8 download as text, after checking and removing its BOM. */
  const utf8Download = async (path: string, agent = office): Promise<string> => {
    const res = await download(agent, path);
    expect(res.status).toBe(200);
    expect(bytes(res).subarray(0, 3)).toEqual(BOM);
    return bytes(res).subarray(3).toString('utf8');
  };

  const cli = (args: string[]): Run => {
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, timeout: 60_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
  };

  const v = async (id: number) => String((await loadProposal(t, id)).version);

  async function decided(decision: string, title: string): Promise<number> {
    const shimin = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' });
    const id = await submitProposal(staff, { title, estimatedHours: '10', estimatedYen: '1000' });
    await advance(t, { office, reviewer, divisionId: shimin.id }, id, 'decided', {
      dueOn: addDays(today, 5),
      opinionText: 'ok',
      decision,
      reason: '理由',
      answer: `${title}への回答`,
    });
    return id;
  }

  beforeAll(async () => {
    // The command line runs the compiled code, so compile what is in src/ now.
    buildApp();

    t = await createTestApp();
    env = cliEnv(t.config.dataDir);
    delete env.LOG_LEVEL;
    if (t.config.database.type === 'sqlite') {
      env.SQLITE_PATH = t.config.database.path;
      delete env.DATABASE_URL;
    } else {
      env.DATABASE_URL = t.config.database.url;
    }

    await seedDemo(t);
    await createUser(t, { login: 'ex-staff', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'ex-office', roles: ['office'], divisionCode: '121' });
    await createUser(t, { login: 'ex-reviewer', roles: ['reviewer'], divisionCode: '211' });
    await createUser(t, { login: 'ex-admin', roles: ['admin'] });
    staff = await signIn(t, 'ex-staff');
    office = await signIn(t, 'ex-office');
    reviewer = await signIn(t, 'ex-reviewer');
    admin = await signIn(t, 'ex-admin');

    // Not counted: a draft and a withdrawn proposal.
    await postForm(staff, '/proposals', { ...validProposal({ title: '下書きのままの提案' }), intent: 'draft' }, '/proposals/new');
    ids.withdrawn = await submitProposal(staff, { title: '取り下げた提案' });
    expect((await postForm(staff, `/proposals/${ids.withdrawn}/withdraw`, { confirm: 'on', version: await v(ids.withdrawn) })).status).toBe(303);
    // Counted this year: not accepted, waiting, adopted (then implemented), partially adopted, rejected, continued, already done.
    ids.notAccepted = await submitProposal(staff, { title: '不受理の提案' });
    expect(
      (
        await postForm(office, `/proposals/${ids.notAccepted}/not-accept`, {
          confirm: 'on',
          version: await v(ids.notAccepted),
          reason: 'unclear',
          comment: 'c',
        })
      ).status,
    ).toBe(303);
    // A title with a line break no longer passes the form (a single-line field); one imported from a
    // ledger or kept from before still must round-trip, so it is written into the row directly.
    ids.waiting = await submitProposal(staff, { title: 'カンマと改行のある件名（仮）' });
    await t.dataSource.query(`UPDATE proposals SET title = ${t.dataSource.options.type === 'postgres' ? '$1' : '?'} WHERE id = ${ids.waiting}`, [TRICKY_TITLE]);
    ids.adopted = await decided('adopted', FORMULA_TITLE);
    ids.partial = await decided('partially_adopted', '一部採用の提案');
    ids.rejected = await decided('rejected', '不採用の提案');
    ids.continued = await decided('continued', '継続検討の提案');
    ids.already = await decided('already_implemented', '既実施の提案');
    const implemented = await postForm(reviewer, `/proposals/${ids.adopted}/implementation`, {
      version: await v(ids.adopted),
      status: 'implemented',
      implementedOn: today,
      actualHours: '7',
      actualYen: '500',
    });
    expect(implemented.status).toBe(303);
    // Counted last year, though created last: the ledger lists it first (order of submission, not of id).
    ids.lastYear = await submitProposal(staff, { title: '前年度の提案' });
    await t.dataSource.getRepository(Proposal).update(ids.lastYear, { fiscalYear: lastYear, submittedAt: new Date(`${lastYear}-06-01T01:00:00Z`) });

    // 課題提案: three answers to a themed call, of which the withdrawn one does not count (written into the rows:
    // the answers' figures are what is checked here, not the call's form)
    const call = await t.dataSource.getRepository(ThemedCall).insert({
      fiscalYear: thisYear,
      title: '窓口の待ち時間を減らすには',
      issueText: '待ち時間の短縮',
      opensOn: `${thisYear}-04-01`,
      closesOn: `${thisYear + 1}-03-31`,
    });
    const callId = Number(call.identifiers[0].id);
    for (const id of [ids.adopted, ids.notAccepted, ids.withdrawn]) await t.dataSource.getRepository(Proposal).update(id, { callId });
    // カイゼン reports: counted when confirmed or published, in the year of their first submission, apart from proposals
    const reporter = await t.dataSource.getRepository(User).findOneByOrFail({ login: 'ex-staff' });
    const kaizen = (status: KaizenStatus, fiscalYear: number | null, effectHours: number | null, effectYen: number | null) =>
      t.dataSource.getRepository(KaizenReport).insert({
        status,
        fiscalYear,
        title: '申請書の様式を統一した',
        problem: '様式がばらばら',
        changeText: '統一した',
        effectText: '',
        effectHours,
        effectYen,
        reporterId: reporter.id,
        reporterDivisionId: reporter.divisionId,
      });
    await kaizen('confirmed', thisYear, 10, 2000);
    await kaizen('published', thisYear, null, 5000);
    await kaizen('submitted', thisYear, 99, 99);
    await kaizen('returned', thisYear, 99, 99);
    await kaizen('draft', null, 99, 99);
    await kaizen('published', lastYear, 3, null);
  }, 240_000);
  afterAll(() => t?.close());

  /**
   * By hand: 7 counted this year (the draft and the withdrawn one are not); accepted = 5 decided or
   * continued; adopted = 採用 + 一部採用 = 2; implemented = 実施済 + 既実施 = 2; rates 2 / 7 = 28.6;
   * hours 120 + 120 (form default, not accepted and waiting) + 5 × 10; yen 2 × 300,000 + 5 × 1,000.
   */
  const thisYearFigures = `${thisYear},${eraFiscalYearLabel(thisYear)},7,5,2,28.6,2,28.6,1,1,1,290,605000,7,500`;
  // then 表彰件数 0; 課題提案件数 2 (the adopted and the not accepted answer); カイゼン: 2 counted reports, 10 hours, 2,000 + 5,000 yen
  const thisYearLine = `${thisYearFigures},0,2,2,10,7000`;
  const lastYearLine = `${lastYear},${eraFiscalYearLabel(lastYear)},1,0,0,0.0,0,0.0,0,0,1,120,300000,0,0,0,0,1,3,0`;

  describe('year-by-year CSV', () => {
    it('is UTF-8 with BOM, the fixed columns first, and this year equals the hand count', async () => {
      const res = await download(office, '/reports/years.csv');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="fiscal-years.csv"; filename*=UTF-8''${encodeURIComponent('年度別集計.csv')}`);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(bytes(res).subarray(0, 3)).toEqual(BOM);
      const text = bytes(res).subarray(3).toString('utf8');
      expect(text.split('\r\n')[0]).toBe(YEAR_HEADER);
      expect(text.split('\r\n')[0].startsWith('年度,年度(和暦),提案件数,受理件数,採用件数,採用率,実施件数,実施率,')).toBe(true);
      expect(text).toBe(`${YEAR_HEADER}\r\n${lastYearLine}\r\n${thisYearLine}\r\n`);
    });

    it('keeps to the years asked for', async () => {
      expect(await utf8Download(`/reports/years.csv?from=${thisYear}`)).toBe(`${YEAR_HEADER}\r\n${thisYearLine}\r\n`);
      expect(await utf8Download(`/reports/years.csv?to=${lastYear}`)).toBe(`${YEAR_HEADER}\r\n${lastYearLine}\r\n`);
      expect(await utf8Download(`/reports/years.csv?from=${thisYear + 1}`)).toBe(`${YEAR_HEADER}\r\n`);
    });

    it('in Shift_JIS (CP932) has no BOM and decodes to the same text', async () => {
      const utf8 = await utf8Download('/reports/years.csv?encoding=utf8');
      const res = await download(office, '/reports/years.csv?encoding=sjis');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=Shift_JIS');
      expect(bytes(res).subarray(0, 3)).not.toEqual(BOM);
      expect(bytes(res).subarray(0, 4)).toEqual(Buffer.from([0x94, 0x4e, 0x93, 0x78])); // 年度 in Shift_JIS
      expect(iconv.decode(bytes(res), 'cp932')).toBe(utf8);
    });

    it('refuses a malformed year or encoding', async () => {
      expect((await office.get('/reports/years.csv?from=abc')).status).toBe(400);
      expect((await office.get(`/reports/years.csv?from=${thisYear}&to=${lastYear}`)).status).toBe(400);
      expect((await office.get('/reports/years.csv?encoding=latin1')).status).toBe(400);
    });
  });

  describe('breakdown CSV of a fiscal year', () => {
    it.each(['bureau', 'lead', 'proposer_division', 'category'])('by %s totals to the year row', async (kind) => {
      const res = await download(office, `/reports/years/${thisYear}/${kind}.csv`);
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toContain(`filename="fy${thisYear}_${kind}.csv"`);
      expect(bytes(res).subarray(0, 3)).toEqual(BOM);
      const rows = parseCsv(bytes(res).subarray(3).toString('utf8'));
      expect(rows[0].slice(1)).toEqual(FIGURES_HEADER.split(',').slice(2));
      const total = rows[rows.length - 1];
      expect(total[0]).toBe('合計');
      // the 合計 row carries exactly the year row's figures
      expect(total.slice(1).join(',')).toBe(thisYearFigures.split(',').slice(2).join(','));
      const groups = rows.slice(1, -1);
      expect(groups.length).toBeGreaterThan(0);
      expect(groups.reduce((sum, r) => sum + Number(r[1]), 0)).toBe(7);
      expect(groups.reduce((sum, r) => sum + Number(r[3]), 0)).toBe(2);
    });

    it('names the lead divisions, with the proposals not yet routed apart', async () => {
      const rows = parseCsv((await utf8Download(`/reports/years/${thisYear}/lead.csv`)).toString());
      expect(rows[0][0]).toBe('主管課');
      const shimin = rows.find((r) => r[0] === '市民課')!;
      expect(shimin.slice(1, 7)).toEqual(['5', '5', '2', '40.0', '2', '40.0']);
      expect(rows.find((r) => r[0] === '（未回付）')!.slice(1, 2)).toEqual(['2']);
    });

    it('is 404 for an unknown breakdown or year', async () => {
      expect((await office.get(`/reports/years/${thisYear}/division.csv`)).status).toBe(404);
      expect((await office.get(`/reports/years/${thisYear}/toString.csv`)).status).toBe(404);
      expect((await office.get('/reports/years/18/lead.csv')).status).toBe(404);
    });
  });

  describe('ledger CSV (提案簿)', () => {
    let text: string;
    let rows: string[][];
    const row = (title: string) => rows.find((r) => r[2] === title)!;

    beforeAll(async () => {
      const res = await download(office, '/ledger.csv');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="ledger.csv"; filename*=UTF-8''${encodeURIComponent('提案簿.csv')}`);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(bytes(res).subarray(0, 3)).toEqual(BOM);
      text = bytes(res).subarray(3).toString('utf8');
      rows = parseCsv(text);
    });

    it('has the legacy columns first, then the extra ones', () => {
      expect(text.startsWith(LEDGER_LEGACY.join(',') + ',')).toBe(true);
      expect(rows[0]).toEqual([...LEDGER_LEGACY, ...LEDGER_EXTRA]);
    });

    it('has one line per counted proposal, in order of submission, drafts and withdrawn ones left out', () => {
      const titles = rows.slice(1).map((r) => r[2]);
      expect(titles).toEqual([
        '前年度の提案',
        '不受理の提案',
        TRICKY_TITLE,
        `'${FORMULA_TITLE}`,
        '一部採用の提案',
        '不採用の提案',
        '継続検討の提案',
        '既実施の提案',
      ]);
      // as many as the year-by-year figures count
      expect(rows.length - 1).toBe(7 + 1);
    });

    it('round-trips a title with a comma, a quote and a newline, and guards one that starts with =', () => {
      expect(text).toContain('"カンマ, ""引用符"" と\n改行のある件名"');
      expect(row(TRICKY_TITLE)[0]).toMatch(new RegExp(`^${thisYear}-\\d{4}$`));
      expect(row(`'${FORMULA_TITLE}`)).toBeDefined();
      expect(text).not.toMatch(/(^|,)=SUM/m);
    });

    it('writes dates, labels and division names as the legacy ledger does', async () => {
      const category = await t.dataSource.getRepository(Category).findOneByOrFail({ id: 1 });
      const adopted = row(`'${FORMULA_TITLE}`);
      const number = (await loadProposal(t, ids.adopted)).number;
      expect(adopted).toEqual([
        number,
        today,
        `'${FORMULA_TITLE}`,
        validProposal().proposalText,
        '区民課',
        '市民課',
        '採用',
        '実施済',
        today,
        '決定',
        category.name,
        validProposal().currentProblem,
        validProposal().expectedEffect,
        '10',
        '1000',
        '7',
        '500',
        `'${FORMULA_TITLE}への回答`, // the answer quotes the title, so it is guarded too
      ]);
      const cells = (title: string) => row(title).slice(5, 10);
      expect(cells('不受理の提案')).toEqual(['', '不受理', '', '', '不受理']);
      expect(cells(TRICKY_TITLE)).toEqual(['', '', '', '', '受付待ち']);
      expect(cells('一部採用の提案')).toEqual(['市民課', '一部採用', '未着手', '', '決定']);
      expect(cells('不採用の提案')).toEqual(['市民課', '不採用', '', '', '決定']);
      expect(cells('継続検討の提案')).toEqual(['市民課', '継続検討', '', '', '継続検討']);
      // 既実施 is 実施済 from the decision, dated that day
      expect(cells('既実施の提案')).toEqual(['市民課', '既実施', '実施済', today, '決定']);
      expect(row('前年度の提案')[1]).toBe(`${lastYear}-06-01`);
      expect(row(TRICKY_TITLE).slice(13, 18)).toEqual(['120', '300000', '', '', '']);
    });

    it('is the same CSV when read in small batches', async () => {
      let joined = '';
      const pieces: string[] = [];
      for await (const chunk of t.app.get(ReportCsvService).ledgerChunks(2)) {
        pieces.push(chunk);
        joined += chunk;
      }
      expect(pieces.length).toBe(1 + 1 + 4); // the header, last year's one, this year's 7 in fours of 2
      expect(joined).toBe(text);
    });

    it('in Shift_JIS decodes to the same text', async () => {
      const res = await download(office, '/ledger.csv?encoding=sjis');
      expect(res.headers['content-type']).toBe('text/csv; charset=Shift_JIS');
      expect(bytes(res).subarray(0, 3)).not.toEqual(BOM);
      expect(iconv.decode(bytes(res), 'cp932')).toBe(text);
    });
  });

  describe('access', () => {
    const paths = () => ['/reports/years.csv', `/reports/years/${thisYear}/lead.csv`, '/ledger.csv'];

    it('refuses staff and reviewers with 403', async () => {
      for (const path of paths()) {
        for (const agent of [staff, reviewer]) {
          const res = await agent.get(path);
          expect(res.status).toBe(403);
          expect(res.headers['content-disposition']).toBeUndefined();
        }
      }
    });

    it('lets the administrator download, and sends someone not signed in to the login page', async () => {
      for (const path of paths()) {
        expect((await download(admin, path)).status).toBe(200);
        const anonymous = await request(t.app.getHttpServer()).get(path);
        expect(anonymous.status).toBe(303);
        expect(anonymous.headers.location).toMatch(/^\/login/);
      }
    });
  });

  describe('command line on the same database', () => {
    it('report --format csv prints the download without its BOM', async () => {
      const run = cli(['report', '--format', 'csv']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout.toString('utf8')).toBe(await utf8Download('/reports/years.csv'));
      const ranged = cli(['report', '--from', String(thisYear), '--format=csv']);
      expect(ranged.stdout.toString('utf8')).toBe(await utf8Download(`/reports/years.csv?from=${thisYear}`));
    });

    it('report prints an aligned table by default', () => {
      const run = cli(['report']);
      expect(run.status).toBe(0);
      const lines = run.stdout.toString('utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(4); // header, rule, two years
      expect(lines[0]).toMatch(/^年度\s+年度\(和暦\)\s+提案件数/);
      expect(lines[3]).toMatch(
        new RegExp(
          `^${thisYear}\\s+${eraFiscalYearLabel(thisYear)}\\s+7\\s+5\\s+2\\s+28\\.6%\\s+2\\s+28\\.6%\\s+1\\s+1\\s+1\\s+290\\s+605,000\\s+7\\s+500\\s+0\\s+2\\s+2\\s+10\\s+7,000$`,
        ), // …, 表彰件数, 課題提案件数, 実績報告件数, 実績報告の削減時間, 実績報告の削減額 last
      );
      // every line is as wide as the header in a terminal (wide characters count twice)
      const width = (s: string) => Array.from(s).reduce((w, c) => w + (c.charCodeAt(0) > 0x2000 ? 2 : 1), 0);
      expect(lines.map(width)).toEqual(lines.map(() => width(lines[0])));
    });

    it('report refuses an unknown format or a malformed year with a usage error', () => {
      expect(cli(['report', '--format', 'xml']).status).toBe(2);
      expect(cli(['report', '--from', '平成30']).status).toBe(2);
    });

    it('verify-stats agrees, then finds a corrupted counter (exit 1), and --repair fixes it', async () => {
      const ok = cli(['verify-stats']);
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout.toString('utf8')).toBe('集計は一致しています（2 年度）。\n');

      await t.dataSource.query(`UPDATE fiscal_year_stats SET adopted = adopted + 5 WHERE fiscal_year = ${thisYear}`);
      const drift = cli(['verify-stats']);
      expect(drift.status).toBe(1);
      expect(drift.stdout.toString('utf8')).toBe(`${thisYear}年度（${eraFiscalYearLabel(thisYear)}） 採用件数: 保持している値 7、再集計 2\n`);
      expect(drift.stderr).toMatch(/^エラー: 集計に 1 件の不一致があります。.*--repair/);
      expect((await utf8Download('/reports/years.csv')).split('\r\n')[2]).not.toBe(thisYearLine);

      const repair = cli(['verify-stats', '--repair']);
      expect(repair.stderr).toBe('');
      expect(repair.status).toBe(0);
      expect(repair.stdout.toString('utf8')).toMatch(/作り直しました（1 件の不一致）。\n集計は一致しています（2 年度）。\n$/);
      expect(cli(['verify-stats']).status).toBe(0);
      expect((await utf8Download('/reports/years.csv')).split('\r\n')[2]).toBe(thisYearLine);
    });

    it('export-ledger prints the ledger download without its BOM, and in Shift_JIS on request', async () => {
      const run = cli(['export-ledger']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout.toString('utf8')).toBe(await utf8Download('/ledger.csv'));

      const sjis = cli(['export-ledger', '--format', 'csv', '--encoding', 'sjis']);
      expect(sjis.status).toBe(0);
      expect(sjis.stdout).toEqual(bytes(await download(office, '/ledger.csv?encoding=sjis')));
      expect(cli(['export-ledger', '--format', 'xlsx']).status).toBe(2);
    });
  });
});
