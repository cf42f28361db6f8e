/** Small helpers of the benchmark: child processes, memory, HTTP with a session, percentiles. */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
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
    try {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${this.process.pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : null;
    } catch {
      return null;
    }
  }

  get sampledPeakMb(): number {
    return this.maxRss;
  }

  /** Waits until `path` answers 200 (the server has started and can reach its database). */
  async ready(path: string, timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.process.exitCode !== null || this.process.signalCode !== null) throw new Error(`${this.name} has exited (${this.process.exitCode ?? this.process.signalCode})`);
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

/** One signed-in browser, as far as the server can tell: a cookie jar of one cookie, keep-alive. */
export class Session {
  cookie = '';

  constructor(
    private readonly baseUrl: string,
    private readonly agent: http.Agent,
  ) {}

  request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Reply> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return new Promise((ok, fail) => {
      const req = http.request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            ...FORWARDED,
            ...(this.cookie ? { cookie: this.cookie } : {}),
            ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const set = res.headers['set-cookie']?.find((c) => c.startsWith('tane.sid='));
            if (set) this.cookie = set.split(';')[0];
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
