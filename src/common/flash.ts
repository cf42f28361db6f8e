import type { Request } from 'express';
import type { FlashMessage } from './request-context';

/** A message shown once on the next page, typically after a redirect. */
export function flash(req: Request, type: FlashMessage['type'], text: string): void {
  if (!req.session) return;
  (req.session.flash ??= []).push({ type, text });
}

export function takeFlash(req: Request): FlashMessage[] {
  const messages = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  return messages;
}
