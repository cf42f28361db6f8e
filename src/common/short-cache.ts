/**
 * One value, loaded at most once per `ttlMs` in this process and shared by the requests that ask
 * meanwhile. For lookups that every page view needs and that change rarely (the organization's
 * divisions): the service that changes them clears the cache at once; a change made by another
 * instance or the command line shows here within `ttlMs`.
 */
export class ShortCache<T> {
  private entry: { key: string; until: number; value: Promise<T> } | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly load: () => Promise<T>,
  ) {}

  /** `key` names what the value depends on besides the data (today's date, say): another key reloads. */
  get(key = ''): Promise<T> {
    const now = Date.now();
    if (this.entry && this.entry.key === key && now < this.entry.until) return this.entry.value;
    const value = this.load();
    const entry = { key, until: now + this.ttlMs, value };
    this.entry = entry;
    // a failed load is not kept: the next request tries again
    value.catch(() => {
      if (this.entry === entry) this.entry = null;
    });
    return value;
  }

  clear(): void {
    this.entry = null;
  }
}
