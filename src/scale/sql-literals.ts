/**
 * Values written into SQL text, for the bulk load only (every value the generator makes goes
 * through here, and each is quoted by its type). Text in SQL rather than bound parameters: with a
 * million proposals there are some 90 million values, and the sqlite3 driver converts each bound
 * parameter on the JavaScript thread, while the database parses text on its own thread.
 */
import type { ColumnKind } from './generate-data';

export type Engine = 'sqlite' | 'postgres';

const pad2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const pad3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayText = new Map<number, string>();

/**
 * 2024-04-01 00:10:00.000 (UTC), the text TypeORM stores in a SQLite datetime column. Made from parts
 * rather than with toISOString: it runs some ten million times in a large load.
 */
export function sqliteInstant(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  let date = dayText.get(day);
  if (date === undefined) dayText.set(day, (date = new Date(day * 86_400_000).toISOString().slice(0, 10)));
  let rest = ms - day * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  return `${date} ${pad2[h]}:${pad2[m]}:${pad2[s]}.${pad3[rest - s * 1000]}`;
}

function text(value: string, engine: Engine): string {
  // one scan for the common case: nothing to escape
  if (!/['\\\0]/.test(value)) return engine === 'sqlite' ? `'${value}'` : `E'${value}'`;
  if (value.includes('\0')) throw new Error('text with NUL cannot be stored');
  if (engine === 'sqlite') return `'${value.replace(/'/g, "''")}'`;
  // E'' reads the same whatever standard_conforming_strings is set to
  return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** One value as SQL text for the engine. */
export function literal(value: unknown, engine: Engine, kind?: ColumnKind): string {
  if (value === null || value === undefined) return 'NULL';
  if (kind === 'instant') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`not an instant: ${String(value)}`);
    return engine === 'sqlite' ? `'${sqliteInstant(value)}'` : `'${new Date(value).toISOString()}'`;
  }
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
      return String(value);
    case 'boolean':
      return engine === 'sqlite' ? (value ? '1' : '0') : value ? 'TRUE' : 'FALSE';
    case 'string':
      return text(value, engine);
    default:
      throw new Error(`cannot write a ${typeof value} into SQL`);
  }
}

/** "(1,'text',NULL)" */
export function tuple(row: readonly unknown[], kinds: readonly (ColumnKind | undefined)[], engine: Engine): string {
  let out = '(';
  for (let i = 0; i < row.length; i++) {
    if (i) out += ',';
    out += literal(row[i], engine, kinds[i]);
  }
  return out + ')';
}

/** A table as the bulk load fills it: its columns in row order and which need converting. */
export interface TableSpec {
  name: string;
  columns: readonly string[];
  kinds: Partial<Record<string, ColumnKind>>;
}

/** Multi-row INSERT statements of a table, a few hundred rows each. */
export class InsertBuilder {
  private readonly prefix: string;
  private readonly kinds: (ColumnKind | undefined)[];
  private tuples: string[] = [];

  constructor(
    readonly spec: TableSpec,
    private readonly engine: Engine,
    /** Rows per statement: a few hundred kilobytes of SQL. */
    readonly rowsPerStatement = spec.columns.length > 12 ? 250 : 1000,
  ) {
    this.prefix = `INSERT INTO ${spec.name} (${spec.columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
    this.kinds = spec.columns.map((c) => spec.kinds[c]);
  }

  /** Adds rows; returns the statements that became full. */
  add(rows: readonly (readonly unknown[])[]): string[] {
    const full: string[] = [];
    for (const row of rows) {
      this.tuples.push(tuple(row, this.kinds, this.engine));
      if (this.tuples.length === this.rowsPerStatement) full.push(this.take()!);
    }
    return full;
  }

  /** The statement for the rows added since the last full one, if any. */
  take(): string | null {
    if (!this.tuples.length) return null;
    const sql = this.prefix + this.tuples.join(',');
    this.tuples = [];
    return sql;
  }
}
