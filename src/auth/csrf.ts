import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { csrfSync } from 'csrf-sync';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CsrfError } from '../common/errors';
import type { AppConfig } from '../config/config';
import { deriveKey, readCookie } from './device-cookie';

/**
 * Two kinds of CSRF token, one per kind of visitor:
 *
 * - Signed in: synchronizer tokens kept in the session (csrf-sync).
 * - Not signed in (the login form): a signed double-submit token, so that an anonymous page view
 *   stores nothing. The browser gets a random value in a cookie; the form carries an HMAC of that
 *   value made with a key derived from SESSION_SECRET. A cross-site form cannot read the cookie and
 *   cannot make the HMAC without the secret. (Each anonymous GET /login used to store a session row
 *   just to hold the token: 1,611 rows in 10 seconds from 20 loops.)
 *
 * Forms post the token as `_csrf`; multipart forms carry it in the action URL's query string instead,
 * because the guard runs before the upload is parsed. Scripts may send it as the `x-csrf-token` header.
 */
function tokenFromRequest(req: Request): string | undefined {
  const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (typeof fromBody === 'string') return fromBody;
  const header = req.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const fromQuery = req.query?._csrf;
  if (typeof fromQuery === 'string' && req.is('multipart/form-data')) return fromQuery;
  return undefined;
}

const synchronizer = csrfSync({ getTokenFromRequest: tokenFromRequest });

/** Whether this request belongs to a signed-in session (and so has a session to keep its token in). */
const signedIn = (req: Request): boolean => Boolean(req.session?.userId);

/** The signed double-submit token of anonymous pages; one per app (its key comes from the config). */
export class AnonymousCsrf {
  private readonly key: Buffer;
  readonly cookieName: string;

  constructor(
    secret: string,
    private readonly secure: boolean,
  ) {
    this.key = deriveKey(secret, 'anonymous-csrf');
    // __Host- (HTTPS only): a sibling subdomain cannot plant its own value, which is the weak point of double-submit
    this.cookieName = secure ? '__Host-tane.csrf' : 'tane.csrf';
  }

  /** The token for this browser's cookie, setting the cookie first if the browser has none yet. */
  token(req: Request): string {
    let value = req.anonymousCsrfValue ?? readCookie(req.headers.cookie, this.cookieName);
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = randomBytes(32).toString('base64url');
      // no maxAge: it goes when the browser closes; httpOnly: only the form carries the token
      req.res?.cookie(this.cookieName, value, { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/' });
    }
    req.anonymousCsrfValue = value;
    return this.sign(value);
  }

  isValid(req: Request): boolean {
    const value = readCookie(req.headers.cookie, this.cookieName);
    const sent = tokenFromRequest(req);
    if (!value || !sent) return false;
    const expected = Buffer.from(this.sign(value));
    const given = Buffer.from(sent);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('base64url');
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by anonymousCsrfMiddleware. */
      anonymousCsrf?: AnonymousCsrf;
      /** The anonymous CSRF cookie value chosen during this request (several forms on one page share it). */
      anonymousCsrfValue?: string;
    }
  }
}

/** Makes the anonymous token available to the guard and to the pages (see configure-app.ts). */
export function anonymousCsrfMiddleware(config: AppConfig) {
  const anonymous = new AnonymousCsrf(config.sessionSecret, config.secureCookies);
  return (req: Request, _res: Response, next: NextFunction): void => {
    req.anonymousCsrf = anonymous;
    next();
  };
}

/** The one entry point for pages and controllers: picks the kind of token that fits the visitor. */
export const csrf = {
  /** `overwrite` makes a new synchronizer token (used right after login). */
  generateToken(req: Request, overwrite = false): string {
    if (signedIn(req) || !req.anonymousCsrf) return synchronizer.generateToken(req, overwrite);
    return req.anonymousCsrf.token(req);
  },
  isRequestValid(req: Request): boolean {
    if (signedIn(req) || !req.anonymousCsrf) return synchronizer.isRequestValid(req);
    return req.anonymousCsrf.isValid(req);
  },
};

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
