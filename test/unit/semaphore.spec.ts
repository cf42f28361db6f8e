import { FairSemaphore, KeyedCap, Semaphore } from '../../src/common/semaphore';

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

/** A task that runs until `finish()` is called; `started` tells whether it began. */
function gate() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const state = { started: false, finish, task: async () => ((state.started = true), await done) };
  return state;
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FairSemaphore', () => {
  it('gives a client that arrives behind a flood the next free place, not the place after the flood', async () => {
    const sem = new FairSemaphore(2, 1);
    const flood = Array.from({ length: 50 }, gate);
    const order: string[] = [];
    const floodRuns = flood.map((g, i) => sem.run('flood', async () => (order.push(`f${i}`), g.task())));
    const other = gate();
    const otherRun = sem.run('other', async () => (order.push('other'), other.task()));
    await settle();
    // one place each: the flood holds one, the other client the second
    expect(order).toEqual(['f0', 'other']);
    expect(sem.queued).toBe(49);
    other.finish();
    await otherRun;
    flood.forEach((g) => g.finish());
    await Promise.all(floodRuns);
    expect(order).toHaveLength(51);
    expect(sem.queued).toBe(0);
  });

  it('takes turns between waiting clients (round robin), each in its own first-come order', async () => {
    const sem = new FairSemaphore(1, 1);
    const order: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const start = (name: string) => {
      const g = gate();
      gates.set(name, g);
      return sem.run(name[0], async () => (order.push(name), g.task()));
    };
    const runs = ['a1', 'a2', 'a3', 'b1', 'b2', 'c1'].map(start);
    for (let i = 0; i < 6; i++) {
      await settle();
      gates.get(order[order.length - 1])!.finish();
    }
    await Promise.all(runs);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('frees the place when a task fails', async () => {
    const sem = new FairSemaphore(1, 1);
    await expect(sem.run('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sem.run('x', () => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe('KeyedCap', () => {
  it('lets each key hold at most its number of places, and gives a place back once on release', () => {
    const cap = new KeyedCap(2);
    const a1 = cap.tryAcquire('a');
    const a2 = cap.tryAcquire('a');
    expect(a1).not.toBeNull();
    expect(a2).not.toBeNull();
    expect(cap.tryAcquire('a')).toBeNull();
    expect(cap.tryAcquire('b')).not.toBeNull();
    a1!();
    a1!(); // a second call gives nothing back
    expect(cap.tryAcquire('a')).not.toBeNull();
    expect(cap.tryAcquire('a')).toBeNull();
  });
});
