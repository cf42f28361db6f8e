import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/config';
import { buildDataSourceOptions } from './data-source-options';
import { DbService } from './db.service';
import { openDatabase } from './open-database';

@Global()
@Module({})
export class DatabaseModule {
  static register(config: AppConfig): DynamicModule {
    const options = buildDataSourceOptions(config);
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => options,
          dataSourceFactory: () => openDatabase(options, config.migrateOnStart),
        }),
      ],
      providers: [DbService],
      exports: [DbService],
    };
  }
}
