import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationsModule } from '../notifications/notifications.module';
import { OrganizationModule } from '../organization/organization.module';
import { AttachmentsController } from '../attachments/attachments.controller';
import { AttachmentsService } from '../attachments/attachments.service';
import { CoproposalController } from './coproposal.controller';
import { CoproposalService } from './coproposal.service';
import { InboxController } from '../review/inbox.controller';
import { InboxService } from '../review/inbox.service';
import { ProposalViewService } from './proposal-view.service';
import { ProposalWorkflowService } from '../review/proposal-workflow.service';
import { Proposal } from './proposal.entity';
import { ProposalsController } from './proposals.controller';
import { ProposalsService } from './proposals.service';
import { ProposalRepository } from './proposal.repository';
import { SimilarProposalsController } from './similar-proposals.controller';
import { SimilarProposalsService } from './similar-proposals.service';
import { WorkflowController } from '../review/workflow.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Proposal]), OrganizationModule, NotificationsModule],
  // SimilarProposalsController first: its `proposals/similar` must be matched before `proposals/:id`
  controllers: [SimilarProposalsController, ProposalsController, WorkflowController, InboxController, AttachmentsController, CoproposalController],
  providers: [
    ProposalRepository,
    CoproposalService,
    ProposalsService,
    ProposalWorkflowService,
    ProposalViewService,
    InboxService,
    SimilarProposalsService,
    AttachmentsService,
  ],
  exports: [ProposalsService],
})
export class ProposalsModule {}
