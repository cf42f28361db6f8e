import type { DataSource } from 'typeorm';

/** The n-th parameter of a plain SQL statement: `$n` on PostgreSQL, `?` on SQLite. */
export const placeholder = (dataSource: DataSource, n: number): string => (dataSource.options.type === 'postgres' ? `$${n}` : '?');
