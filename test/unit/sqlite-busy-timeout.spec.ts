import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';

const SECRET = 'y'.repeat(40);

describe('SQLITE_BUSY_TIMEOUT_MS', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'tane-busy-timeout-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to 10 seconds and reaches the SQLite driver', () => {
    const config = loadConfig({ SESSION_SECRET: SECRET, SQLITE_PATH: join(dir, 'x.sqlite') });
    expect(config.sqliteBusyTimeoutMs).toBe(10_000);
    expect(buildDataSourceOptions(config)).toMatchObject({ type: 'sqlite', busyTimeout: 10_000 });
  });

  it('takes a value in milliseconds', () => {
    const config = loadConfig({ SESSION_SECRET: SECRET, SQLITE_PATH: join(dir, 'x.sqlite'), SQLITE_BUSY_TIMEOUT_MS: '2500' });
    expect(buildDataSourceOptions(config)).toMatchObject({ busyTimeout: 2500 });
  });

  it.each(['0', '-1', '1.5', 'ten', '600001'])('refuses %p with one clear line', (value) => {
    expect(() => loadConfig({ SESSION_SECRET: SECRET, SQLITE_BUSY_TIMEOUT_MS: value })).toThrow(
      new ConfigError(`SQLITE_BUSY_TIMEOUT_MS は 1〜600000 の整数で指定してください（現在の値: "${value}"）`),
    );
  });
});
