import { retryDelayMs } from '../../src/notifications/mail-sender.service';

const MINUTE = 60 * 1000;

describe('retryDelayMs (wait before the next try of a failed e-mail)', () => {
  it('doubles from one minute: 1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd, 4th failure', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => retryDelayMs(n) / MINUTE)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
  });

  it('never waits more than 6 hours, however many failures (no overflow to Infinity or NaN)', () => {
    for (const n of [10, 11, 50, 1000, Number.MAX_SAFE_INTEGER]) expect(retryDelayMs(n)).toBe(6 * 60 * MINUTE);
  });

  it('treats a count below one as the first failure', () => {
    expect(retryDelayMs(0)).toBe(MINUTE);
  });
});
