import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { AppLogger } from '../../src/common/app-logger';
import { AppConfig, loadConfig } from '../../src/config/config';
import { configureApp } from '../../src/configure-app';
import { createTestDatabase } from './test-database';
import { TestClock } from './test-clock';

export interface LogLine {
  level: string;
  event: string;
  [key: string]: unknown;
}

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** The app's clock: real time until a test sets it. */
  clock: TestClock;
  dataSource: DataSource;
  /** Every structured log line the app wrote, parsed. */
  logs: LogLine[];
  /** The raw log text, to prove that something (a password, a session id) never appears in it. */
  rawLog: () => string;
  close: () => Promise<void>;
}

/**
 * The real application (same modules, same configureApp as main.ts) on a fresh database built by
 * running the migrations. Listens on an ephemeral port when `listen` is set (browser tests).
 */
export async function createTestApp(options: { overrides?: Partial<AppConfig>; listen?: boolean } = {}): Promise<TestApp> {
  const clock = new TestClock();
  const db = await createTestDatabase();
  const config: AppConfig = {
    ...loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'test-secret-'.padEnd(48, 'x'), DATA_DIR: db.dataDir, DEMO_DATA: 'false' }),
    database: db.database,
    logLevel: 'info',
    ...options.overrides,
  };
  let raw = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      raw += chunk.toString();
      done();
    },
  });
  const logger = new AppLogger('info', sink);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger, clock), {
    logger: false,
    bodyParser: false,
  });
  configureApp(app);
  if (options.listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  let closed: Promise<void> | undefined;
  return {
    app,
    config,
    clock,
    dataSource: app.get(DataSource),
    get logs() {
      return raw
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine);
    },
    rawLog: () => raw,
    // once, however often it is called (a test may close the app itself to see what closing does)
    close: () =>
      (closed ??= (async () => {
        await app.close();
        await db.drop();
      })()),
  };
}

export function baseUrl(testApp: TestApp): string {
  const address = testApp.app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('app is not listening');
  return `http://127.0.0.1:${address.port}`;
}
