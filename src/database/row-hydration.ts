import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity's columns in a plain SQL statement, and the entity built back from a result row the way
 * TypeORM itself hydrates it (column types, transformers, dates), without its query builder: for the
 * hot paths that read in one hand-written statement what TypeORM would read in several (issue 11).
 * Only selectable columns: a column marked `select: false` (the password hash) never appears.
 */
export interface EntityColumns<T> {
  /** `alias.col AS prefix_col, …` for a SELECT list. */
  select(alias: string): string;
  /** The entity from a row selected with `select`, or null when the row has none (an outer join that found nothing). */
  hydrate(row: Record<string, unknown>): T | null;
}

export function entityColumns<T extends ObjectLiteral>(dataSource: DataSource, target: EntityTarget<T>, prefix: string): EntityColumns<T> {
  const metadata: EntityMetadata = dataSource.getMetadata(target);
  const driver = dataSource.driver;
  const columns = metadata.columns.filter((c) => c.isSelect);
  const primary = metadata.primaryColumns[0];
  const q = (name: string) => driver.escape(name);
  return {
    select: (alias) => columns.map((c) => `${alias}.${q(c.databaseName)} AS ${q(`${prefix}${c.databaseName}`)}`).join(', '),
    hydrate(row) {
      const id = row[`${prefix}${primary.databaseName}`];
      if (id === null || id === undefined) return null;
      const entity = metadata.create() as T;
      for (const column of columns) column.setEntityValue(entity, driver.prepareHydratedValue(row[`${prefix}${column.databaseName}`], column));
      return entity;
    },
  };
}
