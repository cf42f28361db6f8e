import { Module } from '@nestjs/common';

/** The legacy ledger (提案簿): import from and export to the office's spreadsheets. */
@Module({})
export class LedgerModule {}
