import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { idColumn, isPostgres, timestampColumn } from './migration-helpers';

/**
 * Notifications that resolve, and e-mail by preference.
 * - notifications.task_key marks a "please act" notification and names the act that resolves it
 *   (see TaskKeys); resolved_at/resolved_by record when and by whom it was done. Resolving finds
 *   rows by proposal and key, hence the index.
 * - notifications.mail_delivery records how its e-mail was handled when it was created (immediate,
 *   digest, none), so a later change of preference does not re-mail or drop what was already decided;
 *   the daily digest reads the day's 'digest' rows through the second index.
 * - notification_preferences: one row per user and event type the user changed from the default.
 * - notification_digests: one row per user and Japan day whose digest was queued; the unique pair
 *   makes the digest idempotent across runs and instances.
 * The columns are added with ALTER TABLE (nullable, no table rebuild on SQLite, instant on both).
 */
export class NotificationTasks1764910000000 implements MigrationInterface {
  name = 'NotificationTasks1764910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = isPostgres(queryRunner) ? 'timestamptz' : 'datetime';
    await queryRunner.query('ALTER TABLE notifications ADD COLUMN task_key varchar(60)');
    await queryRunner.query(`ALTER TABLE notifications ADD COLUMN resolved_at ${timestamp}`);
    await queryRunner.query('ALTER TABLE notifications ADD COLUMN resolved_by integer REFERENCES users (id)');
    await queryRunner.query('ALTER TABLE notifications ADD COLUMN mail_delivery varchar(20)');
    await queryRunner.query('CREATE INDEX ix_notifications_task ON notifications (proposal_id, task_key)');
    await queryRunner.query('CREATE INDEX ix_notifications_mail ON notifications (mail_delivery, created_at)');

    await queryRunner.createTable(
      new Table({
        name: 'notification_preferences',
        columns: [
          { name: 'user_id', type: 'integer', isPrimary: true },
          { name: 'event', type: 'varchar', length: '40', isPrimary: true },
          { name: 'delivery', type: 'varchar', length: '20' },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'notification_digests',
        columns: [
          idColumn(),
          { name: 'user_id', type: 'integer' },
          { name: 'digest_date', type: 'varchar', length: '10' },
          { name: 'notification_count', type: 'integer' },
          timestampColumn(queryRunner, 'created_at'),
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'] }],
        uniques: [{ name: 'uq_notification_digests_user_date', columnNames: ['user_id', 'digest_date'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('notification_digests');
    await queryRunner.dropTable('notification_preferences');
    await queryRunner.query('DROP INDEX ix_notifications_mail');
    await queryRunner.query('DROP INDEX ix_notifications_task');
    if (isPostgres(queryRunner)) {
      for (const column of ['mail_delivery', 'resolved_by', 'resolved_at', 'task_key']) {
        await queryRunner.query(`ALTER TABLE notifications DROP COLUMN ${column}`);
      }
    } else {
      // SQLite cannot DROP COLUMN a column with a foreign key; TypeORM rebuilds the table for it.
      await queryRunner.dropColumn('notifications', 'resolved_by');
      for (const column of ['mail_delivery', 'resolved_at', 'task_key']) {
        await queryRunner.query(`ALTER TABLE notifications DROP COLUMN ${column}`);
      }
    }
  }
}
