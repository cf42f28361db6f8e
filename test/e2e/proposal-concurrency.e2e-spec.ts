import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { createTestApp, TestApp } from '../factories/test-app';
import { advance, historyOf, loadProposal, postForm, submitProposal } from '../factories/proposals';
import { createUser, csrfToken, seedDemo, signIn } from '../factories/users';

/** Two people acting on the same proposal at the same moment: exactly one wins, nothing is lost or doubled. */
describe('concurrent actions on one proposal', () => {
  let t: TestApp;
  let staff: TestAgent;
  let officeA: TestAgent;
  let officeB: TestAgent;
  let reviewer: TestAgent;
  let shimin: Division;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    shimin = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' });
    await createUser(t, { login: 'staff-c', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'office-a', roles: ['office'], divisionCode: '121' });
    await createUser(t, { login: 'office-b', roles: ['office'], divisionCode: '121' });
    await createUser(t, { login: 'rev-c', roles: ['reviewer'], divisionCode: '211' });
    staff = await signIn(t, 'staff-c');
    officeA = await signIn(t, 'office-a');
    officeB = await signIn(t, 'office-b');
    reviewer = await signIn(t, 'rev-c');
  });
  afterAll(() => t.close());

  async function awaitingDecision(title: string): Promise<number> {
    const id = await submitProposal(staff, { title });
    await advance(t, { office: officeA, reviewer, divisionId: shimin.id }, id, 'awaiting_decision', {
      dueOn: addDays(jstDateString(new Date()), 10),
      opinionText: '賛成',
    });
    expect((await loadProposal(t, id)).status).toBe('awaiting_decision');
    return id;
  }

  it('two different decisions sent at once: one is stored, the other gets a 409 page with the current state', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await awaitingDecision(`同時決定 ${round}`);
      const version = String((await loadProposal(t, id)).version);
      const [tokenA, tokenB] = await Promise.all([csrfToken(officeA, `/proposals/${id}`), csrfToken(officeB, `/proposals/${id}`)]);
      const [a, b] = await Promise.all([
        officeA
          .post(`/proposals/${id}/decision`)
          .type('form')
          .send({ confirm: 'on', _csrf: tokenA, version, decision: 'adopted', reason: 'A', answer: 'A の回答' }),
        officeB
          .post(`/proposals/${id}/decision`)
          .type('form')
          .send({ confirm: 'on', _csrf: tokenB, version, decision: 'rejected', reason: 'B', answer: 'B の回答' }),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([303, 409]);
      const loser = a.status === 409 ? a : b;
      expect(loser.text).toContain('ほかの人が先にこの提案を操作した');
      expect(loser.text).toContain('現在の状態は「決定」');
      expect(loser.text).toContain(`/proposals/${id}`);

      const p = await loadProposal(t, id);
      const winner = a.status === 303 ? 'adopted' : 'rejected';
      expect(p.decision).toBe(winner);
      expect(p.answer).toBe(winner === 'adopted' ? 'A の回答' : 'B の回答');
      expect((await historyOf(t, id)).filter((h) => h.action === 'decide')).toHaveLength(1);
    }
  });

  it('a stale page (an old version) is refused even when the action would fit the current state', async () => {
    const id = await submitProposal(staff, { title: '古い画面からの操作' });
    const stale = String((await loadProposal(t, id)).version);
    await postForm(staff, `/proposals/${id}/withdraw`, { confirm: 'on', version: stale });
    const res = await postForm(officeA, `/proposals/${id}/return`, { confirm: 'on', version: stale, comment: '直してください' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('現在の状態は「取下げ」');
    expect((await loadProposal(t, id)).status).toBe('withdrawn');
  });

  it('many submissions at once get distinct, gap-free numbers within the fiscal year', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => submitProposal(staff, { title: `同時提出 ${i}` })));
    const numbers = await Promise.all(ids.map(async (id) => (await loadProposal(t, id)).number!));
    expect(new Set(numbers).size).toBe(12);
    const all = (await t.dataSource.query('SELECT number FROM proposals WHERE number IS NOT NULL')) as { number: string }[];
    const sequence = all.map((r) => Number(r.number.split('-')[1])).sort((x, y) => x - y);
    expect(sequence).toEqual(Array.from({ length: sequence.length }, (_, i) => i + 1));
  });
});
