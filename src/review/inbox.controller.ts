import { Controller, Get, Render } from '@nestjs/common';
import type { User } from '../users/user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
import { Roles } from '../auth/access.decorators';
import { IMPLEMENTATION_LABELS } from '../proposals/proposal-state-machine';
import { InboxService } from './inbox.service';

@Controller()
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get('office')
  @Roles('office')
  @Render('proposals/office-inbox')
  async office() {
    return { title: '事務局の受付箱', ...(await this.inbox.office()) };
  }

  @Get('review')
  @Roles('reviewer')
  @Render('proposals/review-inbox')
  async review(@CurrentUser() user: User) {
    const inbox = await this.inbox.reviewer(user);
    return {
      title: '所管課の受付箱',
      divisionName: user.division?.name ?? null,
      ...inbox,
      implementing: inbox.implementing.map((p) => ({ ...p, implementationLabel: p.implementationStatus ? IMPLEMENTATION_LABELS[p.implementationStatus] : '' })),
    };
  }
}
