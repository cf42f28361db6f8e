import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { migrations } from '../../src/database/migrations';
import { buildApp, ChildApp, childEnv, MAIN, ROOT, startChildApp } from '../factories/child-app';
import { validProposal } from '../factories/proposals';
import { SqliteFile } from '../factories/sqlite-file';
import { createTestDatabase, TestDatabase } from '../factories/test-database';

/**
 * `WORKERS=2` (issue 11): the built app as an operator starts it, a primary and two node:cluster
 * workers sharing one port and one database — a SQLite file of its own, or a new PostgreSQL database
 * when the run uses DATABASE_URL. Which worker answered is told by the log: every line of a cluster
 * carries its process id, and an error page's X-Request-Id names its log line.
 */

interface LogLine {
  event: string;
  pid: number;
  [field: string]: unknown;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The local port of the TCP connection it came over: the same port, the same connection. */
  localPort: number;
}

/**
 * One keep-alive TCP connection to the app (the cluster hands each connection to one worker), used by
 * a person whose cookies may travel over several such connections, as a browser's do.
 */
class Connection {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly port: number,
    private readonly cookies: Map<string, string>,
  ) {}

  send(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Answer> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies.values()].join('; ');
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    return new Promise((done, fail) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const pair = line.split(';')[0];
          this.cookies.set(pair.slice(0, pair.indexOf('=')), pair);
        }
        // read now: once the body has been read the socket goes back to the agent
        const localPort = res.socket.localPort!;
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode!, headers: res.headers, text, localPort }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(body);
    });
  }

  async csrfToken(path: string): Promise<string> {
    const page = await this.send('GET', path);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path} (status ${page.status})`);
    return token;
  }

  close(): void {
    this.agent.destroy();
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 25));
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
};

/** A number from /proc/<pid>/status (PPid; VmRSS in kB). */
const statusField = (pid: number, field: 'PPid' | 'VmRSS'): number =>
  Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const parentOf = (pid: number): number => statusField(pid, 'PPid');

/** Where a file descriptor points ('' when it closed meanwhile). */
const readlinkSafe = (path: string): string => {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
};

describe('WORKERS=2: a primary and two workers on one database', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let app: ChildApp;
  const connections: Connection[] = [];
  /** The demo office member's cookies: one person, whichever connection the browser opens. */
  const person = new Map<string, string>();
  let proposal: { id: number; title: string };

  const logs = (): LogLine[] =>
    app
      .output()
      .split('\n')
      // the last piece is a line still being written (or empty)
      .slice(0, -1)
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const events = (name: string) => logs().filter((line) => line.event === name);
  const workerPids = () => events('started').map((line) => line.pid);

  const connect = () => {
    const connection = new Connection(app.port, person);
    connections.push(connection);
    return connection;
  };

  /** The pid of the worker behind a connection: a page the office member may not open logs who refused it. */
  async function workerBehind(connection: Connection): Promise<{ pid: number; localPort: number }> {
    const refused = await connection.send('GET', '/admin/users');
    expect(refused.status).toBe(403);
    const requestId = refused.headers['x-request-id'];
    const line = await waitFor(`the log line of request ${String(requestId)}`, () => events('access_denied').find((l) => l.requestId === requestId));
    return { pid: line.pid, localPort: refused.localPort };
  }

  async function migrationNames(): Promise<string[]> {
    if (db.database.type === 'sqlite') return (await SqliteFile.query<{ name: string }>(db.database.path, 'SELECT name FROM migrations')).map((r) => r.name);
    const client = new Client({ connectionString: db.database.url });
    await client.connect();
    try {
      return (await client.query<{ name: string }>('SELECT name FROM migrations')).rows.map((r) => r.name);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    buildApp();
    db = await createTestDatabase();
    const database = db.database.type === 'sqlite' ? { SQLITE_PATH: db.database.path } : { DATABASE_URL: db.database.url };
    // The demo data (to sign in with) and the scheduler (each worker runs the whole app) are on here.
    env = childEnv({ ...database, DATA_DIR: db.dataDir, WORKERS: '2', DEMO_DATA: 'true', SCHEDULER: 'true' });
    app = await startChildApp(env);
    // /healthz answers as soon as one worker listens
    await waitFor('both workers to start', () => workerPids().length === 2);
  }, 120_000);

  afterAll(async () => {
    for (const connection of connections) connection.close();
    await app?.kill();
    await db?.drop();
  });

  it('migrates and creates the demo data once, in a process of its own, before the workers start; each worker runs the scheduler', async () => {
    const [prepared] = events('demo_data_created');
    expect(events('demo_data_created')).toHaveLength(1);
    expect(events('workers_starting')).toEqual([expect.objectContaining({ pid: app.pid, workers: 2 })]);
    const order = logs().map((line) => line.event);
    expect(order.indexOf('demo_data_created')).toBeLessThan(order.indexOf('workers_starting'));

    const started = events('started');
    expect(started.map((line) => line.worker).sort()).toEqual([1, 2]);
    const pids = workerPids();
    expect(new Set([app.pid, prepared.pid, ...pids]).size).toBe(4);
    for (const pid of pids) expect(parentOf(pid)).toBe(app.pid);
    // The child that prepared the database is gone. The primary never loaded the app: the size of a
    // bare Node process (about 45 MB here; had it built the app context itself, about 110 MB), and no
    // SQLite file open.
    expect(isAlive(prepared.pid)).toBe(false);
    expect(statusField(app.pid, 'VmRSS') / 1024).toBeLessThan(80);
    if (db.database.type === 'sqlite') {
      const path = db.database.path;
      const open = readdirSync(`/proc/${app.pid}/fd`).map((fd) => readlinkSafe(`/proc/${app.pid}/fd/${fd}`));
      expect(open.filter((file) => file.startsWith(path))).toEqual([]);
      for (const pid of pids) expect(readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSafe(`/proc/${pid}/fd/${fd}`))).toContain(path);
    }
    // (each logs it just after 'started')
    await waitFor('both schedulers', () => events('scheduler_started').length === 2);
    expect(
      events('scheduler_started')
        .map((line) => line.pid)
        .sort(),
    ).toEqual([...pids].sort());

    // Each migration recorded once, and nothing went wrong on the way: two processes migrating at once
    // fail on each other's tables ("already exists") and TypeORM logs an error before it retries.
    expect(logs().filter((line) => line.level === 'error')).toEqual([]);
    const names = await migrationNames();
    expect(names).toHaveLength(migrations.length);
    expect(new Set(names).size).toBe(migrations.length);
  });

  it('hands connections to both workers; a proposal submitted through one worker is read through the other', async () => {
    const first = connect();
    const signedIn = await first.send('POST', '/login', { _csrf: await first.csrfToken('/login'), login: 'demo-office', password: DEMO_PASSWORD });
    expect(signedIn.status).toBe(303);
    const writer = await workerBehind(first);

    const title = `ワーカーをまたぐ提案 ${randomUUID().slice(0, 8)}`;
    const submitted = await first.send('POST', '/proposals', {
      ...validProposal({ title }),
      intent: 'submit',
      formKey: randomUUID(),
      _csrf: await first.csrfToken('/proposals/new'),
    });
    expect(submitted.status).toBe(303);
    expect(submitted.localPort).toBe(writer.localPort);
    const id = Number(/^\/proposals\/(\d+)$/.exec(String(submitted.headers.location))?.[1]);
    expect(id).toBeGreaterThan(0);
    proposal = { id, title };

    // New connections until one reaches the other worker (the primary deals them out in turn).
    let reader: { connection: Connection; pid: number; localPort: number } | null = null;
    for (let attempt = 0; attempt < 10 && !reader; attempt++) {
      const connection = connect();
      const behind = await workerBehind(connection);
      if (behind.pid !== writer.pid) reader = { connection, ...behind };
    }
    expect(reader).not.toBeNull();
    expect(workerPids()).toEqual(expect.arrayContaining([writer.pid, reader!.pid]));

    const page = await reader!.connection.send('GET', `/proposals/${id}`);
    expect(page.localPort).toBe(reader!.localPort);
    expect(page.status).toBe(200);
    expect(page.text).toContain(title);
    expect(page.text).toContain('受付待ち');
  });

  it('replaces a worker killed with SIGKILL, and the other keeps answering meanwhile', async () => {
    const [victim, survivor] = workerPids();
    process.kill(victim, 'SIGKILL');
    const exited = await waitFor('the primary to see the worker end', () => events('worker_exited').find((l) => l.workerPid === victim));
    expect(exited).toMatchObject({ pid: app.pid, signal: 'SIGKILL' });
    expect(isAlive(victim)).toBe(false);

    // Before the replacement is up, the survivor serves every new connection.
    const meanwhile = await connect().send('GET', `/proposals/${proposal.id}`);
    expect(meanwhile.status).toBe(200);
    expect(meanwhile.text).toContain(proposal.title);

    const replacement = await waitFor('a new worker', () => events('started').find((l) => ![victim, survivor].includes(l.pid)));
    expect(replacement.worker).toBe(3);
    expect(parentOf(replacement.pid)).toBe(app.pid);
    // The replacement takes connections too, and the person is still signed in there (sessions are in the database).
    let reached = false;
    for (let attempt = 0; attempt < 10 && !reached; attempt++) {
      const connection = connect();
      if ((await workerBehind(connection)).pid !== replacement.pid) continue;
      const page = await connection.send('GET', `/proposals/${proposal.id}`);
      expect(page.status).toBe(200);
      reached = true;
    }
    expect(reached).toBe(true);
  });

  it('on SIGTERM the workers close and the primary exits 0 once they are gone', async () => {
    const [, survivor] = workerPids();
    const alive = workerPids().filter(isAlive);
    expect(alive).toHaveLength(2);
    expect(alive).toContain(survivor);
    for (const connection of connections) connection.close();

    await app.stop();
    expect(await app.exited).toEqual({ code: 0, signal: null });
    for (const pid of alive) expect(isAlive(pid)).toBe(false);
    expect(events('stopping')).toEqual([expect.objectContaining({ pid: app.pid, signal: 'SIGTERM', workers: 2 })]);
    expect(events('stopped')).toEqual([expect.objectContaining({ pid: app.pid, code: 0 })]);
    // Every connection to the SQLite file was closed properly: the last one removes the write-ahead log.
    if (db.database.type === 'sqlite') expect(existsSync(`${db.database.path}-wal`)).toBe(false);
  });

  it('a worker that cannot start stops the whole start: one message, exit 1, no restarts', async () => {
    // on every address, as the app listens
    const taken = createServer();
    taken.listen(0);
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^起動できませんでした: .*EADDRINUSE/)]);
      expect(stdout).not.toContain('"event":"started"');
      expect(stdout).not.toContain('"event":"worker_exited"');
      expect(stdout).toMatch(/"event":"stopped","pid":\d+,"code":1/);
    } finally {
      taken.close();
    }
  });
});
