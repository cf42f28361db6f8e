import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ProposalStoreModule } from '../proposals/proposal-store.module';
import { SearchModule } from '../search/search.module';
import { UsersStoreModule } from '../users/users.repository';
import { DigestService } from './digest.service';
import { createMailTransport, MAIL_TRANSPORT, MailSenderService } from './mail-sender.service';
import { Notification } from './notification.entity';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { RemindersService } from './reminders.service';
import { SchedulerService } from './scheduler.service';

@Module({
  imports: [TypeOrmModule.forFeature([Notification]), SearchModule, UsersStoreModule, ProposalStoreModule],
  controllers: [NotificationsController],
  providers: [
    NotificationsService,
    { provide: MAIL_TRANSPORT, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createMailTransport(config) },
    MailSenderService,
    RemindersService,
    DigestService,
    SchedulerService,
  ],
  exports: [NotificationsService, MailSenderService, RemindersService, DigestService, SchedulerService],
})
export class NotificationsModule {}
