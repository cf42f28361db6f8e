import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ATTACHMENT_MESSAGES } from '../attachments/attachment-files';
import { FormUploadInterceptor } from '../attachments/form-upload.interceptor';
import { currentUser } from '../auth/current-user.decorator';
import { KaizenRepository } from './kaizen.repository';
import { KAIZEN_FILES_PER_REPORT, KaizenService, kaizenTooManyFiles } from './kaizen.service';

/** The カイゼン report form (new and edit) with its photos and files; texts of up to 2,000 characters, ten fields. */
@Injectable()
export class KaizenFormUploadInterceptor extends FormUploadInterceptor {
  constructor(
    private readonly kaizen: KaizenService,
    private readonly repository: KaizenRepository,
  ) {
    super(
      { files: KAIZEN_FILES_PER_REPORT, fields: 20, fieldBytes: 32 * 1024 },
      {
        tooMany: (room) => kaizenTooManyFiles(null, room),
        unreadable: `ファイルを受け付けられませんでした。写真・ファイルは1件10MBまで、${KAIZEN_FILES_PER_REPORT}件までです。`,
        reselect: (isNew, names) => ATTACHMENT_MESSAGES.reselect(isNew, names).replace(/^提案/, '報告'),
      },
    );
  }

  protected async roomForEdit(req: Request, id: number): Promise<number> {
    await this.kaizen.editable(currentUser(req), id);
    return KAIZEN_FILES_PER_REPORT - (await this.repository.attachments(id)).length;
  }
}
