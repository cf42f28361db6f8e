/**
 * The life of a proposal as one table, with no I/O (see ../shared/DOMAIN.md):
 *
 *   下書き ─提出→ 受付待ち ─受理・回付→ 所管課検討中 ─全意見そろう→ 審査待ち ─採否決定→ 決定
 *     ▲            │  │                                                   └→ 継続検討 ─採否決定→ 決定
 *     └─差戻し────┘  └─不受理
 *   取下げ: by the proposer at any point before the decision.
 *
 * The services ask this module whether an action is allowed and what the next state is, then apply it
 * with a compare-and-set on status and version.
 */

export const PROPOSAL_STATUSES = [
  'draft',
  'submitted',
  'returned',
  'not_accepted',
  'under_review',
  'awaiting_decision',
  'continued',
  'decided',
  'withdrawn',
] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export const STATUS_LABELS: Record<ProposalStatus, string> = {
  draft: '下書き',
  submitted: '受付待ち',
  returned: '差戻し',
  not_accepted: '不受理',
  under_review: '所管課検討中',
  awaiting_decision: '審査待ち',
  continued: '継続検討',
  decided: '決定',
  withdrawn: '取下げ',
};

export const PROPOSAL_ACTIONS = [
  'save_draft',
  'submit',
  'withdraw',
  'accept',
  'not_accept',
  'return',
  'reroute',
  'give_opinion',
  'complete_opinions',
  'decide',
  'continue',
  'correct_decision',
] as const;
export type ProposalAction = (typeof PROPOSAL_ACTIONS)[number];

export const ACTION_LABELS: Record<ProposalAction, string> = {
  save_draft: '下書き保存',
  submit: '提出',
  withdraw: '取下げ',
  accept: '受理・回付',
  not_accept: '不受理',
  return: '差戻し',
  reroute: '回付先・回答期限の変更',
  give_opinion: '所管課意見',
  complete_opinions: '全意見そろう',
  decide: '採否決定',
  continue: '継続検討',
  correct_decision: '採否の訂正',
};

/**
 * How the acting person relates to the proposal. Not the same as a role: a reviewer is a "reviewer"
 * only for proposals routed to their division; "system" is the application acting on its own.
 */
export const ACTORS = ['proposer', 'office', 'reviewer', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

type Transition = { from: ProposalStatus; action: ProposalAction; actor: Actor; to: ProposalStatus };

const BEFORE_DECISION: ProposalStatus[] = ['draft', 'submitted', 'returned', 'under_review', 'awaiting_decision', 'continued'];

/** Every allowed (state, action, actor) → next state. Anything not listed is refused. */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'draft', action: 'save_draft', actor: 'proposer', to: 'draft' },
  { from: 'returned', action: 'save_draft', actor: 'proposer', to: 'returned' },
  { from: 'draft', action: 'submit', actor: 'proposer', to: 'submitted' },
  { from: 'returned', action: 'submit', actor: 'proposer', to: 'submitted' },
  ...BEFORE_DECISION.map((from): Transition => ({ from, action: 'withdraw', actor: 'proposer', to: 'withdrawn' })),

  { from: 'submitted', action: 'accept', actor: 'office', to: 'under_review' },
  { from: 'submitted', action: 'not_accept', actor: 'office', to: 'not_accepted' },
  { from: 'submitted', action: 'return', actor: 'office', to: 'returned' },
  { from: 'under_review', action: 'reroute', actor: 'office', to: 'under_review' },
  { from: 'awaiting_decision', action: 'reroute', actor: 'office', to: 'under_review' },

  { from: 'under_review', action: 'give_opinion', actor: 'reviewer', to: 'under_review' },
  // 代理入力: the office records a division's opinion on its behalf (a 課 without a reviewer, an answer by phone)
  { from: 'under_review', action: 'give_opinion', actor: 'office', to: 'under_review' },
  { from: 'under_review', action: 'complete_opinions', actor: 'system', to: 'awaiting_decision' },

  { from: 'awaiting_decision', action: 'decide', actor: 'office', to: 'decided' },
  { from: 'awaiting_decision', action: 'continue', actor: 'office', to: 'continued' },
  { from: 'continued', action: 'decide', actor: 'office', to: 'decided' },
  { from: 'continued', action: 'continue', actor: 'office', to: 'continued' },
  { from: 'decided', action: 'correct_decision', actor: 'office', to: 'decided' },
];

const index = new Map(TRANSITIONS.map((t) => [`${t.from}|${t.action}|${t.actor}`, t.to]));

/** The next state, or null when the action is not allowed for this actor in this state. */
export function nextStatus(from: ProposalStatus, action: ProposalAction, actor: Actor): ProposalStatus | null {
  return index.get(`${from}|${action}|${actor}`) ?? null;
}

/** The actions an actor may take now, for showing only the buttons that will work. */
export function availableActions(from: ProposalStatus, actors: readonly Actor[]): ProposalAction[] {
  return PROPOSAL_ACTIONS.filter((action) => actors.some((actor) => nextStatus(from, action, actor) !== null));
}

/** Why an action is refused, in words for the person who tried it. */
export function refusalReason(from: ProposalStatus, action: ProposalAction, actors: readonly Actor[]): string {
  const anyone = ACTORS.some((actor) => nextStatus(from, action, actor) !== null);
  if (!anyone) {
    return `この提案は現在「${STATUS_LABELS[from]}」のため、「${ACTION_LABELS[action]}」はできません。`;
  }
  const allowedActor = ACTORS.find((actor) => nextStatus(from, action, actor) !== null)!;
  const who: Record<Actor, string> = { proposer: '提案者', office: '改革推進課', reviewer: '回付先の所管課', system: 'システム' };
  return actors.length ? `「${ACTION_LABELS[action]}」は${who[allowedActor]}だけが行えます。` : `「${ACTION_LABELS[action]}」を行う権限がありません。`;
}

// --- decisions (採否) ---

export const DECISIONS = ['adopted', 'partially_adopted', 'rejected', 'already_implemented', 'continued'] as const;
export type Decision = (typeof DECISIONS)[number];
export const DECISION_LABELS: Record<Decision, string> = {
  adopted: '採用',
  partially_adopted: '一部採用',
  rejected: '不採用',
  already_implemented: '既実施',
  continued: '継続検討',
};
/** Outcomes shown to everyone as adopted cases (横展開). */
export const ADOPTED_CASE_DECISIONS: readonly Decision[] = ['adopted', 'partially_adopted', 'already_implemented'];

/** 継続検討 keeps the proposal open; every other outcome closes the decision. */
export const decisionAction = (decision: Decision): ProposalAction => (decision === 'continued' ? 'continue' : 'decide');

export const NOT_ACCEPTED_REASONS = ['complaint_only', 'unclear', 'duplicate', 'other'] as const;
export type NotAcceptedReason = (typeof NOT_ACCEPTED_REASONS)[number];
export const NOT_ACCEPTED_REASON_LABELS: Record<NotAcceptedReason, string> = {
  complaint_only: '苦情・要望にとどまる',
  unclear: '内容が不明確',
  duplicate: '同一・類似の提案あり',
  other: 'その他',
};

// --- implementation (実施状況), a separate track for 採用 and 一部採用 ---

export const IMPLEMENTATION_STATUSES = ['not_started', 'in_progress', 'implemented', 'abandoned'] as const;
export type ImplementationStatus = (typeof IMPLEMENTATION_STATUSES)[number];
export const IMPLEMENTATION_LABELS: Record<ImplementationStatus, string> = {
  not_started: '未着手',
  in_progress: '実施中',
  implemented: '実施済',
  abandoned: '断念',
};

const IMPLEMENTATION_MOVES: Record<ImplementationStatus, ImplementationStatus[]> = {
  not_started: ['in_progress', 'implemented', 'abandoned'],
  in_progress: ['implemented', 'abandoned'],
  implemented: [],
  abandoned: [],
};

export const canMoveImplementation = (from: ImplementationStatus, to: ImplementationStatus): boolean => IMPLEMENTATION_MOVES[from].includes(to);

/**
 * The implementation status a decision starts: 採用・一部採用 start at 未着手; 既実施 counts as 実施済
 * from the moment of the decision; other outcomes have no implementation track.
 */
export function implementationAfterDecision(decision: Decision): ImplementationStatus | null {
  if (decision === 'adopted' || decision === 'partially_adopted') return 'not_started';
  if (decision === 'already_implemented') return 'implemented';
  return null;
}
