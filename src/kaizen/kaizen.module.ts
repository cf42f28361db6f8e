import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { OrganizationModule } from '../organization/organization.module';
import { UsersStoreModule } from '../users/users.repository';
import { KaizenController } from './kaizen.controller';
import { KaizenFormUploadInterceptor } from './kaizen-form-upload.interceptor';
import { KaizenRepository } from './kaizen.repository';
import { KaizenService } from './kaizen.service';
import { KaizenViews } from './kaizen-views';

/**
 * 実績報告 (カイゼン報告): improvements already made, confirmed by the 所属長 and published by the office (issue 13).
 * Exports KaizenService for the dashboard (pendingFor: reports waiting for a 所属長's confirmation, and
 * for the office those confirmed and not yet published); the counting rule is in kaizen-counting.ts.
 */
@Module({
  imports: [NotificationsModule, OrganizationModule, UsersStoreModule],
  controllers: [KaizenController],
  providers: [KaizenRepository, KaizenService, KaizenViews, KaizenFormUploadInterceptor],
  exports: [KaizenService],
})
export class KaizenModule {}
