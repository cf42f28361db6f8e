import { ChildProcess, fork } from 'node:child_process';
import cluster, { Worker } from 'node:cluster';
import { AppLogger } from './common/app-logger';
import type { AppConfig } from './config/config';

/*
 * The primary of `WORKERS` > 1 (issue 11): it forks, watches and stops the processes that serve, and
 * does nothing else. It never loads the application's modules: the database is migrated and the demo
 * data created by a short-lived child before any worker starts (see main.ts), so the primary stays at
 * the size of a bare Node process (about 45 MB, against about 110 MB had it built the app context
 * itself and closed it again: the loaded code stays) and holds no database connection.
 */

/** Set in the environment of the one child that migrates and seeds, then exits. */
export const PREPARE_ENV = 'TANE_PREPARE_DATABASE';

/** What a worker tells the primary over the cluster's channel. */
export interface StartupFailedMessage {
  type: 'startup_failed';
  message: string;
}

/**
 * When a worker that has stopped is started again. A worker counts as failing quickly when it never
 * listened, or ended within `quickExitMs` of listening; the delays between such restarts double, and
 * after `maxQuickExits` in a row the primary stops everything rather than spin (a broken database or
 * a bug hit on every start will not go away by itself; systemd's Restart= or an operator takes over).
 * A worker that had been running longer is replaced at once.
 */
export const RESTART_POLICY = { quickExitMs: 10_000, maxQuickExits: 5, firstDelayMs: 500, maxDelayMs: 8_000 };

/** How long the workers may take to finish their requests and close after SIGTERM before they are killed. */
export const SHUTDOWN_TIMEOUT_MS = 60_000;

export type RestartDecision = { quickExits: number; giveUp: true } | { quickExits: number; giveUp: false; delayMs: number };

/**
 * The rule above, without I/O. `quickExits` is the count so far for this worker's place (each place
 * counts on its own, so that several workers ending at the same moment — the database went away —
 * are each retried with the delays, not counted as one place's repeated failures).
 */
export function afterWorkerExit(
  quickExits: number,
  life: { listenedAt: number | null; exitedAt: number },
  policy: typeof RESTART_POLICY = RESTART_POLICY,
): RestartDecision {
  const quick = life.listenedAt === null || life.exitedAt - life.listenedAt < policy.quickExitMs;
  const count = quick ? quickExits + 1 : 0;
  if (count >= policy.maxQuickExits) return { quickExits: count, giveUp: true };
  const delayMs = count === 0 ? 0 : Math.min(policy.firstDelayMs * 2 ** (count - 1), policy.maxDelayMs);
  return { quickExits: count, giveUp: false, delayMs };
}

type Level = Parameters<AppLogger['event']>[0];

/**
 * Every process of a cluster writes to the same stdout: each line says which process wrote it, so
 * that a worker's last lines before it died can be told from the others'.
 */
export class ProcessLogger extends AppLogger {
  override event(level: Level, event: string, fields: Record<string, unknown> = {}): void {
    super.event(level, event, { pid: process.pid, ...fields });
  }
}

/**
 * A worker that cannot start tells the primary why and ends; the primary prints the reason once
 * (every worker would otherwise print the same line: the port is taken, the database cannot be opened).
 */
export function reportWorkerStartupFailure(message: string): void {
  const exit = () => process.exit(1);
  if (!process.send || !process.connected) {
    process.stderr.write(`起動できませんでした: ${message}\n`);
    return exit();
  }
  const failure: StartupFailedMessage = { type: 'startup_failed', message };
  process.send(failure, undefined, {}, exit);
  // the channel may be closing (the primary is stopping): do not wait for it
  setTimeout(exit, 2_000).unref();
}

interface Place {
  index: number;
  quickExits: number;
}

interface Running {
  place: Place;
  listenedAt: number | null;
  /** Why it could not start, when it said so. */
  failure: string | null;
}

/** Forks, replaces and stops the workers; see the comment at the top of this file. */
export class Primary {
  private readonly running = new Map<Worker, Running>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private prepare: ChildProcess | null = null;
  /** Until every first worker has listened, a worker that ends is a failed start: everything stops. */
  private starting = true;
  private stopping: { code: number } | null = null;

  constructor(
    private readonly config: Pick<AppConfig, 'workers'>,
    private readonly logger: AppLogger,
  ) {}

  async run(): Promise<void> {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => this.stop(0, signal));

    const prepared = await this.prepareDatabase();
    if (this.stopping) return this.finishIfIdle();
    // the child has said why on stderr
    if (!prepared) process.exit(1);

    cluster.on('listening', (worker) => this.listened(worker));
    cluster.on('message', (worker, message: Partial<StartupFailedMessage>) => {
      const state = this.running.get(worker);
      if (state && message?.type === 'startup_failed') state.failure = String(message.message);
    });
    cluster.on('exit', (worker, code, signal) => {
      // Its last message (why it could not start) may still be in the channel when the exit is seen:
      // the channel delivers what it holds before it reports the disconnect.
      if (worker.isConnected()) worker.once('disconnect', () => this.exited(worker, code, signal));
      else this.exited(worker, code, signal);
    });

    this.logger.event('info', 'workers_starting', { workers: this.config.workers });
    // The first worker binds the port alone; the others follow once it listens (see listened). When the
    // address is taken only that one fails: workers waiting on the same failed listen would crash inside
    // Node's cluster module (TypeError in listenOnPrimaryHandle) and print its stack on stderr.
    this.fork({ index: 0, quickExits: 0 });
  }

  /** Migrations and demo data, once, in a child of their own; resolves whether it succeeded. */
  private prepareDatabase(): Promise<boolean> {
    return new Promise((done) => {
      const child = fork(process.argv[1], process.argv.slice(2), { env: { ...process.env, [PREPARE_ENV]: '1' } });
      this.prepare = child;
      child.on('error', (error) => {
        process.stderr.write(`起動できませんでした: ${error.message}\n`);
        done(false);
      });
      child.on('exit', (code) => {
        this.prepare = null;
        done(code === 0);
      });
    });
  }

  private fork(place: Place): void {
    const worker = cluster.fork();
    this.running.set(worker, { place, listenedAt: null, failure: null });
  }

  private listened(worker: Worker): void {
    const state = this.running.get(worker);
    if (!state || state.listenedAt !== null) return;
    state.listenedAt = Date.now();
    if (this.starting && state.place.index === 0 && this.running.size === 1) {
      for (let index = 1; index < this.config.workers; index++) this.fork({ index, quickExits: 0 });
    }
    if (this.starting && [...this.running.values()].every((s) => s.listenedAt !== null)) this.starting = false;
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const state = this.running.get(worker);
    this.running.delete(worker);
    if (!state) return;
    if (this.stopping) return this.finishIfIdle();

    const ended = {
      worker: worker.id,
      workerPid: worker.process.pid,
      code: code ?? undefined,
      signal: signal ?? undefined,
      reason: state.failure ?? undefined,
    };
    const reason = state.failure ?? `ワーカー（pid ${worker.process.pid}）が${signal ? `シグナル ${signal} で` : `終了コード ${code} で`}終了しました`;
    if (this.starting) {
      this.logger.event('error', 'worker_start_failed', ended);
      process.stderr.write(`起動できませんでした: ${reason}\n`);
      return this.stop(1);
    }

    const decision = afterWorkerExit(state.place.quickExits, { listenedAt: state.listenedAt, exitedAt: Date.now() });
    state.place.quickExits = decision.quickExits;
    if (decision.giveUp) {
      this.logger.event('error', 'workers_gave_up', { ...ended, quickExits: decision.quickExits });
      process.stderr.write(
        `停止しました: ワーカーが起動してすぐに終了することが ${decision.quickExits} 回続いたため、再起動をあきらめました（最後の理由: ${reason}）。ログを確認してください。\n`,
      );
      return this.stop(1);
    }
    this.logger.event('error', 'worker_exited', { ...ended, restartInMs: decision.delayMs });
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.stopping) this.fork(state.place);
    }, decision.delayMs);
    this.restartTimers.add(timer);
  }

  /**
   * SIGTERM to every worker: each closes as a single process does (enableShutdownHooks: requests in
   * progress finish, the scheduler's run in progress ends, the database is closed). A second signal
   * (systemd sends SIGTERM to the whole group, Ctrl+C reaches every process) is ignored by Nest while
   * it closes, so nothing is cut short. The primary exits when all are gone.
   */
  private stop(code: number, signal?: NodeJS.Signals): void {
    if (this.stopping) return;
    this.stopping = { code };
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    if (signal) this.logger.event('info', 'stopping', { signal, workers: this.running.size });
    this.prepare?.kill('SIGTERM');
    for (const worker of this.running.keys()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      const left = [...this.running.keys()];
      this.logger.event('error', 'workers_killed', { workers: left.map((w) => w.process.pid), afterMs: SHUTDOWN_TIMEOUT_MS });
      process.stderr.write(`停止しました: ${SHUTDOWN_TIMEOUT_MS / 1000} 秒待っても終了しないワーカーを強制終了しました。\n`);
      for (const worker of left) worker.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    this.finishIfIdle();
  }

  private finishIfIdle(): void {
    if (!this.stopping || this.running.size || this.prepare) return;
    this.logger.event('info', 'stopped', { code: this.stopping.code });
    process.exit(this.stopping.code);
  }
}
