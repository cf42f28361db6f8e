import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 似ている提案, stored (issue 11): a submitted proposal's earlier similar proposals are fixed once it
 * is submitted (only proposals submitted before it count), so they are ranked once and kept here
 * instead of searched on every view; the viewer's visibility is applied when they are shown.
 *
 * `similar_ids`: the ranked ids, most similar first, comma-separated (read whole, never queried by id).
 * `generation`: the value of similar_ranking_generation when the ranking was made. A text change of a
 * submitted proposal (a returned one edited by its proposer: rare) moves the generation on, and every
 * ranking made before it is made again when next needed, since any later proposal may rank it
 * differently now. Same statements on SQLite and PostgreSQL.
 */
export class SimilarRankings1765100000001 implements MigrationInterface {
  name = 'SimilarRankings1765100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE similar_rankings (
        proposal_id integer PRIMARY KEY REFERENCES proposals (id) ON DELETE CASCADE,
        similar_ids text NOT NULL,
        generation integer NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE similar_ranking_generation (
        id integer PRIMARY KEY CHECK (id = 1),
        value integer NOT NULL
      )`);
    await queryRunner.query('INSERT INTO similar_ranking_generation (id, value) VALUES (1, 0)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE similar_ranking_generation');
    await queryRunner.query('DROP TABLE similar_rankings');
  }
}
