import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { FORM_PAGE, FormPageMeta, PageLoader } from './forms';

/**
 * Interceptors run before pipes, so this can tell the error-page filter, ahead of validation, which
 * page to render again and how to load what that page needs besides the user's input.
 */
@Injectable()
export class FormPageInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<FormPageMeta | undefined>(FORM_PAGE, context.getHandler());
    if (meta && context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      const controllerClass = context.getClass();
      req.formPage = {
        ...meta,
        loadContext: async () => {
          if (!meta.load) return {};
          const controller: unknown = this.moduleRef.get(controllerClass, { strict: false });
          return (meta.load as PageLoader<unknown>)(controller, req);
        },
      };
    }
    return next.handle();
  }
}
