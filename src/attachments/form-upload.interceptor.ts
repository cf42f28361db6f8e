import { BadRequestException, CallHandler, ExecutionContext, NestInterceptor, PayloadTooLargeException } from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import type { MulterOptions } from '@nestjs/platform-express/multer/interfaces/multer-options.interface';
import type { Request, Response } from 'express';
import { catchError, Observable, throwError } from 'rxjs';
import { FormValidationException } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { beginUpload, interceptToDisk, refuseUnreadBody, uploadDiskStorage } from '../common/upload-limits';
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_MESSAGES, UploadedAttachment, uploadedFileName } from './attachment-files';

/** The file input of every form that carries files with its text. */
export const FORM_FILE_FIELD = 'files';

/** What a form with files says when its files are refused. */
export interface FormUploadMessages {
  /** More files chosen than the record has room for (`room` left). */
  tooMany: (room: number) => string;
  /** The upload could not be read at all (a tampered or broken request). */
  unreadable: string;
  /** Nothing was saved and the files must be chosen again (browsers cannot refill a file input). */
  reselect: (isNew: boolean, names: readonly string[]) => string;
}

export interface FormUploadLimits {
  /** Files per record. */
  files: number;
  /** Text fields (each checkbox ticked is one); a few more than the form has, so a tampered form is named by the DTO. */
  fields: number;
  /** Bytes per text field: 4,000 characters are at most 16 KB in UTF-8, with CRLF line breaks. */
  fieldBytes: number;
}

/** Per request: how many files the record has room for, and the names of the files multer has met. */
interface UploadState {
  room: number;
  names: string[];
}
const uploads = new WeakMap<Request, UploadState>();

/**
 * A new record's or an edit form that carries its text and up to `limits.files` files of 10 MB in one
 * multipart submission (the CSRF token is in the action URL, since it is checked before the body is read):
 * the proposal form, the カイゼン report form, the themed call form. multer through Nest's FilesInterceptor,
 * files streamed to private temporary files and read back once complete (see common/upload-limits.ts; they
 * go to the database). An edit (a route with :id) is checked before the body is read (`roomForEdit`): a
 * record this user may not edit is refused and its files never received, and the file count is limited to
 * the room it has left. What multer refuses comes back as the same form with a message and the typed text
 * (the text fields come before the file input).
 */
export abstract class FormUploadInterceptor implements NestInterceptor {
  private readonly upload: NestInterceptor;

  constructor(
    private readonly limits: FormUploadLimits,
    private readonly messages: FormUploadMessages,
  ) {
    // multer (≥ 2.4) takes the limits as a function of the request, which Nest's option type does not
    // declare yet. At least 1 file, so that the empty part a browser sends for an empty file input never
    // trips it; the save refuses a file beyond the room anyway.
    const roomOf = (req: Request): number => Math.max(1, uploads.get(req)?.room ?? limits.files);
    const Multer = FilesInterceptor(FORM_FILE_FIELD, undefined, {
      storage: uploadDiskStorage(),
      limits: ((req: Request) => ({
        fileSize: ATTACHMENT_MAX_BYTES,
        files: roomOf(req),
        fields: limits.fields,
        fieldSize: limits.fieldBytes,
        parts: limits.fields + roomOf(req),
      })) as unknown as MulterOptions['limits'],
      defParamCharset: 'utf8',
      // Accepts every file; only remembers its name, so that a file multer stops for being too large can
      // be named (Nest's exception keeps multer's message, not the file).
      fileFilter: (req: Request, file: { originalname: string }, accept: (error: Error | null, acceptFile: boolean) => void) => {
        uploads.get(req)?.names.push(uploadedFileName(file.originalname));
        accept(null, true);
      },
    });
    this.upload = new Multer();
  }

  /** For an edit: throws (a 404, a refusal) when the user may not edit record `id`; else the room for files it has left. */
  protected abstract roomForEdit(req: Request, id: number): Promise<number>;

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const isNew = req.params.id === undefined;
    const state: UploadState = { room: this.limits.files, names: [] };
    const multipart = Boolean(req.is('multipart/form-data'));
    if (!isNew && multipart) {
      const id = new IdPipe().transform(req.params.id as string);
      try {
        state.room = await this.roomForEdit(req, id);
      } catch (error) {
        refuseUnreadBody(res);
        throw error;
      }
    }
    uploads.set(req, state);
    if (multipart) beginUpload(req, res);

    let handled: Observable<unknown>;
    try {
      // Only the parsing happens here; what the pipes and the handler throw travels in the Observable.
      handled = await interceptToDisk(this.upload, context, next);
    } catch (error) {
      throw this.refused(error, state, isNew);
    }
    return handled.pipe(catchError((error: unknown) => throwError(() => this.withReselectNote(error, req, isNew))));
  }

  /** multer's refusal as the form's message (Nest reports LIMIT_FILE_SIZE as 413, its other limits as 400). */
  private refused(error: unknown, state: UploadState, isNew: boolean): unknown {
    const reselect = this.messages.reselect(isNew, []);
    if (error instanceof PayloadTooLargeException) {
      // the file multer was reading when it stopped is the last one it met
      return new FormValidationException({ [FORM_FILE_FIELD]: [ATTACHMENT_MESSAGES.fileTooLarge(state.names.at(-1) ?? null), reselect] }, 413);
    }
    if (error instanceof BadRequestException) {
      // multer's LIMIT_FILE_COUNT ("Too many files"): a person chose too many, not a tampered form
      if (/^Too many files/.test(error.message))
        return new FormValidationException({ [FORM_FILE_FIELD]: [this.messages.tooMany(Math.max(0, state.room)), reselect] });
      return new FormValidationException({ [FORM_FILE_FIELD]: [this.messages.unreadable, reselect] }, 400);
    }
    return error;
  }

  /** A refused form that carried files: say that nothing was saved and the files must be chosen again. */
  private withReselectNote(error: unknown, req: Request, isNew: boolean): unknown {
    const received = (req as Request & { files?: unknown }).files;
    const files = (Array.isArray(received) ? received : []) as UploadedAttachment[];
    if (!(error instanceof FormValidationException) || !files.length) return error;
    const note = this.messages.reselect(
      isNew,
      files.map((f) => uploadedFileName(f.originalname)),
    );
    const own = error.fieldErrors[FORM_FILE_FIELD] ?? [];
    return new FormValidationException({ ...error.fieldErrors, [FORM_FILE_FIELD]: [...own, note] }, error.status);
  }
}
