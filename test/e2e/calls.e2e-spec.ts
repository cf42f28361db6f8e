import TestAgent from 'supertest/lib/agent';
import { CallEvent } from '../../src/calls/call.entities';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { Routing } from '../../src/proposals/routing.entity';
import { ProposalWorkflowService } from '../../src/review/proposal-workflow.service';
import { CALL_PDF, createCall, divisionId, postCallForm } from '../factories/calls';
import { loadProposal, postConfirmed, postForm, proposalIdFrom, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, csrfToken, seedDemo, signIn } from '../factories/users';

/**
 * 課題提案 through HTTP (issue 13): the office opens a call for two 局・区, staff of those answer it with
 * the proposal form and others cannot see it, the office reads the call's figures and routes the waiting
 * answers in one step; outside the period an answer is kept as a draft; extending and closing are recorded.
 */
describe('themed calls (課題提案)', () => {
  let t: TestApp;
  let office: TestAgent;
  const staff: Record<'a' | 'b' | 'c' | 'outsider', TestAgent> = {} as never;
  let callId: number;
  const answers: number[] = [];

  const answer = (agent: TestAgent, fields: Record<string, string> = {}, id = callId) =>
    postForm(agent, '/proposals', { ...validProposal(), intent: 'submit', callId: String(id), ...fields }, `/proposals/new?callId=${id}`);

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    t.clock.set('2026-06-01T09:00:00+09:00');
    office = await signIn(t, 'demo-office', DEMO_PASSWORD);
    // a: 区民課 (中央区), b: 市民課 (市民局), c: 保険年金課 (中央区) — in the audience; outsider: 財政課 (財政局)
    for (const [key, code] of [
      ['a', '411'],
      ['b', '211'],
      ['c', '412'],
      ['outsider', '311'],
    ] as const) {
      await createUser(t, { roles: ['staff'], login: `call-${key}`, name: `募集 ${key}太郎`, divisionCode: code });
      staff[key] = await signIn(t, `call-${key}`);
    }
  });
  afterAll(() => t.close());

  it('refuses a bad call form naming every problem and keeping what was typed', async () => {
    const res = await postCallForm(office, { title: '書いた題名', issueText: '', opensOn: '2026-06-10', closesOn: '2026-06-05', audience: 'divisions' });
    expect(res.status).toBe(422);
    for (const message of ['解決したい課題を入力してください。', '締切日は募集開始日以降の日付にしてください。', '回答を検討する主管課を選んでください。']) {
      expect(res.text).toContain(message);
    }
    expect(res.text).toContain('value="書いた題名"');
    const noAudience = await postCallForm(office, {
      title: 'x',
      issueText: 'y',
      opensOn: '2026-06-01',
      closesOn: '2026-06-30',
      leadDivisionId: String(await divisionId(t, '211')),
      audience: 'divisions',
    });
    expect(noAudience.status).toBe(422);
    expect(noAudience.text).toContain('応募できる局・区または課を1つ以上選んでください。');
    expect(await t.dataSource.query('SELECT id FROM calls')).toEqual([]);
  });

  it('opens a call for 中央区 and 市民局 with its material; only staff there see it', async () => {
    callId = await createCall(t, office, {
      opensOn: '2026-06-01',
      closesOn: '2026-06-30',
      leadDivisionId: String(await divisionId(t, '211')),
      relatedDivisionIds: [String(await divisionId(t, '411'))],
      categoryIds: ['1', '2'],
      audience: 'divisions',
      audienceDivisionIds: [String(await divisionId(t, '400')), String(await divisionId(t, '200'))],
      answersPublic: 'on',
    });
    const page = await staff.a.get(`/calls/${callId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('窓口の待ち時間を減らすには');
    expect(page.text).toContain('2026年6月1日〜2026年6月30日');
    expect(page.text).toContain(`/proposals/new?callId=${callId}`);
    expect((await staff.a.get('/')).text).toContain('募集中のテーマ');
    expect((await staff.a.get('/calls')).text).toContain('窓口の待ち時間を減らすには');

    expect((await staff.outsider.get(`/calls/${callId}`)).status).toBe(404);
    expect((await staff.outsider.get(`/proposals/new?callId=${callId}`)).status).toBe(404);
    expect((await staff.outsider.get('/calls')).text).not.toContain('窓口の待ち時間を減らすには');
    expect((await staff.outsider.get('/')).text).not.toContain('募集中のテーマ');
    const sneaked = await postForm(staff.outsider, '/proposals', { ...validProposal(), intent: 'submit', callId: String(callId) }, '/proposals/new');
    expect(sneaked.status).toBe(404);
    expect(await t.dataSource.query('SELECT id FROM proposals WHERE call_id IS NOT NULL')).toEqual([]);
  });

  it('keeps the call material as files staff of the audience can download', async () => {
    const withFile = await createCall(t, office, { title: '資料つきの募集' });
    // files travel with the form; this second call carries one
    const res = await postCallForm(
      office,
      {
        title: '資料つきの募集2',
        issueText: '資料をご覧ください。',
        opensOn: '2026-06-01',
        closesOn: '2026-06-30',
        leadDivisionId: String(await divisionId(t, '211')),
        audience: 'all',
      },
      [['課題の資料.pdf', CALL_PDF]],
    );
    expect(res.status).toBe(303);
    const id = Number(/\/calls\/(\d+)$/.exec(res.headers.location)![1]);
    // six files for a limit of five: nothing is saved, the typed text comes back, the files must be chosen again
    const tooMany = await postCallForm(
      office,
      {
        title: '資料が多すぎる募集',
        issueText: '本文',
        opensOn: '2026-06-01',
        closesOn: '2026-06-30',
        leadDivisionId: String(await divisionId(t, '211')),
        audience: 'all',
      },
      Array.from({ length: 6 }, (_, i): [string, Buffer] => [`資料${i + 1}.pdf`, CALL_PDF]),
    );
    expect(tooMany.status).toBe(422);
    expect(tooMany.text).toContain('資料のファイルは5件までです。');
    expect(tooMany.text).toContain('もう一度選んでください');
    expect(tooMany.text).toContain('value="資料が多すぎる募集"');
    expect(await t.dataSource.query("SELECT id FROM calls WHERE title = '資料が多すぎる募集'")).toEqual([]);
    expect(id).toBeGreaterThan(withFile);
    const page = await staff.outsider.get(`/calls/${id}`);
    const href = /href="(\/calls\/\d+\/attachments\/\d+)"/.exec(page.text)![1];
    const file = await staff.outsider.get(href);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toContain('attachment');
    expect(
      Buffer.from(file.body as Buffer)
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    // the restricted call's files are as hidden as the call
    const restricted = await t.dataSource.query(`SELECT id FROM call_attachments WHERE call_id = ${id}`);
    expect((await staff.outsider.get(`/calls/${callId}/attachments/${restricted[0].id}`)).status).toBe(404);
  });

  it('lets the office correct the texts and add material, recorded; a stale form or another role changes nothing', async () => {
    const version = (await t.dataSource.query(`SELECT version FROM calls WHERE id = ${callId}`))[0].version;
    const form = await office.get(`/calls/${callId}/edit`);
    expect(form.status).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    const send = (agent: TestAgent, fields: Record<string, string>, files: [string, Buffer][] = []) => {
      let req = agent.post(`/calls/${callId}?_csrf=${encodeURIComponent(token)}`);
      for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
      for (const [name, content] of files) req = req.attach('files', content, { filename: name, contentType: 'application/octet-stream' });
      return req;
    };
    const empty = await send(office, { title: '', issueText: '直した本文', version: String(version) });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('テーマ（件名）を入力してください。');
    expect(empty.text).toContain('直した本文');

    const fixed = await send(
      office,
      {
        title: '窓口の待ち時間を減らすには',
        issueText: '繁忙期の窓口の待ち時間を減らすアイデアを募集します（資料を追加）。',
        answersPublic: 'on',
        version: String(version),
      },
      [['混雑の記録.pdf', CALL_PDF]],
    );
    expect(fixed.status).toBe(303);
    const stale = await send(office, { title: '古い画面からの修正', issueText: 'x', version: String(version) });
    expect(stale.status).toBe(409);
    const staffToken = await csrfToken(staff.a, `/calls/${callId}`);
    const byStaff = await staff.a
      .post(`/calls/${callId}?_csrf=${encodeURIComponent(staffToken)}`)
      .type('form')
      .send({ title: '職員による書き換え', issueText: 'x', version: String(version + 1) });
    expect(byStaff.status).toBe(403);

    const page = await staff.a.get(`/calls/${callId}`);
    expect(page.text).toContain('資料を追加');
    expect(page.text).toContain('混雑の記録.pdf');
    expect(page.text).not.toContain('古い画面からの修正');
    expect(page.text).not.toContain('職員による書き換え');
    const log = await t.dataSource.getRepository(CallEvent).find({ where: { callId }, order: { id: 'ASC' } });
    expect(log.map((e) => e.action)).toEqual(['create', 'edit']);
  });

  it('takes answers through the proposal form, in the call’s categories only', async () => {
    const wrongCategory = await answer(staff.a, { categoryId: '3', title: '分野違いの回答' });
    expect(wrongCategory.status).toBe(422);
    expect(wrongCategory.text).toContain('このテーマ募集で選べる提案分野から選んでください。');
    expect(wrongCategory.text).toContain('value="分野違いの回答"');

    const form = await staff.a.get(`/proposals/new?callId=${callId}`);
    expect(form.text).toContain('テーマ募集への提案');
    expect(form.text).not.toContain('>働き方・職場環境<'); // only the call's two categories are offered

    for (const [key, title] of [
      ['a', '番号札の呼出をスマートフォンに通知する'],
      ['b', '申請書の事前記入をオンラインで'],
      ['c', '混雑予測をホームページに載せる'],
    ] as const) {
      const res = await answer(staff[key], { title });
      expect(res.status).toBe(303);
      const id = proposalIdFrom(res.headers.location);
      answers.push(id);
      const proposal = await loadProposal(t, id);
      expect(proposal.callId).toBe(callId);
      expect(proposal.status).toBe('submitted');
      expect(proposal.number).toMatch(/^2026-\d{4}$/);
    }
    const shown = await staff.a.get(`/proposals/${answers[0]}`);
    expect(shown.text).toContain('窓口の待ち時間を減らすには</a>への提案');
  });

  it('shows the answers to other staff of the audience without names while open', async () => {
    const page = await staff.b.get(`/calls/${callId}`);
    expect(page.text).toContain('番号札の呼出をスマートフォンに通知する');
    expect(page.text).toContain('混雑予測をホームページに載せる');
    expect(page.text).not.toContain('募集 a太郎');
    expect(page.text).not.toContain('募集 c太郎');
    // their own answer is listed as theirs
    expect(page.text).toContain('このテーマへの自分の提案');
  });

  it('gives the office the call’s figures, by state and by division, and the routing default', async () => {
    const page = await office.get(`/calls/${callId}`);
    expect(page.status).toBe(200);
    const figures = /data-testid="call-figures">([\s\S]*?)<\/dl>/.exec(page.text)![1];
    expect(figures).toContain('提案件数</dt><dd>3件');
    expect(figures).toContain('採用件数</dt><dd>0件（0.0%）');
    const byDivision = /data-testid="by-division">([\s\S]*?)<\/table>/.exec(page.text)![1];
    for (const name of ['区民課', '市民課', '保険年金課']) expect(byDivision).toContain(`<td>${name}</td><td class="number">1</td>`);
    expect(page.text).toContain('data-testid="waiting-count">3件');
    // the screening form of an answer starts from the call's divisions
    const screening = await office.get(`/proposals/${answers[0]}`);
    expect(screening.text).toMatch(new RegExp(`<option value="${await divisionId(t, '211')}" selected`));
    expect(screening.text).toMatch(new RegExp(`name="relatedDivisionIds" value="${await divisionId(t, '411')}" checked`));
  });

  it('routes the waiting answers in one step; one screened by hand meanwhile is left as it is', async () => {
    const byHand = answers[2];
    const version = (await loadProposal(t, byHand)).version;
    const accepted = await postForm(
      office,
      `/proposals/${byHand}/accept`,
      { leadDivisionId: String(await divisionId(t, '412')), dueOn: '2026-06-20', version: String(version) },
      `/proposals/${byHand}`,
    );
    expect(accepted.status).toBe(303);

    const notTicked = await postForm(office, `/calls/${callId}/route`, { dueOn: '2026-06-25' }, `/calls/${callId}`);
    expect(notTicked.status).toBe(422);
    expect(notTicked.text).toContain('一括回付するには');
    expect((await loadProposal(t, answers[0])).status).toBe('submitted');

    const routed = await postConfirmed(office, `/calls/${callId}/route`, { dueOn: '2026-06-25' }, `/calls/${callId}`);
    expect(routed.status).toBe(200);
    expect(routed.text).toContain('回付 2件');
    for (const id of answers.slice(0, 2)) {
      expect((await loadProposal(t, id)).status).toBe('under_review');
      const routings = await t.dataSource.getRepository(Routing).find({ where: { proposalId: id }, order: { isLead: 'DESC' } });
      expect(routings.map((r) => [r.divisionId, r.isLead, r.dueOn])).toEqual([
        [await divisionId(t, '211'), true, '2026-06-25'],
        [await divisionId(t, '411'), false, '2026-06-25'],
      ]);
    }
    const untouched = await t.dataSource.getRepository(Routing).find({ where: { proposalId: byHand } });
    expect(untouched.map((r) => r.divisionId)).toEqual([await divisionId(t, '412')]);
    // nothing left to route: the form says so rather than doing nothing
    expect((await office.get(`/calls/${callId}`)).text).toContain('受付待ちの提案はありません。');
  });

  it('refuses, in a 一括回付, an answer its proposer withdrew meanwhile, and routes the others', async () => {
    const second = await createCall(t, office, { title: '同時に動く募集' });
    const first = proposalIdFrom((await answer(staff.a, { title: '先に回付される回答' }, second)).headers.location);
    const withdrawn = proposalIdFrom((await answer(staff.b, { title: '途中で取り下げられる回答' }, second)).headers.location);
    const workflow = t.app.get(ProposalWorkflowService);
    const accept = workflow.accept.bind(workflow);
    // between the office's list and this answer's turn, its proposer withdraws it
    const spy = jest.spyOn(workflow, 'accept').mockImplementation(async (user, id, dto) => {
      if (id === withdrawn) {
        const version = (await loadProposal(t, id)).version;
        expect((await postConfirmed(staff.b, `/proposals/${id}/withdraw`, { version: String(version) }, `/proposals/${id}`)).status).toBe(303);
      }
      return accept(user, id, dto);
    });
    try {
      const routed = await postConfirmed(office, `/calls/${second}/route`, { dueOn: '2026-06-25' }, `/calls/${second}`);
      expect(routed.text).toContain('回付 1件、回付できなかった提案 1件');
      expect(routed.text).toMatch(/途中で取り下げられる回答[\s\S]*回付できず[\s\S]*回付できませんでした：/);
    } finally {
      spy.mockRestore();
    }
    expect((await loadProposal(t, first)).status).toBe('under_review');
    const gone = await loadProposal(t, withdrawn);
    expect(gone.status).toBe('withdrawn');
    expect(await t.dataSource.getRepository(Routing).count({ where: { proposalId: withdrawn } })).toBe(0);
  });

  it('keeps an answer sent after the close as a draft, and takes it once the office extends the call', async () => {
    t.clock.set('2026-06-30T23:59:00+09:00');
    expect((await answer(staff.a, { title: '締切直前の回答' })).status).toBe(303);

    // 00:00:30 JST on 1 July: the period (both ends included) is over, whatever the server's zone
    t.clock.set('2026-06-30T15:00:30Z');
    const form = await staff.b.get(`/proposals/new?callId=${callId}`);
    expect(form.text).toContain('このテーマの募集は終了しました。提出はできませんが、下書きとして保存しておけます。');
    const late = await answer(staff.b, { title: '締切後の回答' });
    expect(late.status).toBe(303);
    const lateId = proposalIdFrom(late.headers.location);
    expect((await staff.b.get(`/proposals/${lateId}`)).text).toContain('このテーマの募集は終了しました。提出せず、下書きとして保存しました。');
    const draft = await loadProposal(t, lateId);
    expect([draft.status, draft.number, draft.title, draft.callId]).toEqual(['draft', null, '締切後の回答', callId]);

    const call = await t.dataSource.query(`SELECT version FROM calls WHERE id = ${callId}`);
    const tooEarly = await postForm(
      office,
      `/calls/${callId}/extend`,
      { closesOn: '2026-06-30', reason: '', version: String(call[0].version) },
      `/calls/${callId}`,
    );
    expect(tooEarly.status).toBe(422);
    expect(tooEarly.text).toContain('締切日には今日以降の日付を入力してください。');
    expect(tooEarly.text).toContain('延長の理由を入力してください');
    const extended = await postForm(
      office,
      `/calls/${callId}/extend`,
      { closesOn: '2026-07-10', reason: '応募が少ない課があるため', version: String(call[0].version) },
      `/calls/${callId}`,
    );
    expect(extended.status).toBe(303);
    const stale = await postForm(
      office,
      `/calls/${callId}/extend`,
      { closesOn: '2026-07-20', reason: '二重送信', version: String(call[0].version) },
      `/calls/${callId}`,
    );
    expect(stale.status).toBe(409);

    const resubmit = await postForm(
      staff.b,
      `/proposals/${lateId}`,
      { ...validProposal({ title: '締切後の回答' }), intent: 'submit', version: String(draft.version) },
      `/proposals/${lateId}/edit`,
    );
    expect(resubmit.status).toBe(303);
    expect((await loadProposal(t, lateId)).status).toBe('submitted');
    const log = await t.dataSource.getRepository(CallEvent).find({ where: { callId }, order: { id: 'ASC' } });
    expect(log.map((e) => [e.action, e.oldClosesOn, e.newClosesOn, e.reason])).toEqual([
      ['create', null, '2026-06-30', null],
      ['edit', null, null, null],
      ['extend', '2026-06-30', '2026-07-10', '応募が少ない課があるため'],
    ]);
  });

  it('closes a call early; a draft left over may become a 自由提案', async () => {
    const call = await t.dataSource.query(`SELECT version FROM calls WHERE id = ${callId}`);
    const unticked = await postForm(office, `/calls/${callId}/close`, { version: String(call[0].version) }, `/calls/${callId}`);
    expect(unticked.status).toBe(422);
    const closed = await postConfirmed(
      office,
      `/calls/${callId}/close`,
      { reason: '十分な提案が集まったため', version: String(call[0].version) },
      `/calls/${callId}`,
    );
    expect(closed.status).toBe(303);
    expect((await staff.a.get(`/calls/${callId}`)).text).toContain('募集終了');

    const kept = await answer(staff.c, { title: '終了後に書いた案' });
    const id = proposalIdFrom(kept.headers.location);
    expect((await loadProposal(t, id)).status).toBe('draft');
    const edit = await staff.c.get(`/proposals/${id}/edit`);
    expect(edit.text).toContain('テーマ募集から外し、自由提案として扱う');
    const free = await postForm(
      staff.c,
      `/proposals/${id}`,
      { ...validProposal({ title: '終了後に書いた案' }), intent: 'submit', detachCall: 'on', version: String((await loadProposal(t, id)).version) },
      `/proposals/${id}/edit`,
    );
    expect(free.status).toBe(303);
    const proposal = await loadProposal(t, id);
    expect([proposal.status, proposal.callId]).toEqual(['submitted', null]);
  });

  it('counts a call in the year it opens and each answer in the year it was submitted', async () => {
    t.clock.set('2027-03-25T10:00:00+09:00');
    const marchCall = await createCall(t, office, { title: '年度をまたぐ募集', opensOn: '2027-03-25', closesOn: '2027-04-10' });
    expect(await t.dataSource.query(`SELECT fiscal_year FROM calls WHERE id = ${marchCall}`)).toEqual([{ fiscal_year: 2026 }]);
    t.clock.set('2027-03-31T23:50:00+09:00');
    const march = proposalIdFrom((await answer(staff.a, { title: '3月の回答' }, marchCall)).headers.location);
    t.clock.set('2027-04-01T00:10:00+09:00');
    const april = proposalIdFrom((await answer(staff.b, { title: '4月の回答' }, marchCall)).headers.location);
    expect((await loadProposal(t, march)).fiscalYear).toBe(2026);
    expect((await loadProposal(t, april)).fiscalYear).toBe(2027);
    const page = await office.get(`/calls/${marchCall}`);
    expect(page.text).toContain('2026年度（令和8年度）');
    expect(page.text).toContain('提案件数</dt><dd>2件');
  });
});
