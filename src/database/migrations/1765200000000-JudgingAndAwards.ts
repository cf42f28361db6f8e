import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKeyOptions } from 'typeorm';
import { idColumn, insertRows, timestampColumn } from './migration-helpers';

const fk = (column: string, table: string, onDelete: 'CASCADE' | 'RESTRICT' | 'SET NULL' = 'RESTRICT'): TableForeignKeyOptions => ({
  columnNames: [column],
  referencedTableName: table,
  referencedColumnNames: ['id'],
  onDelete,
});

const criterionColumns: TableColumnOptions[] = [
  { name: 'position', type: 'integer' },
  { name: 'name', type: 'varchar', length: '50' },
  { name: 'description', type: 'varchar', length: '200', isNullable: true },
  { name: 'weight', type: 'integer' },
  { name: 'scale_max', type: 'integer' },
];

/** The criteria cities publish in their rules (DOMAIN.md, 審査会 and 表彰); 効果 counts twice. The office can change them. */
export const DEFAULT_CRITERIA = [
  { name: '独創性', description: 'これまでにない新しい発想や工夫があるか', weight: 1, scale_max: 5 },
  { name: '実現性', description: '費用・体制・法令の面で実現できるか', weight: 1, scale_max: 5 },
  { name: '効果（市民サービス・業務効率）', description: '市民サービスの向上や業務の効率化にどれだけ役立つか', weight: 2, scale_max: 5 },
  { name: '経済性（費用対効果）', description: 'かかる費用に見合う効果があるか', weight: 1, scale_max: 5 },
  { name: '汎用性（横展開の可能性）', description: '他の課や業務にも広げられるか', weight: 1, scale_max: 5 },
];

/**
 * 審査会 and 表彰 (issue 12).
 *   judging_criteria        the office's current criteria (審査基準), copied into a round when it opens
 *   judging_rounds          a review round of a fiscal year: window, blind, trimmed mean, status
 *   judging_round_criteria  the criteria as they were when the round opened
 *   judging_entries         the proposals a round scores, in entry order
 *   judging_judges          who scores a round
 *   judging_scores          one score per (round, proposal, judge, criterion); judging_comments one comment per sheet
 *   judging_score_log       every change of a score or comment: who, when, old, new
 *   judging_round_events    opened, closed, re-opened (with the reason)
 *   award_tiers, awards, award_recipients   表彰: the year's tiers, the awards, and who received them
 *                           (name and division as they were when the award was decided, for the 賞状)
 */
export class JudgingAndAwards1765200000000 implements MigrationInterface {
  name = 'JudgingAndAwards1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(new Table({ name: 'judging_criteria', columns: [idColumn(), ...criterionColumns] }));
    await insertRows(
      queryRunner,
      'judging_criteria',
      DEFAULT_CRITERIA.map((c, i) => ({ position: i + 1, ...c })),
    );

    await queryRunner.createTable(
      new Table({
        name: 'judging_rounds',
        columns: [
          idColumn(),
          { name: 'fiscal_year', type: 'integer' },
          { name: 'name', type: 'varchar', length: '60' },
          { name: 'status', type: 'varchar', length: '20', default: "'preparing'" },
          { name: 'blind', type: 'boolean', default: false },
          { name: 'trimmed', type: 'boolean', default: false },
          { name: 'opens_on', type: 'date' },
          { name: 'closes_on', type: 'date' },
          { name: 'version', type: 'integer', default: 1 },
          { name: 'created_by', type: 'integer', isNullable: true },
          timestampColumn(queryRunner, 'created_at'),
          timestampColumn(queryRunner, 'closed_at', true),
        ],
        foreignKeys: [fk('created_by', 'users', 'SET NULL')],
        indices: [{ columnNames: ['fiscal_year'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'judging_round_criteria',
        columns: [{ name: 'round_id', type: 'integer', isPrimary: true }, { ...criterionColumns[0], isPrimary: true }, ...criterionColumns.slice(1)],
        foreignKeys: [fk('round_id', 'judging_rounds', 'CASCADE')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'judging_entries',
        columns: [
          { name: 'round_id', type: 'integer', isPrimary: true },
          { name: 'proposal_id', type: 'integer', isPrimary: true },
          { name: 'position', type: 'integer' },
        ],
        foreignKeys: [fk('round_id', 'judging_rounds', 'CASCADE'), fk('proposal_id', 'proposals')],
        // the access rule asks, for an adopted case, which blind rounds it is in (proposal-access.ts)
        indices: [{ columnNames: ['proposal_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'judging_judges',
        columns: [
          { name: 'round_id', type: 'integer', isPrimary: true },
          { name: 'user_id', type: 'integer', isPrimary: true },
        ],
        foreignKeys: [fk('round_id', 'judging_rounds', 'CASCADE'), fk('user_id', 'users')],
        indices: [{ columnNames: ['user_id'] }],
      }),
    );
    const sheetKey: TableColumnOptions[] = [
      { name: 'round_id', type: 'integer', isPrimary: true },
      { name: 'proposal_id', type: 'integer', isPrimary: true },
      { name: 'judge_id', type: 'integer', isPrimary: true },
    ];
    const sheetKeys = [fk('round_id', 'judging_rounds', 'CASCADE'), fk('proposal_id', 'proposals'), fk('judge_id', 'users')];
    await queryRunner.createTable(
      new Table({
        name: 'judging_scores',
        columns: [...sheetKey, { name: 'criterion_position', type: 'integer', isPrimary: true }, { name: 'score', type: 'integer' }],
        foreignKeys: sheetKeys,
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'judging_comments',
        columns: [...sheetKey, { name: 'comment', type: 'text' }],
        foreignKeys: sheetKeys,
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'judging_score_log',
        columns: [
          idColumn(),
          { name: 'round_id', type: 'integer' },
          { name: 'proposal_id', type: 'integer' },
          { name: 'judge_id', type: 'integer' },
          // null: the comment
          { name: 'criterion_position', type: 'integer', isNullable: true },
          { name: 'old_value', type: 'text', isNullable: true },
          { name: 'new_value', type: 'text', isNullable: true },
          timestampColumn(queryRunner, 'changed_at'),
        ],
        foreignKeys: sheetKeys,
        indices: [{ columnNames: ['round_id', 'id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'judging_round_events',
        columns: [
          idColumn(),
          { name: 'round_id', type: 'integer' },
          { name: 'action', type: 'varchar', length: '20' },
          { name: 'actor_id', type: 'integer', isNullable: true },
          { name: 'reason', type: 'text', isNullable: true },
          timestampColumn(queryRunner, 'created_at'),
        ],
        foreignKeys: [fk('round_id', 'judging_rounds', 'CASCADE'), fk('actor_id', 'users', 'SET NULL')],
        indices: [{ columnNames: ['round_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'award_tiers',
        columns: [
          idColumn(),
          { name: 'fiscal_year', type: 'integer' },
          { name: 'position', type: 'integer' },
          { name: 'name', type: 'varchar', length: '30' },
          { name: 'slots', type: 'integer' },
          { name: 'reward_yen', type: 'integer', isNullable: true },
          { name: 'reward_note', type: 'varchar', length: '60', isNullable: true },
        ],
        uniques: [{ columnNames: ['fiscal_year', 'name'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'awards',
        columns: [
          idColumn(),
          { name: 'fiscal_year', type: 'integer' },
          { name: 'tier_id', type: 'integer' },
          { name: 'proposal_id', type: 'integer' },
          { name: 'round_id', type: 'integer', isNullable: true },
          { name: 'status', type: 'varchar', length: '20', default: "'proposed'" },
          { name: 'reason', type: 'text', isNullable: true },
          { name: 'proposed_by', type: 'integer', isNullable: true },
          timestampColumn(queryRunner, 'proposed_at'),
          { name: 'decided_by', type: 'integer', isNullable: true },
          { name: 'awarded_on', type: 'date', isNullable: true },
        ],
        foreignKeys: [
          fk('tier_id', 'award_tiers'),
          fk('proposal_id', 'proposals'),
          fk('round_id', 'judging_rounds', 'SET NULL'),
          fk('proposed_by', 'users', 'SET NULL'),
          fk('decided_by', 'users', 'SET NULL'),
        ],
        // one award per proposal and year: a proposal is commended once, with its highest tier
        uniques: [{ columnNames: ['fiscal_year', 'proposal_id'] }],
        indices: [{ columnNames: ['proposal_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'award_recipients',
        columns: [
          { name: 'award_id', type: 'integer', isPrimary: true },
          { name: 'user_id', type: 'integer', isPrimary: true },
          { name: 'position', type: 'integer' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'division_name', type: 'varchar', length: '100', isNullable: true },
        ],
        foreignKeys: [fk('award_id', 'awards', 'CASCADE'), fk('user_id', 'users')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'award_recipients',
      'awards',
      'award_tiers',
      'judging_round_events',
      'judging_score_log',
      'judging_comments',
      'judging_scores',
      'judging_judges',
      'judging_entries',
      'judging_round_criteria',
      'judging_rounds',
      'judging_criteria',
    ])
      await queryRunner.dropTable(table);
  }
}
