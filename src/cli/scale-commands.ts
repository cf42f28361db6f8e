import { ReportsService } from '../reports/reports.service';
import { currentFiscalYear } from '../scale/generate-data';
import { GenerateDataRefused, generateData } from '../scale/load-generated-data';
import { DataSource } from 'typeorm';
import { allowOnly, CliUsageError, optionalOption, ParsedArgs, requireOption } from './args';
import type { Command } from './commands';

function wholeNumber(args: ParsedArgs, name: string, fallback: number | undefined, min: number, max: number): number {
  const raw = fallback === undefined ? requireOption(args, name) : optionalOption(args, name);
  if (raw === undefined) return fallback!;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new CliUsageError(`--${name} は ${min}〜${max} の整数で指定してください`);
  }
  return Number(raw);
}

/** Test-data commands: generate-data. */
export const scaleCommands: Record<string, Command> = {
  // Realistic data at scale, for load tests and benchmarks; never on a production database.
  'generate-data': {
    usage: 'generate-data --proposals <件数> [--from-year 2005] [--to-year <年度>] [--seed 1] [--append]',
    flags: ['append'],
    async run(app, args, io) {
      allowOnly(args, ['proposals', 'from-year', 'to-year', 'seed', 'append']);
      const now = new Date();
      const thisYear = currentFiscalYear(now.getTime());
      const options = {
        proposals: wholeNumber(args, 'proposals', undefined, 1, 100_000_000),
        fromYear: wholeNumber(args, 'from-year', 2005, 1990, thisYear),
        toYear: wholeNumber(args, 'to-year', thisYear, 1990, thisYear),
        seed: wholeNumber(args, 'seed', 1, 0, 2 ** 31 - 1),
        append: args.options.append === true,
        now,
      };
      let result;
      try {
        result = await generateData(app.get(DataSource), app.get(ReportsService), options, (line) => process.stderr.write(line + '\n'));
      } catch (error) {
        if (error instanceof GenerateDataRefused) throw new CliUsageError(error.message);
        throw error;
      }
      if (result.differences) {
        throw new Error(`集計に ${result.differences} 件の不一致があります。npm run -s cli -- verify-stats で確かめてください`);
      }
      const n = (x: number) => x.toLocaleString('en-US');
      io.out(
        `提案 ${n(result.proposals)} 件を生成しました（${options.fromYear}〜${options.toYear}年度、経過 ${n(result.history)} 件、回付 ${n(result.routings)} 件、` +
          `共同提案者 ${n(result.coproposers)} 件、職員 ${n(result.staff)} 人、seed ${options.seed}）。集計の照合: OK。所要 ${result.seconds.toFixed(1)} 秒`,
      );
    },
  },
};
