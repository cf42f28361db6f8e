import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { AppLogger } from '../common/app-logger';
import { FormValidationException } from '../common/forms';
import { ConfigError, loadConfig } from '../config/config';
import { CliUsageError, parseArgs } from './args';
import { commands } from './commands';

/**
 * `npm run -s cli -- <command> [options]`. Output goes to stdout, one clear line to stderr on failure;
 * exit status 0 on success, 1 on failure, 2 on a usage error.
 */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function usage(): string {
  return ['使い方: npm run -s cli -- <コマンド> [オプション]', ...Object.values(commands).map((c) => `  ${c.usage}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write((name ? `知らないコマンドです: ${name}\n` : '') + usage() + '\n');
    return 2;
  }
  const args = parseArgs(rest, command.flags);
  const config = { ...loadConfig(process.env), migrateOnStart: false };
  const logger = new AppLogger(config.logLevel === 'silent' ? 'silent' : 'warn', process.stderr);
  const app = await NestFactory.createApplicationContext(AppModule.register(config, logger), { logger: false });
  try {
    if (command.needsMigratedDatabase !== false && (await app.get(DataSource).showMigrations())) {
      throw new CliUsageError('データベースが最新ではありません。先に npm run -s cli -- migrate を実行してください');
    }
    await command.run(app, args, { out: (line) => process.stdout.write(line + '\n'), readStdin });
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof FormValidationException
        ? error.summary.join(' ')
        : error instanceof CliUsageError || error instanceof ConfigError
          ? error.message
          : error instanceof Error
            ? error.message
            : String(error);
    process.stderr.write(`エラー: ${message}\n`);
    process.exit(error instanceof CliUsageError ? 2 : 1);
  },
);
