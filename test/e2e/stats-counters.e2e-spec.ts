import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { fiscalYearOf } from '../../src/common/fiscal-year';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { ReportsService } from '../../src/reports/reports.service';
import { createTestApp, TestApp } from '../factories/test-app';
import { advance, loadProposal, postForm, submitProposal, validProposal } from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

/** The kept year-by-year counters agree with a recount from the rows after a mixed workflow. */
describe('fiscal-year counters', () => {
  let t: TestApp;
  let reports: ReportsService;
  let staff: TestAgent;
  let office: TestAgent;
  let reviewer: TestAgent;
  let shimin: Division;
  const thisYear = fiscalYearOf(new Date());

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    reports = t.app.get(ReportsService);
    shimin = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' });
    await createUser(t, { login: 'st', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'of', roles: ['office'], divisionCode: '121' });
    await createUser(t, { login: 'rv', roles: ['reviewer'], divisionCode: '211' });
    staff = await signIn(t, 'st');
    office = await signIn(t, 'of');
    reviewer = await signIn(t, 'rv');
  });
  afterAll(() => t.close());

  const v = async (id: number) => String((await loadProposal(t, id)).version);
  async function decided(decision: string, title: string): Promise<number> {
    const id = await submitProposal(staff, { title, estimatedHours: '10', estimatedYen: '1000' });
    await advance(t, { office, reviewer, divisionId: shimin.id }, id, 'decided', {
      dueOn: addDays(jstDateString(new Date()), 5),
      opinionText: 'ok',
      decision,
      reason: 'r',
      answer: 'a',
    });
    return id;
  }

  it('counts by the cohort rules and matches a full recount', async () => {
    // a draft and a withdrawn proposal are not counted
    await postForm(staff, '/proposals', { ...validProposal({ title: '下書きのまま' }), intent: 'draft' }, '/proposals/new');
    const withdrawn = await submitProposal(staff, { title: '取下げ' });
    await postForm(staff, `/proposals/${withdrawn}/withdraw`, { confirm: 'on', version: await v(withdrawn) });
    // one not accepted, one waiting, two adopted (one implemented), one rejected, one continued, one already done
    const notAccepted = await submitProposal(staff, { title: '不受理' });
    await postForm(office, `/proposals/${notAccepted}/not-accept`, { confirm: 'on', version: await v(notAccepted), reason: 'unclear', comment: 'c' });
    await submitProposal(staff, { title: '受付待ち' });
    const adopted = await decided('adopted', '採用');
    await decided('partially_adopted', '一部採用');
    await decided('rejected', '不採用');
    await decided('continued', '継続');
    await decided('already_implemented', '既実施');
    await postForm(reviewer, `/proposals/${adopted}/implementation`, {
      version: await v(adopted),
      status: 'implemented',
      implementedOn: jstDateString(new Date()),
      actualHours: '7',
      actualYen: '500',
    });

    const [row] = await reports.yearByYear();
    expect(row.fiscalYear).toBe(thisYear);
    expect(row).toMatchObject({
      submitted: 7,
      accepted: 5,
      not_accepted: 1,
      adopted: 2,
      partially_adopted: 1,
      rejected: 1,
      continued: 1,
      already_implemented: 1,
      undecided: 1,
      implemented: 2, // 実施済 + 既実施
      estimated_hours: 50 + 2 * 120, // five decided ones at 10 h, the two others at the form default of 120 h
      actual_hours: 7,
      actual_yen: 500,
    });
    expect(row.adoptionRate).toBe(28.6); // 2 / 7 = 28.571… → 28.6
    expect(row.implementationRate).toBe(28.6);
    expect(await reports.verify()).toEqual([]);
  });

  it('moves a proposal between years when its fiscal year changes, and notices drift', async () => {
    const id = await submitProposal(staff, { title: '年度の付け替え' });
    const before = (await reports.yearByYear()).find((r) => r.fiscalYear === thisYear)!.submitted;
    await t.dataSource.query(`UPDATE proposals SET fiscal_year = ${thisYear - 3} WHERE id = ${id}`);
    const rows = await reports.yearByYear();
    expect(rows.find((r) => r.fiscalYear === thisYear)!.submitted).toBe(before - 1);
    expect(rows.find((r) => r.fiscalYear === thisYear - 3)!.submitted).toBe(1);
    expect(await reports.verify()).toEqual([]);

    // a counter changed behind the triggers' back is reported, and a rebuild repairs it
    await t.dataSource.query(`UPDATE fiscal_year_stats SET adopted = adopted + 5 WHERE fiscal_year = ${thisYear}`);
    const drift = await reports.verify();
    expect(drift).toEqual([expect.objectContaining({ fiscalYear: thisYear, column: 'adopted' })]);
    await reports.rebuild();
    expect(await reports.verify()).toEqual([]);
  });

  it('breaks a year down by category, lead division and bureau with consistent totals', async () => {
    const year = (await reports.yearByYear()).find((r) => r.fiscalYear === thisYear)!;
    for (const kind of ['bureau', 'lead', 'proposer_division', 'category'] as const) {
      const { rows, total } = await reports.breakdown(thisYear, kind);
      expect(total.submitted).toBe(year.submitted);
      expect(total.adopted).toBe(year.adopted);
      expect(rows.reduce((sum, r) => sum + r.submitted, 0)).toBe(year.submitted);
    }
    const byBureau = await reports.breakdown(thisYear, 'bureau');
    expect(byBureau.rows.map((r) => r.name)).toEqual(['中央区']);
    const byLead = await reports.breakdown(thisYear, 'lead');
    expect(byLead.rows.find((r) => r.name === '市民課')!.adopted).toBe(2);
    expect(byLead.rows.find((r) => r.name === '（未回付）')).toBeDefined();
  });
});
