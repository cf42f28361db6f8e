import { Module } from '@nestjs/common';
import { SearchIndexMaintenanceService } from './search-index-maintenance.service';

/** Full-text search upkeep; DbService and AppLogger come from the global database and common modules. */
@Module({
  providers: [SearchIndexMaintenanceService],
  exports: [SearchIndexMaintenanceService],
})
export class SearchModule {}
