import { Controller, Get, Render } from '@nestjs/common';
import type { User } from '../users/user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public, SignedIn } from '../auth/access.decorators';
import { DashboardService } from './dashboard.service';
import { JudgingService } from '../judging/judging.service';
import { CallsService } from '../calls/calls.service';
import { KaizenService } from '../kaizen/kaizen.service';

@Controller()
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly judging: JudgingService,
    private readonly calls: CallsService,
    private readonly kaizen: KaizenService,
  ) {}

  /** Each role's own work, with counts and links; see DashboardService. */
  @Get()
  @SignedIn()
  @Render('dashboard/index')
  async index(@CurrentUser() user: User) {
    // rounds to score: anyone may be named a judge of a round, whatever their roles
    const [page, scoring, openCalls, kaizen] = await Promise.all([
      this.dashboard.forUser(user),
      this.judging.openRoundsOfJudge(user),
      user.hasRole('staff') ? this.calls.openCallsFor(user) : [],
      user.hasRole('head', 'office') ? this.kaizen.pendingFor(user) : null,
    ]);
    return { ...page, scoring, openCalls, kaizen };
  }

  /** For a load balancer or monitoring: answers without a session and without touching data. */
  @Get('healthz')
  @Public()
  health() {
    return { status: 'ok' };
  }
}
