import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/config';
import { UsersService } from '../users/users.service';

/**
 * Loads the signed-in user on every request, so a disabled account or changed roles take effect at
 * once, and ends sessions that passed the absolute time limit however active they were.
 */
export function currentUserMiddleware(users: UsersService, config: AppConfig) {
  const absoluteMs = config.sessionAbsoluteHours * 60 * 60 * 1000;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const userId = req.session?.userId;
    if (!userId) return next();
    const expired = !req.session.loginAt || Date.now() - req.session.loginAt > absoluteMs;
    const end = (): void => {
      req.session.destroy(() => next());
    };
    if (expired) return end();
    users.findActiveById(userId).then((user) => {
      if (!user) return end();
      req.user = user;
      next();
    }, next);
  };
}
