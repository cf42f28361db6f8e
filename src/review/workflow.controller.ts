import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { User } from '../users/user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { DecisionDto, ImplementationDto, NotAcceptDto, OpinionDto, ProxyOpinionDto, ReturnDto, RouteDto } from '../proposals/dto/workflow.dto';
import { ProposalViewService } from '../proposals/proposal-view.service';
import { ProposalWorkflowService } from './proposal-workflow.service';

/**
 * The office's and reviewers' action forms on the proposal page. Each re-renders that page with its
 * messages when refused (ProposalViewService.detailContext loads the page around the form).
 */
@Controller('proposals/:id')
export class WorkflowController {
  constructor(
    private readonly workflow: ProposalWorkflowService,
    private readonly views: ProposalViewService,
  ) {}

  /** A routed 課 without an active reviewer would never answer; the office hears it at once. */
  private warnUnattended(req: Request, divisionNames: string[]): void {
    if (!divisionNames.length) return;
    flash(
      req,
      'warning',
      `${divisionNames.join('・')}には有効な審査担当がいません。意見は届かないため、「所管課意見の代理入力」で登録するか、管理者に審査担当の登録を依頼してください。`,
    );
  }

  private done(req: Request, res: Response, id: number, message: string): void {
    flash(req, 'success', message);
    res.redirect(303, `/proposals/${id}`);
  }

  @Post('accept')
  @Roles('office')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async accept(@Param('id', IdPipe) id: number, @Body() dto: RouteDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const unattended = await this.workflow.accept(user, id, dto);
    this.warnUnattended(req, unattended);
    this.done(req, res, id, '受理し、所管課に回付しました。');
  }

  @Post('reroute')
  @Roles('office')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async reroute(@Param('id', IdPipe) id: number, @Body() dto: RouteDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const unattended = await this.workflow.reroute(user, id, dto);
    this.warnUnattended(req, unattended);
    this.done(req, res, id, '回付先・回答期限を変更しました。');
  }

  @Post('not-accept')
  @Roles('office')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async notAccept(@Param('id', IdPipe) id: number, @Body() dto: NotAcceptDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.workflow.notAccept(user, id, dto);
    this.done(req, res, id, '不受理としました。');
  }

  @Post('return')
  @Roles('office')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async returnToProposer(@Param('id', IdPipe) id: number, @Body() dto: ReturnDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.workflow.returnToProposer(user, id, dto);
    this.done(req, res, id, '提案者に差し戻しました。');
  }

  @Post('opinion')
  @Roles('reviewer')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async opinion(@Param('id', IdPipe) id: number, @Body() dto: OpinionDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.workflow.giveOpinion(user, id, dto);
    this.done(req, res, id, '所管課の意見を登録しました。');
  }

  @Post('proxy-opinion')
  @Roles('office')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async proxyOpinion(@Param('id', IdPipe) id: number, @Body() dto: ProxyOpinionDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.workflow.giveOpinionOnBehalf(user, id, dto);
    this.done(req, res, id, '所管課の意見を代理入力しました。');
  }

  @Post('decision')
  @Roles('office')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async decide(@Param('id', IdPipe) id: number, @Body() dto: DecisionDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.workflow.decide(user, id, dto);
    this.done(req, res, id, '採否を決定しました。提案者に通知しました。');
  }

  @Post('correction')
  @Roles('office')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async correct(@Param('id', IdPipe) id: number, @Body() dto: DecisionDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.workflow.correctDecision(user, id, dto);
    this.done(req, res, id, '採否を訂正しました。');
  }

  @Post('implementation')
  @Roles('reviewer', 'office')
  @FormPage('proposals/show', (c: WorkflowController, req) => c.views.detailContext(req))
  async implementation(@Param('id', IdPipe) id: number, @Body() dto: ImplementationDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.workflow.updateImplementation(user, id, dto);
    this.done(req, res, id, '実施状況を更新しました。');
  }
}
