import { jstDateString } from './jst';

/**
 * The time the rules go by: when a step is recorded, what "today" is for due dates, overdue marks and
 * reminders, which fiscal year is current. Injected (CommonModule), so a test can set the day a rule
 * depends on instead of writing rows with dates in them. Infrastructure timing (session expiry, login
 * throttling, timeouts, logs) keeps the process clock: those are not rules a test should move.
 */
export abstract class Clock {
  abstract now(): Date;

  /** Today as a Japan calendar date (YYYY-MM-DD), whatever the server's time zone. */
  today(): string {
    return jstDateString(this.now());
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
