import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { DbService } from '../../src/database/db.service';
import { openDatabase } from '../../src/database/open-database';

/**
 * The read-only connections (sqlite-readers.ts) on a real database file: a SELECT outside a
 * transaction no longer waits behind whatever the main connection is doing, everything inside a
 * transaction still runs there and sees its own writes, and writes are read back at once.
 */
describe('SQLite read connections', () => {
  let dir: string;
  let dataSource: DataSource;
  let db: DbService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tane-readers-'));
    dataSource = await openDatabase(buildDataSourceOptions({ database: { type: 'sqlite', path: join(dir, 'readers.sqlite') } }), true);
    db = new DbService(dataSource);
    await dataSource.query('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    await dataSource.query('CREATE TABLE filler (n INTEGER NOT NULL)');
  });
  afterAll(async () => {
    await dataSource?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const bodies = async () => ((await dataSource.query('SELECT body FROM notes ORDER BY id')) as { body: string }[]).map((r) => r.body);

  it('answers a read outside a transaction while a long write holds the main connection', async () => {
    const order: string[] = [];
    // a few million rows: long enough that a read queued behind it on one connection would finish last
    const write = db
      .write((manager) =>
        manager.query(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000) INSERT INTO filler (n) SELECT x FROM c`),
      )
      .then(() => order.push('write'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const read = bodies().then((rows) => order.push(`read ${rows.length}`));
    await Promise.all([write, read]);
    expect(order).toEqual(['read 0', 'write']);
    expect(await dataSource.query('SELECT COUNT(*) AS n FROM filler')).toEqual([{ n: 3_000_000 }]);
  });

  it('reads inside a transaction see that transaction\'s own writes', async () => {
    const seen = await db.transaction(async (manager) => {
      await manager.query('INSERT INTO notes (body) VALUES (?)', ['uncommitted']);
      return ((await manager.query('SELECT body FROM notes')) as { body: string }[]).map((r) => r.body);
    });
    expect(seen).toEqual(['uncommitted']);
    expect(await bodies()).toEqual(['uncommitted']);
  });

  it('sends writes to the main connection and reads them back at once', async () => {
    await db.write((manager) => manager.query('INSERT INTO notes (body) VALUES (?)', ['written']));
    expect(await bodies()).toEqual(['uncommitted', 'written']);
  });

  it('answers many reads at once, each with the committed rows', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => bodies()));
    for (const answer of answers) expect(answer).toEqual(['uncommitted', 'written']);
  });

  it('reports a failing read as a query error, as the main connection does', async () => {
    await expect(dataSource.query('SELECT * FROM no_such_table')).rejects.toThrow(/no such table: no_such_table/);
  });
});
