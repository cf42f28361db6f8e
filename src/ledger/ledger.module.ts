import { Module } from '@nestjs/common';
import { LedgerController, LedgerUploadInterceptor } from './ledger.controller';
import { LedgerImportService } from './ledger-import.service';
import { LedgerImportReports } from './ledger-import-reports';

/** The legacy ledger (提案簿): import from and export to the office's spreadsheets. */
@Module({
  controllers: [LedgerController],
  providers: [LedgerImportService, LedgerUploadInterceptor, LedgerImportReports],
  exports: [LedgerImportService],
})
export class LedgerModule {}
