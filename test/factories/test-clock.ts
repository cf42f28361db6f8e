import { Clock } from '../../src/common/clock';

/** The real time until a test sets it; then that time, moved only by `advance`. */
export class TestClock extends Clock {
  private fixed: Date | null = null;

  now(): Date {
    return this.fixed ? new Date(this.fixed) : new Date();
  }

  set(at: Date | string): void {
    this.fixed = new Date(at);
  }

  advance(ms: number): void {
    this.fixed = new Date(this.now().getTime() + ms);
  }

  /** Back to the real time. */
  reset(): void {
    this.fixed = null;
  }
}
