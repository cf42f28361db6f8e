/**
 * What a failed database call means for the person who clicked: the database is busy (try again in a
 * moment), or it cannot store anything right now (read-only, full, failing disk) — as opposed to a
 * bug. No I/O: the error filter uses it to choose the page; unit tests cover every code.
 */
export type DatabaseFaultKind = 'busy' | 'read_only' | 'full' | 'io_error';

export interface DatabaseFault {
  kind: DatabaseFaultKind;
  /** The driver's code (SQLITE_BUSY, 55P03, …), for the log. */
  code: string;
}

/**
 * node-sqlite3 names only the primary result code (an extended code such as SQLITE_BUSY_SNAPSHOT
 * arrives as SQLITE_BUSY); the extended names are listed too in case a driver passes them through.
 */
const SQLITE_FAULTS: Record<string, DatabaseFaultKind> = {
  SQLITE_BUSY: 'busy',
  SQLITE_BUSY_RECOVERY: 'busy',
  SQLITE_BUSY_SNAPSHOT: 'busy',
  SQLITE_BUSY_TIMEOUT: 'busy',
  SQLITE_LOCKED: 'busy',
  SQLITE_LOCKED_SHAREDCACHE: 'busy',
  SQLITE_READONLY: 'read_only',
  SQLITE_READONLY_RECOVERY: 'read_only',
  SQLITE_READONLY_CANTLOCK: 'read_only',
  SQLITE_READONLY_ROLLBACK: 'read_only',
  SQLITE_READONLY_DBMOVED: 'read_only',
  SQLITE_READONLY_CANTINIT: 'read_only',
  SQLITE_READONLY_DIRECTORY: 'read_only',
  SQLITE_FULL: 'full',
  SQLITE_IOERR: 'io_error',
};

/** PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const POSTGRES_FAULTS: Record<string, DatabaseFaultKind> = {
  '55P03': 'busy', // lock_not_available (lock_timeout, NOWAIT)
  '40001': 'busy', // serialization_failure
  '40P01': 'busy', // deadlock_detected
  '53300': 'busy', // too_many_connections
  '57P03': 'busy', // cannot_connect_now (the server is starting up)
  '25006': 'read_only', // read_only_sql_transaction (a standby, or default_transaction_read_only)
  '53100': 'full', // disk_full
  '58030': 'io_error', // io_error
};

/** SQLITE_IOERR_WRITE and friends: every extended I/O error is an I/O error. */
const SQLITE_IOERR_EXTENDED = /^SQLITE_IOERR_[A-Z_]+$/;

function faultOf(code: unknown): DatabaseFault | null {
  if (typeof code !== 'string') return null;
  const kind = SQLITE_FAULTS[code] ?? POSTGRES_FAULTS[code] ?? (SQLITE_IOERR_EXTENDED.test(code) ? 'io_error' : undefined);
  return kind ? { kind, code } : null;
}

/**
 * The fault behind an error, or null when it is something else (a bug, a constraint violation). Looks
 * at the error itself, at TypeORM's `driverError`, and along `cause`, because TypeORM wraps the
 * driver's error in a QueryFailedError and other layers may wrap it again.
 */
export function databaseFault(error: unknown): DatabaseFault | null {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length) {
    const current = pending.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as { code?: unknown; driverError?: unknown; cause?: unknown };
    const fault = faultOf(e.code);
    if (fault) return fault;
    pending.push(e.driverError, e.cause);
  }
  return null;
}

/** Seconds a client is told to wait before trying again after a busy database. */
export const BUSY_RETRY_AFTER_SECONDS = 5;
