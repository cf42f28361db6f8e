import { afterWorkerExit, RESTART_POLICY } from '../../src/workers';

describe('replacing a worker that stopped (afterWorkerExit)', () => {
  const listened = 1_000_000;

  it('replaces a worker that had run a while at once, and forgets earlier quick exits', () => {
    expect(afterWorkerExit(3, { listenedAt: listened, exitedAt: listened + RESTART_POLICY.quickExitMs + 1 })).toEqual({
      quickExits: 0,
      giveUp: false,
      delayMs: 0,
    });
  });

  it('waits 0.5, 1, 2, 4 s after quick exits in a row, and gives up at the fifth', () => {
    const delays: number[] = [];
    let quickExits = 0;
    for (;;) {
      const decision = afterWorkerExit(quickExits, { listenedAt: listened, exitedAt: listened + 100 });
      if (decision.giveUp) break;
      delays.push(decision.delayMs);
      quickExits = decision.quickExits;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
    expect(quickExits + 1).toBe(RESTART_POLICY.maxQuickExits);
  });

  it('counts a worker that never listened as a quick exit', () => {
    expect(afterWorkerExit(0, { listenedAt: null, exitedAt: listened })).toEqual({ quickExits: 1, giveUp: false, delayMs: 500 });
  });
});
