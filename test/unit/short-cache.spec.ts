import { ShortCache } from '../../src/common/short-cache';

describe('ShortCache', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it('loads once within the time limit, shares the pending load, and loads again after it', async () => {
    let loads = 0;
    const cache = new ShortCache(30_000, async () => ++loads);
    expect(await Promise.all([cache.get(), cache.get()])).toEqual([1, 1]);
    now += 29_999;
    expect(await cache.get()).toBe(1);
    now += 1;
    expect(await cache.get()).toBe(2);
  });

  it('loads again for another key and after clear()', async () => {
    let loads = 0;
    const cache = new ShortCache(30_000, async () => ++loads);
    expect(await cache.get('2026-11-22')).toBe(1);
    expect(await cache.get('2026-11-23')).toBe(2);
    cache.clear();
    expect(await cache.get('2026-11-23')).toBe(3);
  });

  it('does not keep a failed load', async () => {
    let fail = true;
    const cache = new ShortCache(30_000, async () => {
      if (fail) throw new Error('database busy');
      return 'ok';
    });
    await expect(cache.get()).rejects.toThrow('database busy');
    fail = false;
    expect(await cache.get()).toBe('ok');
  });
});
