import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '../..');
const CLI = join(PROJECT_ROOT, 'dist/src/cli/main.js');

/** What one run of the command line printed, and how it ended. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The compiled command line (dist/) as an operator runs it, with exactly this environment. */
export function runCli(args: string[], options: { env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): CliRun {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: PROJECT_ROOT,
    env: options.env,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The command line's environment against a test's data folder, and with its mail server when given. */
export function cliEnv(dataDir: string, smtpUrl?: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    SESSION_SECRET: 'cli-test-secret-'.padEnd(48, 'x'),
    DATA_DIR: dataDir,
    ...(smtpUrl ? { SMTP_URL: smtpUrl, MAIL_FROM: 'tane@city.example.jp' } : {}),
  };
}
