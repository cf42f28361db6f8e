import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppLogger } from '../common/app-logger';
import { DbService } from '../database/db.service';
import { onSlowTransaction } from '../database/sqlite-transactions';
import { decodeFts5Structure, FTS5_STRUCTURE_ROWID, SearchIndexStructure } from './fts5-structure';

/**
 * Output pages (4,000 bytes each, FTS5's default page size) one merge step writes before it stops at
 * the next term. Measured on 200,000 generated proposals while 10,000 single-proposal writes went in:
 * median under 1 ms, 99th percentile about 10 ms, so a submission queued behind a step hardly notices.
 * FTS5 finishes the term it is on, so a step can run over by one term's list of proposals: small in
 * every segment except a bulk-loaded one, which this job never merges (see raiseSearchIndexLevels in
 * src/scale/load-generated-data.ts).
 */
export const MERGE_STEP_PAGES = 64;

/** Steps one run does at most (about 128 MB of index); a run that stops there goes on at the next tick. */
export const MERGE_STEPS_PER_RUN = 500;

export interface MergeRun {
  /** Steps that merged something. */
  steps: number;
  /** False when the run stopped at MERGE_STEPS_PER_RUN (or at shutdown) with work left. */
  finished: boolean;
}

/**
 * Keeps the SQLite full-text index (proposals_fts) merged without ever merging inside a user's
 * transaction (issue 11). FTS5's automatic merging is off (migration 1765100000000), so each write to
 * the index only adds a small segment, and the scheduler calls merge() every few seconds: bounded
 * steps, each its own transaction queued behind the users' writes like any other (DbService), so a
 * submission waits at most one step. On PostgreSQL every method is a no-op.
 */
@Injectable()
export class SearchIndexMaintenanceService implements OnModuleInit, OnModuleDestroy {
  private stopping = false;
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly db: DbService,
    private readonly logger: AppLogger,
  ) {}

  get enabled(): boolean {
    return this.db.isSqlite;
  }

  onModuleInit(): void {
    // Here rather than in the database layer, which opens before the logger is injectable: a write
    // that held the one connection too long is what this service exists to prevent, so it is reported.
    this.unsubscribe = onSlowTransaction(this.db.dataSource, (t) =>
      this.logger.event('warn', 'slow_transaction', { ms: Math.round(t.ms), outcome: t.outcome, firstWrite: t.firstWrite }),
    );
  }

  onModuleDestroy(): void {
    this.stopping = true;
    this.unsubscribe();
  }

  /**
   * Merge steps until FTS5 has nothing left to merge: no level with `usermerge` (4) segments and no
   * merge half done. Between two steps, every write that was waiting goes first.
   */
  async merge(): Promise<MergeRun> {
    if (!this.enabled) return { steps: 0, finished: true };
    const started = Date.now();
    let steps = 0;
    let finished = false;
    while (!this.stopping && steps < MERGE_STEPS_PER_RUN) {
      if (!(await this.mergeStep())) {
        finished = true;
        break;
      }
      steps++;
    }
    if (steps) {
      const structure = await this.structure();
      this.logger.event('info', 'search_index_merged', { steps, finished, ms: Date.now() - started, segments: structure?.segments });
    }
    return { steps, finished };
  }

  /**
   * One merge step of at most `pages` output pages, in its own transaction. Returns whether it merged
   * anything: FTS5's 'merge' command changes at least two rows of its tables when it does work and
   * fewer when there was nothing to merge, and total_changes() counts those inner changes (the FTS5
   * documentation's own test). The write queue keeps anything else off the connection in between.
   */
  mergeStep(pages = MERGE_STEP_PAGES): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    return this.db.transaction(async (manager) => {
      const before = await totalChanges(manager);
      await manager.query(`INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('merge', ?)`, [pages]);
      return (await totalChanges(manager)) - before >= 2;
    });
  }

  /** The index's segments by level (null on PostgreSQL, or before anything was ever indexed). */
  async structure(): Promise<SearchIndexStructure | null> {
    if (!this.enabled) return null;
    const [row] = (await this.db.dataSource.query('SELECT block FROM proposals_fts_data WHERE id = ?', [FTS5_STRUCTURE_ROWID])) as { block: Buffer }[];
    return row ? decodeFts5Structure(row.block) : null;
  }
}

async function totalChanges(manager: EntityManager): Promise<number> {
  const [row] = (await manager.query('SELECT total_changes() AS n')) as { n: number }[];
  return Number(row.n);
}
