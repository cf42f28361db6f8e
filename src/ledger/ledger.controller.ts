import type { User } from '../users/user.entity';
import { CurrentUser } from '../auth/current-user.decorator';
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
  Query,
  Render,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { Roles } from '../auth/access.decorators';
import { FormPage, FormValidationException } from '../common/forms';
import { beginUpload, interceptToDisk, uploadDiskStorage } from '../common/upload-limits';
import { NotFoundError } from '../common/errors';
import { encodeCsv } from '../reports/csv';
import { csvHeaders, encodingParam } from '../reports/reports-export.controller';
import { LEDGER_COLUMNS } from './ledger-format';
import { LEDGER_ISSUES_SHOWN, LedgerImportReports } from './ledger-import-reports';
import { LedgerImportDto } from './ledger-import.dto';
import { LedgerImportResult, LedgerImportService, ledgerSummaryLines, UploadedLedger } from './ledger-import.service';

/** A ledger of many years is a few hundred kilobytes; 5 MB leaves room (it is streamed to a temporary file, then parsed). */
export const LEDGER_MAX_BYTES = 5 * 1024 * 1024;

export const LEDGER_UPLOAD_MESSAGES = {
  tooLarge: `提案簿のファイルは${LEDGER_MAX_BYTES / 1024 / 1024}MBまでです。年度ごとなどに分けて、1つずつ取り込んでください。`,
  badUpload: 'ファイルを受け付けられませんでした。提案簿のCSVファイルを1つ選んで、もう一度取り込んでください。',
} as const;

const MulterUpload = FileInterceptor('file', {
  storage: uploadDiskStorage(),
  limits: { fileSize: LEDGER_MAX_BYTES, files: 1, fields: 10, fieldSize: 1024, parts: 11 },
  defParamCharset: 'utf8',
});

/**
 * Runs the upload, and turns what multer refuses (Nest reports a too-large file as
 * PayloadTooLargeException, its other limits as BadRequestException) into the import page with a
 * message. The access guard (the office role) and the CSRF guard have already run, before the body
 * is read; the upload takes one of the shared upload slots and goes to a temporary file.
 */
@Injectable()
export class LedgerUploadInterceptor implements NestInterceptor {
  private readonly upload: NestInterceptor = new MulterUpload();

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    beginUpload(http.getRequest<Request>(), http.getResponse<Response>());
    try {
      return await interceptToDisk(this.upload, context, next);
    } catch (error) {
      if (error instanceof PayloadTooLargeException) throw new FormValidationException({ file: [LEDGER_UPLOAD_MESSAGES.tooLarge] }, 413);
      if (error instanceof BadRequestException) throw new FormValidationException({ file: [LEDGER_UPLOAD_MESSAGES.badUpload] }, 400);
      throw error;
    }
  }
}

/**
 * What the page shows of an import: the problems (the first LEDGER_ISSUES_SHOWN; the whole list as a
 * CSV download when there are more), or what was (or would be) added.
 */
function resultView(result: LedgerImportResult, issuesToken: string | null) {
  if (!result.ok) {
    return {
      issues: result.issues.slice(0, LEDGER_ISSUES_SHOWN).map((i) => ({ line: i.line, column: i.column ?? '―', reason: i.reason })),
      issuesShown: Math.min(result.issues.length, LEDGER_ISSUES_SHOWN),
      issuesCut: result.issues.length > LEDGER_ISSUES_SHOWN,
      issuesCsvHref: issuesToken ? `/ledger/import/issues/${issuesToken}.csv` : null,
      issueCount: result.issues.length,
      badLineCount: new Set(result.issues.map((i) => i.line)).size,
      rows: result.rows,
      encoding: result.encoding,
    };
  }
  const [headline, ...rest] = ledgerSummaryLines({ ...result.summary, byYear: [] });
  return { summary: result.summary, headline, details: rest };
}

/**
 * The office's upload of a legacy ledger. The form is multipart, so its CSRF token travels in the
 * action URL's query string (see auth/csrf.ts).
 */
@Controller('ledger')
@Roles('office', 'admin')
export class LedgerController {
  constructor(
    private readonly ledger: LedgerImportService,
    private readonly reports: LedgerImportReports,
  ) {}

  formContext(): Record<string, unknown> {
    return { title: '提案簿の取込', columns: LEDGER_COLUMNS.join(','), maxSize: `${LEDGER_MAX_BYTES / 1024 / 1024}MB` };
  }

  @Get('import')
  @Render('ledger/import')
  form() {
    return { ...this.formContext(), values: {} };
  }

  @Post('import')
  @FormPage('ledger/import', (c: LedgerController) => c.formContext())
  @UseInterceptors(LedgerUploadInterceptor)
  async import(@UploadedFile() file: UploadedLedger | undefined, @Body() dto: LedgerImportDto, @CurrentUser() user: User, @Res() res: Response) {
    const options = { dryRun: dto.dryRun === true, createMissingDivisions: dto.createMissingDivisions === true };
    const result = await this.ledger.importUpload(file, { ...options, actorId: user.id });
    // After a check that passed, the form is ready to import for real: only the file must be chosen again.
    const values = { ...options, dryRun: options.dryRun && !result.ok };
    const token = !result.ok && result.issues.length > LEDGER_ISSUES_SHOWN ? await this.reports.store(user.id, result.issues) : null;
    res.status(result.ok ? 200 : 422).render('ledger/import', { ...this.formContext(), values, ...resultView(result, token) });
  }

  /** The whole list of problems of the user's last refused import (kept for an hour). */
  @Get('import/issues/:token.csv')
  async issuesCsv(@Param('token') token: string, @Query('encoding') encodingValue: unknown, @CurrentUser() user: User, @Res() res: Response) {
    const encoding = encodingParam(encodingValue);
    const text = await this.reports.find(user.id, token);
    if (text === null) throw new NotFoundError('誤りの一覧は見つかりませんでした（取込から1時間で消えます）。もう一度取り込むと、新しい一覧を作ります。');
    res.set(csvHeaders({ name: '提案簿の誤り.csv', ascii: 'ledger-issues.csv' }, encoding)).send(encodeCsv(text, encoding));
  }
}
