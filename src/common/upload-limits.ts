import { currentUser } from '../auth/current-user.decorator';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor, OnApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';
import { chmodSync, mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { from, Observable, switchMap } from 'rxjs';
import { DomainError } from './errors';

/*
 * What keeps uploads from exhausting memory (issue 10): the permission is checked by the caller
 * before the body is read; then an upload slot is taken (a handful per instance, two per user); the
 * body is streamed by multer into a private temporary directory (0700) within the size limit; only
 * a complete, accepted file is read back, for the database insert; and the request's directory is
 * removed when the response ends, however it ends.
 */

/** Uploads received at once by this instance, and by one user. Beyond: 503 / 429, nothing read. */
export const UPLOADS_AT_ONCE = 6;
export const UPLOADS_AT_ONCE_PER_USER = 2;
/** How long the refusal asks the browser to wait. */
const BUSY_RETRY_SECONDS = 10;

export const UPLOAD_BUSY_MESSAGES = {
  user: 'ファイルの送信が混み合っています。送信中のほかのファイルが届いてから、もう一度お試しください（1人が同時に送れるのは2件までです）。',
  total: 'ただいまファイルの受け付けが混み合っています。少し時間をおいてから、もう一度お試しください。',
} as const;

/** An upload refused because every slot is taken: the body is left unread and nothing is stored. */
export class UploadBusyError extends DomainError {
  constructor(readonly scope: 'user' | 'total') {
    super(UPLOAD_BUSY_MESSAGES[scope], scope === 'user' ? 429 : 503);
  }
}

/** Counts uploads in progress, in total and per user; never waits (a waiting upload would hold its socket). */
export class UploadSlots {
  private total = 0;
  private readonly byUser = new Map<number, number>();

  constructor(private readonly limits = { total: UPLOADS_AT_ONCE, perUser: UPLOADS_AT_ONCE_PER_USER }) {}

  /** A function that gives the slot back (once), or UploadBusyError. */
  acquire(userId: number): () => void {
    const mine = this.byUser.get(userId) ?? 0;
    if (mine >= this.limits.perUser) throw new UploadBusyError('user');
    if (this.total >= this.limits.total) throw new UploadBusyError('total');
    this.total++;
    this.byUser.set(userId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byUser.get(userId) ?? 1) - 1;
      if (left > 0) this.byUser.set(userId, left);
      else this.byUser.delete(userId);
    };
  }

  get inUse(): number {
    return this.total;
  }
}

/** One per process: every upload route shares it. */
export const uploadSlots = new UploadSlots();

let root: string | null = null;

/** This process's private directory for uploads in progress (created 0700 on first use). */
export function uploadTempRoot(): string {
  if (root === null) {
    root = mkdtempSync(join(tmpdir(), 'tane-uploads-'));
    chmodSync(root, 0o700);
  }
  return root;
}

/** Removes this process's directory (at shutdown): whatever a crash left in it goes with it. */
export async function removeUploadTempRoot(): Promise<void> {
  if (root === null) return;
  const dir = root;
  root = null;
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
}

/** Gives the temporary upload directory back when the application closes. */
@Injectable()
export class UploadTempRootCleanup implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return removeUploadTempRoot();
  }
}

const requestDirs = new WeakMap<Request, Promise<string>>();

/** The request's own directory under the root, made when multer meets the first file. */
function requestDir(req: Request): Promise<string> {
  let dir = requestDirs.get(req);
  if (!dir) {
    dir = fs.mkdtemp(join(uploadTempRoot(), 'r-'));
    requestDirs.set(req, dir);
  }
  return dir;
}

/**
 * multer's disk storage into the request's directory, under a random name (never the name the
 * browser sent). Typed loosely: multer's own types are not installed, and Nest takes `storage` as any.
 */
export function uploadDiskStorage(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- multer ships no types here; Nest depends on it
  const multer = require('multer') as { diskStorage: (options: unknown) => unknown };
  return multer.diskStorage({
    destination: (req: Request, _file: unknown, done: (error: Error | null, dir: string) => void) => {
      requestDir(req).then(
        (dir) => done(null, dir),
        (error: Error) => done(error, ''),
      );
    },
    filename: (_req: Request, _file: unknown, done: (error: Error | null, name: string) => void) => done(null, randomBytes(16).toString('hex')),
  });
}

/** A multer file as the disk storage leaves it, and with its content once read back. */
interface DiskFile {
  path?: string;
  buffer?: Buffer;
}

function filesOf(req: Request): DiskFile[] {
  const r = req as Request & { file?: DiskFile; files?: DiskFile[] | Record<string, DiskFile[]> };
  const files: DiskFile[] = r.file ? [r.file] : [];
  if (Array.isArray(r.files)) files.push(...r.files);
  else if (r.files) for (const list of Object.values(r.files)) files.push(...list);
  return files;
}

/** Reads the received files into `buffer`, which is what the checks and the database insert take. */
async function readBack(req: Request): Promise<void> {
  for (const file of filesOf(req)) if (file.path && !file.buffer) file.buffer = await fs.readFile(file.path);
}

/**
 * Takes an upload slot for the signed-in user and arranges for the slot to be given back and the
 * request's temporary files to be removed when the response ends (sent, failed or cut off). Throws
 * UploadBusyError when no slot is free; the refusal closes the connection so the body is not read.
 */
export function beginUpload(req: Request, res: Response): void {
  let release: () => void;
  try {
    release = uploadSlots.acquire(currentUser(req).id);
  } catch (error) {
    refuseUnreadBody(res, BUSY_RETRY_SECONDS);
    throw error;
  }
  res.once('close', () => {
    release();
    const dir = requestDirs.get(req);
    // multer may still be opening a file in it when the client has gone (ENOTEMPTY between the listing
    // and the removal of the folder): fs.rm retries that, so nothing stays behind
    if (dir) void dir.then((d) => fs.rm(d, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })).catch(() => undefined);
  });
}

/**
 * A refusal given before the body was read: the connection closes after the answer, so the rest of
 * the body is not received (Node would otherwise read and discard it to keep the connection).
 */
export function refuseUnreadBody(res: Response, retryAfterSeconds?: number): void {
  if (res.headersSent) return;
  res.setHeader('Connection', 'close');
  if (retryAfterSeconds) res.setHeader('Retry-After', String(retryAfterSeconds));
}

/**
 * Runs a Nest multer interceptor (configured with uploadDiskStorage) and, once the body is received,
 * reads the files back into memory before the handler runs. multer's refusals are thrown as before.
 */
export function interceptToDisk(upload: NestInterceptor, context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
  const req = context.switchToHttp().getRequest<Request>();
  const readThenHandle: CallHandler = { handle: () => from(readBack(req)).pipe(switchMap(() => next.handle())) };
  return upload.intercept(context, readThenHandle) as Promise<Observable<unknown>>;
}
