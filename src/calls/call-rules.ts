import { jstDateString } from '../common/jst';
import { lineage } from '../organization/division-tree';
import type { CallAudience } from './call.entities';

/**
 * The rules of a themed call's period and audience, without I/O. The period is a pair of Japan dates,
 * both included: a call closing on 2026-06-30 takes answers until 23:59:59 JST that day, whatever the
 * server's clock zone, and one opening on 2026-06-01 from 00:00 JST.
 */

export type CallPhase = 'upcoming' | 'open' | 'closed';

export const CALL_PHASE_LABELS: Record<CallPhase, string> = { upcoming: '募集前', open: '募集中', closed: '募集終了' };

export interface CallPeriod {
  opensOn: string;
  closesOn: string;
  /** Closed early by the office. */
  closedAt: Date | null;
}

/** Where a call stands on a Japan date (YYYY-MM-DD). */
export function callPhase(call: CallPeriod, today: string): CallPhase {
  if (call.closedAt !== null || today > call.closesOn) return 'closed';
  return today < call.opensOn ? 'upcoming' : 'open';
}

/** Where a call stands at an instant (the Japan date of that instant). */
export const callPhaseAt = (call: CallPeriod, instant: Date): CallPhase => callPhase(call, jstDateString(instant));

/** Why a call takes no answer now (null while it does), as the form and the refusal say it. */
export function closedMessage(call: CallPeriod, today: string): string | null {
  const phase = callPhase(call, today);
  if (phase === 'open') return null;
  return phase === 'upcoming' ? 'このテーマの募集はまだ始まっていません。' : 'このテーマの募集は終了しました。';
}

export interface CallAudienceRule {
  audience: CallAudience;
  /** The 局・区 / 部 / 課 chosen when the audience is 'divisions'. */
  divisionIds: readonly number[];
}

/**
 * Whether a member of staff in `divisionId` may answer: everyone for 'all'; otherwise when their division
 * or any division above it was chosen (choosing a 局 opens the call to all its 課).
 */
export function mayAnswer(rule: CallAudienceRule, divisionId: number | null, parents: ReadonlyMap<number, number | null>): boolean {
  if (rule.audience === 'all') return true;
  return lineage(divisionId, parents).some((id) => rule.divisionIds.includes(id));
}

/** The checks of a new period or of an extension; every problem by its field, in Japanese. */
export function periodProblems(input: { opensOn: string; closesOn: string }, today: string): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  if (input.closesOn < input.opensOn) problems.closesOn = ['締切日は募集開始日以降の日付にしてください。'];
  else if (input.closesOn < today) problems.closesOn = ['締切日には今日以降の日付を入力してください。'];
  return problems;
}
