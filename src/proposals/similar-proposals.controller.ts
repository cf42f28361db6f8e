import { Controller, Get, Query } from '@nestjs/common';
import type { User } from '../users/user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
import { SignedIn } from '../auth/access.decorators';
import { SimilarProposal, SimilarProposalsService } from './similar-proposals.service';

const positiveInt = (value: unknown): number | undefined => (typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined);

/**
 * 似ている提案 as JSON, for the proposal form while the title is typed (public/js/similar-proposals.js).
 * Registered before ProposalsController so that `proposals/similar` is not taken for `proposals/:id`.
 */
@Controller()
export class SimilarProposalsController {
  constructor(private readonly similar: SimilarProposalsService) {}

  /** Any signed-in user: the answer holds only what that user may see anyway. */
  @Get('proposals/similar')
  @SignedIn()
  find(@CurrentUser() user: User, @Query() query: Record<string, unknown>): Promise<SimilarProposal[]> {
    const q = typeof query.q === 'string' ? query.q : '';
    return this.similar.findSimilar(user, q, positiveInt(query.exclude));
  }
}
