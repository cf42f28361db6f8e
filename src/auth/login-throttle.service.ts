import { Injectable } from '@nestjs/common';
import { TooManyAttemptsError } from '../common/errors';
import { LoginAttemptsRepository } from './login-attempts.repository';
import { Attempt, bucketsFor, LONGEST_MEMORY_MS, lookBack, retryAt } from './login-throttle-rules';

/** A counted attempt whose password is being checked. */
export interface Reservation {
  id: number;
  attempt: Attempt;
}

const PRUNE_INTERVAL_MS = 60 * 1000;

/**
 * Applies login-throttle-rules.ts to the attempts in the database, not in memory, so the limits hold
 * however many app instances share the database.
 *
 * Each attempt is reserved before its password is checked: counted as a failure at once, under a lock
 * (LoginAttemptsRepository.reserve), so fifty attempts sent together are fifty rows counted one after
 * the other, and only as many as the limits allow reach the password hash. The caller then either
 * keeps the reservation (wrong password: nothing more to do) or releases it with `succeeded`. A
 * reservation whose request dies halfway stays counted, which errs on the safe side.
 */
@Injectable()
export class LoginThrottleService {
  private lastPrune = 0;

  constructor(private readonly attempts: LoginAttemptsRepository) {}

  /**
   * Counts the attempt, or throws TooManyAttemptsError saying when to retry. `refusal` builds the error
   * (the password-change form words it differently from the login form).
   */
  async reserve(
    attempt: Attempt,
    now = Date.now(),
    refusal: (retryAt: Date) => TooManyAttemptsError = (at) => new TooManyAttemptsError(at),
  ): Promise<Reservation> {
    await this.pruneNowAndThen(now);
    const buckets = bucketsFor(attempt);
    const queries = buckets.map((b) => ({ key: b.key, ...lookBack(b.rule) }));
    const decide = (failures: number[][]) => Math.max(0, ...buckets.map((b, i) => retryAt(b.rule, failures[i], now)));
    // A first look without the lock: an attempt already over a limit is refused with reads alone, so a
    // flood of refused attempts does not queue up for the lock (and on SQLite for the one writer) in
    // front of everybody else's logins. Failures only accumulate, so what is refused here would be
    // refused under the lock too; what passes is decided again under it.
    const early = decide(await this.attempts.peek(queries, now));
    if (early) throw refusal(new Date(early));
    const result = await this.attempts.reserve(attempt, queries, now, decide);
    if ('retryAt' in result) throw refusal(new Date(result.retryAt));
    return { id: result.id, attempt };
  }

  /**
   * The password was right: the reservation is released, and the failures this browser made at this
   * login are forgiven (a typo or two before the right password) — those of its device token, or for
   * an unknown browser those from its address at this login. Other addresses' failures stay counted.
   */
  async succeeded(reservation: Reservation): Promise<void> {
    const { attempt } = reservation;
    await this.attempts.delete(reservation.id);
    await this.attempts.deleteBucket(
      attempt.deviceKey ? { deviceKey: attempt.deviceKey } : { clientKey: attempt.clientKey, loginKey: attempt.loginKey, deviceKey: null },
    );
  }

  private async pruneNowAndThen(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = now;
    await this.attempts.deleteOlderThan(now - LONGEST_MEMORY_MS);
  }
}
