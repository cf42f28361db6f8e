import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/**
 * The built app and command line as separate processes, the way an operator runs them: for tests that
 * need several instances, a SIGKILL, another user, or limits the test process must not share.
 */
export const ROOT = resolve(__dirname, '../..');
export const MAIN = join(ROOT, 'dist/src/main.js');
export const CLI = join(ROOT, 'dist/src/cli/main.js');

/** A secret every instance of one test shares, as the README asks of a real deployment. */
export const CHILD_SESSION_SECRET = 'child-app-secret-'.padEnd(64, 'z');

/**
 * Compiles src/ into dist/ so the processes run what is in the tree now. Incremental (the build info
 * lives in dist/, which `npm run build` removes), so the second test file to ask pays seconds, not a
 * full build.
 */
export function buildApp(): void {
  const build = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', join(ROOT, 'dist/.tests.tsbuildinfo')],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * The environment of a child: only what the test sets, on top of PATH, so neither the surrounding run's
 * DATABASE_URL nor its SQLITE_PATH leaks in. Production mode without Secure cookies (plain HTTP on
 * loopback), no demo data, no timers.
 */
export function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    SECURE_COOKIES: 'false',
    SESSION_SECRET: CHILD_SESSION_SECRET,
    DEMO_DATA: 'false',
    SCHEDULER: 'false',
    LOG_LEVEL: 'info',
    // one process, whose pid is the app's (the fault tests limit and kill it); workers.e2e-spec.ts sets its own
    WORKERS: '1',
    ...extra,
  };
}

export interface ChildApp {
  url: string;
  port: number;
  pid: number;
  /** Everything the process wrote so far (JSON log lines on stdout, anything on stderr). */
  output: () => string;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait: a clean shutdown (the database is closed, SQLite removes its -wal and -shm). */
  stop: () => Promise<void>;
  /** SIGKILL and wait: nothing gets a chance to finish. */
  kill: () => Promise<void>;
}

export interface StartOptions {
  /** Run as this user and group (the test runs as root and needs a process that is not). */
  uid?: number;
  gid?: number;
  /** A program the app is started through, e.g. ['prlimit', '--fsize=…', '--'] (the app's path and args follow). */
  wrapper?: string[];
  /** How long the app may take to answer /healthz. */
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `node dist/src/main.js` with the environment given (PORT is chosen here) and waits until /healthz answers. */
export async function startChildApp(env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<ChildApp> {
  const port = await freePort();
  const command = [...(options.wrapper ?? []), process.execPath, MAIN];
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    uid: options.uid,
    gid: options.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      done({ code, signal });
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  // Polls the health check, as a load balancer would; gives up at once if the process ends.
  for (;;) {
    if (hasExited) throw new Error(`the app ended before it answered /healthz:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app did not answer /healthz within ${options.timeoutMs ?? 20_000} ms:\n${output}`);
    }
    await Promise.race([exited, new Promise((wake) => setTimeout(wake, 50))]);
  }

  const end = async (signal: NodeJS.Signals) => {
    if (!hasExited) child.kill(signal);
    await exited;
  };
  return { url, port, pid: child.pid!, output: () => output, exited, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command line without blocking this process (the app it talks to may be this test's child). */
export function runCli(env: NodeJS.ProcessEnv, args: string[], input?: string): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Runs the command line and fails the test with what it printed unless it succeeded. */
export async function cliOk(env: NodeJS.ProcessEnv, args: string[], input?: string): Promise<string> {
  const run = await runCli(env, args, input);
  if (run.status !== 0) throw new Error(`cli ${args.join(' ')} failed (${run.status}): ${run.stderr}${run.stdout}`);
  return run.stdout;
}
