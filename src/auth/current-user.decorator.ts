import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { User } from '../users/user.entity';

/**
 * The signed-in user, as a handler parameter. Only for routes behind @SignedIn() / @Roles() (the
 * access guard has let the request through only with a user, loaded by currentUserMiddleware).
 */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): User => currentUser(context.switchToHttp().getRequest<Request>()));

/** The same for code that has the request (page loaders, interceptors): the user the access guard let through. */
export function currentUser(req: Request): User {
  // the access guard runs first: reaching here without a user is a route declared without one
  if (!req.user) throw new Error('the signed-in user was asked for on a route that does not require signing in');
  return req.user;
}
