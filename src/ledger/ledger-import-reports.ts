import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { toCsv } from '../reports/csv';
import { LedgerIssue } from './ledger-format';

/** The error page lists this many problems; the rest are in the CSV it offers. */
export const LEDGER_ISSUES_SHOWN = 100;
/** How long the full list of a refused import can be downloaded. */
export const LEDGER_REPORT_TTL_MS = 60 * 60 * 1000;

export const LEDGER_ISSUES_CSV_HEADER = ['行', '列', '内容'];

/**
 * The full list of a refused import's problems, as CSV, kept in the database (ledger_import_reports)
 * for the importing user for an hour: the upload itself is gone after the request, a page cannot
 * carry tens of thousands of rows, and a row in the database serves the download from any instance.
 * Each user keeps only the latest list; expired lists are deleted whenever someone stores one.
 */
@Injectable()
export class LedgerImportReports {
  constructor(private readonly dataSource: DataSource) {}

  private sql(text: string): string {
    // $1, $2 … on both engines (SQLite reads ?1, ?2 …)
    return this.dataSource.options.type === 'postgres' ? text : text.replace(/\$(\d+)/g, '?$1');
  }

  /** Stores the list for this user and returns the token of its download. */
  async store(userId: number, issues: readonly LedgerIssue[], now = Date.now()): Promise<string> {
    const token = randomBytes(24).toString('hex');
    const content = toCsv([LEDGER_ISSUES_CSV_HEADER, ...issues.map((i) => [i.line, i.column ?? '', i.reason])]);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(this.sql('DELETE FROM ledger_import_reports WHERE user_id = $1 OR expires_at < $2'), [userId, now]);
      await manager.query(this.sql('INSERT INTO ledger_import_reports (token, user_id, expires_at, issue_count, content) VALUES ($1, $2, $3, $4, $5)'), [
        token,
        userId,
        now + LEDGER_REPORT_TTL_MS,
        issues.length,
        content,
      ]);
    });
    return token;
  }

  /** The CSV text of this user's list, or null when it is not theirs, unknown or expired. */
  async find(userId: number, token: string, now = Date.now()): Promise<string | null> {
    if (!/^[0-9a-f]{48}$/.test(token)) return null;
    const rows = (await this.dataSource.query(this.sql('SELECT content FROM ledger_import_reports WHERE token = $1 AND user_id = $2 AND expires_at >= $3'), [
      token,
      userId,
      now,
    ])) as { content: string }[];
    return rows[0]?.content ?? null;
  }
}
