import type { NextFunction, Request, Response } from 'express';
import { ROLE_LABELS } from '../users/roles';
import { csrf } from '../auth/csrf';
import { principalOf } from '../auth/session-principal';
import { takeFlash } from './flash';
import { markCurrent, navigationFor } from './navigation';
import { UNREAD_COUNT_CAP, type NotificationsService } from '../notifications/notifications.service';

/**
 * What the layout needs on every page: who is signed in, their menu, unread notifications, flash
 * messages, the CSRF token.
 */
/**
 * GET routes that answer with data rather than a page (JSON while typing, CSV, files, the health
 * check): no layout, so no unread count to look up.
 */
const NOT_A_PAGE = /^\/proposals\/similar$|\.csv$|^\/proposals\/\d+\/attachments\/\d+$|^\/healthz$/;

export const viewLocalsMiddleware =
  (notifications: NotificationsService) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fillLocals(req, res);
    if (!req.user || req.method !== 'GET' || NOT_A_PAGE.test(req.path)) return next();
    const principal = principalOf(req, req.user.id);
    if (principal) {
      res.locals.unreadBadge = unreadBadge(principal.unreadCount);
      return next();
    }
    notifications.unreadCount(req.user.id).then((count) => {
      res.locals.unreadBadge = unreadBadge(count);
      next();
    }, next);
  };

/** The header's badge: nothing when all is read, "99+" when the capped count says there are more. */
export function unreadBadge(count: number): { text: string; label: string } | null {
  if (count <= 0) return null;
  return count >= UNREAD_COUNT_CAP ? { text: '99+', label: '未読 99 件以上' } : { text: String(count), label: `未読 ${count} 件` };
}

function fillLocals(req: Request, res: Response): void {
  const user = req.user;
  res.locals.currentUser = user
    ? {
        id: user.id,
        name: user.name,
        login: user.login,
        divisionName: user.division?.name ?? null,
        // every user is 職員; the header names only the roles that add something (the division is shown beside them)
        roleLabels: user.roles
          .filter((r) => r !== 'staff')
          .map((r) => HEADER_ROLE_LABELS[r])
          .join('・'),
      }
    : null;
  res.locals.nav = user ? markCurrent(navigationFor(user.roles), req.path) : [];
  res.locals.requestPath = req.path;
  // Called from the template only when a page has a form, so pages without forms create no session.
  res.locals.csrfToken = () => csrf.generateToken(req);
  if (req.method === 'GET') res.locals.flash = takeFlash(req);
}

/** In the header, beside the division name: 改革推進課 as a role would repeat the office's own division name. */
const HEADER_ROLE_LABELS: typeof ROLE_LABELS = { ...ROLE_LABELS, office: '事務局' };
