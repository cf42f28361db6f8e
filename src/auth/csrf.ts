import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { csrfSync } from 'csrf-sync';
import { CsrfError } from '../common/errors';

/**
 * Synchronizer tokens kept in the session (csrf-sync). Forms post the token as `_csrf`; multipart forms
 * carry it in the action URL's query string instead, because the guard runs before the upload is
 * parsed. Scripts may send it as the `x-csrf-token` header.
 */
export const csrf = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const header = req.headers['x-csrf-token'];
    if (typeof header === 'string') return header;
    const fromQuery = req.query?._csrf;
    if (typeof fromQuery === 'string' && req.is('multipart/form-data')) return fromQuery;
    return undefined;
  },
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method)) return true;
    if (!csrf.isRequestValid(req)) throw new CsrfError();
    // The token has done its job; removing it keeps it out of the DTOs, which refuse unknown fields.
    if (req.body && typeof req.body === 'object') delete (req.body as Record<string, unknown>)._csrf;
    return true;
  }
}
