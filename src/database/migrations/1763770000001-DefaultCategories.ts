import { MigrationInterface, QueryRunner } from 'typeorm';
import { insertRows, isPostgres } from './migration-helpers';

/** The default 提案分野 list from the domain description; the office can change it afterwards. */
export const DEFAULT_CATEGORIES = [
  '窓口・市民サービス',
  '広報・広聴',
  '庶務事務',
  '施設管理',
  '文書管理・ペーパーレス',
  '契約・会計',
  'デジタル活用（DX）',
  '働き方・職場環境',
  '人材育成',
  '財源・コスト削減',
  'その他',
];

export class DefaultCategories1763770000001 implements MigrationInterface {
  name = 'DefaultCategories1763770000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await insertRows(
      queryRunner,
      'categories',
      DEFAULT_CATEGORIES.map((name, i) => ({ name, sort_order: (i + 1) * 10, active: true })),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const placeholders = DEFAULT_CATEGORIES.map((_, i) => (isPostgres(queryRunner) ? `$${i + 1}` : '?'));
    await queryRunner.query(`DELETE FROM categories WHERE name IN (${placeholders.join(', ')})`, DEFAULT_CATEGORIES);
  }
}
