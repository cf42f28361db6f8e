import TestAgent from 'supertest/lib/agent';
import { DashboardRepository } from '../../src/dashboard/dashboard.repository';
import { Notification } from '../../src/notifications/notification.entity';
import { User } from '../../src/users/user.entity';
import { createTestApp, TestApp } from '../factories/test-app';
import {
  advance,
  historyOf,
  loadProposal,
  postForm,
  proposalIdFrom,
  submitProposal,
  validProposal,
  workflowActors,
  WorkflowActors,
} from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * 共同提案 by consent (issue 10): a colleague named as co-proposer is invited, not made an author. They
 * see the proposal with 「共同提案への招待」 and accept or decline; until they accept they are shown as
 * 招待中 to those on the proposal only, and nowhere as an author (page, print page, their own lists,
 * dashboard, status notifications). Declining removes them and is kept in the history.
 */
describe('co-proposers are invited and must accept', () => {
  let t: TestApp;
  let actors: WorkflowActors;
  let proposer: TestAgent;
  let invitee: TestAgent;
  let colleague: TestAgent;
  let inviteeUser: User;

  const invitationsOf = (userId: number, proposalId: number) =>
    t.dataSource.getRepository(Notification).find({ where: { userId, proposalId }, order: { id: 'ASC' } });
  const rowsOf = async (proposalId: number) =>
    (await t.dataSource.query(`SELECT user_id, status FROM proposal_coproposers WHERE proposal_id = ${Number(proposalId)} ORDER BY user_id`)).map(
      (r: { user_id: number | string; status: string }) => ({ userId: Number(r.user_id), status: r.status }),
    );
  const summaryOf = (html: string) => /<dl class="summary">([\s\S]*?)<\/dl>/.exec(html)?.[1] ?? '';

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    actors = await workflowActors(t);
    await createUser(t, { login: 'cp-proposer', name: '提案 太郎', roles: ['staff'], divisionCode: '411' });
    inviteeUser = await createUser(t, { login: 'cp-invitee', name: '招待 花子', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'cp-colleague', name: '同僚 次郎', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'cp-disabled', name: '退職 三郎', roles: ['staff'], divisionCode: '411' });
    await t.dataSource.query(`UPDATE users SET disabled = ${t.dataSource.options.type === 'postgres' ? 'true' : '1'} WHERE login = 'cp-disabled'`);
    proposer = await signIn(t, 'cp-proposer');
    invitee = await signIn(t, 'cp-invitee');
    colleague = await signIn(t, 'cp-colleague');
  });
  afterAll(() => t.close());

  it('naming a colleague invites them: notified, shown 招待中, not an author anywhere', async () => {
    const id = await submitProposal(proposer, { title: '招待の提案', coproposers: 'cp-invitee' });
    expect(await rowsOf(id)).toEqual([{ userId: inviteeUser.id, status: 'invited' }]);

    const notes = await invitationsOf(inviteeUser.id, id);
    expect(notes).toHaveLength(1);
    expect(notes[0].message).toContain('共同提案');
    expect(notes[0].taskKey).toBe(`coproposal:${inviteeUser.id}`);

    // the invitee sees the proposal with the invitation and its two buttons
    const page = await invitee.get(`/proposals/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('共同提案への招待');
    expect(page.text).toContain(`action="/proposals/${id}/coproposal/accept"`);
    expect(page.text).toContain(`action="/proposals/${id}/coproposal/decline"`);
    expect(summaryOf(page.text)).not.toContain('<dt>共同提案者</dt>');

    // the proposer sees them as invited, not as co-proposer
    const own = await proposer.get(`/proposals/${id}`);
    expect(summaryOf(own.text)).not.toContain('<dt>共同提案者</dt>');
    expect(summaryOf(own.text)).toContain('招待中');
    expect(summaryOf(own.text)).toContain('招待 花子');
    expect((await proposer.get(`/proposals/${id}/print`)).text).not.toContain('招待 花子');

    // not their proposal yet: not in 自分の提案, not in the dashboard's counts
    expect((await invitee.get('/proposals/mine')).text).not.toContain('招待の提案');
    const counts = await t.app.get(DashboardRepository).myStatusCounts(inviteeUser.id);
    expect(counts.get('submitted') ?? 0).toBe(0);

    // status news goes to authors only
    await advance(t, actors, id, 'under_review');
    expect((await invitationsOf(inviteeUser.id, id)).filter((n) => n.kind === 'status' && !n.taskKey)).toHaveLength(0);
  });

  it('accepting makes them a co-proposer, in the history, and resolves the invitation', async () => {
    const id = await submitProposal(proposer, { title: '承諾する提案', coproposers: '招待 花子' });
    const accepted = await postForm(invitee, `/proposals/${id}/coproposal/accept`, {}, `/proposals/${id}`);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.location).toBe(`/proposals/${id}`);
    expect(await rowsOf(id)).toEqual([{ userId: inviteeUser.id, status: 'accepted' }]);
    expect((await invitationsOf(inviteeUser.id, id))[0].resolvedAt).not.toBeNull();

    const page = await invitee.get(`/proposals/${id}`);
    expect(summaryOf(page.text)).toContain('<dt>共同提案者</dt>');
    expect(summaryOf(page.text)).toContain('招待 花子');
    expect(page.text).not.toContain(`action="/proposals/${id}/coproposal/accept"`);
    expect((await proposer.get(`/proposals/${id}/print`)).text).toContain('招待 花子');
    expect((await invitee.get('/proposals/mine')).text).toContain('承諾する提案');
    expect((await historyOf(t, id)).some((h) => (h.action as string) === 'coproposal' && (h.detail ?? '').includes('参加'))).toBe(true);

    // and from now on they hear of its progress
    await advance(t, actors, id, 'under_review');
    expect((await invitationsOf(inviteeUser.id, id)).some((n) => n.kind === 'status' && !n.taskKey)).toBe(true);
  });

  it('an accepted co-proposer stays one when the proposer saves the draft again', async () => {
    const created = await postForm(
      proposer,
      '/proposals',
      { ...validProposal({ title: '保存し直す下書き', coproposers: 'cp-invitee' }), intent: 'draft' },
      '/proposals/new',
    );
    const id = proposalIdFrom(created.headers.location);
    expect((await postForm(invitee, `/proposals/${id}/coproposal/accept`, {}, `/proposals/${id}`)).status).toBe(303);
    const { version } = await loadProposal(t, id);
    const saved = await postForm(
      proposer,
      `/proposals/${id}`,
      { ...validProposal({ title: '保存し直す下書き', coproposers: 'cp-invitee, cp-colleague' }), intent: 'draft', version: String(version) },
      `/proposals/${id}/edit`,
    );
    expect(saved.status).toBe(303);
    const colleagueId = (await t.dataSource.getRepository(User).findOneByOrFail({ login: 'cp-colleague' })).id;
    expect(await rowsOf(id)).toEqual(
      [
        { userId: inviteeUser.id, status: 'accepted' },
        { userId: colleagueId, status: 'invited' },
      ].sort((a, b) => a.userId - b.userId),
    );
    // and the colleague who was invited can see the draft to decide
    expect((await colleague.get(`/proposals/${id}`)).text).toContain('共同提案への招待');
  });

  it('declining removes them, is kept in the history, and the proposal is gone for them', async () => {
    const created = await postForm(
      proposer,
      '/proposals',
      { ...validProposal({ title: '辞退する下書き', coproposers: 'cp-invitee' }), intent: 'draft' },
      '/proposals/new',
    );
    const id = proposalIdFrom(created.headers.location);
    const declined = await postForm(invitee, `/proposals/${id}/coproposal/decline`, {}, `/proposals/${id}`);
    expect(declined.status).toBe(303);
    expect(await rowsOf(id)).toEqual([]);
    expect((await invitee.get(`/proposals/${id}`)).status).toBe(404);
    const history = await historyOf(t, id);
    expect(history.some((h) => (h.action as string) === 'coproposal' && (h.detail ?? '').includes('辞退'))).toBe(true);
    const page = await proposer.get(`/proposals/${id}`);
    expect(page.text).toContain('招待 花子');
    expect(page.text).toContain('辞退');
    expect((await invitationsOf(inviteeUser.id, id))[0].resolvedAt).not.toBeNull();
  });

  it('a co-proposer who accepted can leave later', async () => {
    const id = await submitProposal(proposer, { title: '途中で抜ける提案', coproposers: 'cp-invitee' });
    await postForm(invitee, `/proposals/${id}/coproposal/accept`, {}, `/proposals/${id}`);
    expect((await postForm(invitee, `/proposals/${id}/coproposal/decline`, {}, `/proposals/${id}`)).status).toBe(303);
    expect(await rowsOf(id)).toEqual([]);
    expect((await invitee.get('/proposals/mine')).text).not.toContain('途中で抜ける提案');
  });

  it('only the invited person answers an invitation', async () => {
    const id = await submitProposal(proposer, { title: '他人は答えられない', coproposers: 'cp-invitee' });
    // a colleague with no part in it: not found, as for any proposal they may not see
    expect((await postForm(colleague, `/proposals/${id}/coproposal/accept`, {}, '/')).status).toBe(404);
    // the proposer is not invited to their own proposal
    const own = await postForm(proposer, `/proposals/${id}/coproposal/accept`, {}, '/');
    expect(own.status).toBe(409);
    expect(own.text).toContain('招待');
    expect(await rowsOf(id)).toEqual([{ userId: inviteeUser.id, status: 'invited' }]);
  });

  it('an adopted case shows accepted co-proposers only, to colleagues too', async () => {
    const id = await submitProposal(proposer, { title: '採用される共同提案', coproposers: 'cp-invitee, cp-colleague' });
    await postForm(colleague, `/proposals/${id}/coproposal/accept`, {}, `/proposals/${id}`);
    await advance(t, actors, id, 'decided');
    const other = await signIn(t, (await createUser(t, { roles: ['staff'], divisionCode: '411' })).login);
    const page = await other.get(`/proposals/${id}`);
    expect(page.status).toBe(200);
    expect(summaryOf(page.text)).toContain('同僚 次郎');
    expect(page.text).not.toContain('招待 花子');
    expect((await other.get(`/proposals/${id}/print`)).text).not.toContain('招待 花子');
  });

  it('the field says the same for a disabled account as for one that does not exist', async () => {
    const disabled = await postForm(proposer, '/proposals', { ...validProposal({ coproposers: 'cp-disabled' }), intent: 'draft' }, '/proposals/new');
    const unknown = await postForm(proposer, '/proposals', { ...validProposal({ coproposers: 'cp-nobody' }), intent: 'draft' }, '/proposals/new');
    expect(disabled.status).toBe(422);
    expect(unknown.status).toBe(422);
    const message = (res: { text: string }, entry: string) => new RegExp(`「${entry}」[^<]*`).exec(res.text)?.[0].replace(entry, 'X');
    expect(message(disabled, 'cp-disabled')).toBe(message(unknown, 'cp-nobody'));
    const byName = await postForm(proposer, '/proposals', { ...validProposal({ coproposers: '退職 三郎' }), intent: 'draft' }, '/proposals/new');
    expect(message(byName, '退職 三郎')).toBe(message(unknown, 'cp-nobody'));
  });
});
