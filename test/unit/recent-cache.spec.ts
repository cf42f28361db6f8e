import { RecentCache } from '../../src/common/recent-cache';

describe('RecentCache', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it('loads a key once within its time, shares a pending load, and loads it again afterwards', async () => {
    const cache = new RecentCache<number>(10, 60_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load)])).toEqual([1, 1]);
    now += 59_999;
    expect(await cache.get('a', load)).toBe(1);
    now += 1;
    expect(await cache.get('a', load)).toBe(2);
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const cache = new RecentCache<string>(2, 60_000);
    const loaded: string[] = [];
    const load = (key: string) => async () => {
      loaded.push(key);
      return key;
    };
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('a', load('a')); // a is now more recent than b
    await cache.get('c', load('c')); // b goes
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    expect(loaded).toEqual(['a', 'b', 'c', 'b']);
  });

  it('loads every key again after clear()', async () => {
    const cache = new RecentCache<number>(10, 60_000);
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('2026-11-22', load);
    cache.clear();
    expect(await cache.get('2026-11-22', load)).toBe(2);
  });

  it('does not keep a failed load', async () => {
    const cache = new RecentCache<string>(10, 60_000);
    await expect(cache.get('a', async () => Promise.reject(new Error('busy')))).rejects.toThrow('busy');
    expect(await cache.get('a', async () => 'ok')).toBe('ok');
  });
});
