import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { DomainError, NotFoundError } from '../common/errors';
import { CostLimited } from '../common/rate-limit';
import { CsvEncoding, csvPreamble, encodeCsv, encodeCsvChunk } from './csv';
import { CsvFileName, fiscalYearParam, ReportCsvService } from './report-csv.service';
import { BREAKDOWNS, BreakdownKind } from './reports.service';

/** `?encoding=`: UTF-8 with BOM unless Shift_JIS is asked for (both open in Excel with Japanese intact). */
export function encodingParam(value: unknown): CsvEncoding {
  if (value === undefined || value === '' || value === 'utf8') return 'utf8-bom';
  if (value === 'sjis') return 'cp932';
  throw new DomainError('文字コードは utf8 か sjis を指定してください。', 400);
}

function yearParam(value: unknown, what: string): number | undefined {
  const year = fiscalYearParam(value);
  if (year === null) throw new DomainError(`${what}は西暦4桁で指定してください（例: 2018）。`, 400);
  return year;
}

/** RFC 5987 value-chars: encodeURIComponent leaves ' ( ) * as they are, which the RFC does not allow. */
const rfc5987 = (value: string): string => encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function csvHeaders(file: CsvFileName, encoding: CsvEncoding): Record<string, string> {
  return {
    'Content-Type': `text/csv; charset=${encoding === 'cp932' ? 'Shift_JIS' : 'utf-8'}`,
    'Content-Disposition': `attachment; filename="${file.ascii}"; filename*=UTF-8''${rfc5987(file.name)}`,
    'X-Content-Type-Options': 'nosniff',
  };
}

/** Resolves when the response can take more, or when the client has gone away. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes CSV chunks to the response as they are made, waiting for the client to take each one, so
 * memory holds one chunk whatever the size of the file; a client that goes away stops the reading.
 * Headers go out with the first chunk, so a failure before it is still an error page; a failure
 * after it breaks the connection, so half a file never looks like a whole one.
 */
export async function streamCsv(
  res: Response,
  file: CsvFileName,
  encoding: CsvEncoding,
  chunks: AsyncIterable<string>,
  headers: Record<string, string> = {},
): Promise<void> {
  let closed = false;
  res.on('close', () => (closed = true));
  let started = false;
  try {
    for await (const chunk of chunks) {
      if (closed) break;
      let bytes = encodeCsvChunk(chunk, encoding);
      if (!started) {
        res.status(200).set({ ...csvHeaders(file, encoding), ...headers });
        bytes = Buffer.concat([csvPreamble(encoding), bytes]);
        started = true;
      }
      if (!res.write(bytes)) await drained(res);
    }
    res.end();
  } catch (error) {
    if (!started) throw error;
    res.destroy();
    throw error;
  }
}

/** CSV downloads of the reports and of the ledger (提案簿), for the reform office. */
@Controller()
@Roles('office', 'admin')
export class ReportsExportController {
  constructor(private readonly csv: ReportCsvService) {}

  @Get('reports/years.csv')
  async years(@Query('from') from: unknown, @Query('to') to: unknown, @Query('encoding') encodingValue: unknown, @Res() res: Response) {
    const encoding = encodingParam(encodingValue);
    const range = { from: yearParam(from, '開始年度'), to: yearParam(to, '終了年度') };
    if (range.from && range.to && range.from > range.to) throw new DomainError('開始年度は終了年度以前にしてください。', 400);
    const text = await this.csv.yearsCsv(range);
    res.set(csvHeaders(this.csv.yearsFileName(range), encoding)).send(encodeCsv(text, encoding));
  }

  @Get('reports/years/:year/:kind.csv')
  async breakdown(@Param('year') yearValue: string, @Param('kind') kind: string, @Query('encoding') encodingValue: unknown, @Res() res: Response) {
    const fiscalYear = fiscalYearParam(yearValue);
    // own keys only: "toString" is in every object
    if (!fiscalYear || !Object.hasOwn(BREAKDOWNS, kind)) throw new NotFoundError();
    const encoding = encodingParam(encodingValue);
    const text = await this.csv.breakdownCsv(fiscalYear, kind as BreakdownKind);
    res.set(csvHeaders(this.csv.breakdownFileName(fiscalYear, kind as BreakdownKind), encoding)).send(encodeCsv(text, encoding));
  }

  /**
   * The whole ledger, written in chunks as the batches are read, waiting for the client to take each
   * one; a client that goes away stops the reading.
   */
  @Get('ledger.csv')
  @CostLimited('export')
  async ledger(@Query('encoding') encodingValue: unknown, @Res() res: Response) {
    const encoding = encodingParam(encodingValue);
    await streamCsv(res, this.csv.ledgerFileName(), encoding, this.csv.ledgerChunks());
  }
}
