import { Module } from '@nestjs/common';
import { OrganizationModule } from '../organization/organization.module';
import { ProposalsModule } from '../proposals/proposals.module';
import { ReviewModule } from '../review/review.module';
import { SettingsModule } from '../settings/settings.module';
import { CallStoreModule } from './call.repository';
import { CallViewService } from './call-view.service';
import { CallsController } from './calls.controller';
import { CallsService } from './calls.service';

/** 課題提案: themed calls of the office, answered with proposals (issue 13). */
@Module({
  imports: [CallStoreModule, ProposalsModule, ReviewModule, OrganizationModule, SettingsModule],
  controllers: [CallsController],
  providers: [CallsService, CallViewService],
  exports: [CallsService],
})
export class CallsModule {}
