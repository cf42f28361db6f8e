import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AttachmentsController } from '../attachments/attachments.controller';
import { AttachmentsModule } from '../attachments/attachments.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { OrganizationModule } from '../organization/organization.module';
import { SearchModule } from '../search/search.module';
import { UsersStoreModule } from '../users/users.repository';
import { CoproposalController } from './coproposal.controller';
import { CoproposalService } from './coproposal.service';
import { ProposalListRepository } from './proposal-list.repository';
import { ProposalStoreModule } from './proposal-store.module';
import { ProposalViewService } from './proposal-view.service';
import { Proposal } from './proposal.entity';
import { ProposalsController } from './proposals.controller';
import { ProposalsService } from './proposals.service';
import { SimilarProposalsController } from './similar-proposals.controller';
import { SimilarProposalsService } from './similar-proposals.service';
import { AwardStoreModule } from '../awards/award.repository';
import { CallStoreModule } from '../calls/call.repository';

@Module({
  imports: [
    TypeOrmModule.forFeature([Proposal]),
    ProposalStoreModule,
    UsersStoreModule,
    AttachmentsModule,
    OrganizationModule,
    NotificationsModule,
    SearchModule,
    AwardStoreModule,
    CallStoreModule,
  ],
  // SimilarProposalsController first: its `proposals/similar` must be matched before `proposals/:id`.
  // AttachmentsController is here because a refused upload answers with the proposal page (ProposalViewService).
  controllers: [SimilarProposalsController, ProposalsController, AttachmentsController, CoproposalController],
  providers: [ProposalListRepository, CoproposalService, ProposalsService, ProposalViewService, SimilarProposalsService],
  exports: [ProposalsService, ProposalViewService],
})
export class ProposalsModule {}
