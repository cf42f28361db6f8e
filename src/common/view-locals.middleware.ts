import type { NextFunction, Request, Response } from 'express';
import { ROLE_LABELS } from '../users/roles';
import { csrf } from '../auth/csrf';
import { takeFlash } from './flash';
import { navigationFor } from './navigation';

/** What the layout needs on every page: who is signed in, their menu, flash messages, the CSRF token. */
export function viewLocalsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const user = req.user;
  res.locals.currentUser = user
    ? {
        id: user.id,
        name: user.name,
        login: user.login,
        divisionName: user.division?.name ?? null,
        roleLabels: user.roles.map((r) => ROLE_LABELS[r]).join('・'),
      }
    : null;
  res.locals.nav = user ? navigationFor(user.roles).map((item) => ({ ...item, current: isCurrent(item.href, req.path) })) : [];
  res.locals.requestPath = req.path;
  // Called from the template only when a page has a form, so pages without forms create no session.
  res.locals.csrfToken = () => csrf.generateToken(req);
  if (req.method === 'GET') res.locals.flash = takeFlash(req);
  next();
}

const isCurrent = (href: string, path: string): boolean => (href === '/' ? path === '/' : path === href || path.startsWith(href + '/'));
