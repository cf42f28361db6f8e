import { KaizenService } from '../kaizen/kaizen.service';
import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles, SignedIn } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user.decorator';
import { NotFoundError } from '../common/errors';
import { fiscalYearLabel } from '../common/fiscal-year';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { formatDateLabel } from '../common/jst';
import { rankingRow } from '../judging/judging-views';
import { encodeCsv, toCsv } from '../reports/csv';
import { csvHeaders, encodingParam } from '../reports/reports-export.controller';
import type { User } from '../users/user.entity';
import { AWARD_STATUS_LABELS } from './award.entities';
import { awardLabel, AwardRow } from './award.repository';
import { AwardsService } from './awards.service';
import { DecideAwardDto, ProposeAwardDto, SignerDto, TiersDto } from './dto/award.dto';

/** A fiscal year in the address: four digits in a sensible range, else the page does not exist. */
function yearParam(value: string): number {
  const year = /^\d{4}$/.test(value) ? Number(value) : NaN;
  if (!(year >= 2000 && year <= 2100)) throw new NotFoundError();
  return year;
}

const reward = (a: Pick<AwardRow, 'rewardYen' | 'rewardNote'>): string =>
  [a.rewardYen !== null ? `${a.rewardYen.toLocaleString('ja-JP')}円` : null, a.rewardNote].filter(Boolean).join('・');

/** An award as everyone reads it: tier, proposal, recipients — never the office's reason. */
const publicAward = (a: AwardRow) => ({
  id: a.id,
  label: awardLabel(a),
  tierName: a.tierName,
  proposalId: a.proposalId,
  number: a.number,
  title: a.title,
  awardedOn: a.awardedOn ? formatDateLabel(a.awardedOn) : null,
  recipients: a.recipients.map((r) => ({ name: r.name, divisionName: r.divisionName })),
});

/** The 表彰内申 list: one line per recipient of each decided award. */
function naishinRows(awards: AwardRow[]) {
  const header = ['年度', '賞', '副賞', '提案番号', '件名', '受賞者', '区分', '所属（表彰時）', '表彰日', '選定'];
  const lines = awards
    .filter((a) => a.status === 'decided')
    .flatMap((a) =>
      a.recipients.map((r) => [
        a.fiscalYear,
        a.tierName,
        reward(a),
        a.number,
        a.title,
        r.name,
        r.position === 0 ? '提案者' : '共同提案者',
        r.divisionName ?? '',
        a.awardedOn ?? '',
        a.roundId ? '審査の結果による' : `審査によらない（${a.reason ?? ''}）`,
      ]),
    );
  return [header, ...lines];
}

/**
 * 表彰: the past years' awards for everyone, and the office's page per year (tiers, candidates from
 * a round's ranking, proposing and deciding awards, the 賞状 and the 内申 CSV).
 */
@Controller('awards')
export class AwardsController {
  constructor(
    private readonly awards: AwardsService,
    private readonly kaizen: KaizenService,
  ) {}

  @Get()
  @SignedIn()
  @Render('awards/index')
  async index(@CurrentUser() user: User) {
    const decided = await this.awards.decided(user);
    const years = [...new Set(decided.map((a) => a.fiscalYear))].map((fiscalYear) => ({
      label: fiscalYearLabel(fiscalYear),
      awards: decided.filter((a) => a.fiscalYear === fiscalYear).map(publicAward),
    }));
    return { title: '表彰', years, manages: user.roles.includes('office') };
  }

  /** The current fiscal year's page. */
  @Get('manage')
  @Roles('office')
  @Render('awards/manage')
  async manageCurrent() {
    await this.awards.ensureTiers(this.awards.currentFiscalYear());
    return this.manageContext(String(this.awards.currentFiscalYear()));
  }

  async manageContext(yearValue: string, roundIdValue?: unknown) {
    const fiscalYear = yearParam(yearValue);
    const roundId = typeof roundIdValue === 'string' && /^\d{1,9}$/.test(roundIdValue) ? Number(roundIdValue) : null;
    const [tiers, awards, candidates, signer, nominatedKaizen] = await Promise.all([
      this.awards.tiers(fiscalYear),
      this.awards.list(fiscalYear),
      this.awards.candidates(fiscalYear, roundId),
      this.awards.signer(),
      this.kaizen.nominated(fiscalYear),
    ]);
    const awarded = new Map(awards.map((a) => [a.proposalId, a]));
    return {
      title: `${fiscalYearLabel(fiscalYear)}の表彰`,
      fiscalYear,
      // カイゼン報告 nominated by the office: listed for the decision; 表彰 itself is recorded on proposals
      nominatedKaizen: nominatedKaizen.map((k) => ({ id: k.id, number: k.number, title: k.title })),
      yearLabel: fiscalYearLabel(fiscalYear),
      previousYear: fiscalYear - 1,
      nextYear: fiscalYear + 1,
      tiers: tiers.map((t) => {
        const used = awards.filter((a) => a.tierId === t.id).length;
        // a full tier is shown but cannot be chosen: the service would refuse it
        return { ...t, used, full: used >= t.slots, reward: reward(t) };
      }),
      tierRows: [...tiers.map((t) => ({ ...t })), { id: '', name: '', slots: 1, rewardYen: null, rewardNote: null }],
      awards: awards.map((a) => ({
        ...publicAward(a),
        status: a.status,
        statusLabel: AWARD_STATUS_LABELS[a.status],
        decided: a.status === 'decided',
        reward: reward(a),
        reason: a.reason,
        fromRound: a.roundId !== null,
      })),
      rounds: candidates.rounds.map((r) => ({ id: r.id, name: r.name })),
      round: candidates.round ? { id: candidates.round.id, name: candidates.round.name } : null,
      ranking: candidates.ranking.map((r) => ({ ...rankingRow(r, true), award: awarded.has(r.proposalId) ? awardLabel(awarded.get(r.proposalId)!) : null })),
      signer,
      today: this.awards.today(),
      values: { signer, awardedOn: this.awards.today() },
    };
  }

  @Get('manage/:year')
  @Roles('office')
  @Render('awards/manage')
  async manage(@Param('year') year: string, @Query('roundId') roundId: unknown) {
    await this.awards.ensureTiers(yearParam(year));
    return this.manageContext(year, roundId);
  }

  private back(req: Request, res: Response, year: number, message: string) {
    flash(req, 'success', message);
    res.redirect(303, `/awards/manage/${year}`);
  }

  @Post('manage/:year/tiers')
  @Roles('office')
  @FormPage('awards/manage', (c: AwardsController, req) => c.manageContext(req.params.year as string))
  async saveTiers(@Param('year') year: string, @Body() dto: TiersDto, @Req() req: Request, @Res() res: Response) {
    await this.awards.saveTiers(yearParam(year), dto);
    this.back(req, res, yearParam(year), '賞の設定を保存しました。');
  }

  @Post('manage/:year/awards')
  @Roles('office')
  @FormPage('awards/manage', (c: AwardsController, req) => c.manageContext(req.params.year as string, req.body?.roundId))
  async propose(@Param('year') year: string, @Body() dto: ProposeAwardDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.awards.propose(user, yearParam(year), dto);
    this.back(req, res, yearParam(year), '表彰の案に加えました。決定すると受賞者に通知されます。');
  }

  @Post('manage/:year/signer')
  @Roles('office')
  @FormPage('awards/manage', (c: AwardsController, req) => c.manageContext(req.params.year as string))
  async saveSigner(@Param('year') year: string, @Body() dto: SignerDto, @Req() req: Request, @Res() res: Response) {
    const fiscalYear = yearParam(year);
    await this.awards.setSigner(dto.signer);
    this.back(req, res, fiscalYear, '賞状の署名を保存しました。');
  }

  @Get('manage/:year/naishin.csv')
  @Roles('office')
  async naishinCsv(@Param('year') year: string, @Query('encoding') encodingValue: unknown, @Res() res: Response) {
    const encoding = encodingParam(encodingValue);
    const fiscalYear = yearParam(year);
    const rows = naishinRows(await this.awards.list(fiscalYear));
    res.set(csvHeaders({ name: `表彰内申_${fiscalYear}年度.csv`, ascii: `awards-${fiscalYear}.csv` }, encoding)).send(encodeCsv(toCsv(rows), encoding));
  }

  @Post(':id/decide')
  @Roles('office')
  @FormPage('awards/manage', async (c: AwardsController, req) =>
    c.manageContext(String((await c.awards.award(new IdPipe().transform(req.params.id as string))).fiscalYear)),
  )
  async decide(@Param('id', IdPipe) id: number, @Body() dto: DecideAwardDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const award = await this.awards.decide(user, id, dto);
    this.back(req, res, award.fiscalYear, `${award.number}の${award.tierName}を決定しました。受賞者に通知しました。`);
  }

  @Post(':id/delete')
  @Roles('office')
  @FormPage('awards/manage', async (c: AwardsController, req) =>
    c.manageContext(String((await c.awards.award(new IdPipe().transform(req.params.id as string))).fiscalYear)),
  )
  async remove(@Param('id', IdPipe) id: number, @Req() req: Request, @Res() res: Response) {
    const fiscalYear = await this.awards.remove(id);
    this.back(req, res, fiscalYear, '表彰の案を取り消しました。');
  }

  /** 賞状: one A4 page per recipient, laid out for the browser's print. */
  @Get(':id/certificate')
  @Roles('office')
  async certificate(@Param('id', IdPipe) id: number, @Res() res: Response) {
    const [award, signer] = await Promise.all([this.awards.award(id), this.awards.signer()]);
    if (award.status !== 'decided') throw new NotFoundError('賞状は、表彰を決定した後に印刷できます。');
    res.render('awards/certificate', {
      layout: 'layouts/print',
      printTitle: `賞状 ${awardLabel(award)} ${award.number}`,
      award: { ...publicAward(award), fiscalYear: award.fiscalYear, yearLabel: fiscalYearLabel(award.fiscalYear), reward: reward(award) },
      signer,
    });
  }
}
