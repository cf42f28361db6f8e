import type { EntityManager } from 'typeorm';
import { placeholder } from '../database/sql-placeholder';

/*
 * The stored rankings of 似ている提案 (migration 1765100000001-SimilarRankings): a submitted proposal's
 * earlier similar proposals, ranked once after it is submitted and read on every view. The functions
 * take the caller's manager, so a text change forgets rankings in the same transaction as the change.
 */

export interface StoredRanking {
  ids: number[];
  /** Made before an earlier proposal's text last changed: to be made again. */
  stale: boolean;
}

/** The stored ranking of a proposal, or null when it has none yet. */
export async function readRanking(manager: EntityManager, proposalId: number): Promise<StoredRanking | null> {
  const rows = (await manager.query(
    `SELECT r.similar_ids AS ids, r.generation AS made, g.value AS now
       FROM similar_rankings r CROSS JOIN similar_ranking_generation g
      WHERE r.proposal_id = ${placeholder(manager.connection, 1)}`,
    [proposalId],
  )) as { ids: string; made: number | string; now: number | string }[];
  if (!rows.length) return null;
  const ids = rows[0].ids ? rows[0].ids.split(',').map(Number) : [];
  return { ids, stale: Number(rows[0].made) !== Number(rows[0].now) };
}

/** The generation a ranking about to be made belongs to: read before the texts it is made from. */
export async function currentGeneration(manager: EntityManager): Promise<number> {
  const rows = (await manager.query('SELECT value FROM similar_ranking_generation WHERE id = 1')) as { value: number | string }[];
  return Number(rows[0]?.value ?? 0);
}

/** Stores (or replaces) a ranking. */
export async function storeRanking(manager: EntityManager, proposalId: number, ids: readonly number[], generation: number): Promise<void> {
  const [p1, p2, p3] = [1, 2, 3].map((n) => placeholder(manager.connection, n));
  await manager.query(
    `INSERT INTO similar_rankings (proposal_id, similar_ids, generation) VALUES (${p1}, ${p2}, ${p3})
     ON CONFLICT (proposal_id) DO UPDATE SET similar_ids = excluded.similar_ids, generation = excluded.generation`,
    [proposalId, ids.join(','), generation],
  );
}

/**
 * A proposal's title or text changed. Its own ranking goes; when it had been submitted (a returned
 * proposal being edited) it is an earlier proposal of every proposal submitted after it, so every
 * ranking made before now is to be made again (a rare event: global is simpler than finding who
 * would rank it, and each ranking is made again only when next needed).
 */
export async function forgetRankingsAfterTextChange(manager: EntityManager, proposal: { id: number; submittedAt: Date | null }): Promise<void> {
  await manager.query(`DELETE FROM similar_rankings WHERE proposal_id = ${placeholder(manager.connection, 1)}`, [proposal.id]);
  if (proposal.submittedAt) await manager.query('UPDATE similar_ranking_generation SET value = value + 1 WHERE id = 1');
}
