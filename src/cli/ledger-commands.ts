import { readFileSync } from 'node:fs';
import { formatLedgerIssue } from '../ledger/ledger-format';
import { LedgerImportService, ledgerSummaryLines } from '../ledger/ledger-import.service';
import { allowOnly, CliUsageError } from './args';
import type { Command } from './commands';
import { exportLedgerCommand } from './report-commands';

/** Legacy ledger (提案簿) commands: import-ledger, export-ledger. */
export const ledgerCommands: Record<string, Command> = {
  // All or nothing: a bad row prints every problem to stderr, one line each, and imports nothing.
  'import-ledger': {
    usage: 'import-ledger <file.csv> [--dry-run] [--create-missing-divisions]',
    flags: ['dry-run', 'create-missing-divisions'],
    async run(app, args, io) {
      allowOnly(args, ['dry-run', 'create-missing-divisions']);
      if (args.positional.length !== 1) throw new CliUsageError('取り込む提案簿のCSVファイルを1つ指定してください');
      const [path] = args.positional;
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        throw new Error(`ファイル「${path}」を読めません`);
      }
      const result = await app.get(LedgerImportService).import(bytes, {
        dryRun: args.options['dry-run'] === true,
        createMissingDivisions: args.options['create-missing-divisions'] === true,
        actorId: null,
      });
      if (!result.ok) {
        for (const issue of result.issues) process.stderr.write(formatLedgerIssue(issue) + '\n');
        const lines = new Set(result.issues.map((i) => i.line)).size;
        throw new Error(`提案簿に ${result.issues.length} 件の誤り（${lines} 行）があるため、何も取り込んでいません`);
      }
      for (const line of ledgerSummaryLines(result.summary)) io.out(line);
    },
  },

  'export-ledger': exportLedgerCommand,
};
