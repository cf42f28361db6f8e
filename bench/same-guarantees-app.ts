/**
 * The second yardstick (issue 11): the least a signed-in page of this product must do per request,
 * written lean — NestJS + Express + hbs like the bare app, and the `sqlite3` driver directly (no
 * TypeORM) on the bench's own database. What the real app does beyond this is what its ratio to this
 * page measures. Per request:
 *
 *  1. The `tane.sid` cookie unsigned with SESSION_SECRET by the same cookie-signature module
 *     express-session uses, so the bench's signed-in cookie works here as on the app.
 *  2. One prepared statement: the session row (sessions: data, expires_at, user_id) with its user
 *     (roles, division, disabled, must_change_password, sessions_revoked_at) and the user's unread
 *     notification count — as src/auth/session-principal.ts does it.
 *  3. The checks: no row or an expired row (the idle timeout is kept on the server), the absolute
 *     limit since sign-in, a disabled or deleted account, sessions revoked after this one proved the
 *     password — each ends the session (its row deleted) and sends the browser to /login with 303; a
 *     temporary password sends it to /account/password.
 *  4. The idle expiry moved forward at most once a minute (a write only then), as the app's store.
 *  5. A CSRF token by csrf-sync from the session (stored only if the session had none); flash
 *     messages taken once (the session saved only if there were any).
 *  6. helmet with the CSP of src/configure-app.ts for production (HSTS, upgrade-insecure-requests),
 *     Cache-Control: no-store, X-Request-Id, no X-Powered-By, no ETag.
 *  7. A layout with the user's navigation, name, division, roles, unread count and the logout form,
 *     rendered by hbs.
 *  8. /proposals: the 20 newest proposals the user may see, by the list's default order
 *     (updated_at DESC, id DESC) on its index ix_proposals_updated, with a next link.
 *     /notifications: the same page without the list (the yardstick for the app's /notifications).
 *
 * Environment: PORT, SQLITE_PATH, SESSION_SECRET, SESSION_IDLE_MINUTES (60), SESSION_ABSOLUTE_HOURS
 * (12), TRUST_PROXY (1). Started by run.ts as a child process.
 */
import 'reflect-metadata';
import { Controller, Get, Module, Render, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { securityHeaders } from '../src/common/security-headers';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import sqlite3 from 'sqlite3';
import { formatDateLabel, jstDateString } from '../src/common/jst';
import { markCurrent, navigationFor } from '../src/common/navigation';
import { DECISION_LABELS, Decision, IMPLEMENTATION_LABELS, ImplementationStatus, ProposalStatus, STATUS_LABELS } from '../src/proposals/proposal-state-machine';
import { parseRoles, Role, ROLE_LABELS } from '../src/users/roles';

// The cookie parser and signer express-session itself loads, so a cookie is read exactly as the app reads it.
const fromSession = createRequire(require.resolve('express-session'));
const cookie = fromSession('cookie') as { parse(header: string): Record<string, string | undefined> };
const signature = fromSession('cookie-signature') as { unsign(value: string, secret: string): string | false };

const SESSION_COOKIE = 'tane.sid';
const secret = process.env.SESSION_SECRET ?? '';
if (secret.length < 32) throw new Error('SESSION_SECRET (32 characters or more) is required');
const idleMs = Number(process.env.SESSION_IDLE_MINUTES || 60) * 60_000;
const absoluteMs = Number(process.env.SESSION_ABSOLUTE_HOURS || 12) * 3_600_000;
/** As DatabaseSessionStore: the stored expiry is rewritten only when it would move this much. */
const TOUCH_INTERVAL_MS = 60_000;
const PAGE_SIZE = 20;

// --- the database: one connection, as the app has ---

type Row = Record<string, unknown>;

function open(path: string): Promise<sqlite3.Database> {
  return new Promise((ok, fail) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (error) => (error ? fail(error) : ok(db)));
  });
}
const exec = (db: sqlite3.Database, sql: string) => new Promise<void>((ok, fail) => db.exec(sql, (e) => (e ? fail(e) : ok())));
const prepare = (db: sqlite3.Database, sql: string) =>
  new Promise<sqlite3.Statement>((ok, fail) => {
    const statement = db.prepare(sql, (e) => (e ? fail(e) : ok(statement)));
  });
const get = (s: sqlite3.Statement, params: unknown[]) =>
  new Promise<Row | undefined>((ok, fail) => s.get(params, (e: Error | null, row?: Row) => (e ? fail(e) : ok(row))));
const all = (s: sqlite3.Statement, params: unknown[]) =>
  new Promise<Row[]>((ok, fail) => s.all(params, (e: Error | null, rows: Row[]) => (e ? fail(e) : ok(rows))));
const run = (s: sqlite3.Statement, params: unknown[]) => new Promise<void>((ok, fail) => s.run(params, (e: Error | null) => (e ? fail(e) : ok())));

interface Statements {
  principal: sqlite3.Statement;
  touch: sqlite3.Statement;
  save: sqlite3.Statement;
  end: sqlite3.Statement;
  officeList: sqlite3.Statement;
}

async function statements(db: sqlite3.Database): Promise<Statements> {
  return {
    // session + user with roles and division + unread count, in one statement (session-principal.ts)
    principal: await prepare(
      db,
      `SELECT s.data AS data, s.expires_at AS expires_at, s.user_id AS user_id,
              u.id AS u_id, u.login AS login, u.name AS name, u.roles AS roles, u.division_id AS division_id,
              u.disabled AS disabled, u.must_change_password AS must_change_password, u.sessions_revoked_at AS sessions_revoked_at,
              d.name AS division_name,
              (SELECT COUNT(*) FROM notifications n WHERE n.id IN (SELECT u.id FROM notifications u WHERE u.user_id = s.user_id AND u.read_at IS NULL AND u.resolved_at IS NULL LIMIT 100)) AS unread
         FROM sessions s
         LEFT JOIN users u ON u.id = s.user_id
         LEFT JOIN divisions d ON d.id = u.division_id
        WHERE s.sid = ?`,
    ),
    touch: await prepare(db, 'UPDATE sessions SET expires_at = ? WHERE sid = ?'),
    save: await prepare(db, 'UPDATE sessions SET data = ?, expires_at = ? WHERE sid = ?'),
    end: await prepare(db, 'DELETE FROM sessions WHERE sid = ?'),
    // canView for the office and admins (proposal-access.ts visibleWhere): anything submitted, and their
    // own or co-proposed drafts; the cheap test first. Ordered as the list's default order, which
    // ix_proposals_updated (updated_at, id, status, proposer_id) serves read backwards; one row more
    // than a page tells whether there is a next page.
    officeList: await prepare(
      db,
      `SELECT p.id AS id, p.number AS number, p.title AS title, p.status AS status, p.decision AS decision,
              p.implementation_status AS implementation_status, p.updated_at AS updated_at,
              c.name AS category_name
         FROM proposals p
         LEFT JOIN categories c ON c.id = p.category_id
        WHERE (p.status <> 'draft' OR p.proposer_id = ?1
               OR EXISTS (SELECT 1 FROM proposal_coproposers cp WHERE cp.proposal_id = p.id AND cp.user_id = ?1))
        ORDER BY p.updated_at DESC, p.id DESC
        LIMIT ${PAGE_SIZE + 1}`,
    ),
  };
}

// --- the signed-in request ---

interface SessionData {
  cookie?: unknown;
  userId?: number;
  loginAt?: number;
  verifiedAt?: number;
  csrfToken?: string;
  flash?: { type: string; text: string }[];
}

interface Principal {
  id: number;
  name: string;
  roles: Role[];
  divisionName: string | null;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}

const synchronizer = csrfSync();
/** TypeORM's SQLite datetime text is UTC without a zone: "2024-05-01 01:00:00.000". */
const utc = (text: unknown): number => Date.parse(String(text).replace(' ', 'T') + 'Z');
const HEADER_ROLE_LABELS: Record<Role, string> = { ...ROLE_LABELS, office: '事務局' };

function signedIn(s: Statements) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const toLogin = () => res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    const raw = req.headers.cookie ? cookie.parse(req.headers.cookie)[SESSION_COOKIE] : undefined;
    const sid = raw?.startsWith('s:') ? signature.unsign(raw.slice(2), secret) : false;
    if (!sid) return toLogin();
    (async () => {
      const row = await get(s.principal, [sid]);
      const now = Date.now();
      if (!row || Number(row.expires_at) <= now) return toLogin();
      const data = JSON.parse(String(row.data)) as SessionData;
      if (!data.userId) return toLogin();
      const revokedAt = row.sessions_revoked_at === null ? null : utc(row.sessions_revoked_at);
      const ended =
        !data.loginAt ||
        now - data.loginAt > absoluteMs ||
        row.u_id === null ||
        Number(row.u_id) !== data.userId ||
        Boolean(row.disabled) ||
        (revokedAt !== null && (data.verifiedAt ?? 0) < revokedAt);
      if (ended) {
        await run(s.end, [sid]);
        return toLogin();
      }
      if (row.must_change_password) return res.redirect(303, '/account/password');

      // CSRF token and flash, as the layout asks for them; the session is written only if they changed it
      const hadToken = typeof data.csrfToken === 'string';
      const csrfToken = synchronizer.generateToken({ session: data } as unknown as Request);
      const flash = data.flash ?? [];
      delete data.flash;
      const expiresAt = now + idleMs;
      if (!hadToken || flash.length) await run(s.save, [JSON.stringify(data), expiresAt, sid]);
      else if (expiresAt - Number(row.expires_at) >= TOUCH_INTERVAL_MS) await run(s.touch, [expiresAt, sid]);

      const roles = parseRoles(row.roles as string);
      req.principal = { id: data.userId, name: String(row.name), roles, divisionName: (row.division_name as string | null) ?? null };
      Object.assign(res.locals, {
        currentUser: {
          name: row.name,
          divisionName: row.division_name,
          roleLabels: roles
            .filter((r) => r !== 'staff')
            .map((r) => HEADER_ROLE_LABELS[r])
            .join('・'),
        },
        nav: markCurrent(navigationFor(roles), req.path),
        // as the app's header: counted up to 100, shown as 99+ beyond
        unreadBadge:
          Number(row.unread) <= 0
            ? null
            : Number(row.unread) >= 100
              ? { text: '99+', label: '未読 99 件以上' }
              : { text: String(row.unread), label: `未読 ${row.unread} 件` },
        csrfToken,
        flash,
      });
      next();
    })().catch(next);
  };
}

// --- the pages ---

let db: Statements;

@Controller()
class PagesController {
  @Get('proposals')
  @Render('sg-list')
  async list(@Req() req: Request) {
    const viewer = req.principal!;
    if (!viewer.roles.includes('office') && !viewer.roles.includes('admin')) {
      // The bench signs in as the office; other users' visibility rule is not part of this yardstick.
      throw new Error('the same-guarantees list is written for the office and admins only');
    }
    const rows = await all(db.officeList, [viewer.id]);
    return {
      title: '提案一覧',
      more: rows.length > PAGE_SIZE,
      rows: rows.slice(0, PAGE_SIZE).map((p) => {
        const status = p.status as ProposalStatus;
        const decision = p.decision as Decision | null;
        const implementation = p.implementation_status as ImplementationStatus | null;
        return {
          id: p.id,
          number: p.number,
          title: p.title,
          categoryName: p.category_name,
          status,
          statusLabel: STATUS_LABELS[status],
          decisionLabel: status === 'decided' && decision ? DECISION_LABELS[decision] : null,
          implementationLabel: implementation ? IMPLEMENTATION_LABELS[implementation] : null,
          updatedAt: formatDateLabel(jstDateString(new Date(utc(p.updated_at)))),
        };
      }),
    };
  }

  @Get('notifications')
  @Render('sg-empty')
  empty() {
    return { title: 'お知らせ' };
  }
}

@Controller()
class HealthController {
  @Get('healthz')
  health() {
    return 'ok';
  }
}

@Module({ controllers: [PagesController, HealthController] })
class SameGuaranteesModule {}

async function main(): Promise<void> {
  const connection = await open(resolve(process.env.SQLITE_PATH ?? 'bench/data/bench.sqlite'));
  // as the app's database layer: WAL, a busy timeout, foreign keys, durable commits
  connection.configure('busyTimeout', 10_000);
  await exec(connection, 'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;');
  db = await statements(connection);

  const app = await NestFactory.create<NestExpressApplication>(SameGuaranteesModule, { logger: ['error'], bodyParser: false });
  app.set('trust proxy', Number(process.env.TRUST_PROXY ?? 1));
  app.disable('x-powered-by');
  app.set('etag', false);
  // from dist/bench/ back to the source folder's views
  app.setBaseViewsDir(join(resolve(__dirname, '../../bench'), 'views'));
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'sg-layout' });

  const guard = signedIn(db);
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Request-Id', randomUUID());
    next();
  });
  // the app's own headers, with its production settings (secure cookies: HSTS, upgrade-insecure-requests)
  app.use(helmet(securityHeaders(true)));
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    if (req.path === '/healthz') return next();
    guard(req, res, next);
  });
  await app.listen(Number(process.env.PORT ?? 3998), '127.0.0.1');
}

void main();
