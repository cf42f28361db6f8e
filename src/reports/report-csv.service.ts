import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { eraFiscalYearLabel } from '../common/fiscal-year';
import { jstDateString } from '../common/jst';
import { Category } from '../organization/category.entity';
import { Division } from '../organization/division.entity';
import { DECISION_LABELS, IMPLEMENTATION_LABELS, STATUS_LABELS } from '../proposals/proposal-state-machine';
import { Proposal } from '../proposals/proposal.entity';
import { CsvCell, toCsv } from './csv';
import { formatRateForCsv } from './rates';
import { BreakdownKind, ReportRow, ReportsService, YearRow } from './reports.service';

/**
 * The figures of a report row, in the order the reform office's spreadsheets expect: the first six
 * (after the year) are fixed by the issue, the rest follow.
 */
const FIGURES: readonly [string, (row: ReportRow) => CsvCell][] = [
  ['提案件数', (r) => r.submitted],
  ['受理件数', (r) => r.accepted],
  ['採用件数', (r) => r.adopted],
  ['採用率', (r) => formatRateForCsv(r.adoptionRate)],
  ['実施件数', (r) => r.implemented],
  ['実施率', (r) => formatRateForCsv(r.implementationRate)],
  ['不受理件数', (r) => r.not_accepted],
  ['継続検討件数', (r) => r.continued],
  ['未決定件数', (r) => r.undecided],
  ['効果見込み時間', (r) => r.estimated_hours],
  ['効果見込み額', (r) => r.estimated_yen],
  ['実績時間', (r) => r.actual_hours],
  ['実績額', (r) => r.actual_yen],
];

/**
 * What the year table added after its figures, in order: 表彰件数 (issue 12), then 課題提案件数 and the カイゼン
 * reports with their effects (issue 13), which are counted apart and never enter 提案件数 or 採用率.
 */
const YEAR_EXTRAS: readonly [string, (row: YearRow) => CsvCell][] = [
  ['表彰件数', (y) => y.awards],
  ['課題提案件数', (y) => y.themed],
  ['実績報告件数', (y) => y.kaizenReports],
  ['実績報告の削減時間', (y) => y.kaizenHours],
  ['実績報告の削減額', (y) => y.kaizenYen],
];

/** The year table's columns: the figures as they always were, then what was added after them. */
export const YEAR_CSV_HEADER = ['年度', '年度(和暦)', ...FIGURES.map(([name]) => name), ...YEAR_EXTRAS.map(([name]) => name)];

/** The first column of a breakdown: what the rows are. */
export const BREAKDOWN_CSV_NAME: Record<BreakdownKind, string> = {
  bureau: '局・区',
  lead: '主管課',
  proposer_division: '提案者の所属課',
  category: '提案分野',
};
const BREAKDOWN_FILE_LABEL: Record<BreakdownKind, string> = {
  bureau: '局・区別',
  lead: '主管課別',
  proposer_division: '提案者所属課別',
  category: '提案分野別',
};

/** The legacy ledger's columns (../shared/DOMAIN.md), so an export imports again, then the extra ones. */
export const LEDGER_CSV_HEADER = [
  '提案番号',
  '提出日',
  '件名',
  '提案内容',
  '提案者所属',
  '所管課',
  '採否',
  '実施状況',
  '実施日',
  '状態',
  '提案分野',
  '現状・課題',
  '期待される効果',
  '効果見込み時間',
  '効果見込み額',
  '実績時間',
  '実績額',
  '回答',
];

/** Rows per query of the ledger export: memory stays flat however many proposals there are. */
export const LEDGER_BATCH_SIZE = 1000;

/** A CSV's name as people see it (Japanese) and the ASCII stand-in for clients that do not read filename*. */
export interface CsvFileName {
  name: string;
  ascii: string;
}

/** "2018" → 2018; empty → undefined; anything else → null (refused by the caller). */
export function fiscalYearParam(value: unknown): number | undefined | null {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && /^(19|20)\d\d$/.test(value.trim()) ? Number(value.trim()) : null;
}

/** 採否 as the legacy ledger writes it: 不受理 and 継続検討 come from the state, the rest from the decision. */
function decisionCell(p: Proposal): string {
  if (p.status === 'not_accepted') return '不受理';
  if (p.status === 'continued') return DECISION_LABELS.continued;
  if (p.status === 'decided' && p.decision) return DECISION_LABELS[p.decision];
  return '';
}

/** The report tables and the ledger (提案簿) as CSV text; encoding and delivery are the caller's. */
@Injectable()
export class ReportCsvService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reports: ReportsService,
  ) {}

  /** Year by year, from the kept counters (fast over a million proposals). */
  async yearsCsv(range: { from?: number; to?: number } = {}): Promise<string> {
    const years = await this.reports.yearByYear(range);
    return toCsv([
      YEAR_CSV_HEADER,
      ...years.map((y) => [y.fiscalYear, y.eraLabel, ...FIGURES.map(([, value]) => value(y)), ...YEAR_EXTRAS.map(([, value]) => value(y))]),
    ]);
  }

  yearsFileName(range: { from?: number; to?: number } = {}): CsvFileName {
    const suffix = range.from || range.to ? `_${range.from ?? ''}-${range.to ?? ''}` : '';
    return { name: `年度別集計${suffix}.csv`, ascii: `fiscal-years${suffix}.csv` };
  }

  /** One fiscal year by bureau, lead division, proposer's division or category, with a 合計 row last. */
  async breakdownCsv(fiscalYear: number, kind: BreakdownKind): Promise<string> {
    const { rows, total } = await this.reports.breakdown(fiscalYear, kind);
    const figures = (row: ReportRow) => FIGURES.map(([, value]) => value(row));
    return toCsv([
      [BREAKDOWN_CSV_NAME[kind], ...FIGURES.map(([name]) => name)],
      ...rows.map((row) => [row.name, ...figures(row)]),
      ['合計', ...figures(total)],
    ]);
  }

  breakdownFileName(fiscalYear: number, kind: BreakdownKind): CsvFileName {
    return { name: `${fiscalYear}年度_${BREAKDOWN_FILE_LABEL[kind]}.csv`, ascii: `fy${fiscalYear}_${kind}.csv` };
  }

  ledgerFileName(): CsvFileName {
    return { name: '提案簿.csv', ascii: 'ledger.csv' };
  }

  /**
   * The whole ledger, in pieces: the header line, then the CSV lines of up to `batchSize` proposals at
   * a time. Joined, the pieces are one CSV (every line ends with CRLF). Only counted proposals (not
   * drafts, not withdrawn), in order of submission: fiscal year by fiscal year, and within a year by
   * submission time then id. Per year only the ids are held (sorted by the database, through the
   * fiscal-year index); the rows themselves are read a batch at a time by primary key.
   *
   * The pieces are read one query after another, not in one transaction (a transaction would hold
   * SQLite's single connection for as long as a slow client takes to download): a proposal changed
   * meanwhile appears as it is when its batch is read, one deleted meanwhile is left out.
   */
  async *ledgerChunks(batchSize = LEDGER_BATCH_SIZE): AsyncGenerator<string> {
    const divisions = new Map((await this.dataSource.getRepository(Division).find()).map((d) => [d.id, d.name]));
    const categories = new Map((await this.dataSource.getRepository(Category).find()).map((c) => [c.id, c.name]));
    const divisionName = (id: number | null) => (id === null ? '' : (divisions.get(id) ?? ''));

    const years = (await this.dataSource
      .createQueryBuilder()
      .select('DISTINCT p.fiscal_year', 'fiscal_year')
      .from('proposals', 'p')
      .where('p.fiscal_year IS NOT NULL')
      .getRawMany()) as { fiscal_year: number | string }[];
    // after the first queries, so that a database that cannot answer fails before anything is sent
    yield toCsv([LEDGER_CSV_HEADER]);
    for (const fiscalYear of years.map((y) => Number(y.fiscal_year)).sort((a, b) => a - b)) {
      const ids = (
        (await this.dataSource
          .createQueryBuilder()
          .select('p.id', 'id')
          .from('proposals', 'p')
          .where('p.fiscal_year = :fiscalYear', { fiscalYear })
          .andWhere("p.status NOT IN ('draft', 'withdrawn')")
          // the same on both databases: a proposal without a submission time (none should be) last
          .orderBy('CASE WHEN p.submitted_at IS NULL THEN 1 ELSE 0 END', 'ASC')
          .addOrderBy('p.submitted_at', 'ASC')
          .addOrderBy('p.id', 'ASC')
          .getRawMany()) as { id: number | string }[]
      ).map((row) => Number(row.id));

      for (let start = 0; start < ids.length; start += batchSize) {
        const batch = ids.slice(start, start + batchSize);
        const byId = new Map((await this.dataSource.getRepository(Proposal).find({ where: { id: In(batch) } })).map((p) => [p.id, p]));
        const rows: CsvCell[][] = [];
        for (const id of batch) {
          const p = byId.get(id);
          // changed into a draft-like state or deleted since the ids were read: no longer counted
          if (!p || p.status === 'draft' || p.status === 'withdrawn') continue;
          rows.push([
            p.number ?? '',
            p.submittedAt ? jstDateString(p.submittedAt) : '',
            p.title,
            p.proposalText,
            divisionName(p.proposerDivisionId),
            divisionName(p.leadDivisionId),
            decisionCell(p),
            p.implementationStatus ? IMPLEMENTATION_LABELS[p.implementationStatus] : '',
            p.implementedOn ?? '',
            STATUS_LABELS[p.status],
            p.categoryId === null ? '' : (categories.get(p.categoryId) ?? ''),
            p.currentProblem,
            p.expectedEffect,
            p.estimatedHours,
            p.estimatedYen,
            p.actualHours,
            p.actualYen,
            p.answer ?? '',
          ]);
        }
        if (rows.length) yield toCsv(rows);
      }
    }
  }
}

/** The year label in both forms, for messages: 2018年度（平成30年度）. */
export const bothYearLabels = (fiscalYear: number): string => `${fiscalYear}年度（${eraFiscalYearLabel(fiscalYear)}）`;
