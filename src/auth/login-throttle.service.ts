import { Injectable } from '@nestjs/common';
import { TooManyAttemptsError } from '../common/errors';
import { DbService } from '../database/db.service';
import { LoginFailure } from './login-failure.entity';

/** Failures allowed for one login name from one client within the window. */
export const MAX_FAILURES_PER_LOGIN = 5;
/** Failures allowed from one client across all login names (guessing many accounts). */
export const MAX_FAILURES_PER_CLIENT = 30;
export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;

/**
 * Counts failed logins in the database, not in memory, so the limit holds however many app
 * instances share the database.
 */
@Injectable()
export class LoginThrottleService {
  constructor(private readonly db: DbService) {}

  /** Throws TooManyAttemptsError, saying when to retry, if this client may not try this login now. */
  async assertAllowed(clientKey: string, loginKey: string, now = Date.now()): Promise<void> {
    const since = now - THROTTLE_WINDOW_MS;
    const retryAt = Math.max(
      await this.retryAt({ clientKey, loginKey }, since, MAX_FAILURES_PER_LOGIN),
      await this.retryAt({ clientKey }, since, MAX_FAILURES_PER_CLIENT),
    );
    if (retryAt > now) throw new TooManyAttemptsError(new Date(retryAt));
  }

  async recordFailure(clientKey: string, loginKey: string, now = Date.now()): Promise<void> {
    await this.db.write(async (manager) => {
      await manager
        .createQueryBuilder()
        .insert()
        .into(LoginFailure)
        .values({ clientKey, loginKey, failedAt: now })
        .execute();
      await manager
        .createQueryBuilder()
        .delete()
        .from(LoginFailure)
        .where('failed_at < :old', { old: now - THROTTLE_WINDOW_MS })
        .execute();
    });
  }

  /** A successful login forgives that pair's earlier typos. */
  async clear(clientKey: string, loginKey: string): Promise<void> {
    await this.db.write((manager) =>
      manager
        .createQueryBuilder()
        .delete()
        .from(LoginFailure)
        .where('client_key = :clientKey AND login_key = :loginKey', { clientKey, loginKey })
        .execute(),
    );
  }

  /** When the failures in the window drop below `limit`; 0 if they already are below it. */
  private async retryAt(key: { clientKey: string; loginKey?: string }, since: number, limit: number): Promise<number> {
    const query = this.db.dataSource
      .createQueryBuilder()
      .select('f.failed_at', 'failed_at')
      .from('login_failures', 'f')
      .where('f.client_key = :clientKey', { clientKey: key.clientKey })
      .andWhere('f.failed_at >= :since', { since })
      .orderBy('f.failed_at', 'DESC')
      .limit(limit);
    if (key.loginKey !== undefined) query.andWhere('f.login_key = :loginKey', { loginKey: key.loginKey });
    const rows = await query.getRawMany<{ failed_at: string | number }>();
    if (rows.length < limit) return 0;
    return Number(rows[rows.length - 1].failed_at) + THROTTLE_WINDOW_MS;
  }
}
