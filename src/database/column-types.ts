import { Column, ColumnOptions } from 'typeorm';

/**
 * Entity metadata is fixed when the entity files load, so the column type for timestamps is chosen
 * from the same environment variable that selects the database (see config.ts). PostgreSQL stores an
 * instant (timestamptz); SQLite stores TypeORM's UTC datetime text. Both come back as a JS Date.
 */
export const usesPostgres = (): boolean => Boolean(process.env.DATABASE_URL?.trim());

export const timestampType = (): 'timestamptz' | 'datetime' => (usesPostgres() ? 'timestamptz' : 'datetime');

export function TimestampColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ ...options, type: timestampType() });
}

/** Binary content: bytea on PostgreSQL, blob on SQLite. */
export const binaryType = (): 'bytea' | 'blob' => (usesPostgres() ? 'bytea' : 'blob');

/** bigint columns come back from PostgreSQL as strings; yen amounts fit a JS number comfortably. */
export const bigintAsNumber = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};
