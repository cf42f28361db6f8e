import TestAgent from 'supertest/lib/agent';
import { fiscalYearOf } from '../../src/common/fiscal-year';
import { jstDateString } from '../../src/common/jst';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { createTestApp, TestApp } from '../factories/test-app';
import { advance, loadProposal, postForm, submitProposal } from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

describe('report pages', () => {
  let t: TestApp;
  let staff: TestAgent;
  let office: TestAgent;
  let reviewer: TestAgent;
  const fy = fiscalYearOf(new Date());

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    const shimin = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' });
    await createUser(t, { login: 'rp-staff', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'rp-office', roles: ['office'], divisionCode: '121' });
    await createUser(t, { login: 'rp-rev', roles: ['reviewer'], divisionCode: '211' });
    staff = await signIn(t, 'rp-staff');
    office = await signIn(t, 'rp-office');
    reviewer = await signIn(t, 'rp-rev');
    const v = async (id: number) => String((await loadProposal(t, id)).version);
    // three submitted: one adopted, one <script> titled and waiting, one not accepted
    const adopted = await submitProposal(staff, { title: '採用される提案' });
    await advance(t, { office, reviewer, divisionId: shimin.id }, adopted, 'decided', {
      dueOn: addDays(jstDateString(new Date()), 3),
      opinionText: 'ok',
      reason: 'r',
      answer: 'a',
    });
    await submitProposal(staff, { title: '<script>alert(1)</script>待機中' });
    const refused = await submitProposal(staff, { title: '不受理の提案' });
    await postForm(office, `/proposals/${refused}/not-accept`, { confirm: 'on', version: await v(refused), reason: 'unclear', comment: 'c' });
  });
  afterAll(() => t.close());

  it('shows the year-by-year table with both year forms, the rule, rates and an SVG chart', async () => {
    const res = await office.get('/reports');
    expect(res.status).toBe(200);
    expect(res.text).toContain(`${fy}年度`);
    expect(res.text).toMatch(/令和\d+年度|令和元年度/);
    expect(res.text).toContain('最初に提出された年度に数えます');
    expect(res.text).toContain('<svg');
    expect(res.text).toContain('<title id="chart-title">');
    // 1 adopted of 3 submitted → 33.3 %
    expect(res.text).toContain('33.3');
    expect(res.text).not.toContain('<script>');
  });

  it('lets every member of staff read the summary, but not the office report', async () => {
    expect((await staff.get('/reports')).status).toBe(403);
    const summary = await staff.get('/reports/summary');
    expect(summary.status).toBe(200);
    expect(summary.text).toContain('33.3');
    expect(summary.text).not.toContain('/reports/drilldown');
  });

  it('breaks a year down four ways and drills from a figure to exactly those proposals', async () => {
    const res = await office.get(`/reports/years/${fy}`);
    expect(res.status).toBe(200);
    for (const heading of ['局・区別（提案者の所属）', '主管課別', '提案者の所属課別', '提案分野別']) expect(res.text).toContain(heading);
    const link = /href="(\/reports\/drilldown\?year=\d+&amp;by=lead&amp;key=\d+&amp;metric=adopted)"/.exec(res.text);
    expect(link).not.toBeNull();
    const drill = await office.get(link![1].replace(/&amp;/g, '&'));
    expect(drill.status).toBe(200);
    expect(drill.text).toContain('採用される提案');
    expect(drill.text).not.toContain('不受理の提案');
    expect(drill.text).toMatch(/data-testid="drilldown-count">1件/);

    const all = await office.get(`/reports/drilldown?year=${fy}&metric=submitted`);
    expect(all.text).toMatch(/data-testid="drilldown-count">3件/);
    expect(all.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;待機中');
    expect((await office.get(`/reports/drilldown?year=${fy}&metric=bogus`)).status).toBe(404);
    expect((await office.get('/reports/years/abcd')).status).toBe(404);
  });

  it('shows how long open proposals have waited', async () => {
    const res = await office.get('/reports/aging');
    expect(res.status).toBe(200);
    expect(res.text).toContain('受付待ち');
    expect(res.text).toContain('7日以内');
    expect(res.text).toContain('期限を過ぎた意見はありません。');
  });
});
