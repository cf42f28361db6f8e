import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { Routing } from '../../src/proposals/routing.entity';
import { createTestApp, TestApp } from '../factories/test-app';
import { historyOf, loadProposal, postForm, submitProposal } from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * A 課 without an active reviewer never answers. The office is told so when routing, sees every owed
 * opinion in its inbox with how long it has waited, and can enter the opinion on the division's behalf.
 */
describe('routing to a 課 without reviewers', () => {
  let t: TestApp;
  let staff: TestAgent;
  let office: TestAgent;
  let shimin: Division;
  let zaisei: Division;
  const due = () => addDays(jstDateString(new Date()), 14);

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    const divisions = t.dataSource.getRepository(Division);
    shimin = await divisions.findOneByOrFail({ code: '211' }); // has demo-reviewer
    zaisei = await divisions.findOneByOrFail({ code: '311' }); // nobody reviews here
    await createUser(t, { login: 'u-staff', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'u-office', roles: ['staff', 'office'] });
    // a disabled reviewer does not count
    const gone = await createUser(t, { login: 'u-gone', roles: ['staff', 'reviewer'], divisionCode: '311' });
    await t.dataSource.query(`UPDATE users SET disabled = ${t.dataSource.options.type === 'postgres' ? 'true' : '1'} WHERE id = ${gone.id}`);
    staff = await signIn(t, 'u-staff');
    office = await signIn(t, 'u-office');
  });
  afterAll(() => t.close());

  it('shows each 課 with its reviewers in the picker, grouped under its 局・部', async () => {
    const id = await submitProposal(staff);
    const page = await office.get(`/proposals/${id}`);
    expect(page.text).toMatch(/<optgroup label="[^"]*市民局[^"]*">/);
    expect(page.text).toMatch(new RegExp(`<option value="${shimin.id}"[^>]*>${shimin.name}（審査担当 1人）</option>`));
    expect(page.text).toMatch(new RegExp(`<option value="${zaisei.id}"[^>]*>${zaisei.name}（審査担当なし）</option>`));
    // related divisions are checkboxes, no Ctrl-click
    expect(page.text).toContain(`name="relatedDivisionIds" value="${zaisei.id}"`);
  });

  it("warns at routing, lists the owed opinion in the office inbox, and takes the opinion on the division's behalf", async () => {
    const id = await submitProposal(staff, { title: '財政課の起案様式を統一する' });
    const accept = await postForm(office, `/proposals/${id}/accept`, {
      version: String((await loadProposal(t, id)).version),
      leadDivisionId: String(shimin.id),
      relatedDivisionIds: [String(zaisei.id)],
      dueOn: due(),
      comment: '',
    });
    expect(accept.status).toBe(303);
    const after = await office.get(`/proposals/${id}`);
    expect(after.text).toContain(`${zaisei.name}には有効な審査担当がいません`);
    expect(after.text).not.toContain(`${shimin.name}には有効な審査担当がいません`);

    // the inbox lists both owed opinions; an overdue one is marked, and how long each has waited
    await t.dataSource.getRepository(Routing).update({ proposalId: id, divisionId: zaisei.id }, { dueOn: addDays(jstDateString(new Date()), -2) });
    const inbox = await office.get('/office');
    const row = inbox.text.slice(inbox.text.indexOf('所管課で検討中'));
    expect(row).toContain('財政課の起案様式を統一する');
    expect(row).toMatch(new RegExp(`${zaisei.name} <span class="badge badge--overdue">審査担当なし</span>`));
    expect(row).toContain('期限超過');
    expect(row).toMatch(/<td>0日<\/td>/);

    // 代理入力: refused without an opinion, every message at once, nothing recorded
    const version = String((await loadProposal(t, id)).version);
    const refused = await postForm(office, `/proposals/${id}/proxy-opinion`, { version, divisionId: String(zaisei.id), outcome: '', opinionText: '' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('所管課としての意見（推奨する採否）を選んでください。');
    expect(refused.text).toContain('意見を入力してください。');
    expect((await t.dataSource.getRepository(Routing).findOneByOrFail({ proposalId: id, divisionId: zaisei.id })).opinionAt).toBeNull();

    // a division not routed is refused
    const wrong = await postForm(office, `/proposals/${id}/proxy-opinion`, { version, divisionId: '999999', outcome: 'adopted', opinionText: '電話で確認' });
    expect(wrong.status).toBe(422);

    const done = await postForm(office, `/proposals/${id}/proxy-opinion`, {
      version,
      divisionId: String(zaisei.id),
      outcome: 'adopted',
      opinionText: '電話で確認した財政課の意見',
    });
    expect(done.status).toBe(303);
    const routing = await t.dataSource.getRepository(Routing).findOneByOrFail({ proposalId: id, divisionId: zaisei.id });
    expect(routing.opinionText).toBe('電話で確認した財政課の意見');
    const last = (await historyOf(t, id)).pop()!;
    expect(last.action).toBe('give_opinion');
    expect(last.detail).toContain('代理入力');
    // still waiting for 市民課, so not yet awaiting the decision
    expect((await loadProposal(t, id)).status).toBe('under_review');
  });

  it('refuses the proxy form to a reviewer', async () => {
    const reviewer = await signIn(t, 'demo-reviewer', 'tane-demo-2026');
    const id = await submitProposal(staff);
    await postForm(office, `/proposals/${id}/accept`, {
      version: String((await loadProposal(t, id)).version),
      leadDivisionId: String(shimin.id),
      dueOn: due(),
      comment: '',
    });
    const res = await postForm(reviewer, `/proposals/${id}/proxy-opinion`, {
      version: String((await loadProposal(t, id)).version),
      divisionId: String(shimin.id),
      outcome: 'adopted',
      opinionText: 'x',
    });
    expect(res.status).toBe(403);
  });
});
