import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/config';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { principalOf } from './session-principal';

/**
 * Loads the signed-in user on every request, so a disabled account or changed roles take effect at
 * once, and ends sessions that passed the absolute time limit however active they were, or that
 * signed in before the user's sessions were revoked (a request in flight during a password change
 * may save its session row again after the change deleted it; this check still ends it).
 */
export function currentUserMiddleware(users: UsersService, config: AppConfig) {
  const absoluteMs = config.sessionAbsoluteHours * 60 * 60 * 1000;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const userId = req.session?.userId;
    if (!userId) return next();
    const expired = !req.session.loginAt || Date.now() - req.session.loginAt > absoluteMs;
    // A fresh, empty session: the old id is deleted from the store, and the new one is stored only if
    // something is put in it (the login page's CSRF token needs no session; see csrf.ts).
    const end = (): void => {
      req.session.regenerate((err) => next(err));
    };
    if (expired) return end();
    const accept = (user: User | null): void => {
      const revoked = user?.sessionsRevokedAt && (req.session.verifiedAt ?? 0) < user.sessionsRevokedAt.getTime();
      if (!user || revoked) return end();
      req.user = user;
      next();
    };
    // read with the session in the same statement (session-principal.ts); asked again only when it was not
    const principal = principalOf(req, userId);
    if (principal) return accept(principal.user);
    users.findActiveById(userId).then(accept, next);
  };
}
