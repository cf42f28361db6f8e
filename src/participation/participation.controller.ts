import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user.decorator';
import { NotFoundError } from '../common/errors';
import { eraFiscalYearLabel, fiscalYearLabel } from '../common/fiscal-year';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { formatJstDateTime } from '../common/jst';
import { CsvCell, encodeCsv, toCsv } from '../reports/csv';
import { formatRate, formatRateForCsv } from '../reports/rates';
import { csvHeaders, encodingParam } from '../reports/reports-export.controller';
import type { User } from '../users/user.entity';
import { participationChart } from './participation-chart';
import { ParticipationRow } from './participation-figures';
import { DRILLDOWN_PEOPLE_LIMIT, ParticipationService, staffField } from './participation.service';

/** The definitions as the page states them (issue 13, ../shared/DOMAIN.md "Participation"). */
const COUNTING_RULE = [
  '職員数: 年度中に在籍した職員のアカウント数です（「職員」の役割をもち、年度末までに作成され、年度の初日より前に無効にされていないもの。無効にした日の記録がないアカウントは数えません）。所属は現在の所属で数えます（人事異動の履歴はまだありません）。',
  '職員数を入力した課は、アカウント数の代わりに入力値を使います（「入力値」と表示）。局・区と合計の職員数は、課の職員数（入力値を含む）と局・区・部に直接所属するアカウント数の合計です。',
  '提案件数: その年度に提出された提案の件数です（下書き・取り下げを除き、不受理を含む。提出時の所属で数えます）。',
  '提案者数: 提案者と、共同提案に同意した共同提案者の人数です。共同提案者は現在の所属で数えます。1人は1つの行で1回だけ、合計でも1回だけ数えます。',
  '実績報告者数: その年度に提出され、所属長が確認した（公開を含む）カイゼン報告の報告者とチームのメンバーの人数です。',
  '参加率 = 提案者数 ÷ 職員数 × 100、100人当たり提案件数 = 提案件数 ÷ 職員数 × 100（いずれも小数第2位を四捨五入）。職員数が0のときは「―」です。',
  '年度は4月1日から翌年3月31日まで（日本時間）です。',
];

const STAFF_SOURCE_LABELS: Record<ParticipationRow['staffSource'], string> = { accounts: '', entered: '入力値', partly: '入力値を含む' };
const KIND_LABELS: Record<ParticipationRow['kind'], string> = { bureau: '局・区', section: '課', direct: '直属', none: '所属なし', total: '合計' };

/** A fiscal year in the address: four digits, else the page does not exist. */
function yearParam(value: unknown): number {
  if (typeof value !== 'string' || !/^(19|20)\d\d$/.test(value)) throw new NotFoundError();
  return Number(value);
}

const shown = (row: ParticipationRow) => ({
  ...row,
  kindLabel: KIND_LABELS[row.kind],
  staffNote: STAFF_SOURCE_LABELS[row.staffSource],
  participationRateText: formatRate(row.participationRate),
  proposalsPer100Text: formatRate(row.proposalsPer100),
});

/** 参加率 per fiscal year and 局・区 / 課 (issue 13): the page, its CSV, the staff numbers, and the people behind a row. */
@Controller('reports')
export class ParticipationController {
  constructor(private readonly participation: ParticipationService) {}

  async pageContext(fiscalYear: number, user: User) {
    const { figures, entered } = await this.participation.year(fiscalYear);
    const enteredBy = new Map(entered.map((e) => [e.divisionId, e]));
    const current = this.participation.currentFiscalYear();
    const yearLabel = `${fiscalYearLabel(fiscalYear)}（${eraFiscalYearLabel(fiscalYear)}）`;
    const bureaus = figures.bureaus.map((block) => ({
      bureau: shown(block.bureau),
      rows: block.rows.map((r) => {
        const e = r.kind === 'section' && r.divisionId !== null ? enteredBy.get(r.divisionId) : undefined;
        return {
          ...shown(r),
          field: r.kind === 'section' ? staffField(r.divisionId!) : null,
          enteredText: e ? `${e.updatedByName ?? '（削除された利用者）'} ${formatJstDateTime(e.updatedAt)}` : null,
        };
      }),
    }));
    const values: Record<string, string> = {};
    for (const e of entered) values[staffField(e.divisionId)] = String(e.staffCount);
    return {
      title: `${yearLabel}の参加率`,
      fiscalYear,
      yearLabel,
      previousYear: fiscalYear - 1,
      nextYear: fiscalYear < current ? fiscalYear + 1 : null,
      years: Array.from({ length: 10 }, (_, i) => current - i).map((y) => ({
        value: y,
        label: `${fiscalYearLabel(y)}（${eraFiscalYearLabel(y)}）`,
        selected: y === fiscalYear,
      })),
      bureaus,
      unassigned: figures.unassigned ? shown(figures.unassigned) : null,
      total: shown(figures.total),
      anyEntered: figures.total.staffSource !== 'accounts',
      formBureaus: bureaus.filter((b) => b.rows.some((r) => r.field)).map((b) => ({ name: b.bureau.name, rows: b.rows.filter((r) => r.field) })),
      drills: user.hasRole('office'),
      countingRule: COUNTING_RULE,
      chart: participationChart(
        figures.bureaus.map((b) => ({ name: b.bureau.name, rate: b.bureau.participationRate })),
        `${fiscalYearLabel(fiscalYear)} 局・区別の参加率`,
      ),
      values,
    };
  }

  /** The current fiscal year unless ?year= names another. */
  @Get('participation')
  @Roles('office', 'admin')
  @Render('participation/index')
  page(@Query('year') year: unknown, @CurrentUser() user: User) {
    return this.pageContext(year === undefined ? this.participation.currentFiscalYear() : yearParam(year), user);
  }

  @Post('participation/:year/staff-counts')
  @Roles('office', 'admin')
  @FormPage('participation/index', (c: ParticipationController, req) => c.pageContext(yearParam(req.params.year), req.user!))
  async saveStaffCounts(
    @Param('year') year: string,
    @Body() body: Record<string, unknown>,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const fiscalYear = yearParam(year);
    const changed = await this.participation.saveStaffCounts(user, fiscalYear, body);
    flash(req, 'success', changed ? `職員数を保存しました（${changed}件の課）。` : '職員数に変更はありませんでした。');
    res.redirect(303, `/reports/participation?year=${fiscalYear}`);
  }

  /** One line per 局・区, 課 (and direct or unassigned people), then the total. */
  @Get('participation.csv')
  @Roles('office', 'admin')
  async csv(@Query('year') year: unknown, @Query('encoding') encodingValue: unknown, @Res() res: Response) {
    const encoding = encodingParam(encodingValue);
    const fiscalYear = year === undefined || year === '' ? this.participation.currentFiscalYear() : yearParam(year);
    const { figures } = await this.participation.year(fiscalYear);
    const line = (r: ParticipationRow, bureauName: string): CsvCell[] => [
      fiscalYear,
      bureauName,
      r.kind === 'bureau' || r.kind === 'total' || r.kind === 'none' ? '' : r.name,
      KIND_LABELS[r.kind],
      r.staff,
      STAFF_SOURCE_LABELS[r.staffSource],
      r.proposals,
      r.proposers,
      r.reporters,
      formatRateForCsv(r.participationRate),
      formatRateForCsv(r.proposalsPer100),
    ];
    const rows: CsvCell[][] = [
      ['年度', '局・区', '課', '区分', '職員数', '職員数の入力値', '提案件数', '提案者数', '実績報告者数', '参加率', '100人当たり提案件数'],
    ];
    for (const block of figures.bureaus) {
      rows.push(line(block.bureau, block.bureau.name));
      for (const r of block.rows) rows.push(line(r, block.bureau.name));
    }
    if (figures.unassigned) rows.push(line(figures.unassigned, figures.unassigned.name));
    rows.push(line(figures.total, '合計'));
    res.set(csvHeaders({ name: `参加率_${fiscalYear}年度.csv`, ascii: `participation-${fiscalYear}.csv` }, encoding)).send(encodeCsv(toCsv(rows), encoding));
  }

  /** The people behind a row's 提案者数 and 実績報告者数: names are for the reform office only. */
  @Get('participation/:year/divisions/:divisionId')
  @Roles('office')
  @Render('participation/people')
  async people(@Param('year') year: string, @Param('divisionId', IdPipe) divisionId: number) {
    const fiscalYear = yearParam(year);
    const result = await this.participation.drilldown(fiscalYear, divisionId);
    const yearLabel = `${fiscalYearLabel(fiscalYear)}（${eraFiscalYearLabel(fiscalYear)}）`;
    return {
      title: `${yearLabel} ${result.division.name}の提案者・実績報告者`,
      fiscalYear,
      yearLabel,
      divisionName: result.division.name,
      bureauName: result.bureauName,
      proposers: result.proposers,
      reporters: result.reporters,
      limit: DRILLDOWN_PEOPLE_LIMIT,
    };
  }
}
