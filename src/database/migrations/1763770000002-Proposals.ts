import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { idColumn, insertRows, isPostgres, timestampColumn } from './migration-helpers';

/** Proposals, their routing to divisions, opinions, history (append-only), attachments, settings. */
export class Proposals1763770000002 implements MigrationInterface {
  name = 'Proposals1763770000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const blob = isPostgres(queryRunner) ? 'bytea' : 'blob';

    await queryRunner.createTable(
      new Table({
        name: 'proposals',
        columns: [
          idColumn(),
          // 2024-0001: given at first submission, unique across the system, sequential per fiscal year
          { name: 'number', type: 'varchar', length: '20', isNullable: true, isUnique: true },
          { name: 'fiscal_year', type: 'integer', isNullable: true },
          { name: 'status', type: 'varchar', length: '30' },
          { name: 'version', type: 'integer', default: 1 },
          { name: 'title', type: 'varchar', length: '100' },
          { name: 'category_id', type: 'integer', isNullable: true },
          { name: 'current_problem', type: 'text' },
          { name: 'proposal_text', type: 'text' },
          { name: 'expected_effect', type: 'text' },
          { name: 'estimated_hours', type: 'integer', isNullable: true },
          { name: 'estimated_yen', type: 'bigint', isNullable: true },
          { name: 'proposer_id', type: 'integer' },
          // the proposer's division at the moment of submission, kept even if they move later
          { name: 'proposer_division_id', type: 'integer', isNullable: true },
          { name: 'lead_division_id', type: 'integer', isNullable: true },
          { name: 'not_accepted_reason', type: 'varchar', length: '30', isNullable: true },
          { name: 'decision', type: 'varchar', length: '30', isNullable: true },
          { name: 'decision_reason', type: 'text', isNullable: true },
          { name: 'answer', type: 'text', isNullable: true },
          { name: 'implementation_status', type: 'varchar', length: '30', isNullable: true },
          { name: 'implemented_on', type: 'date', isNullable: true },
          { name: 'actual_hours', type: 'integer', isNullable: true },
          { name: 'actual_yen', type: 'bigint', isNullable: true },
          { name: 'implementation_note', type: 'text', isNullable: true },
          // a form's one-time key: submitting the same form twice creates one proposal
          { name: 'form_key', type: 'varchar', length: '64', isNullable: true, isUnique: true },
          timestampColumn(queryRunner, 'submitted_at', true),
          timestampColumn(queryRunner, 'decided_at', true),
          timestampColumn(queryRunner, 'created_at'),
          timestampColumn(queryRunner, 'updated_at'),
        ],
        foreignKeys: [
          { columnNames: ['category_id'], referencedTableName: 'categories', referencedColumnNames: ['id'] },
          { columnNames: ['proposer_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
          { columnNames: ['proposer_division_id'], referencedTableName: 'divisions', referencedColumnNames: ['id'] },
          { columnNames: ['lead_division_id'], referencedTableName: 'divisions', referencedColumnNames: ['id'] },
        ],
        indices: [
          { name: 'ix_proposals_status', columnNames: ['status'] },
          { name: 'ix_proposals_proposer', columnNames: ['proposer_id'] },
          { name: 'ix_proposals_fiscal_year', columnNames: ['fiscal_year', 'status'] },
          { name: 'ix_proposals_lead_division', columnNames: ['lead_division_id'] },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'proposal_coproposers',
        columns: [
          { name: 'proposal_id', type: 'integer', isPrimary: true },
          { name: 'user_id', type: 'integer', isPrimary: true },
        ],
        foreignKeys: [
          { columnNames: ['proposal_id'], referencedTableName: 'proposals', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
        ],
        indices: [{ name: 'ix_coproposers_user', columnNames: ['user_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'proposal_number_sequences',
        columns: [
          { name: 'fiscal_year', type: 'integer', isPrimary: true },
          { name: 'last_number', type: 'integer', default: 0 },
        ],
      }),
    );

    // 回付: one row per routed division. A re-route ends the old rows (active = false) and adds new ones.
    await queryRunner.createTable(
      new Table({
        name: 'routings',
        columns: [
          idColumn(),
          { name: 'proposal_id', type: 'integer' },
          { name: 'division_id', type: 'integer' },
          { name: 'is_lead', type: 'boolean', default: false },
          { name: 'due_on', type: 'date' },
          { name: 'active', type: 'boolean', default: true },
          { name: 'opinion_outcome', type: 'varchar', length: '30', isNullable: true },
          { name: 'opinion_text', type: 'text', isNullable: true },
          { name: 'opinion_by', type: 'integer', isNullable: true },
          timestampColumn(queryRunner, 'opinion_at', true),
          timestampColumn(queryRunner, 'created_at'),
        ],
        foreignKeys: [
          { columnNames: ['proposal_id'], referencedTableName: 'proposals', referencedColumnNames: ['id'] },
          { columnNames: ['division_id'], referencedTableName: 'divisions', referencedColumnNames: ['id'] },
          { columnNames: ['opinion_by'], referencedTableName: 'users', referencedColumnNames: ['id'] },
        ],
        indices: [
          { name: 'ix_routings_proposal', columnNames: ['proposal_id', 'active'] },
          { name: 'ix_routings_division', columnNames: ['division_id', 'active'] },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'proposal_history',
        columns: [
          idColumn(),
          { name: 'proposal_id', type: 'integer' },
          { name: 'actor_id', type: 'integer', isNullable: true },
          { name: 'action', type: 'varchar', length: '30' },
          { name: 'from_status', type: 'varchar', length: '30', isNullable: true },
          { name: 'to_status', type: 'varchar', length: '30' },
          // what changed besides the status, written by the system (e.g. 実施状況: 未着手 → 実施中)
          { name: 'detail', type: 'text', isNullable: true },
          // what the person wrote
          { name: 'comment', type: 'text', isNullable: true },
          timestampColumn(queryRunner, 'created_at'),
        ],
        foreignKeys: [
          { columnNames: ['proposal_id'], referencedTableName: 'proposals', referencedColumnNames: ['id'] },
          { columnNames: ['actor_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
        ],
        indices: [{ name: 'ix_history_proposal', columnNames: ['proposal_id', 'id'] }],
      }),
    );

    // History is never edited or deleted: the database itself refuses, whatever the code does.
    if (isPostgres(queryRunner)) {
      await queryRunner.query(`
        CREATE FUNCTION proposal_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'proposal_history is append-only';
        END $$`);
      await queryRunner.query(`
        CREATE TRIGGER proposal_history_no_update BEFORE UPDATE OR DELETE ON proposal_history
        FOR EACH ROW EXECUTE FUNCTION proposal_history_append_only()`);
      await queryRunner.query(`
        CREATE TRIGGER proposal_history_no_truncate BEFORE TRUNCATE ON proposal_history
        FOR EACH STATEMENT EXECUTE FUNCTION proposal_history_append_only()`);
    } else {
      await queryRunner.query(`
        CREATE TRIGGER proposal_history_no_update BEFORE UPDATE ON proposal_history
        BEGIN SELECT RAISE(ABORT, 'proposal_history is append-only'); END`);
      await queryRunner.query(`
        CREATE TRIGGER proposal_history_no_delete BEFORE DELETE ON proposal_history
        BEGIN SELECT RAISE(ABORT, 'proposal_history is append-only'); END`);
    }

    await queryRunner.createTable(
      new Table({
        name: 'attachments',
        columns: [
          idColumn(),
          { name: 'proposal_id', type: 'integer' },
          { name: 'file_name', type: 'varchar', length: '255' },
          { name: 'media_type', type: 'varchar', length: '100' },
          { name: 'size', type: 'integer' },
          { name: 'sha256', type: 'varchar', length: '64' },
          // kept in the database so every app instance can serve it and a backup holds everything
          { name: 'content', type: blob },
          { name: 'uploaded_by', type: 'integer' },
          timestampColumn(queryRunner, 'created_at'),
        ],
        foreignKeys: [
          { columnNames: ['proposal_id'], referencedTableName: 'proposals', referencedColumnNames: ['id'] },
          { columnNames: ['uploaded_by'], referencedTableName: 'users', referencedColumnNames: ['id'] },
        ],
        indices: [{ name: 'ix_attachments_proposal', columnNames: ['proposal_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'notifications',
        columns: [
          idColumn(),
          { name: 'user_id', type: 'integer' },
          { name: 'proposal_id', type: 'integer', isNullable: true },
          { name: 'kind', type: 'varchar', length: '40' },
          { name: 'message', type: 'text' },
          // reminders carry a key such as "due-soon:routing:12", so running them twice notifies once
          { name: 'dedupe_key', type: 'varchar', length: '120', isNullable: true, isUnique: true },
          timestampColumn(queryRunner, 'created_at'),
          timestampColumn(queryRunner, 'read_at', true),
        ],
        foreignKeys: [
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'] },
          { columnNames: ['proposal_id'], referencedTableName: 'proposals', referencedColumnNames: ['id'] },
        ],
        indices: [{ name: 'ix_notifications_user', columnNames: ['user_id', 'read_at'] }],
      }),
    );

    // E-mail goes through this outbox, written in the same transaction as the change it reports; a
    // sender delivers it later and retries failures, so no message is lost to a mail server outage.
    await queryRunner.createTable(
      new Table({
        name: 'mail_outbox',
        columns: [
          idColumn(),
          { name: 'to_address', type: 'varchar', length: '254' },
          { name: 'subject', type: 'varchar', length: '200' },
          { name: 'body', type: 'text' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'last_error', type: 'text', isNullable: true },
          timestampColumn(queryRunner, 'next_attempt_at'),
          timestampColumn(queryRunner, 'sent_at', true),
          timestampColumn(queryRunner, 'created_at'),
        ],
        indices: [{ name: 'ix_mail_outbox_pending', columnNames: ['sent_at', 'next_attempt_at'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'settings',
        columns: [
          { name: 'key', type: 'varchar', length: '100', isPrimary: true },
          { name: 'value', type: 'text' },
        ],
      }),
    );
    await insertRows(queryRunner, 'settings', [{ key: 'opinion_due_days', value: '30' }]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('settings');
    await queryRunner.dropTable('mail_outbox');
    await queryRunner.dropTable('notifications');
    await queryRunner.dropTable('attachments');
    if (isPostgres(queryRunner)) {
      await queryRunner.query('DROP TABLE proposal_history');
      await queryRunner.query('DROP FUNCTION proposal_history_append_only()');
    } else {
      await queryRunner.query('DROP TRIGGER proposal_history_no_update');
      await queryRunner.query('DROP TRIGGER proposal_history_no_delete');
      await queryRunner.dropTable('proposal_history');
    }
    await queryRunner.dropTable('routings');
    await queryRunner.dropTable('proposal_number_sequences');
    await queryRunner.dropTable('proposal_coproposers');
    await queryRunner.dropTable('proposals');
  }
}
