import { Module } from '@nestjs/common';
import { JudgingModule } from '../judging/judging.module';
import { KaizenModule } from '../kaizen/kaizen.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { ProposalStoreModule } from '../proposals/proposal-store.module';
import { SettingsModule } from '../settings/settings.module';
import { AwardStoreModule } from './award.repository';
import { AwardsController } from './awards.controller';
import { AwardsService } from './awards.service';

/** 表彰: the year's tiers, the awards and their certificates (issue 12). */
@Module({
  imports: [AwardStoreModule, ProposalStoreModule, JudgingModule, KaizenModule, NotificationsModule, SettingsModule],
  controllers: [AwardsController],
  providers: [AwardsService],
})
export class AwardsModule {}
