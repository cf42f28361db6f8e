import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Everything the app reads from the environment, checked once at start. */
export interface AppConfig {
  production: boolean;
  port: number;
  database: { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };
  /**
   * SQLite: how long a write waits for another process's lock (the command line, a backup, a second
   * connection) before the request gets the "try again" page.
   */
  sqliteBusyTimeoutMs: number;
  /** Folder for files the app keeps beside the database (generated session secret, later uploads). */
  dataDir: string;
  sessionSecret: string;
  /** Sign-in ends after this long without a request. */
  sessionIdleMinutes: number;
  /** Sign-in ends this long after login, however active the user is. */
  sessionAbsoluteHours: number;
  demoData: boolean;
  /** Apply pending migrations at start. Turn off on all but one instance when several share PostgreSQL. */
  migrateOnStart: boolean;
  /** Serve the session cookie with Secure (production behind HTTPS). */
  secureCookies: boolean;
  /** Number of reverse proxies in front of the app, so req.ip is the client's address. */
  trustProxy: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** smtp://user:pass@host:port — e-mail notifications are sent only when set. */
  smtpUrl: string | null;
  /** Sender address of notification e-mail. */
  mailFrom: string;
  /** Base URL used in links inside e-mail. */
  publicUrl: string;
  /**
   * Run reminders and mail delivery on timers inside the web server. Turn off where cron runs
   * `send-reminders` and `send-mail` instead (either way is safe with several instances).
   */
  scheduler: boolean;
  /**
   * Processes serving requests (node:cluster, sharing the port): by default one per core, because one
   * Node process uses one core for the pages and SQLite/PostgreSQL take several processes fine. 1 runs
   * the app in this one process, without a cluster.
   */
  workers: number;
}

/** Far more than any machine this runs on has cores; a typo such as 1000 is refused rather than forked. */
export const MAX_WORKERS = 256;

/** A configuration problem, reported as one line and a non-zero exit. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} は ${min}〜${max} の整数で指定してください（現在の値: "${raw}"）`);
  }
  return Number(raw);
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|on|yes)$/i.test(raw)) return true;
  if (/^(0|false|off|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} は true か false で指定してください（現在の値: "${raw}"）`);
}

/** In development a secret is made once and kept in the data folder, so restarts keep people signed in. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

function smtpUrl(env: Env): string | null {
  const raw = env.SMTP_URL?.trim();
  if (!raw) return null;
  if (!/^smtps?:\/\/[^\s]+$/.test(raw)) throw new ConfigError('SMTP_URL は smtp://ホスト:ポート または smtps://… の形で指定してください');
  return raw;
}

/** `cores` is the machine's, asked of Node unless a test gives it. */
export function loadConfig(env: Env = process.env, cores: number = availableParallelism()): AppConfig {
  const nodeEnv = env.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const port = integer(env, 'PORT', 3000, 1, 65535);

  const url = env.DATABASE_URL?.trim();
  const sqlitePath = resolve(env.SQLITE_PATH?.trim() || 'data/tane.sqlite');
  let database: AppConfig['database'];
  if (url) {
    if (!/^postgres(ql)?:\/\/[^\s]+$/.test(url)) {
      throw new ConfigError('DATABASE_URL は postgres://ユーザー@ホスト:ポート/データベース の形で指定してください');
    }
    database = { type: 'postgres', url };
  } else {
    database = { type: 'sqlite', path: sqlitePath };
  }
  const dataDir = resolve(env.DATA_DIR?.trim() || dirname(sqlitePath));

  let sessionSecret = env.SESSION_SECRET ?? '';
  if (sessionSecret && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET は32文字以上のランダムな文字列にしてください');
  }
  if (!sessionSecret) {
    if (production) throw new ConfigError('NODE_ENV=production では SESSION_SECRET（32文字以上）の指定が必要です');
    sessionSecret = developmentSecret(dataDir);
  }

  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as AppConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL は debug, info, warn, error, silent のいずれかです（現在の値: "${logLevel}"）`);
  }

  return {
    production,
    port,
    database,
    dataDir,
    sessionSecret,
    sqliteBusyTimeoutMs: integer(env, 'SQLITE_BUSY_TIMEOUT_MS', 10_000, 1, 600_000),
    sessionIdleMinutes: integer(env, 'SESSION_IDLE_MINUTES', 60, 1, 24 * 60),
    sessionAbsoluteHours: integer(env, 'SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 7),
    demoData: flag(env, 'DEMO_DATA', !production),
    migrateOnStart: flag(env, 'MIGRATE_ON_START', true),
    secureCookies: flag(env, 'SECURE_COOKIES', production),
    trustProxy: integer(env, 'TRUST_PROXY', 0, 0, 10),
    logLevel,
    smtpUrl: smtpUrl(env),
    mailFrom: env.MAIL_FROM?.trim() || 'kaikaku-no-tane@localhost',
    publicUrl: (env.PUBLIC_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, ''),
    scheduler: flag(env, 'SCHEDULER', true),
    workers: integer(env, 'WORKERS', Math.max(1, Math.min(cores, MAX_WORKERS)), 1, MAX_WORKERS),
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
