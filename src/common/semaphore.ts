/** Runs at most `limit` tasks at once; the others start in the order they asked, as places free up. */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // hand the place straight to the next in line, so `running` never drops below what runs
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * Like Semaphore, but fair between clients: each task names the client it runs for, one client holds
 * at most `perClient` of the `limit` places, and a place that frees up goes to the next client in turn
 * (round robin), not to whoever queued first. With a plain first-come line, 300 requests from one
 * client put everybody else's behind all 300; here another client waits for at most one task of each
 * client ahead of it in the rotation.
 */
export class FairSemaphore {
  private running = 0;
  private readonly runningPerClient = new Map<string, number>();
  /** Clients with tasks waiting, in turn order; each with its own first-come line. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    private readonly limit: number,
    private readonly perClient = 1,
  ) {}

  async run<T>(client: string, task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit && this.held(client) < this.perClient) this.take(client);
    else await new Promise<void>((resolve) => this.enqueue(client, resolve));
    try {
      return await task();
    } finally {
      this.running--;
      const left = this.held(client) - 1;
      if (left > 0) this.runningPerClient.set(client, left);
      else this.runningPerClient.delete(client);
      // the client that was just served goes to the back of the turn
      const line = this.waiting.get(client);
      if (line) {
        this.waiting.delete(client);
        this.waiting.set(client, line);
      }
      this.startNext();
    }
  }

  /** How many tasks wait, all clients together (for tests and diagnostics). */
  get queued(): number {
    let count = 0;
    for (const line of this.waiting.values()) count += line.length;
    return count;
  }

  private held(client: string): number {
    return this.runningPerClient.get(client) ?? 0;
  }

  private take(client: string): void {
    this.running++;
    this.runningPerClient.set(client, this.held(client) + 1);
  }

  private enqueue(client: string, resolve: () => void): void {
    const line = this.waiting.get(client);
    if (line) line.push(resolve);
    else this.waiting.set(client, [resolve]);
  }

  /** Starts the first client in turn that may run one more task; that client goes to the back of the turn. */
  private startNext(): void {
    if (this.running >= this.limit) return;
    for (const [client, line] of this.waiting) {
      if (this.held(client) >= this.perClient) continue;
      const next = line.shift()!;
      // a Map iterates in insertion order: deleting and re-adding moves the client to the back
      this.waiting.delete(client);
      if (line.length) this.waiting.set(client, line);
      this.take(client);
      next();
      return;
    }
  }
}

/**
 * At most `perKey` tasks in flight per key; a task beyond that is not queued but refused at once
 * (`tryAcquire` returns null). Put in front of expensive, abusable work: a person has one or two
 * requests in flight, a flood has hundreds, and refusing those in memory keeps them out of every
 * queue behind (the database's, the hash's) that other people's requests wait in too.
 */
export class KeyedCap {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perKey: number) {}

  /** A release function if the key has room, else null. Call the release exactly once, when done. */
  tryAcquire(key: string): (() => void) | null {
    const held = this.inFlight.get(key) ?? 0;
    if (held >= this.perKey) return null;
    this.inFlight.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    };
  }
}
