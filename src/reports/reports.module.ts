import { Module } from '@nestjs/common';
import { AwardStoreModule } from '../awards/award.repository';
import { ReportCsvService } from './report-csv.service';
import { ReportsController } from './reports.controller';
import { ReportsExportController } from './reports-export.controller';
import { ReportsService } from './reports.service';
import { YearColumnsRepository } from './year-columns.repository';

@Module({
  imports: [AwardStoreModule],
  // the CSV routes first: /reports/years/:year/:kind.csv must not be taken for a page route
  controllers: [ReportsExportController, ReportsController],
  providers: [ReportsService, ReportCsvService, YearColumnsRepository],
  exports: [ReportsService, ReportCsvService],
})
export class ReportsModule {}
