import { Module } from '@nestjs/common';
import { JudgingModule } from '../judging/judging.module';
import { CallsModule } from '../calls/calls.module';
import { KaizenModule } from '../kaizen/kaizen.module';
import { ReportsModule } from '../reports/reports.module';
import { DashboardController } from './dashboard.controller';
import { DashboardRepository } from './dashboard.repository';
import { DashboardService } from './dashboard.service';

@Module({
  imports: [ReportsModule, JudgingModule, CallsModule, KaizenModule],
  controllers: [DashboardController],
  providers: [DashboardService, DashboardRepository],
})
export class DashboardModule {}
