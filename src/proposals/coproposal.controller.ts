import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { User } from '../users/user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { flash } from '../common/flash';
import { IdPipe } from '../common/id.pipe';
import { CoproposalService } from './coproposal.service';

/** The two buttons of 「共同提案への招待」 on the proposal page. */
@Controller('proposals/:id/coproposal')
export class CoproposalController {
  constructor(private readonly coproposal: CoproposalService) {}

  @Post('accept')
  @Roles('staff')
  async accept(@Param('id', IdPipe) id: number, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.coproposal.accept(user, id);
    flash(req, 'success', '共同提案者として参加しました。');
    res.redirect(303, `/proposals/${id}`);
  }

  @Post('decline')
  @Roles('staff')
  async decline(@Param('id', IdPipe) id: number, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.coproposal.decline(user, id);
    flash(req, 'success', '共同提案者への招待を辞退しました（共同提案者から外れました）。');
    // the proposal may no longer be visible to them (a draft): back to their own list
    res.redirect(303, '/proposals/mine');
  }
}
