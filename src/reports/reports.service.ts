import { NotFoundError } from '../common/errors';
import { Injectable } from '@nestjs/common';
import { AwardRepository } from '../awards/award.repository';
import { DataSource } from 'typeorm';
import { eraFiscalYearLabel, fiscalYearLabel } from '../common/fiscal-year';
import { Category } from '../organization/category.entity';
import { jstDateString } from '../common/jst';
import { Division } from '../organization/division.entity';
import { Proposal } from '../proposals/proposal.entity';
import { ratePercent } from './rates';
import { rebuildStatsSql, STAT_COLUMNS, StatColumn, sumSelect } from './stats-sql';
import { Clock } from '../common/clock';
import { YearColumnsRepository } from './year-columns.repository';

export type Counts = Record<StatColumn, number>;

export interface ReportRow extends Counts {
  adoptionRate: number | null;
  implementationRate: number | null;
}

export interface YearRow extends ReportRow {
  fiscalYear: number;
  label: string;
  eraLabel: string;
  /** Decided awards (表彰) of the year. */
  awards: number;
  /** 課題提案件数: counted proposals answering a themed call (already inside 提案件数). */
  themed: number;
  /** 実績報告件数 and their effects: counted apart, never in 提案件数 or 採用率. */
  kaizenReports: number;
  kaizenHours: number;
  kaizenYen: number;
}

export interface BreakdownRow extends ReportRow {
  key: number | null;
  name: string;
}

export const DRILLDOWN_PAGE_SIZE = 50;

/** Waiting-time groups of the aging report, in days. */
export const AGING_BUCKETS = [
  { label: '7日以内', maxDays: 7 },
  { label: '8〜30日', maxDays: 30 },
  { label: '31〜90日', maxDays: 90 },
  { label: '91日以上', maxDays: Number.POSITIVE_INFINITY },
];

export const BREAKDOWNS = {
  bureau: '局・区別（提案者の所属）',
  lead: '主管課別',
  proposer_division: '提案者の所属課別',
  category: '提案分野別',
} as const;
export type BreakdownKind = keyof typeof BREAKDOWNS;

const zero = (): Counts => Object.fromEntries(STAT_COLUMNS.map((c) => [c.column, 0])) as Counts;

/** Numbers from the database (bigint sums come back as strings from PostgreSQL) as JS numbers. */
function toCounts(raw: Record<string, unknown>): Counts {
  const counts = zero();
  for (const { column } of STAT_COLUMNS) counts[column] = Number(raw[column] ?? 0);
  return counts;
}

export function withRates<T extends Counts>(counts: T): T & { adoptionRate: number | null; implementationRate: number | null } {
  return {
    ...counts,
    adoptionRate: ratePercent(counts.adopted, counts.submitted),
    implementationRate: ratePercent(counts.implemented, counts.submitted),
  };
}

function add(into: Counts, more: Counts): void {
  for (const { column } of STAT_COLUMNS) into[column] += more[column];
}

/** The reform office's figures. The counting rules themselves live in stats-sql.ts. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly awards: AwardRepository,
    private readonly yearColumns: YearColumnsRepository,
  ) {}

  /** Year by year, from the counters the triggers keep (a few rows, however many proposals). */
  async yearByYear(range: { from?: number; to?: number } = {}): Promise<YearRow[]> {
    const query = this.dataSource
      .createQueryBuilder()
      .select(['s.fiscal_year AS fiscal_year', ...STAT_COLUMNS.map((c) => `s.${c.column} AS ${c.column}`)])
      .from('fiscal_year_stats', 's')
      .where('s.submitted > 0')
      .orderBy('s.fiscal_year', 'ASC');
    if (range.from) query.andWhere('s.fiscal_year >= :from', { from: range.from });
    if (range.to) query.andWhere('s.fiscal_year <= :to', { to: range.to });
    const [rows, awards, themed, kaizen] = await Promise.all([
      query.getRawMany<Record<string, unknown>>(),
      this.awards.decidedCountsByYear(),
      this.yearColumns.themedCountsByYear(),
      this.yearColumns.kaizenByYear(),
    ]);
    const inRange = (fiscalYear: number) => (!range.from || fiscalYear >= range.from) && (!range.to || fiscalYear <= range.to);
    // a year with counted カイゼン reports but no proposal still has a line (its proposal figures are 0)
    const proposalYears = new Set(rows.map((raw) => Number(raw.fiscal_year)));
    const kaizenOnly = [...kaizen.keys()].filter((fiscalYear) => inRange(fiscalYear) && !proposalYears.has(fiscalYear));
    const lines = [
      ...rows.map((raw) => ({ fiscalYear: Number(raw.fiscal_year), counts: toCounts(raw) })),
      ...kaizenOnly.map((fiscalYear) => ({ fiscalYear, counts: zero() })),
    ];
    return lines
      .sort((a, b) => a.fiscalYear - b.fiscalYear)
      .map(({ fiscalYear, counts }) => ({
        fiscalYear,
        label: fiscalYearLabel(fiscalYear),
        eraLabel: eraFiscalYearLabel(fiscalYear),
        ...withRates(counts),
        awards: awards.get(fiscalYear) ?? 0,
        themed: themed.get(fiscalYear) ?? 0,
        kaizenReports: kaizen.get(fiscalYear)?.reports ?? 0,
        kaizenHours: kaizen.get(fiscalYear)?.hours ?? 0,
        kaizenYen: kaizen.get(fiscalYear)?.yen ?? 0,
      }));
  }

  /** The same figures recounted from the proposals themselves, for verify-stats and tests. */
  async recountByYear(): Promise<Map<number, Counts>> {
    const rows = await this.dataSource.query(
      `SELECT p.fiscal_year AS fiscal_year, ${sumSelect('p')} FROM proposals p WHERE p.fiscal_year IS NOT NULL GROUP BY p.fiscal_year`,
    );
    return new Map((rows as Record<string, unknown>[]).map((raw) => [Number(raw.fiscal_year), toCounts(raw)]));
  }

  /** Differences between the kept counters and a full recount; empty when they agree. */
  async verify(): Promise<{ fiscalYear: number; column: StatColumn; kept: number; recounted: number }[]> {
    const recount = await this.recountByYear();
    const kept = await this.dataSource.query(`SELECT * FROM fiscal_year_stats`);
    const keptByYear = new Map((kept as Record<string, unknown>[]).map((raw) => [Number(raw.fiscal_year), toCounts(raw)]));
    const years = new Set([...recount.keys(), ...keptByYear.keys()]);
    const differences = [];
    for (const fiscalYear of [...years].sort()) {
      const a = keptByYear.get(fiscalYear) ?? zero();
      const b = recount.get(fiscalYear) ?? zero();
      for (const { column } of STAT_COLUMNS) {
        if (a[column] !== b[column]) differences.push({ fiscalYear, column, kept: a[column], recounted: b[column] });
      }
    }
    return differences;
  }

  /** Rebuilds the counters from the proposals (after a repair); one transaction. */
  async rebuild(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      for (const sql of rebuildStatsSql()) await manager.query(sql);
    });
  }

  /** One fiscal year broken down by bureau, lead division, proposer's division or category. */
  async breakdown(fiscalYear: number, kind: BreakdownKind): Promise<{ rows: BreakdownRow[]; total: ReportRow }> {
    const column = { bureau: 'proposer_division_id', lead: 'lead_division_id', proposer_division: 'proposer_division_id', category: 'category_id' }[kind];
    const raw = (await this.dataSource
      .createQueryBuilder()
      .select([`p.${column} AS group_key`, sumSelect('p')])
      .from('proposals', 'p')
      .where('p.fiscal_year = :fiscalYear', { fiscalYear })
      .groupBy(`p.${column}`)
      .getRawMany()) as Record<string, unknown>[];
    const groups = raw.map((r) => ({ key: r.group_key === null ? null : Number(r.group_key), counts: toCounts(r) }));

    const names = await this.names(kind);
    const merged = new Map<number | null, Counts>();
    for (const { key, counts } of groups) {
      const target = kind === 'bureau' ? names.bureauOf(key) : key;
      const into = merged.get(target) ?? merged.set(target, zero()).get(target)!;
      add(into, counts);
    }
    const total = zero();
    const rows: BreakdownRow[] = [...merged.entries()]
      .filter(([, counts]) => counts.submitted > 0)
      .map(([key, counts]) => {
        add(total, counts);
        return { key, name: names.nameOf(key), ...withRates(counts) };
      })
      .sort((a, b) => b.submitted - a.submitted || a.name.localeCompare(b.name, 'ja'));
    return { rows, total: withRates(total) };
  }

  /**
   * The proposals behind one figure of a breakdown (or of the year row when `kind` is null): the same
   * SQL expression that counts them selects them, so the list always has as many rows as the figure.
   */
  async drilldown(input: { fiscalYear: number; kind: BreakdownKind | null; key: number | null; metric: StatColumn; page: number }) {
    // a metric from the address: an own key of DRILLDOWN_METRICS, or nothing to show
    const stat = Object.hasOwn(DRILLDOWN_METRICS, input.metric) ? STAT_COLUMNS.find((c) => c.column === input.metric) : undefined;
    if (!stat) throw new NotFoundError();
    const expression = stat.expression.split('{p}').join('p');
    const query = this.dataSource
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .leftJoinAndSelect('p.category', 'category')
      .leftJoinAndSelect('p.proposerDivision', 'proposerDivision')
      .leftJoinAndSelect('p.leadDivision', 'leadDivision')
      .where('p.fiscal_year = :fiscalYear', { fiscalYear: input.fiscalYear })
      .andWhere(`(${expression}) = 1`);
    if (input.kind) {
      const column = { bureau: 'proposer_division_id', lead: 'lead_division_id', proposer_division: 'proposer_division_id', category: 'category_id' }[
        input.kind
      ];
      if (input.key === null) query.andWhere(`p.${column} IS NULL`);
      else if (input.kind === 'bureau') {
        const names = await this.names('bureau');
        const divisions = await this.dataSource.getRepository(Division).find();
        const inBureau = divisions.filter((d) => names.bureauOf(d.id) === input.key).map((d) => d.id);
        query.andWhere(`p.${column} IN (:...inBureau)`, { inBureau: inBureau.length ? inBureau : [-1] });
      } else query.andWhere(`p.${column} = :key`, { key: input.key });
    }
    const [items, total] = await query
      .orderBy('p.submittedAt', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .skip((input.page - 1) * DRILLDOWN_PAGE_SIZE)
      .take(DRILLDOWN_PAGE_SIZE)
      .getManyAndCount();
    const label = input.kind ? (await this.names(input.kind)).nameOf(input.key) : null;
    return { items, total, pages: Math.max(1, Math.ceil(total / DRILLDOWN_PAGE_SIZE)), label };
  }

  /** Open proposals by how long they have waited in their state, and overdue opinions per division. */
  async aging(now = this.clock.now()) {
    const open = ['submitted', 'returned', 'under_review', 'awaiting_decision', 'continued'] as const;
    const rows = (await this.dataSource
      .createQueryBuilder()
      .select(['p.status AS status', 'MAX(h.created_at) AS since'])
      .from('proposals', 'p')
      .innerJoin('proposal_history', 'h', 'h.proposal_id = p.id')
      .where('p.status IN (:...open)', { open })
      .groupBy('p.id')
      .addGroupBy('p.status')
      .getRawMany()) as { status: (typeof open)[number]; since: string | Date }[];
    const buckets = AGING_BUCKETS.map((b) => b.label);
    const table = open.map((status) => ({ status, counts: buckets.map(() => 0), total: 0 }));
    for (const row of rows) {
      // PostgreSQL gives a Date; SQLite the UTC text TypeORM wrote ("2026-04-01 00:10:00.000").
      const since = row.since instanceof Date ? row.since : new Date(String(row.since).replace(' ', 'T') + 'Z');
      const days = Math.floor((now.getTime() - since.getTime()) / 86_400_000);
      const bucket = AGING_BUCKETS.findIndex((b) => days <= b.maxDays);
      const line = table.find((t) => t.status === row.status)!;
      line.counts[bucket]++;
      line.total++;
    }
    const today = jstDateString(now);
    const overdue = (await this.dataSource
      .createQueryBuilder()
      .select(['d.id AS division_id', 'd.name AS name', 'COUNT(*) AS overdue', 'MIN(r.due_on) AS oldest'])
      .from('routings', 'r')
      .innerJoin('divisions', 'd', 'd.id = r.division_id')
      .where('r.active = :yes AND r.opinion_at IS NULL AND r.due_on < :today', { yes: true, today })
      .groupBy('d.id')
      .addGroupBy('d.name')
      .orderBy('overdue', 'DESC')
      .getRawMany()) as { division_id: number; name: string; overdue: string | number; oldest: string | Date }[];
    return {
      buckets,
      table,
      overdue: overdue.map((o) => ({
        name: o.name,
        overdue: Number(o.overdue),
        oldest: o.oldest instanceof Date ? jstDateString(o.oldest) : String(o.oldest).slice(0, 10),
      })),
    };
  }

  private async names(kind: BreakdownKind) {
    const unknown = kind === 'lead' ? '（未回付）' : kind === 'category' ? '（分野なし）' : '（所属なし）';
    if (kind === 'category') {
      const categories = await this.dataSource.getRepository(Category).find();
      const byId = new Map(categories.map((c) => [c.id, c.name]));
      return { nameOf: (key: number | null) => (key === null ? unknown : (byId.get(key) ?? unknown)), bureauOf: (key: number | null) => key };
    }
    const divisions = await this.dataSource.getRepository(Division).find();
    const byId = new Map(divisions.map((d) => [d.id, d]));
    const bureauOf = (key: number | null): number | null => {
      let current = key === null ? undefined : byId.get(key);
      for (let depth = 0; current && current.parentId !== null && depth < 10; depth++) current = byId.get(current.parentId);
      return current?.id ?? null;
    };
    return { nameOf: (key: number | null) => (key === null ? unknown : (byId.get(key)?.name ?? unknown)), bureauOf };
  }
}

/** Counters one may drill into from a figure. */
export const DRILLDOWN_METRICS: Partial<Record<StatColumn, string>> = {
  submitted: '提案件数',
  accepted: '受理件数',
  not_accepted: '不受理件数',
  adopted: '採用件数',
  rejected: '不採用件数',
  continued: '継続検討件数',
  undecided: '未決定件数',
  implemented: '実施件数',
};
