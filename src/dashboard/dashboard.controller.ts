import { Controller, Get, Render } from '@nestjs/common';
import type { User } from '../users/user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public, SignedIn } from '../auth/access.decorators';
import { DashboardService } from './dashboard.service';
import { JudgingService } from '../judging/judging.service';

@Controller()
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly judging: JudgingService,
  ) {}

  /** Each role's own work, with counts and links; see DashboardService. */
  @Get()
  @SignedIn()
  @Render('dashboard/index')
  async index(@CurrentUser() user: User) {
    // rounds to score: anyone may be named a judge of a round, whatever their roles
    const [page, scoring] = await Promise.all([this.dashboard.forUser(user), this.judging.openRoundsOfJudge(user)]);
    return { ...page, scoring };
  }

  /** For a load balancer or monitoring: answers without a session and without touching data. */
  @Get('healthz')
  @Public()
  health() {
    return { status: 'ok' };
  }
}
