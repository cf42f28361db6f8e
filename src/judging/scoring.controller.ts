import { sendStoredFile } from '../attachments/stored-files';
import { formatFileSize, mediaTypeLabel } from '../attachments/file-type';
import { Body, Controller, Get, Param, Post, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SignedIn } from '../auth/access.decorators';
import { CurrentUser, currentUser } from '../auth/current-user.decorator';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import type { User } from '../users/user.entity';
import { SheetDto } from './dto/judging.dto';
import { maxTotal } from './judging-results';
import { blindFileName, CONFLICT_LABELS, WINDOW_MESSAGES } from './judging-rules';
import { judgeEntryRow, rankingRow, roundSummary } from './judging-views';
import { JudgingService } from './judging.service';

const STATE_LABELS = { todo: '未採点', partial: '採点途中', done: '採点済', excluded: '対象外（利害関係）' } as const;

/**
 * The judges' side of 審査: their rounds, each entry's scoring sheet, and the results once closed.
 * Any signed-in user may be named a judge of a round, so the routes are open to every signed-in user
 * and the service answers "not found" to anyone who is not a judge of the round. Nothing here names a
 * proposer, a co-proposer or a division (judgeEntryRow), in blind rounds and open ones alike.
 */
@Controller('scoring')
@SignedIn()
export class ScoringController {
  constructor(private readonly judging: JudgingService) {}

  @Get()
  @Render('scoring/index')
  async index(@CurrentUser() user: User) {
    const rounds = await this.judging.roundsOfJudge(user);
    return {
      title: '審査（採点）',
      rounds: rounds
        .filter((r) => r.status !== 'preparing')
        .map((r) => ({ ...roundSummary(r), window: this.judging.window(r), windowOpen: this.judging.window(r) === 'open' })),
    };
  }

  @Get(':id')
  @Render('scoring/round')
  async round(@CurrentUser() user: User, @Param('id', IdPipe) id: number) {
    const { round, rows, window } = await this.judging.entriesForJudge(user, id);
    const countable = rows.filter((r) => r.state !== 'excluded');
    return {
      title: round.name,
      round: roundSummary(round),
      windowOpen: window === 'open',
      windowMessage: window === 'open' ? null : WINDOW_MESSAGES[window],
      rows: rows.map((r) => ({ ...judgeEntryRow(r.entry), state: r.state, stateLabel: STATE_LABELS[r.state] })),
      done: countable.filter((r) => r.state === 'done').length,
      total: countable.length,
    };
  }

  async entryContext(user: User, id: number, proposalId: number) {
    const e = await this.judging.entryForJudge(user, id, proposalId);
    const blind = e.round.blind;
    return {
      title: `${e.entry.number} ${e.entry.title}`,
      round: roundSummary(e.round),
      entry: judgeEntryRow(e.entry),
      count: e.count,
      proposal: {
        currentProblem: e.proposal.currentProblem,
        proposalText: e.proposal.proposalText,
        expectedEffect: e.proposal.expectedEffect,
        estimatedHours: e.proposal.estimatedHours,
        estimatedYen: e.proposal.estimatedYen,
      },
      attachments: e.attachments.map((a, i) => ({
        href: `/scoring/${id}/entries/${proposalId}/attachments/${a.id}`,
        name: blind ? blindFileName(i, a.fileName) : a.fileName,
        typeLabel: mediaTypeLabel(a.mediaType),
        sizeLabel: formatFileSize(a.size),
      })),
      conflictLabel: e.conflict ? CONFLICT_LABELS[e.conflict] : null,
      windowOpen: e.window === 'open',
      windowMessage: e.window === 'open' ? null : WINDOW_MESSAGES[e.window],
      criteria: e.criteria.map((c) => ({ ...c, field: `score${c.position}`, choices: Array.from({ length: c.scaleMax }, (_, i) => i + 1) })),
      full: maxTotal(e.criteria),
      previous: e.previous ? judgeEntryRow(e.previous) : null,
      next: e.next ? judgeEntryRow(e.next) : null,
      values: {
        ...Object.fromEntries(Object.entries(e.sheet.scores).map(([position, score]) => [`score${position}`, String(score)])),
        comment: e.sheet.comment ?? '',
      },
    };
  }

  @Get(':id/entries/:proposalId')
  @Render('scoring/entry')
  entry(@CurrentUser() user: User, @Param('id', IdPipe) id: number, @Param('proposalId', IdPipe) proposalId: number) {
    return this.entryContext(user, id, proposalId);
  }

  @Post(':id/entries/:proposalId')
  // refused: the page again with the judge's own typing (the loader's values are replaced by what was sent)
  @FormPage('scoring/entry', (c: ScoringController, req) => c.entryContext(currentUser(req), Number(req.params.id), Number(req.params.proposalId)))
  async save(
    @CurrentUser() user: User,
    @Param('id', IdPipe) id: number,
    @Param('proposalId', IdPipe) proposalId: number,
    @Body() dto: SheetDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const next = await this.judging.saveSheet(user, id, proposalId, dto);
    flash(req, 'success', '採点を保存しました。');
    res.redirect(303, dto.after === 'next' && next ? `/scoring/${id}/entries/${next}` : `/scoring/${id}/entries/${proposalId}`);
  }

  @Get(':id/entries/:proposalId/attachments/:attachmentId')
  async attachment(
    @CurrentUser() user: User,
    @Param('id', IdPipe) id: number,
    @Param('proposalId', IdPipe) proposalId: number,
    @Param('attachmentId', IdPipe) attachmentId: number,
    @Res() res: Response,
  ) {
    const { round, index, attachment, content } = await this.judging.attachmentForJudge(user, id, proposalId, attachmentId);
    sendStoredFile(res, { mediaType: attachment.mediaType, content }, round.blind ? blindFileName(index, attachment.fileName) : attachment.fileName);
  }

  @Get(':id/results')
  @Render('scoring/results')
  async results(@CurrentUser() user: User, @Param('id', IdPipe) id: number) {
    const { round, criteria, ranking } = await this.judging.resultsForJudge(user, id);
    return {
      title: `${round.name} 結果`,
      round: roundSummary(round),
      criteria,
      full: maxTotal(criteria),
      ranking: ranking.map((r) => rankingRow(r, false)),
    };
  }
}
