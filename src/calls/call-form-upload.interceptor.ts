import { Injectable } from '@nestjs/common';
import { ATTACHMENTS_PER_PROPOSAL } from '../attachments/attachment-files';
import { FormUploadInterceptor } from '../attachments/form-upload.interceptor';
import type { Request } from 'express';
import { NotFoundError } from '../common/errors';
import { CallRepository } from './call.repository';

/** Files a call may carry (the material of its issue). */
export const CALL_FILES_MAX = ATTACHMENTS_PER_PROPOSAL;

/** What the call form says about its files (the proposal form's messages speak of a proposal). */
export const CALL_FILE_MESSAGES = {
  tooMany: (chosen: number | null) => `資料のファイルは${CALL_FILES_MAX}件までです${chosen === null ? '' : `（選んだファイルは${chosen}件）`}。`,
  reselect: () => 'テーマ募集はまだ登録されていません。入力した文章は残っていますが、選んだファイルは画面に戻せないため、もう一度選んでください。',
};

/**
 * The office's call form (new and edit) with its material. Its checkboxes (divisions, categories,
 * audience) are many fields, hence the generous field count; each field is still small.
 */
@Injectable()
export class CallFormUploadInterceptor extends FormUploadInterceptor {
  constructor(private readonly calls: CallRepository) {
    super(
      { files: CALL_FILES_MAX, fields: 500, fieldBytes: 64 * 1024 },
      {
        tooMany: () => CALL_FILE_MESSAGES.tooMany(null),
        unreadable: `ファイルを受け付けられませんでした。資料は1件10MBまで、${CALL_FILES_MAX}件までです。`,
        reselect: CALL_FILE_MESSAGES.reselect,
      },
    );
  }

  /** Only the office reaches the edit route (its guard runs first); an unknown call is refused before its files arrive. */
  protected async roomForEdit(_req: Request, id: number): Promise<number> {
    if (!(await this.calls.find(id))) throw new NotFoundError();
    return CALL_FILES_MAX - (await this.calls.attachments(id)).length;
  }
}
