import { formatDateLabel } from '../common/jst';
import type { ProposalHistoryEntry } from './proposal-history.entity';
import type { ProposalAction } from './proposal-state-machine';

export type HistoryAction = ProposalHistoryEntry['action'];

/** Which of an entry's two written parts — the step's `detail` and the person's `comment` — are internal. */
interface HistoryRule {
  detail: 'public' | 'internal';
  comment: 'public' | 'internal';
}

const PUBLIC: HistoryRule = { detail: 'public', comment: 'public' };
/** The step is public (受理・回付 to whom, 採否: 採用); what the office wrote alongside is for the divisions. */
const INTERNAL_COMMENT: HistoryRule = { detail: 'public', comment: 'internal' };

/**
 * The visibility part of the history model. Every entry has a public part — who, when, which step,
 * from which state to which — that everyone who may see the proposal reads. Its written parts are
 * public or internal by the kind of step, as listed here; a new kind of step does not compile until it
 * is listed. Internal parts are read only by those canReadInternal() allows (proposal-access.ts).
 *
 * Public on purpose: the not-accept reason and comment and the return comment (written for the
 * proposer), the proposer's own withdrawal reason, implementation progress (also shown on the page).
 */
export const HISTORY_VISIBILITY: Record<HistoryAction, HistoryRule> = {
  save_draft: PUBLIC,
  submit: PUBLIC,
  withdraw: PUBLIC,
  accept: INTERNAL_COMMENT,
  reroute: INTERNAL_COMMENT,
  not_accept: PUBLIC,
  return: PUBLIC,
  // the division's opinion: both its recommended outcome (in the detail) and its text
  give_opinion: { detail: 'internal', comment: 'internal' },
  complete_opinions: PUBLIC,
  decide: INTERNAL_COMMENT,
  continue: INTERNAL_COMMENT,
  correct_decision: INTERNAL_COMMENT,
  implementation: PUBLIC,
  imported: PUBLIC,
  // who was invited, joined or declined; shown only to those on the proposal (ProposalViewService)
  coproposal: PUBLIC,
  // 表彰: the award's name (2026年度 最優秀賞); the office's reason for it stays on the awards page
  award: PUBLIC,
} satisfies Record<ProposalAction | 'implementation' | 'imported' | 'coproposal' | 'award', HistoryRule>;

/**
 * Older entries and imported ones were written with ISO dates and half-width colons ("回答期限 2027-01-02",
 * "採否: 採用"); they read as 2027年1月2日 and 採否：採用, like everything else people read.
 */
const readable = (text: string | null): string | null =>
  text === null ? null : text.replace(/\b(\d{4}-\d{2}-\d{2})\b/g, (iso) => formatDateLabel(iso)).replace(/([^\x00-\x7f]): /g, '$1：');

export interface HistoryText {
  detail: string | null;
  comment: string | null;
  /** Present only for a reader allowed the internal part, and only where the entry has one. */
  internal: { detail: string | null; comment: string | null } | null;
}

/** The written parts of one entry as this reader may see them. */
export function historyText(entry: Pick<ProposalHistoryEntry, 'action' | 'detail' | 'comment'>, readsInternal: boolean): HistoryText {
  const rule = HISTORY_VISIBILITY[entry.action];
  const pick = (part: 'detail' | 'comment', visibility: 'public' | 'internal') => (rule[part] === visibility ? readable(entry[part]) : null);
  const internal = { detail: pick('detail', 'internal'), comment: pick('comment', 'internal') };
  return {
    detail: pick('detail', 'public'),
    comment: pick('comment', 'public'),
    internal: readsInternal && (internal.detail || internal.comment) ? internal : null,
  };
}
