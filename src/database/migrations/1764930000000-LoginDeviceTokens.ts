import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * The login throttle counts a browser with a device token for the login (OWASP "device cookie") apart
 * from unknown browsers, and counts one login across all addresses (issue 10): login_failures gets the
 * token's id (null for an unknown browser) and an index for each of the two new ways of counting.
 */
export class LoginDeviceTokens1764930000000 implements MigrationInterface {
  name = 'LoginDeviceTokens1764930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('login_failures', new TableColumn({ name: 'device_key', type: 'varchar', length: '64', isNullable: true }));
    await queryRunner.createIndex('login_failures', new TableIndex({ name: 'ix_login_failures_login', columnNames: ['login_key', 'failed_at'] }));
    await queryRunner.createIndex('login_failures', new TableIndex({ name: 'ix_login_failures_device', columnNames: ['device_key', 'failed_at'] }));
    await queryRunner.createIndex('login_failures', new TableIndex({ name: 'ix_login_failures_client', columnNames: ['client_key', 'failed_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('login_failures', 'ix_login_failures_client');
    await queryRunner.dropIndex('login_failures', 'ix_login_failures_device');
    await queryRunner.dropIndex('login_failures', 'ix_login_failures_login');
    // rows from known browsers would count as unknown ones after the column is gone
    await queryRunner.query('DELETE FROM login_failures WHERE device_key IS NOT NULL');
    await queryRunner.dropColumn('login_failures', 'device_key');
  }
}
