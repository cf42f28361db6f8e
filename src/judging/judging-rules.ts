/**
 * The rules of a review round that need no database: when judges may score, who may not score what
 * (conflict of interest), and what a blind round shows of an attachment's name. Pure, unit-tested.
 */
import type { RoundStatus } from './judging.entities';

export type ScoringWindow = 'preparing' | 'before' | 'open' | 'after' | 'closed';

/** Whether a judge may score today (a Japan date, YYYY-MM-DD): the round is open and today is within its dates. */
export function scoringWindow(round: { status: RoundStatus; opensOn: string; closesOn: string }, today: string): ScoringWindow {
  if (round.status === 'preparing') return 'preparing';
  if (round.status === 'closed') return 'closed';
  if (today < round.opensOn) return 'before';
  if (today > round.closesOn) return 'after';
  return 'open';
}

/** What a judge reads when they may not score (or save) now. */
export const WINDOW_MESSAGES: Record<Exclude<ScoringWindow, 'open'>, string> = {
  preparing: 'この審査はまだ始まっていません。',
  before: 'この審査の採点期間はまだ始まっていません。',
  after: '採点期間が終了しました。入力した内容は保存されていません。改革推進課にお問い合わせください。',
  closed: 'この審査は締め切られました。入力した内容は保存されていません。改革推進課にお問い合わせください。',
};

export type Conflict = 'own' | 'division';
export const CONFLICT_LABELS: Record<Conflict, string> = {
  own: '自分の提案（共同提案を含む）のため採点しません',
  division: '自分の所属の提案のため採点しません',
};

/**
 * The conflict of interest rule found in cities' rules: a judge does not score a proposal they wrote
 * or were named on, nor one from their own division — the proposer's or a co-proposer's division, or
 * one under it (a 局長 judging does not score the proposals of the 課 of their 局). Such cells are
 * left out of the results, not counted as zero.
 *   entry.divisionIds  the proposer's and co-proposers' divisions with every division above them
 */
export function conflictOf(
  judge: { userId: number; divisionId: number | null },
  entry: { proposerId: number; coproposers: readonly { userId: number }[]; divisionIds: readonly number[] },
): Conflict | null {
  if (entry.proposerId === judge.userId || entry.coproposers.some((c) => c.userId === judge.userId)) return 'own';
  if (judge.divisionId !== null && entry.divisionIds.includes(judge.divisionId)) return 'division';
  return null;
}

/**
 * An attachment's name as a blind round shows it: a file name often carries the author's name or
 * division (「市民課_山田_改善案.xlsx」), so only its number and extension remain.
 */
export function blindFileName(index: number, fileName: string): string {
  const extension = /\.[A-Za-z0-9]{1,5}$/.exec(fileName)?.[0] ?? '';
  return `添付資料${index + 1}${extension.toLowerCase()}`;
}

/** Proposal numbers or login ids typed or pasted by the office: separated by spaces, commas, 、 or lines. */
export function splitTypedList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,、，]+/)
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
}
