import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { UsersStoreModule } from '../users/users.repository';
import { JudgingController } from './judging.controller';
import { JudgingRepository } from './judging.repository';
import { JudgingService } from './judging.service';
import { ScoringController } from './scoring.controller';

/** 審査: review rounds, judges' scoring and the results (issue 12). */
@Module({
  imports: [NotificationsModule, UsersStoreModule],
  controllers: [JudgingController, ScoringController],
  providers: [JudgingRepository, JudgingService],
  exports: [JudgingService],
})
export class JudgingModule {}
