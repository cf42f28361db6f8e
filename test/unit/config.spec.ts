import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, MAX_WORKERS } from '../../src/config/config';

/** 40 characters: comfortably over the 32-character minimum. */
const SECRET = 'x'.repeat(8) + '0123456789abcdef0123456789abcdef';

/** Catches the ConfigError a call throws, so a test can look at its message. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tane-config-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('defaults', () => {
    it('uses port 3000, SQLite at data/tane.sqlite resolved to an absolute path, and the default knobs', () => {
      const config = loadConfig({ SESSION_SECRET: SECRET });
      expect(config.port).toBe(3000);
      expect(config.database).toEqual({ type: 'sqlite', path: resolve('data/tane.sqlite') });
      expect(config.dataDir).toBe(resolve('data'));
      expect(config.production).toBe(false);
      expect(config.sessionSecret).toBe(SECRET);
      expect(config.sessionIdleMinutes).toBe(60);
      expect(config.sessionAbsoluteHours).toBe(12);
      expect(config.migrateOnStart).toBe(true);
      expect(config.secureCookies).toBe(false);
      expect(config.trustProxy).toBe(0);
      expect(config.logLevel).toBe('info');
    });

    it('turns demo data on outside production', () => {
      expect(loadConfig({ SESSION_SECRET: SECRET }).demoData).toBe(true);
      expect(loadConfig({ SESSION_SECRET: SECRET, NODE_ENV: 'development' }).demoData).toBe(true);
      expect(loadConfig({ SESSION_SECRET: SECRET, NODE_ENV: 'test' }).demoData).toBe(true);
    });

    it('turns demo data off and secure cookies on in production', () => {
      const config = loadConfig({ SESSION_SECRET: SECRET, NODE_ENV: 'production' });
      expect(config.production).toBe(true);
      expect(config.demoData).toBe(false);
      expect(config.secureCookies).toBe(true);
    });

    it('lets DEMO_DATA and SECURE_COOKIES override the production defaults', () => {
      const config = loadConfig({ SESSION_SECRET: SECRET, NODE_ENV: 'production', DEMO_DATA: 'true', SECURE_COOKIES: 'off' });
      expect(config.demoData).toBe(true);
      expect(config.secureCookies).toBe(false);
    });

    it('treats empty values as unset', () => {
      const config = loadConfig({
        SESSION_SECRET: SECRET,
        PORT: '',
        DEMO_DATA: '',
        MIGRATE_ON_START: '',
        DATABASE_URL: '  ',
        SQLITE_PATH: ' ',
        TRUST_PROXY: '',
      });
      expect(config.port).toBe(3000);
      expect(config.demoData).toBe(true);
      expect(config.migrateOnStart).toBe(true);
      expect(config.database).toEqual({ type: 'sqlite', path: resolve('data/tane.sqlite') });
      expect(config.trustProxy).toBe(0);
    });

    it('treats an empty LOG_LEVEL as unset, like every other variable', () => {
      // e.g. `LOG_LEVEL: ${LOG_LEVEL:-}` in a compose file must not stop the start.
      expect(loadConfig({ SESSION_SECRET: SECRET, LOG_LEVEL: '' }).logLevel).toBe('info');
    });
  });

  describe('database', () => {
    it('keeps an explicit SQLITE_PATH, resolved, and puts the data folder beside it', () => {
      const config = loadConfig({ SESSION_SECRET: SECRET, SQLITE_PATH: join(dir, 'db', 'x.sqlite') });
      expect(config.database).toEqual({ type: 'sqlite', path: join(dir, 'db', 'x.sqlite') });
      expect(config.dataDir).toBe(join(dir, 'db'));
    });

    it('resolves a relative SQLITE_PATH against the working directory', () => {
      const config = loadConfig({ SESSION_SECRET: SECRET, SQLITE_PATH: 'var/other.sqlite' });
      expect(config.database).toEqual({ type: 'sqlite', path: resolve('var/other.sqlite') });
    });

    it.each(['postgres://tane@db:5432/tane', 'postgresql://tane:pw@localhost/tane?sslmode=require'])('selects PostgreSQL for DATABASE_URL=%s', (url) => {
      expect(loadConfig({ SESSION_SECRET: SECRET, DATABASE_URL: url }).database).toEqual({ type: 'postgres', url });
    });

    it('trims DATABASE_URL', () => {
      expect(loadConfig({ SESSION_SECRET: SECRET, DATABASE_URL: '  postgres://db/tane \n' }).database).toEqual({
        type: 'postgres',
        url: 'postgres://db/tane',
      });
    });

    it.each(['mysql://root@db/tane', 'sqlite:data/tane.sqlite', 'http://db/tane', 'postgres://db/ tane', 'postgres://'])(
      'refuses DATABASE_URL=%s with a ConfigError naming DATABASE_URL',
      (url) => {
        expect(configError({ SESSION_SECRET: SECRET, DATABASE_URL: url }).message).toContain('DATABASE_URL');
      },
    );

    it('takes DATA_DIR over the folder of the SQLite file', () => {
      const config = loadConfig({ SESSION_SECRET: SECRET, SQLITE_PATH: join(dir, 'a', 'x.sqlite'), DATA_DIR: join(dir, 'files') });
      expect(config.dataDir).toBe(join(dir, 'files'));
    });
  });

  describe('numbers and flags', () => {
    it('accepts a PORT within 1..65535', () => {
      expect(loadConfig({ SESSION_SECRET: SECRET, PORT: '8080' }).port).toBe(8080);
      expect(loadConfig({ SESSION_SECRET: SECRET, PORT: '1' }).port).toBe(1);
      expect(loadConfig({ SESSION_SECRET: SECRET, PORT: '65535' }).port).toBe(65535);
    });

    it.each(['0', '65536', 'abc', '-1', '3000.5', '3e3', ' 3000', '80 80'])('refuses PORT=%j naming PORT and the value', (port) => {
      const message = configError({ SESSION_SECRET: SECRET, PORT: port }).message;
      expect(message).toContain('PORT');
      expect(message).toContain(`"${port}"`);
    });

    it.each([
      ['SESSION_IDLE_MINUTES', '0'],
      ['SESSION_IDLE_MINUTES', '1441'],
      ['SESSION_ABSOLUTE_HOURS', '169'],
      ['TRUST_PROXY', '11'],
      ['TRUST_PROXY', 'yes'],
    ])('refuses %s=%s naming the variable', (name, value) => {
      expect(configError({ SESSION_SECRET: SECRET, [name]: value }).message).toContain(name);
    });

    it('reads the session lengths and proxy count', () => {
      const config = loadConfig({ SESSION_SECRET: SECRET, SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '168', TRUST_PROXY: '2' });
      expect(config.sessionIdleMinutes).toBe(30);
      expect(config.sessionAbsoluteHours).toBe(168);
      expect(config.trustProxy).toBe(2);
    });

    it.each(['1', 'true', 'TRUE', 'on', 'yes', 'Yes'])('reads %s as true', (value) => {
      expect(loadConfig({ SESSION_SECRET: SECRET, NODE_ENV: 'production', DEMO_DATA: value }).demoData).toBe(true);
    });

    it.each(['0', 'false', 'False', 'off', 'no', 'NO'])('reads %s as false', (value) => {
      expect(loadConfig({ SESSION_SECRET: SECRET, MIGRATE_ON_START: value }).migrateOnStart).toBe(false);
    });

    it.each([
      ['DEMO_DATA', 'maybe'],
      ['MIGRATE_ON_START', 'y'],
      ['SECURE_COOKIES', '2'],
    ])('refuses %s=%s naming the variable and the value', (name, value) => {
      const message = configError({ SESSION_SECRET: SECRET, [name]: value }).message;
      expect(message).toContain(name);
      expect(message).toContain(`"${value}"`);
    });

    it.each(['debug', 'info', 'warn', 'error', 'silent'] as const)('accepts LOG_LEVEL=%s', (level) => {
      expect(loadConfig({ SESSION_SECRET: SECRET, LOG_LEVEL: level }).logLevel).toBe(level);
    });

    it.each(['verbose', 'INFO', 'trace'])('refuses LOG_LEVEL=%s naming LOG_LEVEL', (level) => {
      const message = configError({ SESSION_SECRET: SECRET, LOG_LEVEL: level }).message;
      expect(message).toContain('LOG_LEVEL');
      expect(message).toContain(level);
    });
  });

  describe('WORKERS', () => {
    it('defaults to the number of cores the process may use', () => {
      expect(loadConfig({ SESSION_SECRET: SECRET }).workers).toBe(availableParallelism());
      expect(loadConfig({ SESSION_SECRET: SECRET }, 6).workers).toBe(6);
      expect(loadConfig({ SESSION_SECRET: SECRET, WORKERS: '' }, 6).workers).toBe(6);
      expect(loadConfig({ SESSION_SECRET: SECRET }, 1).workers).toBe(1);
    });

    it('never defaults to more than it would accept', () => {
      expect(loadConfig({ SESSION_SECRET: SECRET }, MAX_WORKERS + 100).workers).toBe(MAX_WORKERS);
    });

    it('takes WORKERS over the number of cores', () => {
      expect(loadConfig({ SESSION_SECRET: SECRET, WORKERS: '1' }, 8).workers).toBe(1);
      expect(loadConfig({ SESSION_SECRET: SECRET, WORKERS: '4' }, 2).workers).toBe(4);
    });

    it.each([
      ['1', 1],
      ['2', 2],
      ['16', 16],
      [String(MAX_WORKERS), MAX_WORKERS],
    ])('accepts WORKERS=%s (1 is one process without a cluster)', (value, workers) => {
      expect(loadConfig({ SESSION_SECRET: SECRET, WORKERS: value }).workers).toBe(workers);
    });

    it.each(['0', '-1', '1.5', 'two', 'auto', ' 2', '2 ', '1e2', String(MAX_WORKERS + 1)])(
      'refuses WORKERS=%j with a Japanese message naming it and the value',
      (value) => {
        const message = configError({ SESSION_SECRET: SECRET, WORKERS: value }).message;
        expect(message).toBe(`WORKERS は 1〜${MAX_WORKERS} の整数で指定してください（現在の値: "${value}"）`);
      },
    );
  });

  describe('session secret', () => {
    it('is required in production', () => {
      const error = configError({ NODE_ENV: 'production', DATA_DIR: dir });
      expect(error.message).toContain('SESSION_SECRET');
      expect(existsSync(join(dir, 'session-secret'))).toBe(false);
    });

    it('is required in production even when a generated one exists from development', () => {
      writeFileSync(join(dir, 'session-secret'), 'f'.repeat(64) + '\n');
      expect(configError({ NODE_ENV: 'production', DATA_DIR: dir }).message).toContain('SESSION_SECRET');
    });

    it('refuses a secret shorter than 32 characters, in any environment', () => {
      expect(configError({ SESSION_SECRET: 'a'.repeat(31), DATA_DIR: dir }).message).toContain('SESSION_SECRET');
      expect(configError({ SESSION_SECRET: 'short', NODE_ENV: 'production' }).message).toContain('SESSION_SECRET');
      expect(existsSync(join(dir, 'session-secret'))).toBe(false);
    });

    it('accepts a secret of exactly 32 characters', () => {
      expect(loadConfig({ SESSION_SECRET: 'b'.repeat(32), NODE_ENV: 'production' }).sessionSecret).toBe('b'.repeat(32));
    });

    it('in development is generated once into DATA_DIR/session-secret and reused on the next call', () => {
      const dataDir = join(dir, 'not-yet-there');
      const first = loadConfig({ DATA_DIR: dataDir });
      const file = join(dataDir, 'session-secret');

      expect(first.dataDir).toBe(dataDir);
      expect(first.sessionSecret).toMatch(/^[0-9a-f]{64}$/);
      expect(readFileSync(file, 'utf8').trim()).toBe(first.sessionSecret);
      expect(statSync(file).mode & 0o077).toBe(0); // readable by the owner only

      const second = loadConfig({ DATA_DIR: dataDir });
      expect(second.sessionSecret).toBe(first.sessionSecret);
    });

    it('in development keeps the generated secret beside the SQLite file when DATA_DIR is not set', () => {
      const config = loadConfig({ SQLITE_PATH: join(dir, 'db', 'tane.sqlite') });
      expect(readFileSync(join(dir, 'db', 'session-secret'), 'utf8').trim()).toBe(config.sessionSecret);
    });

    it('in development reuses a secret file that already exists', () => {
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd', 'session-secret'), 'c'.repeat(48) + '\n');
      expect(loadConfig({ DATA_DIR: join(dir, 'd') }).sessionSecret).toBe('c'.repeat(48));
    });

    it('generates different secrets for different data folders', () => {
      const a = loadConfig({ DATA_DIR: join(dir, 'a') }).sessionSecret;
      const b = loadConfig({ DATA_DIR: join(dir, 'b') }).sessionSecret;
      expect(a).not.toBe(b);
    });

    it('does not write a file when SESSION_SECRET is given', () => {
      loadConfig({ SESSION_SECRET: SECRET, DATA_DIR: dir });
      expect(existsSync(join(dir, 'session-secret'))).toBe(false);
    });
  });
});
