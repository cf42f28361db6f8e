import { SessionData, Store } from 'express-session';
import { DbService } from '../database/db.service';
import { SessionRecord } from './session-record.entity';

type Callback<T = void> = (err?: unknown, value?: T) => void;

const CLEANUP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * express-session store on the application's own database, so every app instance sees the same
 * sessions. The user id is kept in its own column so that logout everywhere, a password change and
 * disabling an account can end a user's sessions with one statement.
 */
export class DatabaseSessionStore extends Store {
  private lastCleanup = 0;

  constructor(
    private readonly db: DbService,
    private readonly idleMs: number,
  ) {
    super();
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    this.db.dataSource
      .getRepository(SessionRecord)
      .findOne({ where: { sid } })
      .then((row) => {
        if (!row || Number(row.expiresAt) <= Date.now()) return callback(null, null);
        callback(null, JSON.parse(row.data) as SessionData);
      }, callback);
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    const expiresAt = this.expiry(session);
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
      .then(() => callback?.(), (err) => callback?.(err));
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    this.db
      .write((manager) =>
        manager
          .createQueryBuilder()
          .update(SessionRecord)
          .set({ expiresAt: this.expiry(session) })
          .where('sid = :sid', { sid })
          .execute(),
      )
      .then(() => callback?.(), (err) => callback?.(err));
  }

  override destroy(sid: string, callback?: Callback): void {
    this.db
      .write((manager) => manager.createQueryBuilder().delete().from(SessionRecord).where('sid = :sid', { sid }).execute())
      .then(() => callback?.(), (err) => callback?.(err));
  }

  /** Ends every session of a user, optionally keeping the one making the request. */
  async destroyUserSessions(userId: number, exceptSid?: string): Promise<void> {
    await this.db.write((manager) => {
      const query = manager.createQueryBuilder().delete().from(SessionRecord).where('user_id = :userId', { userId });
      if (exceptSid) query.andWhere('sid <> :exceptSid', { exceptSid });
      return query.execute();
    });
  }

  private expiry(session: SessionData): number {
    const expires = session.cookie?.expires;
    return expires ? new Date(expires).getTime() : Date.now() + this.idleMs;
  }

  private async cleanupNowAndThen(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < CLEANUP_INTERVAL_MS) return;
    this.lastCleanup = now;
    await this.db.write((manager) =>
      manager.createQueryBuilder().delete().from(SessionRecord).where('expires_at <= :now', { now }).execute(),
    );
  }
}
