import { once } from 'node:events';
import { CsvEncoding, encodeCsvChunk } from '../reports/csv';
import { formatRate } from '../reports/rates';
import { bothYearLabels, fiscalYearParam, ReportCsvService, YEAR_CSV_HEADER } from '../reports/report-csv.service';
import { ReportsService, YearRow } from '../reports/reports.service';
import { StatColumn } from '../reports/stats-sql';
import { allowOnly, CliUsageError, optionalOption, ParsedArgs } from './args';
import type { Command } from './commands';

/**
 * CSV goes to stdout as bytes, not through io.out: io.out adds "\n" to a line of text, while the CSV
 * must be byte for byte what the download gives (CRLF line ends, optionally Shift_JIS).
 */
async function writeStdout(bytes: Buffer): Promise<void> {
  if (!process.stdout.write(bytes)) await once(process.stdout, 'drain');
}

function yearOption(args: ParsedArgs, name: 'from' | 'to'): number | undefined {
  const year = fiscalYearParam(optionalOption(args, name));
  if (year === null) throw new CliUsageError(`--${name} は西暦4桁の年度で指定してください（例: 2018）`);
  return year;
}

function choice<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback: T): T {
  const value = optionalOption(args, name) ?? fallback;
  if (!allowed.includes(value as T)) throw new CliUsageError(`--${name} は ${allowed.join(' か ')} を指定してください`);
  return value as T;
}

/** Columns in a terminal: East Asian wide characters take two. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;
const displayWidth = (text: string): number => Array.from(text).reduce((width, c) => width + (WIDE.test(c) ? 2 : 1), 0);

/** Text columns left, figures right, two spaces apart, a rule under the header. */
export function alignedTable(header: string[], rows: string[][], rightAligned: (column: number) => boolean): string[] {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i] - displayWidth(cell));
        return rightAligned(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const amount = (n: number): string => n.toLocaleString('en-US');
const rate = (r: number | null): string => (r === null ? formatRate(r) : `${formatRate(r)}%`);

function yearTableRow(y: YearRow): string[] {
  return [
    String(y.fiscalYear),
    y.eraLabel,
    amount(y.submitted),
    amount(y.accepted),
    amount(y.adopted),
    rate(y.adoptionRate),
    amount(y.implemented),
    rate(y.implementationRate),
    amount(y.not_accepted),
    amount(y.continued),
    amount(y.undecided),
    amount(y.estimated_hours),
    amount(y.estimated_yen),
    amount(y.actual_hours),
    amount(y.actual_yen),
    amount(y.awards),
    amount(y.themed),
    amount(y.kaizenReports),
    amount(y.kaizenHours),
    amount(y.kaizenYen),
  ];
}

/** The counters' names as verify-stats reports them. */
const STAT_LABELS: Record<StatColumn, string> = {
  submitted: '提案件数',
  accepted: '受理件数',
  not_accepted: '不受理件数',
  adopted: '採用件数',
  partially_adopted: '一部採用件数',
  rejected: '不採用件数',
  already_implemented: '既実施件数',
  continued: '継続検討件数',
  undecided: '未決定件数',
  implemented: '実施件数',
  estimated_hours: '効果見込み時間',
  estimated_yen: '効果見込み額',
  actual_hours: '実績時間',
  actual_yen: '実績額',
};

/** Statistics commands: report, verify-stats. */
export const reportCommands: Record<string, Command> = {
  // The year-by-year figures; `--format csv` prints exactly the download /reports/years.csv (UTF-8, no BOM).
  report: {
    usage: 'report [--from <年度>] [--to <年度>] [--format csv|table]',
    async run(app, args, io) {
      allowOnly(args, ['from', 'to', 'format']);
      const range = { from: yearOption(args, 'from'), to: yearOption(args, 'to') };
      if (range.from && range.to && range.from > range.to) throw new CliUsageError('--from は --to 以前の年度にしてください');
      const format = choice(args, 'format', ['table', 'csv'] as const, 'table');
      if (format === 'csv') {
        await writeStdout(encodeCsvChunk(await app.get(ReportCsvService).yearsCsv(range), 'utf8'));
        return;
      }
      const years = await app.get(ReportsService).yearByYear(range);
      if (!years.length) {
        io.out('該当する年度の提案はありません。');
        return;
      }
      for (const line of alignedTable(YEAR_CSV_HEADER, years.map(yearTableRow), (column) => column >= 2)) io.out(line);
    },
  },

  // Kept counters against a full recount: exit status 0 when they agree, 1 (and every difference) when not.
  'verify-stats': {
    usage: 'verify-stats [--repair]',
    flags: ['repair'],
    async run(app, args, io) {
      allowOnly(args, ['repair']);
      const reports = app.get(ReportsService);
      let differences = await reports.verify();
      for (const d of differences) {
        io.out(`${bothYearLabels(d.fiscalYear)} ${STAT_LABELS[d.column]}: 保持している値 ${d.kept}、再集計 ${d.recounted}`);
      }
      if (differences.length && args.options.repair === true) {
        await reports.rebuild();
        io.out(`集計を再集計の値で作り直しました（${differences.length} 件の不一致）。`);
        differences = await reports.verify();
        for (const d of differences) {
          io.out(`${bothYearLabels(d.fiscalYear)} ${STAT_LABELS[d.column]}: 保持している値 ${d.kept}、再集計 ${d.recounted}`);
        }
        if (differences.length)
          throw new Error(`作り直した後も ${differences.length} 件の不一致があります（集計中に提案が更新された可能性があります）。もう一度実行してください`);
      } else if (differences.length) {
        throw new Error(`集計に ${differences.length} 件の不一致があります。npm run -s cli -- verify-stats --repair で作り直せます`);
      }
      const years = await reports.yearByYear();
      io.out(`集計は一致しています（${years.length} 年度）。`);
    },
  },
};

/**
 * `export-ledger`: the whole ledger (提案簿) as the download /ledger.csv gives it, on stdout, written
 * batch by batch. UTF-8 without BOM by default (for programs and pipes); `--encoding sjis` for Excel.
 * Listed in ledger-commands.ts with the other ledger commands; defined here with the other CSV output.
 */
export const exportLedgerCommand: Command = {
  usage: 'export-ledger [--format csv] [--encoding utf8|sjis]',
  async run(app, args) {
    allowOnly(args, ['format', 'encoding']);
    choice(args, 'format', ['csv'] as const, 'csv');
    const encoding: CsvEncoding = choice(args, 'encoding', ['utf8', 'sjis'] as const, 'utf8') === 'sjis' ? 'cp932' : 'utf8';
    for await (const chunk of app.get(ReportCsvService).ledgerChunks()) await writeStdout(encodeCsvChunk(chunk, encoding));
  },
};
