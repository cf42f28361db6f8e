import type { Request } from 'express';
import { Session, SessionData, Store } from 'express-session';
import { DbService } from '../database/db.service';
import { SessionRecord } from './session-record.entity';
import { attachPrincipal, PRINCIPAL, PrincipalStatement, principalStatement, SessionDataWithPrincipal } from './session-principal';

type Callback<T = void> = (err?: unknown, value?: T) => void;

const CLEANUP_INTERVAL_MS = 10 * 60 * 1000;
/**
 * A request that changes nothing in its session still moves the idle expiry forward (rolling), but
 * the stored expiry is rewritten only when it would move by at least this much. Without it every page
 * view was a write (and on SQLite a synced commit, one at a time), which capped the whole app at the
 * disk's commit rate. The idle timeout is therefore exact to within a minute.
 */
const TOUCH_INTERVAL_MS = 60 * 1000;

/**
 * express-session store on the application's own database, so every app instance sees the same
 * sessions. The user id is kept in its own column so that logout everywhere, a password change and
 * disabling an account can end a user's sessions with one statement.
 */
export class DatabaseSessionStore extends Store {
  private lastCleanup = 0;
  private statement?: PrincipalStatement;
  /** The stored expiry of each session as last read or written here. */
  private readonly knownExpiry = new Map<string, number>();

  constructor(
    private readonly db: DbService,
    private readonly idleMs: number,
  ) {
    super();
  }

  /** The session with its user and unread count, in one statement (session-principal.ts). */
  override get(sid: string, callback: Callback<SessionData | null>): void {
    this.statement ??= principalStatement(this.db.dataSource);
    const statement = this.statement;
    (this.db.dataSource.query(statement.sql, [sid]) as Promise<Record<string, unknown>[]>).then(([row]) => {
      if (!row) return callback(null, null);
      const { data, expiresAt, principal } = statement.read(row);
      if (expiresAt <= Date.now()) return callback(null, null);
      this.remember(sid, expiresAt);
      const session = JSON.parse(data) as SessionDataWithPrincipal;
      if (principal) session[PRINCIPAL] = principal;
      callback(null, session);
    }, callback);
  }

  /** express-session makes the request's session from what get() gave: the principal read with it goes to the request. */
  override createSession(req: Request, data: SessionData): Session & SessionData {
    attachPrincipal(req, data as SessionDataWithPrincipal);
    return super.createSession(req, data);
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    const expiresAt = this.expiry(session);
    this.remember(sid, expiresAt);
    this.db
      .write((manager) =>
        manager
          .createQueryBuilder()
          .insert()
          .into(SessionRecord)
          .values({ sid, userId: session.userId ?? null, data: JSON.stringify(session), expiresAt })
          .orUpdate(['user_id', 'data', 'expires_at'], ['sid'])
          .execute(),
      )
      .then(() => this.cleanupNowAndThen())
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    const expiresAt = this.expiry(session);
    const stored = this.knownExpiry.get(sid);
    if (stored !== undefined && expiresAt - stored < TOUCH_INTERVAL_MS) {
      // express-session writes the response's end in this callback: never call it synchronously
      process.nextTick(() => callback?.());
      return;
    }
    this.db
      .write((manager) => manager.createQueryBuilder().update(SessionRecord).set({ expiresAt }).where('sid = :sid', { sid }).execute())
      .then(() => this.remember(sid, expiresAt))
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  override destroy(sid: string, callback?: Callback): void {
    this.knownExpiry.delete(sid);
    this.db
      .write((manager) => manager.createQueryBuilder().delete().from(SessionRecord).where('sid = :sid', { sid }).execute())
      .then(
        () => callback?.(),
        (err) => callback?.(err),
      );
  }

  /** Ends every session of a user, optionally keeping the one making the request. */
  async destroyUserSessions(userId: number, exceptSid?: string): Promise<void> {
    await this.db.write((manager) => {
      const query = manager.createQueryBuilder().delete().from(SessionRecord).where('user_id = :userId', { userId });
      if (exceptSid) query.andWhere('sid <> :exceptSid', { exceptSid });
      return query.execute();
    });
  }

  /** Every request reads its session first, so what is known here is never older than that read. */
  private remember(sid: string, expiresAt: number): void {
    // one entry per active session; emptied now and then rather than tracked for expiry
    if (this.knownExpiry.size > 50_000) this.knownExpiry.clear();
    this.knownExpiry.set(sid, expiresAt);
  }

  private expiry(session: SessionData): number {
    const expires = session.cookie?.expires;
    return expires ? new Date(expires).getTime() : Date.now() + this.idleMs;
  }

  private async cleanupNowAndThen(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < CLEANUP_INTERVAL_MS) return;
    this.lastCleanup = now;
    await this.db.write((manager) => manager.createQueryBuilder().delete().from(SessionRecord).where('expires_at <= :now', { now }).execute());
  }
}
