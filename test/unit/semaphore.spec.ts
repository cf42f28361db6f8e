import { Semaphore } from '../../src/common/semaphore';

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once, in the order they asked, and passes results and errors through', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (i === 3) throw new Error('task 3 failed');
      return i * 10;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => semaphore.run(task(i))));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 10, 20, 'task 3 failed', 40, 50]);
    // every place was given back: two more run at once again
    running = 0;
    most = 0;
    await Promise.all([semaphore.run(task(6)), semaphore.run(task(7))]);
    expect(most).toBe(2);
  });
});
