import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppLogger } from '../common/app-logger';
import { ForbiddenError, NotSignedInError, PasswordChangeRequiredError } from '../common/errors';
import { ACCESS_RULE, AccessRule } from './access.decorators';

/** Routes a user with a temporary password may still use. */
const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set(['/account/password', '/logout']);

/** Denies every route unless it says who may use it; the handler's rule wins over the controller's. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly logger: AppLogger,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    const req = context.switchToHttp().getRequest<Request>();
    if (!rule) {
      this.logger.event('error', 'route_without_access_rule', { path: req.path, handler: context.getHandler().name });
      throw new ForbiddenError();
    }
    if (rule.kind === 'public') return true;

    const user = req.user;
    if (!user) throw new NotSignedInError();
    if (user.mustChangePassword && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(req.path)) throw new PasswordChangeRequiredError();
    if (rule.kind === 'roles' && !user.hasRole(...rule.roles)) throw new ForbiddenError();
    return true;
  }
}
