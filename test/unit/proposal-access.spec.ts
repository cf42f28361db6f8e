import { actorsFor, canReadInternal, canReportImplementation, canView, isAuthor, isInvited, ProposalFacts, Viewer } from '../../src/proposals/proposal-access';

const facts = (over: Partial<ProposalFacts> = {}): ProposalFacts => ({
  proposerId: 1,
  coproposerIds: [2],
  invitedIds: [5],
  status: 'under_review',
  decision: null,
  activeRoutingDivisionIds: [10],
  routedDivisionIds: [10, 11],
  blindJudgeIds: [],
  leadDivisionId: 10,
  ...over,
});
const viewer = (id: number, roles: Viewer['roles'], divisionId: number | null = 99): Viewer => ({ id, roles, divisionId });

describe('invited co-proposers (招待中)', () => {
  it('read the proposal, a draft included, to answer the invitation', () => {
    expect(canView(viewer(5, ['staff']), facts({ status: 'draft' }))).toBe(true);
    expect(canView(viewer(5, ['staff']), facts())).toBe(true);
    expect(isInvited(viewer(5, ['staff']), facts())).toBe(true);
  });

  it('are not authors, act in no step and read nothing internal', () => {
    expect(isAuthor(viewer(5, ['staff']), facts())).toBe(false);
    expect(isAuthor(viewer(2, ['staff']), facts())).toBe(true);
    expect(isAuthor(viewer(1, ['staff']), facts())).toBe(true);
    expect(actorsFor(viewer(5, ['staff']), facts())).toEqual([]);
    expect(canReadInternal(viewer(5, ['staff']), facts())).toBe(false);
  });

  it('lose the proposal once they are no longer invited', () => {
    expect(canView(viewer(5, ['staff']), facts({ invitedIds: [], status: 'draft' }))).toBe(false);
  });
});

describe('who sees a proposal', () => {
  it('the proposer and co-proposers see it in every state, a draft included', () => {
    expect(canView(viewer(1, ['staff']), facts({ status: 'draft' }))).toBe(true);
    expect(canView(viewer(2, ['staff']), facts({ status: 'draft' }))).toBe(true);
  });
  it('nobody else sees a draft, not even the office or an admin', () => {
    expect(canView(viewer(3, ['office']), facts({ status: 'draft' }))).toBe(false);
    expect(canView(viewer(3, ['admin']), facts({ status: 'draft' }))).toBe(false);
  });
  it('office and admin see every submitted proposal', () => {
    expect(canView(viewer(3, ['office']), facts())).toBe(true);
    expect(canView(viewer(3, ['admin']), facts({ status: 'not_accepted' }))).toBe(true);
  });
  it('a reviewer sees what was ever routed to their division, and nothing else', () => {
    expect(canView(viewer(3, ['reviewer'], 10), facts())).toBe(true);
    expect(canView(viewer(3, ['reviewer'], 11), facts())).toBe(true);
    expect(canView(viewer(3, ['reviewer'], 12), facts())).toBe(false);
    // the division alone is not enough without the reviewer role
    expect(canView(viewer(3, ['staff'], 10), facts())).toBe(false);
  });
  it('everyone sees adopted cases (採用・一部採用・既実施), but not rejected ones', () => {
    for (const decision of ['adopted', 'partially_adopted', 'already_implemented'] as const) {
      expect(canView(viewer(3, ['staff']), facts({ status: 'decided', decision }))).toBe(true);
    }
    expect(canView(viewer(3, ['staff']), facts({ status: 'decided', decision: 'rejected' }))).toBe(false);
    expect(canView(viewer(3, ['staff']), facts({ status: 'continued', decision: 'continued' }))).toBe(false);
  });
});

describe('what part a user plays', () => {
  it('gives proposer, office and reviewer parts by relation, not by role alone', () => {
    expect(actorsFor(viewer(1, ['staff']), facts())).toEqual(['proposer']);
    expect(actorsFor(viewer(2, ['staff']), facts())).toEqual([]);
    expect(actorsFor(viewer(3, ['office']), facts())).toEqual(['office']);
    expect(actorsFor(viewer(3, ['reviewer'], 10), facts())).toEqual(['reviewer']);
    // routed once but re-routed away: sees it, cannot act as reviewer
    expect(actorsFor(viewer(3, ['reviewer'], 11), facts())).toEqual([]);
  });
  it('lets only the lead division or the office report implementation', () => {
    expect(canReportImplementation(viewer(3, ['reviewer'], 10), facts())).toBe(true);
    expect(canReportImplementation(viewer(3, ['reviewer'], 11), facts())).toBe(false);
    expect(canReportImplementation(viewer(3, ['office']), facts())).toBe(true);
    expect(canReportImplementation(viewer(1, ['staff']), facts())).toBe(false);
  });
});
