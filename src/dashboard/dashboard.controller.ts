import { Controller, Get, Render } from '@nestjs/common';
import type { User } from '../users/user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public, SignedIn } from '../auth/access.decorators';
import { DashboardService } from './dashboard.service';

@Controller()
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  /** Each role's own work, with counts and links; see DashboardService. */
  @Get()
  @SignedIn()
  @Render('dashboard/index')
  index(@CurrentUser() user: User) {
    return this.dashboard.forUser(user);
  }

  /** For a load balancer or monitoring: answers without a session and without touching data. */
  @Get('healthz')
  @Public()
  health() {
    return { status: 'ok' };
  }
}
