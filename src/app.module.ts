import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AccessGuard } from './auth/access.guard';
import { AuthModule } from './auth/auth.module';
import { CsrfGuard } from './auth/csrf';
import { SessionModule } from './auth/session.module';
import { AppLogger } from './common/app-logger';
import { Clock, SystemClock } from './common/clock';
import { CommonModule } from './common/common.module';
import { ErrorPageFilter } from './common/error-page.filter';
import { FormPageInterceptor } from './common/form-page.interceptor';
import { createValidationPipe } from './common/forms';
import { AppConfig } from './config/config';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule } from './database/database.module';
import { DemoSeedService } from './database/demo-seed.service';
import { NotificationsModule } from './notifications/notifications.module';
import { OrganizationModule } from './organization/organization.module';
import { ProposalsModule } from './proposals/proposals.module';
import { ReportsModule } from './reports/reports.module';
import { ReviewModule } from './review/review.module';
import { LedgerModule } from './ledger/ledger.module';
import { JudgingModule } from './judging/judging.module';
import { AwardsModule } from './awards/awards.module';
import { CallsModule } from './calls/calls.module';
import { KaizenModule } from './kaizen/kaizen.module';
import { ParticipationModule } from './participation/participation.module';
import { SettingsModule } from './settings/settings.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static register(config: AppConfig, logger = new AppLogger(config.logLevel), clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CommonModule.register(config, logger, clock),
        DatabaseModule.register(config),
        SessionModule,
        SettingsModule,
        OrganizationModule,
        UsersModule,
        AuthModule,
        NotificationsModule,
        ProposalsModule,
        ReviewModule,
        ReportsModule,
        LedgerModule,
        DashboardModule,
        JudgingModule,
        AwardsModule,
        CallsModule,
        KaizenModule,
        ParticipationModule,
      ],
      providers: [
        DemoSeedService,
        // Guards run in this order: who may use the route first, then the CSRF token.
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: CsrfGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_INTERCEPTOR, useClass: FormPageInterceptor },
        { provide: APP_FILTER, useClass: ErrorPageFilter },
      ],
    };
  }
}
