import {
  ACTORS,
  availableActions,
  canMoveImplementation,
  decisionAction,
  IMPLEMENTATION_STATUSES,
  implementationAfterDecision,
  nextStatus,
  PROPOSAL_ACTIONS,
  PROPOSAL_STATUSES,
  refusalReason,
} from '../../src/proposals/proposal-state-machine';

/**
 * The allowed moves written out by hand from ../shared/DOMAIN.md, independently of the module's table:
 * "state action actor → next". Every other combination must be refused.
 */
const ALLOWED = `
draft save_draft proposer draft
returned save_draft proposer returned
draft submit proposer submitted
returned submit proposer submitted
draft withdraw proposer withdrawn
submitted withdraw proposer withdrawn
returned withdraw proposer withdrawn
under_review withdraw proposer withdrawn
awaiting_decision withdraw proposer withdrawn
continued withdraw proposer withdrawn
submitted accept office under_review
submitted not_accept office not_accepted
submitted return office returned
under_review reroute office under_review
awaiting_decision reroute office under_review
under_review give_opinion reviewer under_review
under_review give_opinion office under_review
under_review complete_opinions system awaiting_decision
awaiting_decision decide office decided
awaiting_decision continue office continued
continued decide office decided
continued continue office continued
decided correct_decision office decided
`
  .trim()
  .split('\n')
  .map((line) => line.split(' '));

const expected = new Map(ALLOWED.map(([from, action, actor, to]) => [`${from} ${action} ${actor}`, to]));

describe('proposal state machine', () => {
  const combinations = PROPOSAL_STATUSES.flatMap((from) => PROPOSAL_ACTIONS.flatMap((action) => ACTORS.map((actor) => [from, action, actor] as const)));

  it('covers every combination of state, action and actor', () => {
    expect(combinations).toHaveLength(PROPOSAL_STATUSES.length * PROPOSAL_ACTIONS.length * ACTORS.length);
    expect(combinations.length).toBe(9 * 12 * 4);
  });

  it.each(combinations)('%s + %s by %s', (from, action, actor) => {
    expect(nextStatus(from, action, actor)).toBe(expected.get(`${from} ${action} ${actor}`) ?? null);
  });

  it('has no way out of the terminal states', () => {
    for (const terminal of ['not_accepted', 'withdrawn'] as const) {
      expect(availableActions(terminal, ACTORS)).toEqual([]);
    }
    expect(availableActions('decided', ACTORS)).toEqual(['correct_decision']);
  });

  it('lists the actions a proposer may take on a draft', () => {
    expect(availableActions('draft', ['proposer'])).toEqual(['save_draft', 'submit', 'withdraw']);
    expect(availableActions('draft', ['office'])).toEqual([]);
  });

  it('explains a refusal by state or by who may act', () => {
    expect(refusalReason('decided', 'withdraw', ['proposer'])).toContain('「決定」のため、「取下げ」はできません');
    expect(refusalReason('submitted', 'accept', ['proposer'])).toContain('改革推進課だけ');
    expect(refusalReason('submitted', 'accept', [])).toContain('権限がありません');
  });

  it('maps 継続検討 to the continue action and the rest to decide', () => {
    expect(decisionAction('continued')).toBe('continue');
    for (const d of ['adopted', 'partially_adopted', 'rejected', 'already_implemented'] as const) expect(decisionAction(d)).toBe('decide');
  });

  it('starts the implementation track per the counting rules', () => {
    expect(implementationAfterDecision('adopted')).toBe('not_started');
    expect(implementationAfterDecision('partially_adopted')).toBe('not_started');
    expect(implementationAfterDecision('already_implemented')).toBe('implemented');
    expect(implementationAfterDecision('rejected')).toBeNull();
    expect(implementationAfterDecision('continued')).toBeNull();
  });

  const moves = `not_started in_progress
not_started implemented
not_started abandoned
in_progress implemented
in_progress abandoned`.split('\n');
  it.each(IMPLEMENTATION_STATUSES.flatMap((from) => IMPLEMENTATION_STATUSES.map((to) => [from, to] as const)))('implementation %s → %s', (from, to) => {
    expect(canMoveImplementation(from, to)).toBe(moves.includes(`${from} ${to}`));
  });
});
