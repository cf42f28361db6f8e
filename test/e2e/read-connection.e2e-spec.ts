import { DbService } from '../../src/database/db.service';
import { createTestApp, TestApp } from '../factories/test-app';
import { seedDemo } from '../factories/users';

/*
 * Issue 11: long reads of committed data (ranking 似ている提案) run beside the writes. On SQLite the
 * app's queries share one connection, so readCommitted has its own read-only one: it answers while a
 * write transaction is open and sees only what was committed.
 */
describe('reads of committed data beside an open write transaction (issue 11)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
  });
  afterAll(() => t.close());

  it('answers while a transaction is open, without its uncommitted rows, and sees them once committed', async () => {
    const db = t.app.get(DbService);
    const count = async () => Number((await db.readCommitted<{ n: number | string }>('SELECT COUNT(*) AS n FROM categories'))[0].n);
    const before = await count();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedNow = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = db.transaction(async (manager) => {
      const param = t.config.database.type === 'postgres' ? '$1' : '?';
      await manager.query(`INSERT INTO categories (name, sort_order, active) VALUES (${param}, 99, true)`, ['読み取りの確認']);
      inserted();
      await held;
    });
    await insertedNow;
    // the transaction is still open: the read answers anyway, without the uncommitted row
    expect(await count()).toBe(before);
    release();
    await transaction;
    expect(await count()).toBe(before + 1);
  });
});
