import { Injectable } from '@nestjs/common';
import { DbService } from '../database/db.service';
import { COUNTED_KAIZEN_STATUSES } from '../kaizen/kaizen-counting';
import { STAT_COLUMNS } from './stats-sql';

/** The cohort rule for one proposal, as stats-sql.ts writes it (drafts and withdrawn ones do not count). */
export const countedProposalSql = (alias: string): string =>
  `(${STAT_COLUMNS.find((c) => c.column === 'submitted')!
    .expression.split('{p}')
    .join(alias)}) = 1`;

export interface KaizenYearFigures {
  reports: number;
  hours: number;
  yen: number;
}

/**
 * The year table's columns after 表彰件数 (issue 13): 課題提案件数 (counted proposals that answer a themed call;
 * already inside 提案件数) and the カイゼン reports counted apart from proposals, with their effects.
 */
@Injectable()
export class YearColumnsRepository {
  constructor(private readonly db: DbService) {}

  /** Counted proposals with a call, per fiscal year (the partial index on call_id keeps this small). */
  async themedCountsByYear(): Promise<Map<number, number>> {
    const rows = await this.db.dataSource.query<{ fiscal_year: number | string; n: number | string }[]>(
      `SELECT p.fiscal_year AS fiscal_year, COUNT(*) AS n FROM proposals p
       WHERE p.call_id IS NOT NULL AND ${countedProposalSql('p')} GROUP BY p.fiscal_year`,
    );
    return new Map(rows.map((r) => [Number(r.fiscal_year), Number(r.n)]));
  }

  /** 実績報告件数 and the hours and yen saved per year they report, per fiscal year. */
  async kaizenByYear(): Promise<Map<number, KaizenYearFigures>> {
    const rows = await this.db.dataSource
      .createQueryBuilder()
      .select(['r.fiscal_year AS fiscal_year', 'COUNT(*) AS reports', 'SUM(COALESCE(r.effect_hours, 0)) AS hours', 'SUM(COALESCE(r.effect_yen, 0)) AS yen'])
      .from('kaizen_reports', 'r')
      // the カイゼン lane's one counting rule (src/kaizen/kaizen-counting.ts)
      .where('r.fiscal_year IS NOT NULL AND r.status IN (:...counted)', { counted: [...COUNTED_KAIZEN_STATUSES] })
      .groupBy('r.fiscal_year')
      .getRawMany<Record<string, unknown>>();
    return new Map(rows.map((r) => [Number(r.fiscal_year), { reports: Number(r.reports), hours: Number(r.hours ?? 0), yen: Number(r.yen ?? 0) }]));
  }
}
