import 'reflect-metadata';
import cluster from 'node:cluster';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppLogger } from './common/app-logger';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { PREPARE_ENV, Primary, ProcessLogger, reportWorkerStartupFailure } from './workers';

/*
 * One entry point, four roles:
 * - WORKERS=1: the whole app in this process (migrate, seed, serve), as before there were workers.
 * - WORKERS>1, the primary: checks the configuration, then runs workers.ts (fork, replace, stop).
 * - the preparing child (PREPARE_ENV): migrates and creates the demo data once, closes, exits 0.
 * - a cluster worker: serves, never migrates or seeds (so no two processes can migrate at once).
 * The application's modules are loaded with import() inside the roles that use them, so that the
 * primary never loads them (see workers.ts).
 */

function configOrExit(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`設定エラー: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function createApp(config: AppConfig, logger: AppLogger): Promise<NestExpressApplication> {
  const [{ NestFactory }, { AppModule }, { configureApp }] = await Promise.all([import('@nestjs/core'), import('./app.module'), import('./configure-app')]);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), { logger, bodyParser: false });
  configureApp(app);
  app.enableShutdownHooks();
  return app;
}

async function seedDemoDataIfEmpty(app: INestApplicationContext, config: AppConfig, logger: AppLogger): Promise<void> {
  if (!config.demoData) return;
  const { DemoSeedService } = await import('./database/demo-seed.service');
  const seed = app.get(DemoSeedService);
  if (await seed.isEmpty()) logger.event('info', 'demo_data_created', await seed.seed());
}

/** `who` goes into the 'started' line: the process id, and the worker's number in a cluster. */
async function serve(app: NestExpressApplication, config: AppConfig, logger: AppLogger, who: { pid: number; worker?: number }): Promise<void> {
  await app.listen(config.port);
  logger.event('info', 'started', {
    url: `http://localhost:${config.port}`,
    database: config.database.type === 'sqlite' ? config.database.path : 'postgres',
    ...who,
  });
  // Here rather than in a lifecycle hook, so the command line and the tests (same modules) start no timers.
  const { SchedulerService } = await import('./notifications/scheduler.service');
  app.get(SchedulerService).start();
}

async function runSingle(config: AppConfig): Promise<void> {
  const logger = new AppLogger(config.logLevel);
  const app = await createApp(config, logger);
  await seedDemoDataIfEmpty(app, config, logger);
  await serve(app, config, logger, { pid: process.pid });
}

/** The database module migrates on open when MIGRATE_ON_START says so; the demo data follows. */
async function prepareDatabase(config: AppConfig): Promise<void> {
  const logger = new ProcessLogger(config.logLevel);
  const [{ NestFactory }, { AppModule }] = await Promise.all([import('@nestjs/core'), import('./app.module')]);
  const context = await NestFactory.createApplicationContext(AppModule.register(config, logger), { logger });
  try {
    await seedDemoDataIfEmpty(context, config, logger);
  } finally {
    await context.close();
  }
}

async function runWorker(config: AppConfig): Promise<void> {
  const logger = new ProcessLogger(config.logLevel);
  // The preparing child has done both before this worker was forked.
  const app = await createApp({ ...config, migrateOnStart: false, demoData: false }, logger);
  await serve(app, config, logger, { pid: process.pid, worker: cluster.worker!.id });
}

function startupFailed(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (cluster.isWorker) return reportWorkerStartupFailure(message);
  process.stderr.write(`起動できませんでした: ${message}\n`);
  process.exit(1);
}

function bootstrap(): Promise<void> {
  const config = configOrExit();
  if (cluster.isWorker) return runWorker(config);
  if (process.env[PREPARE_ENV]) return prepareDatabase(config).then(() => process.exit(0));
  if (config.workers === 1) return runSingle(config);
  return new Primary(config, new ProcessLogger(config.logLevel)).run();
}

bootstrap().catch(startupFailed);
