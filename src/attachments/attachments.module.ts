import { Module } from '@nestjs/common';
import { ProposalStoreModule } from '../proposals/proposal-store.module';
import { AttachmentsService } from './attachments.service';

/**
 * The files of proposals: storage and the rules on who may add or read them. Their controller is
 * registered by ProposalsModule, since a refused upload answers with the proposal page.
 */
@Module({
  imports: [ProposalStoreModule],
  providers: [AttachmentsService],
  exports: [AttachmentsService],
})
export class AttachmentsModule {}
