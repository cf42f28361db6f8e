import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ATTACHMENT_MESSAGES, ATTACHMENTS_PER_PROPOSAL } from '../attachments/attachment-files';
import { AttachmentsService } from '../attachments/attachments.service';
import { FormUploadInterceptor } from '../attachments/form-upload.interceptor';
import { currentUser } from '../auth/current-user.decorator';
import { ProposalViewService } from './proposal-view.service';

/**
 * The proposal form (new and edit) with its attachments. Its text fields hold up to 4,000 characters (the
 * attachment form's 1 KB would cut them off); it has ten fields.
 */
@Injectable()
export class ProposalFormUploadInterceptor extends FormUploadInterceptor {
  constructor(
    private readonly attachments: AttachmentsService,
    private readonly views: ProposalViewService,
  ) {
    super(
      { files: ATTACHMENTS_PER_PROPOSAL, fields: 20, fieldBytes: 64 * 1024 },
      {
        tooMany: (room) => ATTACHMENT_MESSAGES.tooManyChosen(null, room),
        unreadable: ATTACHMENT_MESSAGES.badFormUpload,
        reselect: ATTACHMENT_MESSAGES.reselect,
      },
    );
  }

  protected async roomForEdit(req: Request, id: number): Promise<number> {
    await this.views.editable(currentUser(req), id);
    return this.attachments.room(id);
  }
}
