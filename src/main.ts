import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { AppLogger } from './common/app-logger';
import { ConfigError, loadConfig } from './config/config';
import { configureApp } from './configure-app';
import { DemoSeedService } from './database/demo-seed.service';
import { SchedulerService } from './notifications/scheduler.service';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`設定エラー: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new AppLogger(config.logLevel);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
    logger,
    bodyParser: false,
  });
  configureApp(app);
  app.enableShutdownHooks();

  const seed = app.get(DemoSeedService);
  if (config.demoData && (await seed.isEmpty())) {
    const created = await seed.seed();
    logger.event('info', 'demo_data_created', created);
  }

  await app.listen(config.port);
  logger.event('info', 'started', {
    url: `http://localhost:${config.port}`,
    database: config.database.type === 'sqlite' ? config.database.path : 'postgres',
  });
  // Here rather than in a lifecycle hook, so the command line and the tests (same modules) start no timers.
  app.get(SchedulerService).start();
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`起動できませんでした: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
