import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user.decorator';
import { fiscalYearOf } from '../common/fiscal-year';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { Clock } from '../common/clock';
import { ConflictError } from '../common/errors';
import { VersionedDto } from '../proposals/dto/workflow.dto';
import { DECISION_LABELS, DECISIONS } from '../proposals/proposal-state-machine';
import { encodeCsv, toCsv } from '../reports/csv';
import { csvHeaders, encodingParam } from '../reports/reports-export.controller';
import type { User } from '../users/user.entity';
import { CriteriaDto, EntriesDto, ExtendDto, JudgesDto, RemoveEntryDto, ReopenDto, RoundDto, RoundSettingsDto } from './dto/judging.dto';
import { maxTotal } from './judging-results';
import { CONFLICT_LABELS } from './judging-rules';
import { rankingRow, resultsCsvRows, roundSummary } from './judging-views';
import { ROUND_EVENT_LABELS } from './judging.entities';
import { cellKey, JudgingService } from './judging.service';
import { formatJstDateTime } from '../common/jst';

/** How often the live screen reloads itself while judges score. */
export const LIVE_REFRESH_SECONDS = 10;

/** Blank rows under the criteria, for adding new ones without JavaScript. */
const BLANK_CRITERIA_ROWS = 2;

/**
 * The office's side of 審査: criteria, rounds (entries, judges, open, close, re-open), the live screen,
 * the results and their CSV. The judges' side is ScoringController.
 */
@Controller('judging')
@Roles('office')
export class JudgingController {
  constructor(
    private readonly judging: JudgingService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Render('judging/index')
  async index() {
    const rounds = await this.judging.rounds();
    return { title: '審査', rounds: rounds.map((r) => ({ ...roundSummary(r), entryCount: r.entryCount, judgeCount: r.judgeCount })) };
  }

  async criteriaContext() {
    const criteria = await this.judging.criteria();
    return { title: '審査基準', full: maxTotal(criteria) };
  }

  @Get('criteria')
  @Render('judging/criteria')
  async criteriaForm() {
    const criteria = await this.judging.criteria();
    const rows = [...criteria.map((c) => ({ name: c.name, description: c.description ?? '', weight: c.weight, scaleMax: c.scaleMax }))];
    for (let i = 0; i < BLANK_CRITERIA_ROWS; i++) rows.push({ name: '', description: '', weight: 1, scaleMax: 5 });
    return { ...(await this.criteriaContext()), rows };
  }

  @Post('criteria')
  @FormPage('judging/criteria', async (c: JudgingController, req) => ({ ...(await c.criteriaContext()), rows: typedCriteriaRows(req.body) }))
  async saveCriteria(@Body() dto: CriteriaDto, @Req() req: Request, @Res() res: Response) {
    await this.judging.saveCriteria(dto);
    flash(req, 'success', '審査基準を保存しました。これから始める審査に使われます（始めた審査の基準は変わりません）。');
    res.redirect(303, '/judging/criteria');
  }

  @Get('rounds/new')
  @Render('judging/round-form')
  newRound() {
    const today = this.clock.today();
    return { title: '審査の作成', values: { fiscalYear: fiscalYearOf(this.clock.now()), opensOn: today, closesOn: today } };
  }

  @Post('rounds')
  @FormPage('judging/round-form', () => ({ title: '審査の作成' }))
  async create(@Body() dto: RoundDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const id = await this.judging.createRound(user, dto);
    flash(req, 'success', '審査を作成しました。対象の提案と審査員を選んでから、審査を始めてください。');
    res.redirect(303, `/judging/rounds/${id}`);
  }

  /** The round's management page: settings, entries, judges, criteria, progress and its record. */
  async roundContext(id: number) {
    const round = await this.judging.round(id);
    const [progress, criteria, events, pool, closedRounds] = await Promise.all([
      this.judging.progress(round),
      this.judging.criteriaOf(round),
      this.judging.events(id),
      this.judging.judgePool(),
      this.judging.closedRounds(round.fiscalYear),
    ]);
    const judgeIds = new Set(progress.judges.map((j) => j.userId));
    return {
      title: round.name,
      round: roundSummary(round),
      preparing: round.status === 'preparing',
      isOpen: round.status === 'open',
      isClosed: round.status === 'closed',
      entries: progress.entries.map((e) => ({
        ...e,
        coproposerNames: e.coproposers.map((c) => c.name).join('、'),
        excludedJudges: progress.judges
          .filter((j) => progress.conflicts.has(cellKey(e.proposalId, j.userId)))
          .map((j) => `${j.name}（${CONFLICT_LABELS[progress.conflicts.get(cellKey(e.proposalId, j.userId))!].replace('のため採点しません', '')}）`)
          .join('、'),
      })),
      judges: progress.judges,
      judgeOptions: [
        ...pool.map((u) => ({ id: u.id, name: u.name, login: u.login, chosen: judgeIds.has(u.id) })),
        // named for this round only (no 審査員 role): listed so that they stay chosen when the form is saved
        ...progress.judges.filter((j) => !pool.some((u) => u.id === j.userId)).map((j) => ({ id: j.userId, name: j.name, login: j.login, chosen: true })),
      ],
      criteria: criteria.map((c) => ({ ...c })),
      full: maxTotal(criteria),
      criteriaFrozen: round.status !== 'preparing',
      events: events.map((e) => ({ at: formatJstDateTime(e.createdAt), label: ROUND_EVENT_LABELS[e.action], actorName: e.actorName ?? '―', reason: e.reason })),
      decisionOptions: DECISIONS.map((d) => ({ value: d, label: DECISION_LABELS[d] })),
      previousRounds: closedRounds.filter((r) => r.id !== id).map((r) => ({ id: r.id, name: r.name })),
      today: this.clock.today(),
      values: { ...roundSummary(round), decisions: ['adopted', 'partially_adopted'], topN: 10, closesOn: round.closesOn },
    };
  }

  @Get('rounds/:id')
  @Render('judging/round')
  round(@Param('id', IdPipe) id: number) {
    return this.roundContext(id);
  }

  private back(req: Request, res: Response, id: number, message: string, anchor = '') {
    flash(req, 'success', message);
    res.redirect(303, `/judging/rounds/${id}${anchor}`);
  }

  @Post('rounds/:id')
  @FormPage('judging/round', (c: JudgingController, req) => c.roundContext(Number(req.params.id)))
  async update(@Param('id', IdPipe) id: number, @Body() dto: RoundSettingsDto, @Req() req: Request, @Res() res: Response) {
    await this.judging.updateRound(id, dto);
    this.back(req, res, id, '審査の設定を保存しました。');
  }

  @Post('rounds/:id/entries')
  @FormPage('judging/round', (c: JudgingController, req) => c.roundContext(Number(req.params.id)))
  async addEntries(@Param('id', IdPipe) id: number, @Body() dto: EntriesDto, @Req() req: Request, @Res() res: Response) {
    const { added, missing } = await this.judging.addEntries(id, dto);
    if (missing.length) flash(req, 'warning', `次の提案番号は、提出された提案に見つかりませんでした：${missing.join('、')}`);
    this.back(
      req,
      res,
      id,
      added ? `${added}件の提案を対象に加えました。` : '新しく加わった提案はありません（すでに対象か、条件に合う提案がありません）。',
      '#entries',
    );
  }

  @Post('rounds/:id/entries/remove')
  @FormPage('judging/round', (c: JudgingController, req) => c.roundContext(Number(req.params.id)))
  async removeEntry(@Param('id', IdPipe) id: number, @Body() dto: RemoveEntryDto, @Req() req: Request, @Res() res: Response) {
    await this.judging.removeEntry(id, dto.proposalId);
    this.back(req, res, id, '提案を対象から外しました。', '#entries');
  }

  @Post('rounds/:id/judges')
  @FormPage('judging/round', (c: JudgingController, req) => c.roundContext(Number(req.params.id)))
  async setJudges(@Param('id', IdPipe) id: number, @Body() dto: JudgesDto, @Req() req: Request, @Res() res: Response) {
    const count = await this.judging.setJudges(id, dto);
    this.back(req, res, id, `審査員を${count}人にしました。`, '#judges');
  }

  @Post('rounds/:id/open')
  @FormPage('judging/round', (c: JudgingController, req) => c.roundContext(Number(req.params.id)))
  async open(@Param('id', IdPipe) id: number, @Body() dto: VersionedDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.judging.open(user, id, dto.version);
    this.back(req, res, id, '審査を始めました。審査員に採点の依頼を通知しました。');
  }

  @Post('rounds/:id/extend')
  @FormPage('judging/round', (c: JudgingController, req) => c.roundContext(Number(req.params.id)))
  async extend(@Param('id', IdPipe) id: number, @Body() dto: ExtendDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.judging.extend(user, id, dto);
    this.back(req, res, id, '締切日を変えました。審査員に通知しました。');
  }

  @Post('rounds/:id/close')
  @FormPage('judging/round', (c: JudgingController, req) => c.roundContext(Number(req.params.id)))
  async close(@Param('id', IdPipe) id: number, @Body() dto: VersionedDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.judging.close(user, id, dto.version);
    flash(req, 'success', '審査を締め切りました。結果を確認してください。');
    res.redirect(303, `/judging/rounds/${id}/results`);
  }

  @Post('rounds/:id/reopen')
  @FormPage('judging/round', (c: JudgingController, req) => c.roundContext(Number(req.params.id)))
  async reopen(@Param('id', IdPipe) id: number, @Body() dto: ReopenDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.judging.reopen(user, id, dto);
    this.back(req, res, id, '審査を再開しました。理由は記録に残りました。');
  }

  /** The screen for a presentation event: how many judges have scored each entry; the results once closed. */
  @Get('rounds/:id/live')
  @Render('judging/live')
  async live(@Param('id', IdPipe) id: number) {
    const round = await this.judging.round(id);
    const progress = await this.judging.progress(round);
    const results = round.status === 'closed' ? await this.judging.results(id) : null;
    return {
      title: `${round.name}（会場表示）`,
      round: roundSummary(round),
      // the screen at the venue follows the judges by itself (public/js/live-refresh.js, which can be paused)
      refreshSeconds: round.status === 'open' ? LIVE_REFRESH_SECONDS : null,
      entries: progress.entries.map((e) => ({
        position: e.position,
        number: e.number,
        title: e.title,
        finished: e.finished,
        eligible: e.eligible,
        allDone: e.allDone,
      })),
      judgeCount: progress.judges.length,
      ranking: results?.ranking.filter((r) => r.rank !== null && r.rank <= 10).map((r) => rankingRow(r, false)) ?? null,
    };
  }

  @Get('rounds/:id/results')
  @Render('judging/results')
  async results(@Param('id', IdPipe) id: number) {
    const round = await this.judging.round(id);
    if (round.status !== 'closed') {
      return { title: `${round.name} 結果`, round: roundSummary(round), notYet: true };
    }
    const { criteria, ranking } = await this.judging.results(id);
    return {
      title: `${round.name} 結果`,
      round: roundSummary(round),
      criteria,
      full: maxTotal(criteria),
      ranking: ranking.map((r) => rankingRow(r, true)),
      ties: ranking.filter((r) => r.tiedWith.length && r.rank !== null).length > 0,
    };
  }

  @Get('rounds/:id/results.csv')
  async resultsCsv(@Param('id', IdPipe) id: number, @Query('encoding') encodingValue: unknown, @Res() res: Response) {
    const encoding = encodingParam(encodingValue);
    const { round, criteria, ranking } = await this.judging.results(id);
    if (round.status !== 'closed') throw new ConflictError('結果は、審査を締め切った後に出力できます。');
    res
      .set(csvHeaders({ name: `審査結果_${round.name}.csv`, ascii: `judging-results-${round.id}.csv` }, encoding))
      .send(encodeCsv(toCsv(resultsCsvRows(criteria, ranking)), encoding));
  }

  /** Every score change of the round (who, when, old, new), newest first. */
  @Get('rounds/:id/log')
  @Render('judging/log')
  async log(@Param('id', IdPipe) id: number) {
    const round = await this.judging.round(id);
    const [changes, criteria] = await Promise.all([this.judging.scoreLog(id), this.judging.criteriaOf(round)]);
    const names = new Map(criteria.map((c) => [c.position, c.name]));
    return {
      title: `${round.name} 採点の記録`,
      round: roundSummary(round),
      changes: changes.map((c) => ({
        at: formatJstDateTime(c.changedAt),
        judgeName: c.judgeName,
        number: c.number,
        field: c.criterionPosition === null ? 'コメント' : (names.get(c.criterionPosition) ?? `基準${c.criterionPosition}`),
        oldValue: c.oldValue ?? '（なし）',
        newValue: c.newValue ?? '（なし）',
      })),
    };
  }
}

/** The criteria rows as typed, for the form shown again with its messages. */
function typedCriteriaRows(body: Record<string, unknown> | undefined) {
  if (!body) return [];
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const names = list(body.name);
  return names.map((name, i) => ({
    name,
    description: list(body.description)[i] ?? '',
    weight: list(body.weight)[i] ?? '',
    scaleMax: list(body.scaleMax)[i] ?? '',
  }));
}
