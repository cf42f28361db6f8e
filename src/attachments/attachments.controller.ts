import { sendStoredFile } from './stored-files';
import type { User } from '../users/user.entity';
import { CurrentUser, currentUser } from '../auth/current-user.decorator';
import {
  BadRequestException,
  Body,
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  NestInterceptor,
  Param,
  PayloadTooLargeException,
  Post,
  Req,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { Roles, SignedIn } from '../auth/access.decorators';
import { flash } from '../common/flash';
import { FormPage, FormValidationException } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { beginUpload, interceptToDisk, refuseUnreadBody, uploadDiskStorage } from '../common/upload-limits';
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_MESSAGES, AttachmentsService, UploadedAttachment } from './attachments.service';
import { DeleteAttachmentDto } from '../proposals/dto/workflow.dto';
import { ProposalViewService } from '../proposals/proposal-view.service';

/**
 * multer (through Nest's FileInterceptor) with limits: one file of at most ATTACHMENT_MAX_BYTES,
 * streamed to a private temporary file (see common/upload-limits.ts) and read back only once it is
 * complete, and a handful of small form fields. File names arrive as UTF-8 (busboy would read them as
 * Latin-1 otherwise, garbling Japanese names).
 */
const MulterUpload = FileInterceptor('file', {
  storage: uploadDiskStorage(),
  limits: { fileSize: ATTACHMENT_MAX_BYTES, files: 1, fields: 10, fieldSize: 1024, parts: 11 },
  defParamCharset: 'utf8',
});

/**
 * Before a byte of the body is read: the user's right to change the attachments is checked (another
 * user's proposal is a 404, one the user may not change a 403, and the connection closes, so the
 * file is never received), then an upload slot is taken (UploadBusyError when none is free). Then
 * the upload, and what multer refuses becomes the proposal page with a message: Nest reports multer's
 * LIMIT_FILE_SIZE as PayloadTooLargeException and its other limits as BadRequestException.
 */
@Injectable()
export class AttachmentUploadInterceptor implements NestInterceptor {
  private readonly upload: NestInterceptor = new MulterUpload();

  constructor(private readonly attachments: AttachmentsService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    try {
      await this.attachments.assertMayChange(currentUser(req), new IdPipe().transform(req.params.id as string));
    } catch (error) {
      refuseUnreadBody(res);
      throw error;
    }
    beginUpload(req, res);
    try {
      // Only the parsing happens here; what the handler throws travels in the returned Observable.
      return await interceptToDisk(this.upload, context, next);
    } catch (error) {
      if (!(error instanceof PayloadTooLargeException) && !(error instanceof BadRequestException)) throw error;
      throw error instanceof PayloadTooLargeException
        ? new FormValidationException({ file: [ATTACHMENT_MESSAGES.tooLarge] }, 413)
        : new FormValidationException({ file: [ATTACHMENT_MESSAGES.badUpload] }, 400);
    }
  }
}

/**
 * Attachments of a proposal. The upload form is multipart, so its CSRF token travels in the action
 * URL's query string (see auth/csrf.ts).
 */
@Controller('proposals/:id/attachments')
export class AttachmentsController {
  constructor(
    private readonly attachments: AttachmentsService,
    private readonly views: ProposalViewService,
  ) {}

  @Post()
  @Roles('staff')
  @FormPage('proposals/show', (c: AttachmentsController, req) => c.views.detailContext(req))
  @UseInterceptors(AttachmentUploadInterceptor)
  async add(
    @Param('id', IdPipe) id: number,
    @UploadedFile() file: UploadedAttachment | undefined,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const attachment = await this.attachments.add(user, id, file);
    flash(req, 'success', `「${attachment.fileName}」を添付しました。`);
    res.redirect(303, `/proposals/${id}`);
  }

  @Get(':attachmentId')
  @SignedIn()
  async download(@Param('id', IdPipe) id: number, @Param('attachmentId', IdPipe) attachmentId: number, @CurrentUser() user: User, @Res() res: Response) {
    const attachment = await this.attachments.download(user, id, attachmentId);
    sendStoredFile(res, attachment, attachment.fileName);
  }

  @Post(':attachmentId/delete')
  @Roles('staff')
  @FormPage('proposals/show', (c: AttachmentsController, req) => c.views.detailContext(req))
  async remove(
    @Param('id', IdPipe) id: number,
    @Param('attachmentId', IdPipe) attachmentId: number,
    @Body() _confirmed: DeleteAttachmentDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const attachment = await this.attachments.remove(user, id, attachmentId);
    flash(req, 'success', `「${attachment.fileName}」を削除しました。`);
    res.redirect(303, `/proposals/${id}`);
  }
}
