import { currentUser } from '../auth/current-user.decorator';
import { BadRequestException, CallHandler, ExecutionContext, Injectable, NestInterceptor, PayloadTooLargeException } from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import type { MulterOptions } from '@nestjs/platform-express/multer/interfaces/multer-options.interface';
import type { Request, Response } from 'express';
import { catchError, Observable, throwError } from 'rxjs';
import { FormValidationException } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { beginUpload, interceptToDisk, refuseUnreadBody, uploadDiskStorage } from '../common/upload-limits';
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_MESSAGES, ATTACHMENTS_PER_PROPOSAL, UploadedAttachment, uploadedFileName } from '../attachments/attachment-files';
import { AttachmentsService } from '../attachments/attachments.service';
import { ProposalViewService } from './proposal-view.service';

/** The proposal form's file input. */
export const PROPOSAL_FORM_FILE_FIELD = 'files';

/**
 * The proposal form's text fields hold up to 4,000 characters: at most 4 bytes each in UTF-8, and
 * browsers send each line break as CRLF. The attachment form's 1 KB would cut them off.
 */
const FORM_FIELD_BYTES = 64 * 1024;
/** The form has ten fields; a few more are let through so that a tampered form is named by the DTO. */
const FORM_FIELDS = 20;

/** Per request: how many files the proposal has room for, and the names of the files multer has met. */
interface UploadState {
  room: number;
  names: string[];
}
const uploads = new WeakMap<Request, UploadState>();

const roomOf = (req: Request): number => Math.max(1, uploads.get(req)?.room ?? ATTACHMENTS_PER_PROPOSAL);

/**
 * multer through Nest's FilesInterceptor, files streamed to private temporary files and read back once
 * complete (see common/upload-limits.ts; they go to the database). The file
 * count is limited to the room the proposal has left; multer (≥ 2.4) takes the limits as a function of
 * the request, which Nest's option type does not declare yet. At least 1, so that the empty part a
 * browser sends for an empty file input never trips it; the save refuses a file beyond the room anyway.
 */
const FormMulter = FilesInterceptor(PROPOSAL_FORM_FILE_FIELD, undefined, {
  storage: uploadDiskStorage(),
  limits: ((req: Request) => ({
    fileSize: ATTACHMENT_MAX_BYTES,
    files: roomOf(req),
    fields: FORM_FIELDS,
    fieldSize: FORM_FIELD_BYTES,
    parts: FORM_FIELDS + roomOf(req),
  })) as unknown as MulterOptions['limits'],
  defParamCharset: 'utf8',
  // Accepts every file; only remembers its name, so that a file multer stops for being too large can
  // be named (Nest's exception keeps multer's message, not the file).
  fileFilter: (req: Request, file: { originalname: string }, accept: (error: Error | null, acceptFile: boolean) => void) => {
    uploads.get(req)?.names.push(uploadedFileName(file.originalname));
    accept(null, true);
  },
});

/**
 * The new-proposal form and the edit form are multipart, so the proposal and its files arrive in one
 * submission (the CSRF token is in the action URL: the guard runs before the body is read). A plain
 * urlencoded post of the same form still works: multer leaves it alone.
 *
 * What multer refuses (a file too large, more files than the proposal has room for, a broken body)
 * comes back as the form with a message; multer has read the text fields that came before the files,
 * so what the person typed is kept. After any refusal the message also says that the files must be
 * chosen again: a browser cannot refill a file input.
 */
@Injectable()
export class ProposalFormUploadInterceptor implements NestInterceptor {
  private readonly upload: NestInterceptor = new FormMulter();

  constructor(
    private readonly attachments: AttachmentsService,
    private readonly views: ProposalViewService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const isNew = req.params.id === undefined;
    const state: UploadState = { room: ATTACHMENTS_PER_PROPOSAL, names: [] };
    const multipart = Boolean(req.is('multipart/form-data'));
    if (!isNew && multipart) {
      const id = new IdPipe().transform(req.params.id as string);
      // before the body is read: a proposal this user may not edit is refused and its files never received
      try {
        await this.views.editable(currentUser(req), id);
      } catch (error) {
        refuseUnreadBody(res);
        throw error;
      }
      state.room = await this.attachments.room(id);
    }
    uploads.set(req, state);
    if (multipart) beginUpload(req, res);

    let handled: Observable<unknown>;
    try {
      // Only the parsing happens here; what the pipes and the handler throw travels in the Observable.
      handled = await interceptToDisk(this.upload, context, next);
    } catch (error) {
      throw refused(error, state, isNew);
    }
    return handled.pipe(catchError((error: unknown) => throwError(() => withReselectNote(error, req, isNew))));
  }
}

/** multer's refusal as the form's message (Nest reports LIMIT_FILE_SIZE as 413, its other limits as 400). */
function refused(error: unknown, state: UploadState, isNew: boolean): unknown {
  const reselect = ATTACHMENT_MESSAGES.reselect(isNew, []);
  if (error instanceof PayloadTooLargeException) {
    // the file multer was reading when it stopped is the last one it met
    return new FormValidationException({ [PROPOSAL_FORM_FILE_FIELD]: [ATTACHMENT_MESSAGES.fileTooLarge(state.names.at(-1) ?? null), reselect] }, 413);
  }
  if (error instanceof BadRequestException) {
    // multer's LIMIT_FILE_COUNT ("Too many files"): a person chose too many, not a tampered form
    if (/^Too many files/.test(error.message)) {
      return new FormValidationException({ [PROPOSAL_FORM_FILE_FIELD]: [ATTACHMENT_MESSAGES.tooManyChosen(null, state.room), reselect] });
    }
    return new FormValidationException({ [PROPOSAL_FORM_FILE_FIELD]: [ATTACHMENT_MESSAGES.badFormUpload, reselect] }, 400);
  }
  return error;
}

/** A refused form that carried files: say that nothing was saved and the files must be chosen again. */
function withReselectNote(error: unknown, req: Request, isNew: boolean): unknown {
  const received = (req as Request & { files?: unknown }).files;
  const files = (Array.isArray(received) ? received : []) as UploadedAttachment[];
  if (!(error instanceof FormValidationException) || !files.length) return error;
  const note = ATTACHMENT_MESSAGES.reselect(
    isNew,
    files.map((f) => uploadedFileName(f.originalname)),
  );
  const own = error.fieldErrors[PROPOSAL_FORM_FILE_FIELD] ?? [];
  return new FormValidationException({ ...error.fieldErrors, [PROPOSAL_FORM_FILE_FIELD]: [...own, note] }, error.status);
}
