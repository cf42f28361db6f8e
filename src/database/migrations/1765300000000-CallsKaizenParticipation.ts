import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKeyOptions } from 'typeorm';
import { idColumn, isPostgres, timestampColumn } from './migration-helpers';

const fk = (column: string, table: string, onDelete: 'CASCADE' | 'RESTRICT' | 'SET NULL' = 'RESTRICT'): TableForeignKeyOptions => ({
  columnNames: [column],
  referencedTableName: table,
  referencedColumnNames: ['id'],
  onDelete,
});

/** A file kept in the database (as `attachments` is for proposals), owned by `ownerColumn`. */
const fileColumns = (queryRunner: QueryRunner, ownerColumn: string): TableColumnOptions[] => [
  idColumn(),
  { name: ownerColumn, type: 'integer' },
  { name: 'file_name', type: 'varchar', length: '255' },
  { name: 'media_type', type: 'varchar', length: '100' },
  { name: 'size', type: 'integer' },
  { name: 'sha256', type: 'varchar', length: '64' },
  { name: 'content', type: isPostgres(queryRunner) ? 'bytea' : 'blob' },
  { name: 'uploaded_by', type: 'integer' },
  timestampColumn(queryRunner, 'created_at'),
];

/**
 * Issue 13: themed calls (課題提案), the カイゼン report lane (実績報告) and participation.
 *   calls                   a themed call of the office: the issue, the period (Japan dates, both ends included),
 *                           who may answer, whether answers are shown to all staff while it is open
 *   call_divisions          the divisions that will answer the call's proposals (one lead: the routing default)
 *   call_categories         the categories an answer may take (none: any)
 *   call_audience           the 局・区 / 課 whose staff may answer, with the divisions under them (audience = 'divisions')
 *   call_events             created, extended (old and new closing date, reason), closed early
 *   call_attachments        the call's files
 *   proposals.call_id       the call a proposal answers
 *   kaizen_reports          実績報告: an improvement already made, confirmed by the 所属長, published by the office
 *   kaizen_members          the team members (co-reporters)
 *   kaizen_history          every step: who, when, what, the comment
 *   kaizen_attachments      photos and files
 *   division_staff_counts   staff numbers entered for a year where accounts don't cover everyone
 *   users.disabled_at       when an account was disabled, so "active during the year" can be answered
 *   notifications.link      the page a notification opens when it is not about a proposal (a カイゼン report)
 */
export class CallsKaizenParticipation1765300000000 implements MigrationInterface {
  name = 'CallsKaizenParticipation1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'calls',
        columns: [
          idColumn(),
          { name: 'fiscal_year', type: 'integer' },
          { name: 'title', type: 'varchar', length: '100' },
          { name: 'issue_text', type: 'text' },
          { name: 'opens_on', type: 'date' },
          { name: 'closes_on', type: 'date' },
          { name: 'audience', type: 'varchar', length: '20', default: "'all'" },
          { name: 'answers_public', type: 'boolean', default: false },
          { name: 'version', type: 'integer', default: 1 },
          { name: 'created_by', type: 'integer', isNullable: true },
          timestampColumn(queryRunner, 'created_at'),
          timestampColumn(queryRunner, 'closed_at', true),
        ],
        foreignKeys: [fk('created_by', 'users', 'SET NULL')],
        indices: [{ columnNames: ['fiscal_year'] }, { columnNames: ['closes_on'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'call_divisions',
        columns: [
          { name: 'call_id', type: 'integer', isPrimary: true },
          { name: 'division_id', type: 'integer', isPrimary: true },
          { name: 'is_lead', type: 'boolean', default: false },
        ],
        foreignKeys: [fk('call_id', 'calls', 'CASCADE'), fk('division_id', 'divisions')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'call_categories',
        columns: [
          { name: 'call_id', type: 'integer', isPrimary: true },
          { name: 'category_id', type: 'integer', isPrimary: true },
        ],
        foreignKeys: [fk('call_id', 'calls', 'CASCADE'), fk('category_id', 'categories')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'call_audience',
        columns: [
          { name: 'call_id', type: 'integer', isPrimary: true },
          { name: 'division_id', type: 'integer', isPrimary: true },
        ],
        foreignKeys: [fk('call_id', 'calls', 'CASCADE'), fk('division_id', 'divisions')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'call_events',
        columns: [
          idColumn(),
          { name: 'call_id', type: 'integer' },
          { name: 'action', type: 'varchar', length: '20' },
          { name: 'actor_id', type: 'integer', isNullable: true },
          { name: 'old_closes_on', type: 'date', isNullable: true },
          { name: 'new_closes_on', type: 'date', isNullable: true },
          { name: 'reason', type: 'text', isNullable: true },
          timestampColumn(queryRunner, 'created_at'),
        ],
        foreignKeys: [fk('call_id', 'calls', 'CASCADE'), fk('actor_id', 'users', 'SET NULL')],
        indices: [{ columnNames: ['call_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'call_attachments',
        columns: fileColumns(queryRunner, 'call_id'),
        foreignKeys: [fk('call_id', 'calls', 'CASCADE'), fk('uploaded_by', 'users')],
        indices: [{ columnNames: ['call_id'] }],
      }),
    );
    // ALTER TABLE, not addColumn: on SQLite addColumn rebuilds the table, which would drop the proposals' triggers.
    // No REFERENCES either: SQLite could then not drop the column in down() without that rebuild; calls are never deleted.
    await queryRunner.query('ALTER TABLE proposals ADD COLUMN call_id integer');
    await queryRunner.query('CREATE INDEX "IDX_proposals_call" ON proposals (call_id) WHERE call_id IS NOT NULL');

    await queryRunner.createTable(
      new Table({
        name: 'kaizen_reports',
        columns: [
          idColumn(),
          // K2026-0001, given at the first submission; the fiscal year is the submission's (the cohort rule)
          { name: 'number', type: 'varchar', length: '20', isNullable: true, isUnique: true },
          { name: 'fiscal_year', type: 'integer', isNullable: true },
          { name: 'status', type: 'varchar', length: '20' },
          { name: 'version', type: 'integer', default: 1 },
          { name: 'title', type: 'varchar', length: '100' },
          { name: 'category_id', type: 'integer', isNullable: true },
          { name: 'problem', type: 'text' },
          { name: 'change_text', type: 'text' },
          { name: 'done_on', type: 'date', isNullable: true },
          { name: 'effect_hours', type: 'integer', isNullable: true },
          { name: 'effect_yen', type: 'bigint', isNullable: true },
          { name: 'effect_text', type: 'text' },
          { name: 'reporter_id', type: 'integer' },
          { name: 'reporter_division_id', type: 'integer', isNullable: true },
          timestampColumn(queryRunner, 'submitted_at', true),
          timestampColumn(queryRunner, 'confirmed_at', true),
          { name: 'confirmed_by', type: 'integer', isNullable: true },
          timestampColumn(queryRunner, 'published_at', true),
          timestampColumn(queryRunner, 'nominated_at', true),
          timestampColumn(queryRunner, 'created_at'),
          timestampColumn(queryRunner, 'updated_at'),
        ],
        foreignKeys: [
          fk('category_id', 'categories', 'SET NULL'),
          fk('reporter_id', 'users'),
          fk('reporter_division_id', 'divisions', 'SET NULL'),
          fk('confirmed_by', 'users', 'SET NULL'),
        ],
        indices: [{ columnNames: ['fiscal_year', 'status'] }, { columnNames: ['reporter_id'] }, { columnNames: ['reporter_division_id', 'status'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'kaizen_members',
        columns: [
          { name: 'report_id', type: 'integer', isPrimary: true },
          { name: 'user_id', type: 'integer', isPrimary: true },
        ],
        foreignKeys: [fk('report_id', 'kaizen_reports', 'CASCADE'), fk('user_id', 'users')],
        indices: [{ columnNames: ['user_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'kaizen_history',
        columns: [
          idColumn(),
          { name: 'report_id', type: 'integer' },
          { name: 'actor_id', type: 'integer', isNullable: true },
          { name: 'action', type: 'varchar', length: '20' },
          { name: 'from_status', type: 'varchar', length: '20', isNullable: true },
          { name: 'to_status', type: 'varchar', length: '20', isNullable: true },
          { name: 'comment', type: 'text', isNullable: true },
          timestampColumn(queryRunner, 'created_at'),
        ],
        foreignKeys: [fk('report_id', 'kaizen_reports', 'CASCADE'), fk('actor_id', 'users', 'SET NULL')],
        indices: [{ columnNames: ['report_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'kaizen_attachments',
        columns: fileColumns(queryRunner, 'report_id'),
        foreignKeys: [fk('report_id', 'kaizen_reports', 'CASCADE'), fk('uploaded_by', 'users')],
        indices: [{ columnNames: ['report_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'division_staff_counts',
        columns: [
          { name: 'fiscal_year', type: 'integer', isPrimary: true },
          { name: 'division_id', type: 'integer', isPrimary: true },
          { name: 'staff_count', type: 'integer' },
          { name: 'updated_by', type: 'integer', isNullable: true },
          timestampColumn(queryRunner, 'updated_at'),
        ],
        foreignKeys: [fk('division_id', 'divisions', 'CASCADE'), fk('updated_by', 'users', 'SET NULL')],
      }),
    );
    await queryRunner.query(`ALTER TABLE users ADD COLUMN disabled_at ${isPostgres(queryRunner) ? 'timestamptz' : 'datetime'}`);
    await queryRunner.query('ALTER TABLE notifications ADD COLUMN link varchar(200)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE notifications DROP COLUMN link');
    await queryRunner.query('ALTER TABLE users DROP COLUMN disabled_at');
    await queryRunner.query('DROP INDEX "IDX_proposals_call"');
    await queryRunner.query('ALTER TABLE proposals DROP COLUMN call_id');
    for (const table of [
      'division_staff_counts',
      'kaizen_attachments',
      'kaizen_history',
      'kaizen_members',
      'kaizen_reports',
      'call_attachments',
      'call_events',
      'call_audience',
      'call_categories',
      'call_divisions',
      'calls',
    ])
      await queryRunner.dropTable(table);
  }
}
