import { Controller, Get, Render, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public, SignedIn } from '../auth/access.decorators';

@Controller()
export class DashboardController {
  @Get()
  @SignedIn()
  @Render('dashboard/index')
  dashboard(@Req() req: Request) {
    const user = req.user!;
    return {
      title: 'ダッシュボード',
      user,
      roles: user.roles,
      isStaff: user.hasRole('staff'),
      isReviewer: user.hasRole('reviewer'),
      isOffice: user.hasRole('office'),
      isAdmin: user.hasRole('admin'),
    };
  }

  /** For a load balancer or monitoring: answers without a session and without touching data. */
  @Get('healthz')
  @Public()
  health() {
    return { status: 'ok' };
  }
}
