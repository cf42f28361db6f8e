import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/config';
import { buildDataSourceOptions } from './src/database/data-source-options';

/** The DataSource for TypeORM's own CLI: `npx typeorm -d dist/ormconfig.js migration:show`. */
export default new DataSource(buildDataSourceOptions(loadConfig(process.env)));
