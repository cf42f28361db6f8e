/** Small helpers of the benchmark: child processes, memory, HTTP with a session, percentiles. */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

export interface Cli {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The app's command line, compiled, with the bench's database. stderr goes to the terminal when `live`. */
export function runCli(root: string, env: NodeJS.ProcessEnv, args: string[], options: { input?: string; live?: boolean } = {}): Cli {
  const result = spawnSync(process.execPath, [`${root}/dist/src/cli/main.js`, ...args], {
    cwd: root,
    env,
    input: options.input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', options.live ? 'inherit' : 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** A server process with its output in a log file, and its resident memory sampled while it runs. */
export class Server {
  readonly process: ChildProcess;
  private maxRss = 0;
  private readonly sampler: NodeJS.Timeout;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    logFile: string,
    readonly port: number,
  ) {
    const log = openSync(logFile, 'a');
    this.process = spawn(process.execPath, [script], { env, stdio: ['ignore', log, log] });
    this.sampler = setInterval(() => {
      const rss = this.status('VmRSS');
      if (rss !== null) this.maxRss = Math.max(this.maxRss, rss);
    }, 100);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A line of /proc/<pid>/status in MB (VmRSS now, VmHWM the peak since start), or null once gone. */
  status(field: 'VmRSS' | 'VmHWM'): number | null {
    return procStatusMb(this.process.pid!, field);
  }

  /**
   * The peak memory of each process that serves: the workers of a WORKERS>1 primary (its children),
   * or this process itself when it has none.
   */
  workerPeaksMb(): { pid: number; peakMb: number }[] {
    const children = childPids(this.process.pid!);
    return (children.length ? children : [this.process.pid!]).flatMap((pid) => {
      const peakMb = procStatusMb(pid, 'VmHWM');
      return peakMb === null ? [] : [{ pid, peakMb }];
    });
  }

  /** CPU time used so far by this process and its children that are still running, in seconds. */
  cpuSeconds(): number {
    return [this.process.pid!, ...childPids(this.process.pid!)].reduce((sum, pid) => sum + cpuTicks(pid), 0) / CLOCK_TICKS;
  }

  /**
   * Waits until the server has used less than `share` of one core for `seconds` in a row (start-up,
   * its scheduler's first runs, work queued by a previous measurement), at most `timeoutMs`.
   * Returns the seconds waited.
   */
  async quiet(share = 0.05, seconds = 2, timeoutMs = 180_000): Promise<number> {
    const started = Date.now();
    let calm = 0;
    let last = this.cpuSeconds();
    while (calm < seconds && Date.now() - started < timeoutMs) {
      await new Promise((ok) => setTimeout(ok, 1000));
      const now = this.cpuSeconds();
      calm = now - last < share ? calm + 1 : 0;
      last = now;
    }
    return Math.round((Date.now() - started) / 100) / 10;
  }

  get sampledPeakMb(): number {
    return this.maxRss;
  }

  /** Waits until `path` answers 200 (the server has started and can reach its database). */
  async ready(path: string, timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.process.exitCode !== null || this.process.signalCode !== null)
        throw new Error(`${this.name} has exited (${this.process.exitCode ?? this.process.signalCode})`);
      const status = await new Promise<number>((ok) => {
        const req = http.get(`${this.baseUrl}${path}`, { headers: FORWARDED }, (res) => {
          res.resume();
          ok(res.statusCode ?? 0);
        });
        req.on('error', () => ok(0));
      });
      if (status === 200) return;
      await new Promise((ok) => setTimeout(ok, 200));
    }
    throw new Error(`${this.name} did not answer ${path} within ${timeoutMs / 1000} s`);
  }

  async stop(): Promise<number | null> {
    clearInterval(this.sampler);
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.process.exitCode;
    const exited = once(this.process, 'exit');
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    const [code] = await exited;
    clearTimeout(timer);
    return code as number | null;
  }
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on every common architecture). */
const CLOCK_TICKS = 100;

function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The ids of a process's children (the workers of a WORKERS>1 primary), from /proc. */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** utime + stime of a process in clock ticks (0 once it is gone). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which may hold spaces and ends with the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * The app runs as in production behind a TLS-terminating proxy (TRUST_PROXY=1): every request says
 * it came over HTTPS, so the session cookie (Secure) is set as it would be for a browser.
 */
export const FORWARDED = { 'x-forwarded-proto': 'https' };

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One signed-in browser, as far as the server can tell: a cookie jar, keep-alive. The jar keeps every
 * cookie the server sets (the login form's CSRF cookie, the device cookie, the session); `cookie` is
 * the session cookie alone, `tane.sid=…`, which is what the load runs send.
 */
export class Session {
  private readonly jar = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly agent: http.Agent,
  ) {}

  get cookie(): string {
    const sid = this.jar.get('tane.sid');
    return sid ? `tane.sid=${sid}` : '';
  }

  /** `tane.sid=…` (from another session or server), or '' to forget it. */
  set cookie(pair: string) {
    if (pair) this.keep(pair);
    else this.jar.delete('tane.sid');
  }

  private keep(pair: string): void {
    const at = pair.indexOf('=');
    if (at <= 0) return;
    const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    if (value) this.jar.set(name, value);
    else this.jar.delete(name);
  }

  request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Reply> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const cookies = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    return new Promise((ok, fail) => {
      const req = http.request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            ...FORWARDED,
            ...(cookies ? { cookie: cookies } : {}),
            ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            for (const set of res.headers['set-cookie'] ?? []) this.keep(set.split(';')[0]);
            ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.setTimeout(600_000, () => req.destroy(new Error(`${method} ${path}: no answer within 10 minutes`)));
      req.end(body);
    });
  }

  get(path: string): Promise<Reply> {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string>): Promise<Reply> {
    return this.request('POST', path, form);
  }

  /** Signs in through the login form, as a browser does. */
  async login(login: string, password: string): Promise<void> {
    const page = await this.get('/login');
    const token = csrfOf(page.body);
    const res = await this.post('/login', { _csrf: token, login, password });
    if (res.status !== 303 || res.headers.location === '/login') throw new Error(`login failed (status ${res.status})`);
  }
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}

export interface Latencies {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Exact percentiles (nearest rank) of latencies in ms. */
export function percentiles(samples: number[]): Latencies {
  if (!samples.length) return { p50: NaN, p95: NaN, p99: NaN, mean: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    max: round(sorted[sorted.length - 1]),
  };
}
