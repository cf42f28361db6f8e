import { Module } from '@nestjs/common';
import { DbService } from '../database/db.service';
import { ProposalStoreModule } from '../proposals/proposal-store.module';
import { ProposalRepository } from '../proposals/proposal.repository';
import { Fts5ProposalSearch } from './fts5-proposal-search';
import { ProposalSearch } from './proposal-search';
import { SearchIndexMaintenanceService } from './search-index-maintenance.service';
import { TrigramProposalSearch } from './trigram-proposal-search';

/**
 * The text search of proposals, its engine chosen here once for the database the app runs on, and
 * the upkeep of SQLite's index. DbService and AppLogger come from the global database and common modules.
 */
@Module({
  imports: [ProposalStoreModule],
  providers: [
    {
      provide: ProposalSearch,
      inject: [DbService, ProposalRepository],
      useFactory: (db: DbService, repository: ProposalRepository): ProposalSearch =>
        db.isSqlite ? new Fts5ProposalSearch(db, repository) : new TrigramProposalSearch(db),
    },
    SearchIndexMaintenanceService,
  ],
  exports: [ProposalSearch, SearchIndexMaintenanceService],
})
export class SearchModule {}
