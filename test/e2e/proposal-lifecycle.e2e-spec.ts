import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { Division } from '../../src/organization/division.entity';
import { Notification } from '../../src/notifications/notification.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { createTestApp, TestApp } from '../factories/test-app';
import { advance, historyOf, loadProposal, postForm, submitProposal, validProposal } from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

describe('proposal lifecycle through HTTP', () => {
  let t: TestApp;
  let staff: TestAgent;
  let office: TestAgent;
  let reviewer: TestAgent;
  let relatedReviewer: TestAgent;
  let outsider: TestAgent;
  let shimin: Division;
  let kumin: Division;
  const due = () => addDays(jstDateString(new Date()), 30);
  /** The office, and the reviewer of 市民課 (the lead division). */
  const actors = () => ({ office, reviewer, divisionId: shimin.id });

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    const divisions = t.dataSource.getRepository(Division);
    shimin = await divisions.findOneByOrFail({ code: '211' });
    kumin = await divisions.findOneByOrFail({ code: '411' });
    await createUser(t, { login: 'staff1', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'office1', roles: ['staff', 'office'], divisionCode: '121' });
    await createUser(t, { login: 'rev-shimin', roles: ['staff', 'reviewer'], divisionCode: '211' });
    await createUser(t, { login: 'rev-kumin', roles: ['staff', 'reviewer'], divisionCode: '411' });
    await createUser(t, { login: 'rev-zaisei', roles: ['staff', 'reviewer'], divisionCode: '311' });
    staff = await signIn(t, 'staff1');
    office = await signIn(t, 'office1');
    reviewer = await signIn(t, 'rev-shimin');
    relatedReviewer = await signIn(t, 'rev-kumin');
    outsider = await signIn(t, 'rev-zaisei');
  });
  afterAll(() => t.close());

  it('saves a draft, then submits it with a fiscal-year number and the proposer division', async () => {
    const res = await postForm(staff, '/proposals', { ...validProposal(), intent: 'draft' }, '/proposals/new');
    expect(res.status).toBe(303);
    const id = Number(res.headers.location.split('/').pop());
    let p = await loadProposal(t, id);
    expect(p.status).toBe('draft');
    expect(p.number).toBeNull();
    // a draft is the proposer's own: the office does not see it
    expect((await office.get(`/proposals/${id}`)).status).toBe(404);

    const submit = await postForm(staff, `/proposals/${id}`, { ...validProposal(), intent: 'submit', version: String(p.version) }, `/proposals/${id}/edit`);
    expect(submit.status).toBe(303);
    p = await loadProposal(t, id);
    expect(p.status).toBe('submitted');
    expect(p.number).toMatch(/^\d{4}-0001$/);
    expect(p.proposerDivisionId).toBe(kumin.id);
    expect(p.estimatedYen).toBe(300000);
    expect((await historyOf(t, id)).map((h) => h.action)).toEqual(['save_draft', 'save_draft', 'submit']);
  });

  it('goes submit → accept and route → opinions → awaiting decision → adopted → implemented', async () => {
    const id = await submitProposal(staff);
    const version = async () => String((await loadProposal(t, id)).version);

    // a reviewer of a division it is not routed to cannot see it yet
    expect((await reviewer.get(`/proposals/${id}`)).status).toBe(404);

    const accept = await postForm(office, `/proposals/${id}/accept`, {
      version: await version(),
      leadDivisionId: String(shimin.id),
      relatedDivisionIds: [String(kumin.id)],
      dueOn: due(),
      comment: '市民課を主管として回付します',
    });
    expect(accept.status).toBe(303);
    let p = await loadProposal(t, id);
    expect(p.status).toBe('under_review');
    expect(p.leadDivisionId).toBe(shimin.id);

    // routed divisions now see it; another division still does not
    expect((await reviewer.get(`/proposals/${id}`)).status).toBe(200);
    expect((await outsider.get(`/proposals/${id}`)).status).toBe(404);
    const inbox = await reviewer.get('/review');
    expect(inbox.text).toContain(p.title);

    const first = await postForm(reviewer, `/proposals/${id}/opinion`, { version: await version(), outcome: 'adopted', opinionText: '実施可能です。' });
    expect(first.status).toBe(303);
    expect((await loadProposal(t, id)).status).toBe('under_review');

    const second = await postForm(relatedReviewer, `/proposals/${id}/opinion`, {
      version: await version(),
      outcome: 'partially_adopted',
      opinionText: '区役所でも協力します。',
    });
    expect(second.status).toBe(303);
    expect((await loadProposal(t, id)).status).toBe('awaiting_decision');
    expect((await office.get('/office')).text).toContain(p.title);

    const decide = await postForm(office, `/proposals/${id}/decision`, {
      confirm: 'on',
      version: await version(),
      decision: 'adopted',
      reason: '効果が大きい',
      answer: '採用します。市民課で来年度から実施します。',
    });
    expect(decide.status).toBe(303);
    p = await loadProposal(t, id);
    expect(p.status).toBe('decided');
    expect(p.decision).toBe('adopted');
    expect(p.implementationStatus).toBe('not_started');

    const page = await staff.get(`/proposals/${id}`);
    expect(page.text).toContain('採用します。市民課で来年度から実施します。');

    // only the lead division (or the office) reports implementation
    const related = await postForm(relatedReviewer, `/proposals/${id}/implementation`, { version: await version(), status: 'in_progress' });
    expect(related.status).toBe(403);
    expect((await loadProposal(t, id)).implementationStatus).toBe('not_started');

    expect((await postForm(reviewer, `/proposals/${id}/implementation`, { version: await version(), status: 'in_progress' })).status).toBe(303);
    const done = await postForm(reviewer, `/proposals/${id}/implementation`, {
      version: await version(),
      status: 'implemented',
      implementedOn: jstDateString(new Date()),
      actualHours: '150',
      actualYen: '１２０，０００',
      note: '番号札アプリを導入した',
    });
    expect(done.status).toBe(303);
    p = await loadProposal(t, id);
    expect(p.implementationStatus).toBe('implemented');
    expect(p.actualYen).toBe(120000);

    const history = await historyOf(t, id);
    expect(history.map((h) => [h.action, h.fromStatus, h.toStatus])).toEqual([
      ['save_draft', null, 'draft'],
      ['submit', 'draft', 'submitted'],
      ['accept', 'submitted', 'under_review'],
      ['give_opinion', 'under_review', 'under_review'],
      ['give_opinion', 'under_review', 'under_review'],
      ['complete_opinions', 'under_review', 'awaiting_decision'],
      ['decide', 'awaiting_decision', 'decided'],
      ['implementation', 'decided', 'decided'],
      ['implementation', 'decided', 'decided'],
    ]);
    // the adopted case is visible to everyone signed in, including another division
    expect((await outsider.get(`/proposals/${id}`)).status).toBe(200);
    expect((await outsider.get('/adopted')).text).toContain(p.title);
    // the proposer was told about every status change
    const notes = await t.dataSource.getRepository(Notification).find({ where: { proposalId: id, kind: 'status' } });
    expect(notes.length).toBeGreaterThanOrEqual(4);
  });

  it('returns a submission to the proposer, who fixes and resubmits it under the same number', async () => {
    const id = await submitProposal(staff, { title: '差戻しされる提案' });
    const number = (await loadProposal(t, id)).number;
    const refused = await postForm(office, `/proposals/${id}/return`, { confirm: 'on', version: String((await loadProposal(t, id)).version), comment: '' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('提案者へのコメント（修正してほしい点）を入力してください。');
    expect((await loadProposal(t, id)).status).toBe('submitted');

    expect(
      (
        await postForm(office, `/proposals/${id}/return`, {
          confirm: 'on',
          version: String((await loadProposal(t, id)).version),
          comment: '効果の見込みを具体的に',
        })
      ).status,
    ).toBe(303);
    let p = await loadProposal(t, id);
    expect(p.status).toBe('returned');
    const resubmit = await postForm(
      staff,
      `/proposals/${id}`,
      { ...validProposal({ title: '差戻し後に直した提案' }), intent: 'submit', version: String(p.version) },
      `/proposals/${id}/edit`,
    );
    expect(resubmit.status).toBe(303);
    p = await loadProposal(t, id);
    expect(p.status).toBe('submitted');
    expect(p.title).toBe('差戻し後に直した提案');
    expect(p.number).toBe(number);
  });

  it('does not accept a submission, with a reason the proposer reads', async () => {
    const id = await submitProposal(staff, { title: '不受理になる提案' });
    const res = await postForm(office, `/proposals/${id}/not-accept`, {
      confirm: 'on',
      version: String((await loadProposal(t, id)).version),
      reason: 'complaint_only',
      comment: '要望として担当課に伝えました。',
    });
    expect(res.status).toBe(303);
    const p = await loadProposal(t, id);
    expect(p.status).toBe('not_accepted');
    expect(p.notAcceptedReason).toBe('complaint_only');
    const page = await staff.get(`/proposals/${id}`);
    expect(page.text).toContain('苦情・要望にとどまる');
    expect(page.text).toContain('要望として担当課に伝えました。');
  });

  async function toAwaitingDecision(title: string): Promise<number> {
    const id = await submitProposal(staff, { title });
    await advance(t, actors(), id, 'awaiting_decision', { dueOn: due(), outcome: 'continued', opinionText: '予算次第' });
    expect((await loadProposal(t, id)).status).toBe('awaiting_decision');
    return id;
  }

  it('keeps a 継続検討 proposal open and decides it later', async () => {
    const id = await toAwaitingDecision('継続検討になる提案');
    await postForm(office, `/proposals/${id}/decision`, {
      confirm: 'on',
      version: String((await loadProposal(t, id)).version),
      decision: 'continued',
      reason: '予算要求の結果を待つ',
      answer: '来年度に改めて判断します。',
    });
    let p = await loadProposal(t, id);
    expect(p.status).toBe('continued');
    expect(p.implementationStatus).toBeNull();
    expect((await office.get('/office')).text).toContain('継続検討になる提案');

    await postForm(office, `/proposals/${id}/decision`, {
      confirm: 'on',
      version: String(p.version),
      decision: 'already_implemented',
      reason: '既に実施済み',
      answer: '既に実施しています。',
    });
    p = await loadProposal(t, id);
    expect(p.status).toBe('decided');
    expect(p.decision).toBe('already_implemented');
    expect(p.implementationStatus).toBe('implemented');
  });

  it('corrects a decision only with a reason, keeping both in the history', async () => {
    const id = await toAwaitingDecision('訂正される提案');
    await advance(t, actors(), id, 'decided', { decision: 'rejected', reason: '費用対効果が低い', answer: '今回は見送ります。' });
    const noReason = await postForm(office, `/proposals/${id}/correction`, {
      confirm: 'on',
      version: String((await loadProposal(t, id)).version),
      decision: 'adopted',
      reason: '再検討',
      answer: '採用します。',
      correctionReason: '',
    });
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('訂正の理由を入力してください。');
    expect((await loadProposal(t, id)).decision).toBe('rejected');

    const ok = await postForm(office, `/proposals/${id}/correction`, {
      confirm: 'on',
      version: String((await loadProposal(t, id)).version),
      decision: 'adopted',
      reason: '再検討',
      answer: '採用します。',
      correctionReason: '費用の見積もりに誤りがあった',
    });
    expect(ok.status).toBe(303);
    const p = await loadProposal(t, id);
    expect(p.decision).toBe('adopted');
    expect(p.implementationStatus).toBe('not_started');
    const history = await historyOf(t, id);
    const last = history[history.length - 1];
    expect(last.action).toBe('correct_decision');
    expect(last.detail).toContain('不採用 → 採用');
    expect(last.comment).toBe('費用の見積もりに誤りがあった');
    expect(history.filter((h) => h.action === 'decide')).toHaveLength(1);
  });

  it('lets the proposer withdraw before the decision but not after', async () => {
    const id = await submitProposal(staff, { title: '取り下げる提案' });
    expect(
      (
        await postForm(staff, `/proposals/${id}/withdraw`, {
          confirm: 'on',
          version: String((await loadProposal(t, id)).version),
          comment: '別の方法で解決した',
        })
      ).status,
    ).toBe(303);
    expect((await loadProposal(t, id)).status).toBe('withdrawn');

    const decided = await toAwaitingDecision('決定後の取下げ');
    await advance(t, actors(), decided, 'decided', { decision: 'rejected', reason: 'r', answer: 'a' });
    const before = await loadProposal(t, decided);
    const refused = await postForm(staff, `/proposals/${decided}/withdraw`, { confirm: 'on', version: String(before.version) });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('「決定」のため、「取下げ」はできません');
    const after = await loadProposal(t, decided);
    expect(after.status).toBe('decided');
    expect(after.version).toBe(before.version);
  });

  it('refuses actions by the wrong person and changes nothing', async () => {
    const id = await submitProposal(staff, { title: '権限のテスト' });
    const before = await loadProposal(t, id);
    // staff cannot accept (route is office-only)
    const res = await postForm(staff, `/proposals/${id}/accept`, { version: String(before.version), leadDivisionId: String(shimin.id), dueOn: due() });
    expect(res.status).toBe(403);
    // a reviewer cannot give an opinion on something not routed to them
    const opinion = await postForm(reviewer, `/proposals/${id}/opinion`, { version: String(before.version), outcome: 'adopted', opinionText: 'x' });
    expect(opinion.status).toBe(404);
    const after = await loadProposal(t, id);
    expect(after.status).toBe('submitted');
    expect(after.version).toBe(before.version);
    expect(await historyOf(t, id)).toHaveLength(2);
  });

  it('re-routes: ends a dropped division, keeps an answered one with its opinion, adds a new one, extends the due date', async () => {
    const id = await submitProposal(staff, { title: '回付先の変更' });
    const routings = () =>
      t.dataSource.query(`SELECT division_id, is_lead, due_on, active, opinion_outcome FROM routings WHERE proposal_id = ${id} ORDER BY id`);
    await advance(t, actors(), id, 'under_review', { relatedDivisionIds: [kumin.id], dueOn: due() });
    // only the lead division answers: 区民課 has not, so it stays under review
    await postForm(reviewer, `/proposals/${id}/opinion`, {
      version: String((await loadProposal(t, id)).version),
      outcome: 'adopted',
      opinionText: '市民課は賛成',
    });
    expect((await loadProposal(t, id)).status).toBe('under_review');

    // drop 区民課 (unanswered): only 市民課 remains and it has answered → awaiting decision at once
    const later = addDays(jstDateString(new Date()), 45);
    const res = await postForm(office, `/proposals/${id}/reroute`, {
      version: String((await loadProposal(t, id)).version),
      leadDivisionId: String(shimin.id),
      dueOn: later,
      comment: '区民課への回付を取りやめ',
    });
    expect(res.status).toBe(303);
    let rows = (await routings()) as { division_id: number; active: boolean | number; due_on: string | Date; opinion_outcome: string | null }[];
    const active = rows.filter((r) => Boolean(r.active));
    expect(active.map((r) => Number(r.division_id))).toEqual([shimin.id]);
    expect(active[0].opinion_outcome).toBe('adopted');
    expect((await loadProposal(t, id)).status).toBe('awaiting_decision');

    // from awaiting decision, add a division again: back to under review, the new one is notified
    const zaisei = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '311' });
    await postForm(office, `/proposals/${id}/reroute`, {
      version: String((await loadProposal(t, id)).version),
      leadDivisionId: String(shimin.id),
      relatedDivisionIds: [String(zaisei.id)],
      dueOn: later,
    });
    expect((await loadProposal(t, id)).status).toBe('under_review');
    rows = (await routings()) as typeof rows;
    expect(
      rows
        .filter((r) => Boolean(r.active))
        .map((r) => Number(r.division_id))
        .sort(),
    ).toEqual([shimin.id, zaisei.id].sort());
    expect((await outsider.get(`/proposals/${id}`)).status).toBe(200); // rev-zaisei now sees it
    const history = await historyOf(t, id);
    expect(history.filter((h) => h.action === 'reroute')).toHaveLength(2);
    expect(history.some((h) => h.action === 'complete_opinions')).toBe(true);
  });

  it('keeps history rows from being changed or deleted, by the database itself', async () => {
    const id = await submitProposal(staff, { title: '経過の保護' });
    await expect(t.dataSource.query(`UPDATE proposal_history SET comment = 'x' WHERE proposal_id = ${id}`)).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`DELETE FROM proposal_history WHERE proposal_id = ${id}`)).rejects.toThrow(/append-only/);
    expect(await historyOf(t, id)).toHaveLength(2);
  });

  it('creates one proposal when the same new form is sent twice', async () => {
    const form = await staff.get('/proposals/new');
    const formKey = /name="formKey" value="([^"]+)"/.exec(form.text)![1];
    const fields = { ...validProposal({ title: '二重送信のテスト' }), intent: 'submit', formKey };
    const [a, b] = await Promise.all([postForm(staff, '/proposals', fields), postForm(staff, '/proposals', fields)]);
    expect(a.status).toBe(303);
    expect(b.status).toBe(303);
    expect(a.headers.location).toBe(b.headers.location);
    const count = await t.dataSource.query(`SELECT COUNT(*) AS n FROM proposals WHERE title = '二重送信のテスト'`);
    expect(Number(count[0].n)).toBe(1);
  });

  it('keeps everything typed when the form is refused', async () => {
    const long = 'あ'.repeat(4001);
    const res = await postForm(
      staff,
      '/proposals',
      { ...validProposal({ title: '入力保持のテスト', proposalText: long }), intent: 'submit' },
      '/proposals/new',
    );
    expect(res.status).toBe(422);
    expect(res.text).toContain('提案内容は4000文字以内で入力してください。');
    expect(res.text).toContain('value="入力保持のテスト"');
    expect(res.text).toContain(long);
    expect(res.text).toContain('繁忙期は窓口で1時間以上待つ方がいる。');
  });
});
