import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AppLogger } from './app-logger';
import { Clock } from './clock';
import { UploadTempRootCleanup } from './upload-limits';

@Global()
@Module({})
export class CommonModule {
  static register(config: AppConfig, logger: AppLogger, clock: Clock): DynamicModule {
    return {
      module: CommonModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: AppLogger, useValue: logger },
        { provide: Clock, useValue: clock },
        UploadTempRootCleanup,
      ],
      exports: [APP_CONFIG, AppLogger, Clock],
    };
  }
}
