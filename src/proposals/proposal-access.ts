import type { Role } from '../users/roles';
import { Actor, ADOPTED_CASE_DECISIONS, Decision, ProposalStatus } from './proposal-state-machine';

/** What the access rules need to know about a user. */
export interface Viewer {
  id: number;
  roles: readonly Role[];
  divisionId: number | null;
}

/** A row of proposal_coproposers: invited (招待中, not yet answered) or accepted (共同提案者). Declining deletes the row. */
export type CoproposerStatus = 'invited' | 'accepted';

/** What the access rules need to know about a proposal. */
export interface ProposalFacts {
  proposerId: number;
  /** Co-proposers who accepted: authors of the proposal with the proposer. */
  coproposerIds: readonly number[];
  /**
   * Colleagues named by the proposer who have not answered yet (招待中). They may read the proposal,
   * to decide, and answer the invitation; they are not authors: not shown as such, not told of its
   * progress, not counted as proposing it.
   */
  invitedIds: readonly number[];
  status: ProposalStatus;
  decision: Decision | null;
  /** Divisions the proposal is routed to now. */
  activeRoutingDivisionIds: readonly number[];
  /**
   * Divisions that take part: routed now, or routed until they answered (the decision ends every
   * routing, and a division keeps seeing what it gave an opinion on). A division routed by mistake
   * and removed before it answered is not among them: it loses the proposal and its internal text.
   * SQL form: ROUTED_DIVISION_SQL below.
   */
  routedDivisionIds: readonly number[];
  leadDivisionId: number | null;
  /**
   * The judges of blind review rounds (氏名・所属を秘して) not yet closed that score this proposal: an
   * adopted case is not open to them, since it names the proposer and the division. Loaded only for
   * adopted cases (nobody else's access depends on it). SQL form: blindJudgeSql below.
   */
  blindJudgeIds: readonly number[];
}

/** An adopted case is open to every signed-in user, so good ideas spread (横展開). */
export const isAdoptedCase = (p: Pick<ProposalFacts, 'status' | 'decision'>): boolean =>
  p.status === 'decided' && p.decision !== null && ADOPTED_CASE_DECISIONS.includes(p.decision);

const isProposer = (v: Viewer, p: ProposalFacts) => v.id === p.proposerId;
const isCoproposer = (v: Viewer, p: ProposalFacts) => p.coproposerIds.includes(v.id);
/** Invited and not yet answered. */
export const isInvited = (v: Pick<Viewer, 'id'>, p: Pick<ProposalFacts, 'invitedIds'>): boolean => p.invitedIds.includes(v.id);
/** The proposer and the co-proposers who accepted. */
export const isAuthor = (v: Pick<Viewer, 'id'>, p: Pick<ProposalFacts, 'proposerId' | 'coproposerIds'>): boolean =>
  v.id === p.proposerId || p.coproposerIds.includes(v.id);
const isReviewerOf = (v: Viewer, divisionIds: readonly number[]) => v.roles.includes('reviewer') && v.divisionId !== null && divisionIds.includes(v.divisionId);

/**
 * Who may see a proposal. Drafts are the proposer's own until submitted (and their co-proposers', and
 * the colleagues invited to be, who need to read it to answer); anything a user may not see is answered
 * as "not found", so its existence is not revealed. The same rule as SQL, for lists, is visibleWhere
 * below: change one, change the other (test/e2e/visibility-rule.e2e-spec.ts holds them equal).
 */
export function canView(v: Viewer, p: ProposalFacts): boolean {
  if (isProposer(v, p) || isCoproposer(v, p) || isInvited(v, p)) return true;
  if (p.status === 'draft') return false;
  if (v.roles.includes('office') || v.roles.includes('admin')) return true;
  if (isReviewerOf(v, p.routedDivisionIds)) return true;
  return isAdoptedCase(p) && !p.blindJudgeIds.includes(v.id);
}

/**
 * "The user :me judges a blind round, not yet closed, that this proposal (alias `p`) is entered in", as
 * SQL; the parameters are BLIND_JUDGE_PARAMS and `me`.
 */
export const blindJudgeSql = (p: string): string =>
  `EXISTS (SELECT 1 FROM judging_entries je JOIN judging_rounds jr ON jr.id = je.round_id JOIN judging_judges jj ON jj.round_id = je.round_id AND jj.user_id = :me WHERE je.proposal_id = ${p}.id AND jr.blind = :blindYes AND jr.status <> :roundClosed)`;
export const BLIND_JUDGE_PARAMS = { blindYes: true, roundClosed: 'closed' } as const;

/** The routings that count for routedDivisionIds, as SQL over a routings row aliased `r`. */
export const ROUTED_DIVISION_SQL = (r: string): string => `(${r}.active = :routedYes OR ${r}.opinion_at IS NOT NULL)`;

/** A condition with its named parameters, for TypeORM's query builder. */
export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * canView as SQL over a proposals row aliased `p`: the proposer, anyone named on it (invited or
 * accepted: any row of proposal_coproposers), then for submitted proposals the office and admins, the
 * reviewers of divisions taking part (ROUTED_DIVISION_SQL), and everyone for an adopted case but its
 * judges in an unfinished blind round.
 */
export function visibleWhere(v: Viewer): SqlCondition {
  const own = 'p.proposer_id = :me OR EXISTS (SELECT 1 FROM proposal_coproposers cp WHERE cp.proposal_id = p.id AND cp.user_id = :me)';
  if (v.roles.includes('office') || v.roles.includes('admin')) return { sql: `(${own} OR p.status <> :draft)`, params: { me: v.id, draft: 'draft' } };
  const adopted = `p.status = :decided AND p.decision IN (:...adopted) AND NOT ${blindJudgeSql('p')}`;
  const params: Record<string, unknown> = { me: v.id, decided: 'decided', adopted: ADOPTED_CASE_DECISIONS, ...BLIND_JUDGE_PARAMS };
  let routed = '';
  if (v.roles.includes('reviewer') && v.divisionId !== null) {
    routed = ` OR (p.status <> :draft AND EXISTS (SELECT 1 FROM routings rv WHERE rv.proposal_id = p.id AND rv.division_id = :myDivision AND ${ROUTED_DIVISION_SQL('rv')}))`;
    Object.assign(params, { draft: 'draft', myDivision: v.divisionId, routedYes: true });
  }
  return { sql: `(${own} OR (${adopted})${routed})`, params };
}

/**
 * Who reads the internal part of a proposal (opinions and their recommended outcomes, routing comments,
 * the reasons of a decision and its corrections): the office, admins and the reviewers of the divisions
 * taking part. Never the proposer or co-proposers as such, nor other staff reading an adopted case:
 * they read the answer (回答) the office writes for them.
 */
export function canReadInternal(v: Viewer, p: ProposalFacts): boolean {
  return v.roles.includes('office') || v.roles.includes('admin') || isReviewerOf(v, p.routedDivisionIds);
}

/** The parts of the state machine this user may play on this proposal. */
export function actorsFor(v: Viewer, p: ProposalFacts): Actor[] {
  const actors: Actor[] = [];
  if (isProposer(v, p)) actors.push('proposer');
  if (v.roles.includes('office')) actors.push('office');
  if (isReviewerOf(v, p.activeRoutingDivisionIds)) actors.push('reviewer');
  return actors;
}

/** Implementation progress is reported by the lead division's reviewers, or by the office. */
export function canReportImplementation(v: Viewer, p: ProposalFacts): boolean {
  return v.roles.includes('office') || (p.leadDivisionId !== null && isReviewerOf(v, [p.leadDivisionId]));
}
