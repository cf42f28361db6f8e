import { SetMetadata } from '@nestjs/common';
import { Role } from '../users/roles';

export const ACCESS_RULE = 'tane:access';

/** Who may use a route. A route without a rule is refused to everyone (see AccessGuard). */
export type AccessRule = { kind: 'public' } | { kind: 'signed-in' } | { kind: 'roles'; roles: Role[] };

/** Anyone, signed in or not (login page, health check). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, { kind: 'public' });

/** Any signed-in user, whatever their roles (dashboard, own password). */
export const SignedIn = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, { kind: 'signed-in' });

/** Signed-in users holding at least one of these roles. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, { kind: 'roles', roles });
