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
