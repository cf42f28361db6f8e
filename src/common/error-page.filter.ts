import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppLogger } from './app-logger';
import { CsrfError, DomainError, NotSignedInError, PasswordChangeRequiredError, TooManyAttemptsError } from './errors';
import { FormValidationException } from './forms';
import { BUSY_RETRY_AFTER_SECONDS, databaseFault } from '../database/database-errors';
import { DATABASE_FAULT_TEXT, renderErrorPage } from './error-pages';
import { formatJstDateTime } from './jst';

/** Form fields never sent back to the browser, even to refill a form. */
const NEVER_ECHO = /^_csrf$|password/i;

export function formValues(body: unknown): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) if (!NEVER_ECHO.test(key)) values[key] = value;
  }
  return values;
}

/**
 * Turns every error into a Japanese page. Nothing internal (stack, SQL, file paths) reaches the
 * browser; a 500 shows the request id that the log line carries.
 */
@Catch()
export class ErrorPageFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      this.logger.event('error', 'error_after_headers_sent', { requestId: req.requestId, error: String(exception) });
      return;
    }
    try {
      await this.respond(exception, req, res);
    } catch (renderError) {
      this.logger.event('error', 'error_page_failed', {
        requestId: req.requestId,
        error: renderError instanceof Error ? renderError.stack : String(renderError),
      });
      if (!res.headersSent) res.status(500).type('text/plain; charset=utf-8').send('システムエラーが発生しました。');
    }
  }

  private async respond(exception: unknown, req: Request, res: Response): Promise<void> {
    const who = { requestId: req.requestId, userId: req.user?.id, login: req.user?.login, method: req.method, path: req.path, ip: req.ip };

    if (exception instanceof NotSignedInError) {
      const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
      return res.redirect(303, `/login${next}`);
    }
    if (exception instanceof PasswordChangeRequiredError) return res.redirect(303, '/account/password');

    if (exception instanceof FormValidationException) {
      if (exception.status === 400) this.logger.event('warn', 'form_tampering', { ...who, errors: exception.summary });
      if (req.formPage) {
        let context: Record<string, unknown>;
        try {
          context = await req.formPage.loadContext();
        } catch (contextError) {
          // The page itself cannot be shown (e.g. the record is gone or not visible): answer that.
          req.formPage = undefined;
          return this.respond(contextError, req, res);
        }
        // What the user typed wins; a form that sent no fields of its own (a button-only form such as
        // "disable", perhaps with its confirmation tick) keeps the page's own values so the form on it
        // does not come back blank.
        const typed = formValues(req.body);
        const ownFields = Object.keys(typed).filter((field) => field !== 'confirm');
        return res.status(exception.status).render(req.formPage.view, {
          ...context,
          values: ownFields.length ? typed : { ...((context.values as object | undefined) ?? {}), ...typed },
          // which of the page's forms was sent (its last path segment: "disable", "return" …), so only it shows the messages
          activeForm: context.activeForm ?? req.path.split('/').pop(),
          errors: exception.fieldErrors,
          errorSummary: exception.summary,
        });
      }
      return this.page(res, exception.status, { message: exception.summary.join(' ') });
    }

    if (exception instanceof TooManyAttemptsError) {
      const seconds = Math.max(1, Math.ceil((exception.retryAt.getTime() - Date.now()) / 1000));
      res.setHeader('Retry-After', String(seconds));
      return this.page(res, 429, {
        message: `${exception.message} ${formatJstDateTime(exception.retryAt)} 以降にもう一度お試しください。`,
      });
    }

    if (exception instanceof DomainError) {
      if (exception instanceof CsrfError) this.logger.event('warn', 'csrf_failure', who);
      else if (exception.status === 403) this.logger.event('warn', 'access_denied', who);
      return this.page(res, exception.status, { message: exception.message, link: exception.link });
    }

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 403) this.logger.event('warn', 'access_denied', who);
      if (status >= 500) this.logger.event('error', 'http_error', { ...who, status, error: exception.stack });
      return this.page(res, status);
    }

    // The database said "not now" (busy, locked) or "not at all" (read-only, full, failing disk): the
    // transaction was rolled back, so the person gets a page that says what to do, not a 500.
    const fault = databaseFault(exception);
    if (fault) {
      const busy = fault.kind === 'busy';
      this.logger.event(busy ? 'warn' : 'error', busy ? 'database_busy' : 'database_unavailable', {
        ...who,
        kind: fault.kind,
        code: fault.code,
        error: exception instanceof Error ? exception.message : String(exception),
      });
      if (busy) res.setHeader('Retry-After', String(BUSY_RETRY_AFTER_SECONDS));
      return this.page(res, 503, { ...DATABASE_FAULT_TEXT[fault.kind], requestId: busy ? undefined : req.requestId });
    }

    this.logger.event('error', 'unhandled_error', {
      ...who,
      error: exception instanceof Error ? exception.stack : String(exception),
    });
    return this.page(res, 500, { requestId: req.requestId });
  }

  private page(res: Response, status: number, extra: Parameters<typeof renderErrorPage>[2] = {}): void {
    renderErrorPage(res, status, extra);
  }
}
