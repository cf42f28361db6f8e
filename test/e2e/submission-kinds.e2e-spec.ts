import TestAgent from 'supertest/lib/agent';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { createCall } from '../factories/calls';
import { fileKaizen, kaizenStep, loadKaizen } from '../factories/kaizen';
import { postForm, proposalIdFrom, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/** A CSV (UTF-8 with BOM) as rows of cells keyed by its header (the names here hold no commas or quotes). */
function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i], cell])));
}

/**
 * Issue 13 as a new user would try it, with the demo accounts: the office opens a themed call, three staff
 * answer it, a カイゼン report is confirmed by its 所属長 and published, and the statistics show the call, the
 * report and participation by division — the answers among the proposals, the report apart from them.
 */
describe('the kinds of submission in one year: a call, its answers, a カイゼン report, and the figures', () => {
  let t: TestApp;
  let office: TestAgent;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    t.clock.set('2026-06-01T09:00:00+09:00');
    office = await signIn(t, 'demo-office', DEMO_PASSWORD);
  });
  afterAll(() => t.close());

  it('counts the answers as proposals and the report apart, and shows participation per division', async () => {
    const callId = await createCall(t, office);
    // demo-staff (区民課), and two colleagues of 市民課 and 財政課
    await createUser(t, { roles: ['staff'], login: 'kinds-civic', name: '市民 一郎', divisionCode: '211' });
    await createUser(t, { roles: ['staff'], login: 'kinds-finance', name: '財政 二郎', divisionCode: '311' });
    const staff = [await signIn(t, 'demo-staff', DEMO_PASSWORD), await signIn(t, 'kinds-civic'), await signIn(t, 'kinds-finance')];
    for (const [i, agent] of staff.entries()) {
      const res = await postForm(
        agent,
        '/proposals',
        { ...validProposal({ title: `テーマへの提案${i + 1}` }), intent: 'submit', callId: String(callId) },
        `/proposals/new?callId=${callId}`,
      );
      expect(res.status).toBe(303);
      proposalIdFrom(res.headers.location);
    }

    // a カイゼン report of demo-staff with a colleague of 市民課 in the team, confirmed by 区民課長 and published
    const reportId = await fileKaizen(staff[0], { members: 'kinds-civic', effectHours: '120', effectYen: '50,000' });
    expect((await kaizenStep(t, await signIn(t, 'demo-head', DEMO_PASSWORD), reportId, 'confirm')).status).toBe(303);
    expect((await kaizenStep(t, office, reportId, 'publish', { confirm: 'on' })).status).toBe(303);
    expect((await loadKaizen(t, reportId)).status).toBe('published');

    // the call's own page
    const callPage = await office.get(`/calls/${callId}`);
    expect(callPage.text).toContain('提案件数</dt><dd>3件');

    // the year table: the answers are proposals (and 課題提案); the report is counted apart, never in 提案件数
    const years = csvRows((await office.get('/reports/years.csv')).text);
    const fy2026 = years.find((r) => r['年度'] === '2026')!;
    expect(fy2026).toMatchObject({ 提案件数: '3', 課題提案件数: '3', 採用件数: '0', 実績報告件数: '1', 実績報告の削減時間: '120', 実績報告の削減額: '50000' });

    // participation: 区民課 has demo-staff and demo-head (staff accounts); 市民課 demo-reviewer and 市民 一郎; 財政課 財政 二郎
    const participation = csvRows((await office.get('/reports/participation.csv?year=2026')).text);
    const row = (name: string) => participation.find((r) => r['課'] === name || (r['区分'] === '合計' && name === '合計'))!;
    expect(row('区民課')).toMatchObject({ 職員数: '2', 提案件数: '1', 提案者数: '1', 実績報告者数: '1', 参加率: '50.0', '100人当たり提案件数': '50.0' });
    expect(row('市民課')).toMatchObject({ 職員数: '2', 提案件数: '1', 提案者数: '1', 実績報告者数: '1', 参加率: '50.0' });
    expect(row('財政課')).toMatchObject({ 職員数: '1', 提案件数: '1', 提案者数: '1', 実績報告者数: '0', 参加率: '100.0' });
    // everyone with the staff role: the five demo accounts that have it and the two colleagues; 3 ÷ 7 = 42.857… → 42.9
    expect(row('合計')).toMatchObject({ 職員数: '7', 提案件数: '3', 提案者数: '3', 実績報告者数: '2', 参加率: '42.9' });
  });
});
