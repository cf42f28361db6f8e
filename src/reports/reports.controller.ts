import { AwardRepository } from '../awards/award.repository';
import { CurrentUser } from '../auth/current-user.decorator';
import type { User } from '../users/user.entity';
import { Controller, Get, Param, Query, Render } from '@nestjs/common';
import { Roles, SignedIn } from '../auth/access.decorators';
import { NotFoundError } from '../common/errors';
import { eraFiscalYearLabel, fiscalYearLabel } from '../common/fiscal-year';
import { pageNumber } from '../common/id.pipe';
import { formatJstDateTime } from '../common/jst';
import { DECISION_LABELS, IMPLEMENTATION_LABELS, STATUS_LABELS } from '../proposals/proposal-state-machine';
import { formatRate } from './rates';
import { BREAKDOWNS, BreakdownKind, DRILLDOWN_METRICS, ReportRow, ReportsService, YearRow } from './reports.service';
import { StatColumn } from './stats-sql';
import { yearChartSvg } from './year-chart';

/** The counting rule as the pages state it (../shared/DOMAIN.md). */
const COUNTING_RULE = [
  '提案は、最初に提出された年度に数えます（採否の決定や実施が翌年度以降でも、提出した年度の件数です）。',
  '下書きと取り下げられた提案は数えません。不受理の提案は提案件数に含めます。',
  '採用件数は「採用」と「一部採用」の合計、実施件数は「実施済」（「既実施」を含む）の件数です。',
  '採用率・実施率は提案件数に対する割合で、小数第1位まで（第2位を四捨五入）表示します。',
  '年度は4月1日から翌年3月31日まで（日本時間）です。',
  '課題提案件数は、テーマ募集に応えた提案の件数です（提案件数の内数）。',
  '実績報告（カイゼン報告）は提案とは別に数え、提案件数・採用率には含めません。所属長が確認したもの（公開したものを含む）を、最初に提出された年度に数えます。',
];

const isKind = (value: string): value is BreakdownKind => Object.hasOwn(BREAKDOWNS, value);
/** A metric named in the address: own keys only, so toString, constructor or __proto__ are not metrics. */
const isDrilldownMetric = (value: unknown): value is StatColumn => typeof value === 'string' && Object.hasOwn(DRILLDOWN_METRICS, value);
const year = (value: unknown): number | null => (typeof value === 'string' && /^(19|20)\d\d$/.test(value) ? Number(value) : null);

/** Display forms of a row's rates. */
const shown = <T extends ReportRow>(row: T) => ({
  ...row,
  adoptionRateText: formatRate(row.adoptionRate),
  implementationRateText: formatRate(row.implementationRate),
});

@Controller('reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly awards: AwardRepository,
  ) {}

  private async yearPage(title: string, detailed: boolean) {
    const years = (await this.reports.yearByYear()).map(shown);
    return {
      title,
      detailed,
      years,
      countingRule: COUNTING_RULE,
      chartSvg: yearChartSvg(
        years.map((y: YearRow) => ({
          label: y.label.replace('年度', ''),
          submitted: y.submitted,
          implemented: y.implemented,
          implementationRate: y.implementationRate,
        })),
        '年度別 提案件数・実施件数と実施率',
      ),
    };
  }

  /** The office's year-by-year report, with links into each year and the downloads. */
  @Get()
  @Roles('office', 'admin')
  @Render('reports/index')
  index() {
    return this.yearPage('年度別集計', true);
  }

  /** The same year-by-year figures for every member of staff. */
  @Get('summary')
  @SignedIn()
  @Render('reports/index')
  async summary(@CurrentUser() user: User) {
    // the latest year's 表彰, as every member of staff may read them (awards/index has every year)
    const decided = await this.awards.rows({ decidedOnly: true, viewerId: user.id });
    const latest = decided[0]?.fiscalYear;
    return {
      ...(await this.yearPage('職員提案の実績', false)),
      recentAwards: latest
        ? {
            label: fiscalYearLabel(latest),
            awards: decided.filter((a) => a.fiscalYear === latest).map((a) => ({ ...a, recipientNames: a.recipients.map((r) => r.name).join('・') })),
          }
        : null,
    };
  }

  @Get('aging')
  @Roles('office', 'admin')
  @Render('reports/aging')
  async aging() {
    const aging = await this.reports.aging();
    return { title: '審査の滞留状況', ...aging, table: aging.table.map((line) => ({ ...line, label: STATUS_LABELS[line.status] })) };
  }

  @Get('drilldown')
  @Roles('office', 'admin')
  @Render('reports/drilldown')
  async drilldown(@Query() query: Record<string, string>) {
    const fiscalYear = year(query.year);
    const metric = query.metric;
    const kind = query.by ? (typeof query.by === 'string' && isKind(query.by) ? query.by : undefined) : null;
    const key = query.key === 'none' ? null : typeof query.key === 'string' && /^\d{1,9}$/.test(query.key) ? Number(query.key) : undefined;
    if (fiscalYear === null || !isDrilldownMetric(metric) || kind === undefined || (kind !== null && key === undefined)) throw new NotFoundError();
    const page = pageNumber(query.page);
    const result = await this.reports.drilldown({ fiscalYear, kind, key: key ?? null, metric, page });
    return {
      title: `${fiscalYearLabel(fiscalYear)} ${result.label ? `${result.label}の` : ''}${DRILLDOWN_METRICS[metric]}`,
      fiscalYear,
      total: result.total,
      rows: result.items.map((p) => ({
        id: p.id,
        number: p.number,
        title: p.title,
        statusLabel: STATUS_LABELS[p.status],
        decisionLabel: p.decision ? DECISION_LABELS[p.decision] : '',
        implementationLabel: p.implementationStatus ? IMPLEMENTATION_LABELS[p.implementationStatus] : '',
        categoryName: p.category?.name ?? '',
        proposerDivisionName: p.proposerDivision?.name ?? '',
        leadDivisionName: p.leadDivision?.name ?? '',
        submittedAt: p.submittedAt ? formatJstDateTime(p.submittedAt) : '',
      })),
      pager: { page, pages: result.pages },
      pagerQuery: { year: query.year, by: query.by, key: query.key, metric },
    };
  }

  @Get('years/:year')
  @Roles('office', 'admin')
  @Render('reports/year')
  async year(@Param('year') param: string) {
    const fiscalYear = year(param);
    if (fiscalYear === null) throw new NotFoundError();
    const tables = [];
    for (const kind of Object.keys(BREAKDOWNS) as BreakdownKind[]) {
      const { rows, total } = await this.reports.breakdown(fiscalYear, kind);
      tables.push({
        kind,
        title: BREAKDOWNS[kind],
        rows: rows.map((r) => ({ ...shown(r), keyParam: r.key === null ? 'none' : String(r.key) })),
        total: shown(total),
      });
    }
    return {
      title: `${fiscalYearLabel(fiscalYear)}（${eraFiscalYearLabel(fiscalYear)}）の内訳`,
      fiscalYear,
      tables,
      countingRule: COUNTING_RULE,
    };
  }
}
