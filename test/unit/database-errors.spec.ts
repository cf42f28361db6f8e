import { QueryFailedError } from 'typeorm';
import { databaseFault, DatabaseFaultKind } from '../../src/database/database-errors';

/** What node-sqlite3 passes to a callback: an Error with the primary result code's name and number. */
const sqliteError = (code: string, errno: number, text: string) => Object.assign(new Error(`${code}: ${text}`), { code, errno });

/** What pg rejects with: an Error carrying the SQLSTATE. */
const pgError = (code: string, text: string) => Object.assign(new Error(text), { code, severity: 'ERROR' });

/** As the app sees it: TypeORM's wrapper around the driver's error. */
const wrapped = (driverError: Error) => new QueryFailedError('INSERT INTO "proposals" ...', [], driverError);

describe('databaseFault', () => {
  const cases: [string, Error, DatabaseFaultKind][] = [
    ['SQLite busy (another process holds the write lock past the busy timeout)', sqliteError('SQLITE_BUSY', 5, 'database is locked'), 'busy'],
    ['SQLite locked (a table lock within one connection)', sqliteError('SQLITE_LOCKED', 6, 'database table is locked'), 'busy'],
    ['SQLite read-only file', sqliteError('SQLITE_READONLY', 8, 'attempt to write a readonly database'), 'read_only'],
    ['SQLite full', sqliteError('SQLITE_FULL', 13, 'database or disk is full'), 'full'],
    ['SQLite I/O error', sqliteError('SQLITE_IOERR', 10, 'disk I/O error'), 'io_error'],
    ['SQLite extended I/O error name', sqliteError('SQLITE_IOERR_WRITE', 778, 'disk I/O error'), 'io_error'],
    ['SQLite extended busy name', sqliteError('SQLITE_BUSY_SNAPSHOT', 517, 'database is locked'), 'busy'],
    [
      'SQLite extended read-only name (the file was replaced)',
      sqliteError('SQLITE_READONLY_DBMOVED', 1032, 'attempt to write a readonly database'),
      'read_only',
    ],
    ['PostgreSQL lock_not_available', pgError('55P03', 'canceling statement due to lock timeout'), 'busy'],
    ['PostgreSQL serialization_failure', pgError('40001', 'could not serialize access due to concurrent update'), 'busy'],
    ['PostgreSQL deadlock_detected', pgError('40P01', 'deadlock detected'), 'busy'],
    ['PostgreSQL too_many_connections', pgError('53300', 'sorry, too many clients already'), 'busy'],
    ['PostgreSQL cannot_connect_now', pgError('57P03', 'the database system is starting up'), 'busy'],
    ['PostgreSQL read_only_sql_transaction', pgError('25006', 'cannot execute INSERT in a read-only transaction'), 'read_only'],
    ['PostgreSQL disk_full', pgError('53100', 'could not extend file: No space left on device'), 'full'],
    ['PostgreSQL io_error', pgError('58030', 'could not write to file'), 'io_error'],
  ];

  it.each(cases)('%s, as the driver raises it', (_label, error, kind) => {
    expect(databaseFault(error)).toEqual({ kind, code: (error as Error & { code: string }).code });
  });

  it.each(cases)('%s, wrapped in TypeORM’s QueryFailedError', (_label, error, kind) => {
    expect(databaseFault(wrapped(error))).toEqual({ kind, code: (error as Error & { code: string }).code });
  });

  it('finds the code on driverError when the wrapper does not copy it', () => {
    expect(databaseFault({ message: 'query failed', driverError: sqliteError('SQLITE_BUSY', 5, 'database is locked') })).toEqual({
      kind: 'busy',
      code: 'SQLITE_BUSY',
    });
  });

  it('follows cause, as another layer may wrap the error again', () => {
    const outer = new Error('the transaction failed', { cause: wrapped(pgError('40P01', 'deadlock detected')) });
    expect(databaseFault(outer)).toEqual({ kind: 'busy', code: '40P01' });
  });

  it.each([
    ['a unique violation on SQLite', wrapped(sqliteError('SQLITE_CONSTRAINT', 19, 'UNIQUE constraint failed: proposals.form_key'))],
    ['a unique violation on PostgreSQL', wrapped(pgError('23505', 'duplicate key value violates unique constraint'))],
    ['a foreign key violation on PostgreSQL', wrapped(pgError('23503', 'insert or update violates foreign key constraint'))],
    ['a syntax error (a bug)', wrapped(pgError('42601', 'syntax error at or near "FORM"'))],
    ['a missing table (a bug, or no migrations)', wrapped(sqliteError('SQLITE_ERROR', 1, 'no such table: proposals'))],
    ['a plain Error', new Error('something else')],
    ['a Node system error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a numeric code', { code: 5 }],
  ])('is null for %s', (_label, error) => {
    expect(databaseFault(error)).toBeNull();
  });

  it.each([null, undefined, 'SQLITE_BUSY', 503, {}])('is null for %p', (value) => {
    expect(databaseFault(value)).toBeNull();
  });

  it('stops on a cycle of causes', () => {
    const a: { cause?: unknown; code?: string } = {};
    const b = { cause: a };
    a.cause = b;
    expect(databaseFault(a)).toBeNull();
  });
});
