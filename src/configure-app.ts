import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { anonymousCsrfMiddleware } from './auth/csrf';
import { DatabaseSessionStore } from './auth/session-store';
import { currentUserMiddleware } from './auth/current-user.middleware';
import { AppLogger } from './common/app-logger';
import { renderErrorPage } from './common/error-pages';
import { projectRoot } from './common/paths';
import { securityHeaders } from './common/security-headers';
import { setupViewEngine } from './common/view-engine';
import { viewLocalsMiddleware } from './common/view-locals.middleware';
import { APP_CONFIG, AppConfig } from './config/config';
import { NotificationsService } from './notifications/notifications.service';
import { UsersService } from './users/users.service';

export const SESSION_COOKIE = 'tane.sid';
/** Form posts are small; uploads (multipart) have their own per-route limits. */
export const FORM_BODY_LIMIT = '200kb';

/**
 * Everything around the routes: views, static files, security headers, body parsing, sessions, the
 * current user. Shared by main.ts and the tests, so tests exercise exactly what runs in production.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<AppConfig>(APP_CONFIG);
  const logger = app.get(AppLogger);
  const root = projectRoot();
  const viewsDir = join(root, 'views');

  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // Pages are no-store (below), so an ETag could never be used: not hashing every page saves its cost.
  // Static files keep theirs (express.static has its own).
  app.set('etag', false);
  app.setBaseViewsDir(viewsDir);
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  setupViewEngine(viewsDir);

  app.use((req: Request, res: Response, next: NextFunction) => {
    req.requestId = randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    next();
  });

  app.use(helmet(securityHeaders(config.secureCookies)));

  app.use('/assets', express.static(join(root, 'public'), { maxAge: config.production ? '1d' : 0, index: false }));

  // Everything after this point is a page or an action: never cached, by the browser or a proxy.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  // Only what the pages send: urlencoded forms here, multipart uploads in their routes. No JSON parser:
  // no route takes JSON, and a JSON body brings what forms never can (numbers, objects, `__proto__`
  // keys, nesting deep enough to overflow the ValidationPipe's recursion into a 500).
  app.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 1000 }));

  app.use(
    session({
      name: SESSION_COOKIE,
      store: app.get(DatabaseSessionStore),
      secret: config.sessionSecret,
      resave: false,
      saveUninitialized: false,
      // The idle timeout is kept on the server: the store's expiry moves forward with activity
      // (DatabaseSessionStore.touch) and an expired row is no session. The cookie itself lives until
      // the browser closes, so it is not signed and sent again with every response (issue 11: rolling
      // cookies cost an HMAC and a Set-Cookie per page, and told nothing the server does not enforce).
      rolling: false,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.secureCookies,
      },
    }),
  );
  // The login form's CSRF token is a signed cookie pair, not a session value: anonymous pages store nothing.
  app.use(anonymousCsrfMiddleware(config));
  app.use(currentUserMiddleware(app.get(UsersService), config));
  app.use(viewLocalsMiddleware(app.get(NotificationsService)));

  // Errors raised by the middleware above (oversized or malformed bodies, a failing session store)
  // happen before Nest's filters can see them; answer them with the same Japanese pages.
  app.use((err: { status?: number; type?: string; stack?: string }, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    const event = status === 413 ? 'body_too_large' : status < 500 ? 'bad_request_body' : 'middleware_error';
    logger.event(status < 500 ? 'warn' : 'error', event, {
      requestId: req.requestId,
      path: req.path,
      ip: req.ip,
      error: status < 500 ? err.type : err.stack,
    });
    renderErrorPage(res, status, { requestId: status >= 500 ? req.requestId : undefined });
  });

  return app;
}
