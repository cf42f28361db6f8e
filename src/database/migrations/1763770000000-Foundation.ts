import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration-helpers';

/** Organization, accounts, categories, sessions and login throttling. */
export class Foundation1763770000000 implements MigrationInterface {
  name = 'Foundation1763770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'divisions',
        columns: [
          idColumn(),
          { name: 'code', type: 'varchar', length: '20' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'kind', type: 'varchar', length: '20' },
          { name: 'parent_id', type: 'integer', isNullable: true },
          { name: 'valid_from', type: 'date' },
          { name: 'valid_to', type: 'date', isNullable: true },
          { name: 'sort_order', type: 'integer', default: 0 },
          timestampColumn(queryRunner, 'created_at'),
        ],
        foreignKeys: [{ columnNames: ['parent_id'], referencedTableName: 'divisions', referencedColumnNames: ['id'] }],
        uniques: [{ name: 'uq_divisions_code_valid_from', columnNames: ['code', 'valid_from'] }],
        indices: [{ name: 'ix_divisions_parent', columnNames: ['parent_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          idColumn(),
          { name: 'login', type: 'varchar', length: '64', isUnique: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'roles', type: 'varchar', length: '100' },
          { name: 'division_id', type: 'integer', isNullable: true },
          { name: 'disabled', type: 'boolean', default: false },
          { name: 'must_change_password', type: 'boolean', default: false },
          timestampColumn(queryRunner, 'last_login_at', true),
          // sessions signed in before this instant are over (password change, reset, disabling)
          timestampColumn(queryRunner, 'sessions_revoked_at', true),
          timestampColumn(queryRunner, 'created_at'),
          timestampColumn(queryRunner, 'updated_at'),
        ],
        foreignKeys: [{ columnNames: ['division_id'], referencedTableName: 'divisions', referencedColumnNames: ['id'] }],
        indices: [{ name: 'ix_users_division', columnNames: ['division_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'categories',
        columns: [
          idColumn(),
          { name: 'name', type: 'varchar', length: '50', isUnique: true },
          { name: 'sort_order', type: 'integer', default: 0 },
          { name: 'active', type: 'boolean', default: true },
          timestampColumn(queryRunner, 'created_at'),
        ],
      }),
    );

    // Times in these two tables are epoch milliseconds: they are only compared with "now", never shown.
    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'sid', type: 'varchar', length: '128', isPrimary: true },
          { name: 'user_id', type: 'integer', isNullable: true },
          { name: 'data', type: 'text' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [
          { name: 'ix_sessions_expires', columnNames: ['expires_at'] },
          { name: 'ix_sessions_user', columnNames: ['user_id'] },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'login_failures',
        columns: [
          idColumn(),
          { name: 'client_key', type: 'varchar', length: '64' },
          { name: 'login_key', type: 'varchar', length: '128' },
          { name: 'failed_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex('login_failures', new TableIndex({ name: 'ix_login_failures_pair', columnNames: ['client_key', 'login_key', 'failed_at'] }));
    await queryRunner.createIndex('login_failures', new TableIndex({ name: 'ix_login_failures_time', columnNames: ['failed_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('login_failures');
    await queryRunner.dropTable('sessions');
    await queryRunner.dropTable('categories');
    await queryRunner.dropTable('users');
    await queryRunner.dropTable('divisions');
  }
}
