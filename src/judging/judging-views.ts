/**
 * What the judging pages and the results CSV show, built from the service's results. Pure: the
 * controllers call these and render. Names appear only in the office's views; the judge's views are
 * built from `judgeEntryRow`, which has no name or division field at all, so a blind round cannot
 * leak one through a template by mistake.
 */
import { formatJstDateTime, formatDateLabel } from '../common/jst';
import { fiscalYearLabel } from '../common/fiscal-year';
import type { CsvCell } from '../reports/csv';
import { EntryResult, formatFraction, maxTotal, RoundCriterion } from './judging-results';
import { ROUND_STATUS_LABELS, JudgingRound } from './judging.entities';
import type { EntryRow } from './judging.repository';

export function roundSummary(round: JudgingRound) {
  return {
    id: round.id,
    name: round.name,
    fiscalYear: round.fiscalYear,
    yearLabel: fiscalYearLabel(round.fiscalYear),
    status: round.status,
    statusLabel: ROUND_STATUS_LABELS[round.status],
    window: `${formatDateLabel(round.opensOn)}〜${formatDateLabel(round.closesOn)}`,
    opensOn: round.opensOn,
    closesOn: round.closesOn,
    blind: round.blind,
    trimmed: round.trimmed,
    version: round.version,
    closedAt: round.closedAt ? formatJstDateTime(round.closedAt) : null,
  };
}

/** What a judge may read of an entry in any round: number, title, category. Never a person or a division. */
export const judgeEntryRow = (entry: EntryRow) => ({
  proposalId: entry.proposalId,
  position: entry.position,
  number: entry.number,
  title: entry.title,
  categoryName: entry.categoryName,
});

const mean = (f: EntryResult['mean']) => (f ? formatFraction(f) : null);

/** One line of the ranking; `withNames` for the office only. */
export function rankingRow(r: EntryResult & { entry: EntryRow; eligible: number }, withNames: boolean) {
  return {
    ...judgeEntryRow(r.entry),
    ...(withNames
      ? {
          proposerName: r.entry.proposerName,
          divisionName: r.entry.divisionName,
          coproposerNames: r.entry.coproposers.map((c) => c.name).join('、'),
        }
      : {}),
    rank: r.rank,
    tied: r.tiedWith.length > 0,
    judgeCount: r.judgeCount,
    eligible: r.eligible,
    sum: r.sum,
    mean: mean(r.mean),
    trimmedMean: mean(r.trimmedMean),
    score: mean(r.score),
    trimmedApplied: r.trimmedApplied,
    min: r.totals.length ? r.totals[0] : null,
    max: r.totals.length ? r.totals[r.totals.length - 1] : null,
    spread: r.spread,
    criterionMeans: r.criterionMeans.map((m) => (m ? formatFraction(m) : '―')),
  };
}

/**
 * The rows of the results CSV (same conventions as the reports: one header line, plain numbers).
 * The scores are the office's: the file is offered to the office only.
 */
export function resultsCsvRows(criteria: RoundCriterion[], ranking: (EntryResult & { entry: EntryRow; eligible: number })[]): CsvCell[][] {
  const header = [
    '順位',
    '同点',
    '提案番号',
    '件名',
    '提案者',
    '所属',
    '共同提案者',
    '採点した審査員数',
    '採点対象の審査員数',
    '合計点',
    '平均点',
    '調整平均点（最高・最低を除く）',
    '順位の基準',
    '最低点',
    '最高点',
    '審査員間の差',
    ...criteria.map((c) => `${c.name} 平均点（重み${c.weight}）`),
    '満点',
  ];
  const full = maxTotal(criteria);
  const rows = ranking.map((r) => {
    const row = rankingRow(r, true);
    return [
      row.rank,
      row.tied ? '同点' : '',
      row.number,
      row.title,
      row.proposerName ?? '',
      row.divisionName ?? '',
      row.coproposerNames ?? '',
      row.judgeCount,
      row.eligible,
      row.judgeCount ? row.sum : null,
      row.mean,
      row.trimmedMean,
      row.rank === null ? '' : row.trimmedApplied ? '調整平均' : '平均',
      row.min,
      row.max,
      row.spread,
      ...r.criterionMeans.map((m) => (m ? formatFraction(m) : null)),
      full,
    ];
  });
  return [header, ...rows];
}
