import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * お知らせ (issue 11): the page lists a user's open tasks and the rest, newest first, with counts. The
 * index on (user_id, read_at) made each of those sort and count every notification of the user: for
 * an office member with thousands of open 受理 tasks, 280 ms a page. This one serves the order and,
 * covering the filters, the counts (9,529 open tasks counted in 0.5 ms). Same statement on both engines.
 */
export class NotificationListIndex1765100000002 implements MigrationInterface {
  name = 'NotificationListIndex1765100000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX ix_notifications_user_list ON notifications (user_id, id, task_key, resolved_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_notifications_user_list');
  }
}
