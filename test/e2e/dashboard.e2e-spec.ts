import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { Notification } from '../../src/notifications/notification.entity';
import { Division } from '../../src/organization/division.entity';
import { Proposal } from '../../src/proposals/proposal.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { Routing } from '../../src/proposals/routing.entity';
import { ratePercent } from '../../src/reports/rates';
import { User } from '../../src/users/user.entity';
import { visibleText } from '../factories/auth-helpers';
import { advance, AdvanceTarget, loadProposal, postForm, submitProposal, validProposal, postConfirmed } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/** Markers in the text only the office and the routed divisions may read. */
const INTERNAL = {
  routing: '【内部】回付コメント',
  opinion: '【内部】所管課の意見',
  reason: '【内部】決定の理由',
};

/** The visible text of one dashboard section, found by its data-testid. */
function section(html: string, testId: string): string {
  const start = html.indexOf(`data-testid="${testId}"`);
  if (start < 0) return '';
  const open = html.lastIndexOf('<', start);
  const tag = /^<([a-z]+)/.exec(html.slice(open))![1];
  // sections nest (a role's <section> holds card <section>s): walk to the matching close tag
  const re = new RegExp(`<${tag}\\b|</${tag}>`, 'g');
  re.lastIndex = open + 1;
  let depth = 1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(html))) {
    depth += m[0].startsWith('</') ? -1 : 1;
    if (depth === 0) return visibleText(html.slice(open, m.index + m[0].length));
  }
  return visibleText(html.slice(open));
}

/** The number inside the element with this data-testid. */
function countOf(html: string, testId: string): number {
  const m = new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`).exec(html);
  if (!m) throw new Error(`no ${testId} on the page`);
  return Number(m[1].replace(/[^\d]/g, ''));
}

describe('dashboards by role', () => {
  let t: TestApp;
  let staff: TestAgent;
  let coworker: TestAgent;
  let office: TestAgent;
  let shiminReviewer: TestAgent;
  let zaiseiReviewer: TestAgent;
  let shimin: Division;
  let zaisei: Division;
  let staffUser: User;
  const today = () => jstDateString(new Date());
  const version = async (id: number) => String((await loadProposal(t, id)).version);

  /** Moves a proposal on through 市民課 (or 財政課), with internal text at every step. */
  const moveOn = (id: number, to: AdvanceTarget, division = shimin) =>
    advance(t, { office, reviewer: division === shimin ? shiminReviewer : zaiseiReviewer, divisionId: division.id }, id, to, {
      dueOn: addDays(today(), 30),
      routingComment: INTERNAL.routing,
      opinionText: INTERNAL.opinion,
      reason: INTERNAL.reason,
      answer: '採用します。来年度から実施します。',
    });
  const returnIt = async (id: number, comment: string) => {
    expect((await postConfirmed(office, `/proposals/${id}/return`, { version: await version(id), comment })).status).toBe(303);
  };
  const notAccept = async (id: number) => {
    expect(
      (
        await postConfirmed(office, `/proposals/${id}/not-accept`, {
          version: await version(id),
          reason: 'unclear',
          comment: '内容をもう少し具体的にしてください。',
        })
      ).status,
    ).toBe(303);
  };

  // what the tests below build, by title
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    const divisions = t.dataSource.getRepository(Division);
    shimin = await divisions.findOneByOrFail({ code: '211' });
    zaisei = await divisions.findOneByOrFail({ code: '311' });
    staffUser = await createUser(t, { login: 'dash-staff', name: '提案 太郎', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'dash-coworker', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'dash-office', roles: ['staff', 'office'], divisionCode: '121' });
    await createUser(t, { login: 'dash-rev-shimin', roles: ['staff', 'reviewer'], divisionCode: '211' });
    await createUser(t, { login: 'dash-rev-zaisei', roles: ['staff', 'reviewer'], divisionCode: '311' });
    staff = await signIn(t, 'dash-staff');
    coworker = await signIn(t, 'dash-coworker');
    office = await signIn(t, 'dash-office');
    shiminReviewer = await signIn(t, 'dash-rev-shimin');
    zaiseiReviewer = await signIn(t, 'dash-rev-zaisei');

    // the proposer's own proposals, one in each state that matters
    const draft = await postForm(staff, '/proposals', { ...validProposal({ title: '下書きの提案' }), intent: 'draft' }, '/proposals/new');
    expect(draft.status).toBe(303);
    ids.returned = await submitProposal(staff, { title: '差し戻される提案' });
    await returnIt(ids.returned, '効果の見込みを数字で書いてください。');
    ids.underReview = await submitProposal(staff, { title: '市民課で検討中の提案' });
    await moveOn(ids.underReview, 'under_review');
    ids.overdue = await submitProposal(staff, { title: '期限を過ぎた提案' });
    await moveOn(ids.overdue, 'under_review');
    // the due date passed three days ago (a routing form only accepts today or later)
    await t.dataSource.getRepository(Routing).update({ proposalId: ids.overdue }, { dueOn: addDays(today(), -3) });
    ids.adopted = await submitProposal(staff, { title: '採用される提案' });
    await moveOn(ids.adopted, 'decided');
    ids.notAccepted = await submitProposal(staff, { title: '不受理になる提案' });
    await notAccept(ids.notAccepted);
    ids.awaiting = await submitProposal(staff, { title: '採否を待つ提案' });
    await moveOn(ids.awaiting, 'awaiting_decision');

    // someone else's proposals: one returned, one routed to another division, one waiting for screening
    ids.othersReturned = await submitProposal(coworker, { title: '同僚の差し戻された提案' });
    await returnIt(ids.othersReturned, '同僚あてのコメント');
    ids.zaisei = await submitProposal(coworker, { title: '財政課に回付された提案' });
    await moveOn(ids.zaisei, 'under_review', zaisei);
    await t.dataSource.getRepository(Routing).update({ proposalId: ids.zaisei }, { dueOn: addDays(today(), -1) });
    ids.toScreen = await submitProposal(coworker, { title: '受付を待つ同僚の提案' });
  });
  afterAll(() => t.close());

  it('greets a new member of staff with what to do first', async () => {
    await createUser(t, { login: 'dash-newcomer', roles: ['staff'], divisionCode: '411' });
    const res = await (await signIn(t, 'dash-newcomer')).get('/');
    expect(res.status).toBe(200);
    expect(section(res.text, 'staff-empty')).toContain('まだ提案はありません');
    expect(res.text.match(/href="\/proposals\/new"/g)).toHaveLength(1);
    // sections of roles the person does not hold are not there
    for (const other of ['dash-office', 'dash-reviewer', 'dash-admin']) expect(res.text).not.toContain(`data-testid="${other}"`);
  });

  it("shows a proposer their own proposals by state, what was returned with the office's comment, and unread answers", async () => {
    const res = await staff.get('/');
    expect(res.status).toBe(200);
    const html = res.text;
    const counts = Object.fromEntries([...html.matchAll(/data-testid="mine-([a-z_]+)"[\s\S]*?dash-stat__count">([\d,]+)</g)].map((m) => [m[1], Number(m[2])]));
    expect(counts).toEqual({ returned: 1, draft: 1, under_review: 2, awaiting_decision: 1, decided: 1, not_accepted: 1 });
    expect(section(html, 'dash-staff')).toContain('自分の提案をすべて見る（7件）');

    const returned = section(html, 'staff-returned');
    expect(returned).toContain('差し戻される提案');
    expect(returned).toContain('効果の見込みを数字で書いてください。');
    expect(returned).toMatch(/事務局のコメント（\d{4}年\d{1,2}月\d{1,2}日）/);
    expect(html).toContain(`href="/proposals/${ids.returned}/edit"`);
    // another person's returned proposal and the comment written for them are not here
    expect(html).not.toContain('同僚の差し戻された提案');
    expect(html).not.toContain('同僚あてのコメント');

    const unread = section(html, 'staff-unread');
    expect(unread).toContain('採用される提案');
    expect(unread).toContain('採用');
    expect(unread).toContain('不受理になる提案');
    expect(unread).not.toContain('市民課で検討中の提案'); // told it was accepted, but that is no answer

    // internal text never reaches the proposer's dashboard; nor does an ISO date
    const text = visibleText(html);
    for (const marker of Object.values(INTERNAL)) expect(text).not.toContain(marker);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(html).not.toContain('data-testid="dash-office"');
    expect(html).not.toContain('data-testid="dash-reviewer"');
  });

  it('stops listing an answer once the proposer has opened it from the dashboard', async () => {
    const before = await staff.get('/');
    const form = new RegExp(`action="/notifications/(\\d+)/open"(?:(?!</li>)[\\s\\S])*?採用される提案`).exec(before.text);
    expect(form).not.toBeNull();
    const open = await postForm(staff, `/notifications/${form![1]}/open`, {});
    expect(open.status).toBe(303);
    expect(open.headers.location).toBe(`/proposals/${ids.adopted}`);
    const unread = section((await staff.get('/')).text, 'staff-unread');
    expect(unread).not.toContain('採用される提案');
    expect(unread).toContain('不受理になる提案');

    // a newer status notice about an answered proposal makes it unread again
    await t.dataSource
      .getRepository(Notification)
      .insert({ userId: staffUser.id, proposalId: ids.adopted, kind: 'status', message: '提案「採用される提案」の実施状況が「実施中」になりました。' });
    expect(section((await staff.get('/')).text, 'staff-unread')).toContain('採用される提案');
  });

  it("shows a reviewer their own division's opinions due, overdue first with days, and implementations to report", async () => {
    const html = (await shiminReviewer.get('/')).text;
    expect(countOf(html, 'reviewer-due-count')).toBe(2);
    expect(countOf(html, 'reviewer-overdue-count')).toBe(1);
    expect(countOf(html, 'reviewer-implementation-count')).toBe(1);
    const due = section(html, 'reviewer-due');
    expect(due.indexOf('期限を過ぎた提案')).toBeGreaterThanOrEqual(0);
    expect(due.indexOf('期限を過ぎた提案')).toBeLessThan(due.indexOf('市民課で検討中の提案'));
    expect(due).toContain('3日超過');
    expect(due).toContain('あと30日');
    expect(due).not.toContain('財政課に回付された提案');
    expect(due).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    const implementations = section(html, 'reviewer-implementations');
    expect(implementations).toContain('採用される提案');
    expect(implementations).toContain('未着手');
    expect(section(html, 'dash-reviewer')).toContain('所管課の仕事（市民課）');
    // a reviewer is also staff: their own (empty) proposals section is there too
    expect(html).toContain('data-testid="staff-empty"');

    const other = (await zaiseiReviewer.get('/')).text;
    expect(countOf(other, 'reviewer-due-count')).toBe(1);
    expect(countOf(other, 'reviewer-overdue-count')).toBe(1);
    expect(countOf(other, 'reviewer-implementation-count')).toBe(0);
    const otherDue = section(other, 'reviewer-due');
    expect(otherDue).toContain('財政課に回付された提案');
    expect(otherDue).toContain('1日超過');
    for (const title of ['期限を過ぎた提案', '市民課で検討中の提案', '採用される提案']) expect(other).not.toContain(title);
  });

  it("shows the office what to screen, what awaits a decision, overdue opinions per division and this year's figures", async () => {
    const html = (await office.get('/')).text;
    const submittedNow = await t.dataSource.getRepository(Proposal).countBy({ status: 'submitted' });
    expect(submittedNow).toBe(1);
    expect(countOf(html, 'office-to-screen-count')).toBe(1);
    expect(section(html, 'office-to-screen')).toContain('受付を待つ同僚の提案');
    expect(section(html, 'office-to-screen')).toMatch(/提出 \d{4}年\d{1,2}月\d{1,2}日・0日経過/);
    expect(countOf(html, 'office-awaiting-count')).toBe(1);
    expect(section(html, 'office-awaiting')).toContain('採否を待つ提案');
    expect(countOf(html, 'office-overdue-count')).toBe(2);
    const overdue = section(html, 'office-overdue');
    expect(overdue).toContain('市民課 1件');
    expect(overdue).toContain('財政課 1件');

    // this fiscal year: every proposal above was submitted today; drafts are not counted
    const submitted = 9; // 7 of the proposer's minus the draft, plus the coworker's 3
    expect(countOf(html, 'year-submitted')).toBe(submitted);
    expect(countOf(html, 'year-adopted')).toBe(1);
    expect(countOf(html, 'year-implemented')).toBe(0);
    expect(section(html, 'office-year')).toContain(`採用率 ${ratePercent(1, submitted)!.toFixed(1)}%`);
    expect(section(html, 'office-year')).toContain('実施率 0.0%');
    expect(html).toContain('<svg');
    // the office member is staff too: their (empty) own section follows
    expect(html).toContain('data-testid="staff-empty"');
    expect(visibleText(html)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it('keeps the admin links and adds the counts', async () => {
    const admin = await signIn(t, 'demo-admin', DEMO_PASSWORD);
    const html = (await admin.get('/')).text;
    for (const href of ['/admin/users', '/admin/divisions', '/admin/categories', '/admin/settings']) expect(html).toContain(`href="${href}"`);
    expect(countOf(html, 'admin-users')).toBe(await t.dataSource.getRepository(User).countBy({ disabled: false }));
    expect(countOf(html, 'admin-divisions')).toBe(19);
    expect(countOf(html, 'admin-sections')).toBe(10);
  });
});
