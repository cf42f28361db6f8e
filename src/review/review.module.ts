import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { ProposalStoreModule } from '../proposals/proposal-store.module';
import { ProposalsModule } from '../proposals/proposals.module';
import { UsersStoreModule } from '../users/users.repository';
import { InboxController } from './inbox.controller';
import { InboxService } from './inbox.service';
import { ProposalWorkflowService } from './proposal-workflow.service';
import { WorkflowController } from './workflow.controller';

/** The office's and the divisions' steps on a proposal (受理・回付 to 実施), and their inboxes. */
@Module({
  imports: [ProposalsModule, ProposalStoreModule, NotificationsModule, UsersStoreModule],
  controllers: [WorkflowController, InboxController],
  providers: [ProposalWorkflowService, InboxService],
  exports: [ProposalWorkflowService],
})
export class ReviewModule {}
