import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationsModule } from '../notifications/notifications.module';
import { OrganizationModule } from '../organization/organization.module';
import { SettingsService } from '../settings/settings.service';
import { InboxController } from './inbox.controller';
import { InboxService } from './inbox.service';
import { ProposalViewService } from './proposal-view.service';
import { ProposalWorkflowService } from './proposal-workflow.service';
import { Proposal } from './proposal.entity';
import { ProposalsController } from './proposals.controller';
import { ProposalsService } from './proposals.service';
import { WorkflowController } from './workflow.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Proposal]), OrganizationModule, NotificationsModule],
  controllers: [ProposalsController, WorkflowController, InboxController],
  providers: [ProposalsService, ProposalWorkflowService, ProposalViewService, InboxService, SettingsService],
  exports: [ProposalsService],
})
export class ProposalsModule {}
