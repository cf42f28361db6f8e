/**
 * Values by key, each kept for `ttlMs`, at most `maxEntries` of them (the least recently used go
 * first). A value still loading is shared by everyone who asks for the same key meanwhile; a failed
 * load is not kept.
 */
export class RecentCache<T> {
  private readonly entries = new Map<string, { until: number; value: Promise<T> }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const found = this.entries.get(key);
    this.entries.delete(key);
    if (found && now < found.until) {
      this.entries.set(key, found); // now the most recently used
      return found.value;
    }
    const entry = { until: now + this.ttlMs, value: load() };
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.value;
  }

  /** Forget everything: the next get() of each key loads. */
  clear(): void {
    this.entries.clear();
  }
}
