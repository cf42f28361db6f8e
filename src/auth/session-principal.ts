import type { Request } from 'express';
import type { SessionData } from 'express-session';
import { DataSource } from 'typeorm';
import { Division } from '../organization/division.entity';
import { User } from '../users/user.entity';
import { entityColumns } from '../database/row-hydration';
import { placeholder } from '../database/sql-placeholder';
import { UNREAD_COUNT_SQL } from '../notifications/notifications.service';

/*
 * The per-request path (issue 11): every signed-in request needs its session, its user with the
 * division, and (for a page) the unread count. They come from one statement, run where express-session
 * asks the store for the session; what it found travels with the session data to the request (see
 * DatabaseSessionStore.createSession), where the current-user and view-locals middleware take it
 * instead of asking again. The user is hydrated through TypeORM's own column metadata
 * (database/row-hydration.ts), so it is the same User (types, transformers, no password hash) that UsersService.findActiveById returns.
 */

/** Who a session belongs to, as read with it. `user` is null when the account is gone or disabled. */
export interface SessionPrincipal {
  userId: number;
  user: User | null;
  unreadCount: number;
}

/** On the session data between the store's read and createSession; a symbol, so never stored. */
export const PRINCIPAL = Symbol('sessionPrincipal');
export type SessionDataWithPrincipal = SessionData & { [PRINCIPAL]?: SessionPrincipal };

const principals = new WeakMap<Request, SessionPrincipal>();

/** Hands the principal read with the session to the request (from createSession). */
export function attachPrincipal(req: Request, data: SessionDataWithPrincipal): void {
  const principal = data[PRINCIPAL];
  if (principal) principals.set(req, principal);
  else principals.delete(req);
}

/** The principal read with this request's session, if it belongs to `userId`. */
export function principalOf(req: Request, userId: number): SessionPrincipal | undefined {
  const principal = principals.get(req);
  return principal?.userId === userId ? principal : undefined;
}

export interface PrincipalStatement {
  sql: string;
  /** The session row and its principal, from one result row. */
  read(row: Record<string, unknown>): { data: string; expiresAt: number; principal: SessionPrincipal | null };
}

/** The one statement for a session, its user with division, and the user's unread count. */
export function principalStatement(dataSource: DataSource): PrincipalStatement {
  const users = entityColumns(dataSource, User, 'u_');
  const divisions = entityColumns(dataSource, Division, 'd_');
  const param = placeholder(dataSource, 1);
  const sql = `
    SELECT s.data AS s_data, s.expires_at AS s_expires_at, s.user_id AS s_user_id,
           ${users.select('u')},
           ${divisions.select('d')},
           ${UNREAD_COUNT_SQL('n', 's.user_id')} AS unread
      FROM sessions s
      LEFT JOIN users u ON u.id = s.user_id
      LEFT JOIN divisions d ON d.id = u.division_id
     WHERE s.sid = ${param}`;

  return {
    sql,
    read(row) {
      const userId = row.s_user_id === null || row.s_user_id === undefined ? null : Number(row.s_user_id);
      let principal: SessionPrincipal | null = null;
      if (userId !== null) {
        let user = users.hydrate(row);
        if (user) {
          user.division = divisions.hydrate(row);
          if (user.disabled) user = null;
        }
        principal = { userId, user, unreadCount: Number(row.unread ?? 0) };
      }
      return { data: String(row.s_data), expiresAt: Number(row.s_expires_at), principal };
    },
  };
}
