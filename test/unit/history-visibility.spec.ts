import { HISTORY_VISIBILITY, historyText } from '../../src/proposals/history-visibility';
import { proposalStages } from '../../src/proposals/proposal-view.service';
import { PROPOSAL_ACTIONS } from '../../src/proposals/proposal-state-machine';

describe('history visibility', () => {
  it('has a rule for every kind of step', () => {
    expect(Object.keys(HISTORY_VISIBILITY).sort()).toEqual([...PROPOSAL_ACTIONS, 'implementation', 'imported', 'coproposal', 'award'].sort());
  });

  it('keeps an opinion (outcome and text) and the office comments and reasons internal', () => {
    const internalComment = Object.entries(HISTORY_VISIBILITY)
      .filter(([, rule]) => rule.comment === 'internal')
      .map(([action]) => action)
      .sort();
    expect(internalComment).toEqual(['accept', 'continue', 'correct_decision', 'decide', 'give_opinion', 'reroute']);
    expect(HISTORY_VISIBILITY.give_opinion.detail).toBe('internal');
    // written for the proposer
    for (const action of ['return', 'not_accept', 'withdraw'] as const) expect(HISTORY_VISIBILITY[action].comment).toBe('public');
  });

  it('gives a reader without the right only the public part, and nothing of the internal one', () => {
    const opinion = { action: 'give_opinion' as const, detail: '市民課の意見: 採用', comment: '実施できます' };
    expect(historyText(opinion, false)).toEqual({ detail: null, comment: null, internal: null });
    expect(historyText(opinion, true)).toEqual({ detail: null, comment: null, internal: { detail: '市民課の意見：採用', comment: '実施できます' } });
    const decision = { action: 'decide' as const, detail: '採否: 採用', comment: '費用対効果が高い' };
    expect(historyText(decision, false)).toEqual({ detail: '採否：採用', comment: null, internal: null });
    expect(historyText({ action: 'return', detail: null, comment: '効果を具体的に' }, false).comment).toBe('効果を具体的に');
  });

  it('writes older ISO dates and half-width colons the way every page does', () => {
    const accept = { action: 'accept' as const, detail: '主管課: 市民課（回答期限 2027-01-02）', comment: null };
    expect(historyText(accept, false).detail).toBe('主管課：市民課（回答期限 2027年1月2日）');
    expect(historyText(accept, true).internal).toBeNull();
  });
});

describe('the stage indicator', () => {
  const states = (status: string, decision: string | null = null, implementationStatus: string | null = null) =>
    proposalStages({ status, decision, implementationStatus } as Parameters<typeof proposalStages>[0])
      .map((s) => `${s.label}:${s.state}`)
      .join(' ');

  it.each([
    ['draft', null, null, '提出:current 受理・回付:todo 意見:todo 採否:todo 実施:todo'],
    ['submitted', null, null, '提出:done 受理・回付:current 意見:todo 採否:todo 実施:todo'],
    ['not_accepted', null, null, '提出:done 受理・回付:done 意見:skipped 採否:skipped 実施:skipped'],
    ['under_review', null, null, '提出:done 受理・回付:done 意見:current 採否:todo 実施:todo'],
    ['continued', 'continued', null, '提出:done 受理・回付:done 意見:done 採否:current 実施:todo'],
    ['decided', 'rejected', null, '提出:done 受理・回付:done 意見:done 採否:done 実施:skipped'],
    ['decided', 'adopted', 'in_progress', '提出:done 受理・回付:done 意見:done 採否:done 実施:current'],
    ['decided', 'already_implemented', 'implemented', '提出:done 受理・回付:done 意見:done 採否:done 実施:done'],
    ['withdrawn', null, null, '提出:skipped 受理・回付:skipped 意見:skipped 採否:skipped 実施:skipped'],
  ])('%s %s %s', (status, decision, implementation, expected) => {
    expect(states(status, decision, implementation)).toBe(expected);
  });
});
