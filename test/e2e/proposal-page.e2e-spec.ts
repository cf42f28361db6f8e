import TestAgent from 'supertest/lib/agent';
import { createTestApp, TestApp } from '../factories/test-app';
import { advance, loadProposal, postForm, submitProposal, validProposal, workflowActors, WorkflowActors } from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

/** The `<details>` action panels of a proposal page: [summary text, open?]. */
const panels = (html: string): [string, boolean][] =>
  [...html.matchAll(/<details class="action-panel"[^>]*?( open)?>\s*<summary><h2[^>]*>([^<]+)<\/h2>/g)].map((m) => [m[2], Boolean(m[1])]);

const stages = (html: string): string[] => [...html.matchAll(/<li class="stages__item stages__item--(\w+)"[^>]*>([^<]+)</g)].map((m) => `${m[2]}:${m[1]}`);

describe('the proposal page and form, as people meet them', () => {
  let t: TestApp;
  let staff: TestAgent;
  let actors: WorkflowActors;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    await createUser(t, { login: 'p-staff', roles: ['staff'], divisionCode: '411' });
    staff = await signIn(t, 'p-staff');
    actors = await workflowActors(t);
  });
  afterAll(() => t.close());

  it('shows where the proposal stands and opens only the form that fits now', async () => {
    const id = await submitProposal(staff);
    let page = await actors.office.get(`/proposals/${id}`);
    expect(stages(page.text)).toEqual(['提出:done', '受理・回付:current', '意見:todo', '採否:todo', '実施:todo']);
    expect(panels(page.text)).toEqual([
      ['受理・回付', true],
      ['不受理', false],
      ['差戻し', false],
    ]);

    await advance(t, actors, id, 'decided');
    page = await actors.office.get(`/proposals/${id}`);
    expect(stages(page.text)).toEqual(['提出:done', '受理・回付:done', '意見:done', '採否:done', '実施:current']);
    // a decided proposal: the office's forms are there, all closed
    expect(panels(page.text).map(([title]) => title)).toEqual(['採否の訂正', '実施状況の報告']);
    expect(panels(page.text).every(([, open]) => !open)).toBe(true);
    // the lead division's reviewer is asked for the implementation
    const reviewerPage = await actors.reviewer.get(`/proposals/${id}`);
    expect(panels(reviewerPage.text)).toEqual([['実施状況の報告', true]]);
    // the proposer: no forms at all
    expect(panels((await staff.get(`/proposals/${id}`)).text)).toEqual([]);
  });

  it('opens the refused form again with its messages', async () => {
    const id = await submitProposal(staff);
    const res = await postForm(actors.office, `/proposals/${id}/return`, { version: String((await loadProposal(t, id)).version), comment: '' });
    expect(res.status).toBe(422);
    expect(panels(res.text)).toEqual([
      ['受理・回付', false],
      ['不受理', false],
      ['差戻し', true],
    ]);
    // both problems of the form at once, each naming what it is about
    expect(res.text).toContain('提案者へのコメント（修正してほしい点）を入力してください。');
    expect(res.text).toContain('「提案者に差し戻します」にチェックを入れてください。');
  });

  it('reports every missing part of a submission at once, and keeps what was typed', async () => {
    const res = await postForm(
      staff,
      '/proposals',
      { ...validProposal({ categoryId: '', currentProblem: '', proposalText: '', expectedEffect: '', coproposers: 'no-such-person' }), intent: 'submit' },
      '/proposals/new',
    );
    expect(res.status).toBe(422);
    for (const message of [
      '提案分野を選んでください。',
      '現状・課題を入力してください。',
      '提案内容を入力してください。',
      '期待される効果を入力してください。',
    ]) {
      expect(res.text).toContain(message);
    }
    expect(res.text).toContain(validProposal().title);
    // the co-proposer problem comes with the rest once the form itself is complete, together with a bad category
    const second = await postForm(
      staff,
      '/proposals',
      { ...validProposal({ categoryId: '999999', coproposers: 'no-such-person' }), intent: 'submit' },
      '/proposals/new',
    );
    expect(second.status).toBe(422);
    expect(second.text).toContain('「no-such-person」に当たる職員が見つかりません');
    expect(second.text).toContain('提案分野を選び直してください。');
    // a draft may be incomplete
    const draft = await postForm(staff, '/proposals', { ...validProposal({ categoryId: '', currentProblem: '' }), intent: 'draft' }, '/proposals/new');
    expect(draft.status).toBe(303);
  });

  it('shows the office comment above the form of a returned proposal, and the amounts as typed', async () => {
    const id = await submitProposal(staff, { estimatedYen: '1,200,000', estimatedHours: '1500' });
    await postForm(actors.office, `/proposals/${id}/return`, {
      version: String((await loadProposal(t, id)).version),
      comment: '効果の根拠を書いてください',
      confirm: 'on',
    });
    const edit = await staff.get(`/proposals/${id}/edit`);
    expect(edit.status).toBe(200);
    const note = edit.text.slice(edit.text.indexOf('data-testid="returned-comment"'), edit.text.indexOf(`action="/proposals/${id}"`));
    expect(note).toContain('効果の根拠を書いてください');
    expect(edit.text).toContain('value="1,200,000"');
    expect(edit.text).toContain('value="1,500"');
    expect(edit.text).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b/);
  });
});
