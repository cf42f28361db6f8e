import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DbService } from '../database/db.service';
import { LoginFailure } from './login-failure.entity';
import type { Attempt, BucketKey } from './login-throttle-rules';

/** What a reservation must look at in one bucket: its key and how far back / how many rows. */
export interface BucketQuery {
  key: BucketKey;
  sinceMs: number;
  rows: number;
}

/**
 * Every query of login_failures. The one that matters is `reserve`: reading the buckets and writing
 * the attempt happen under one lock, so that parallel attempts (in this process or in another
 * instance on the same database) are counted one after the other and cannot all see room for
 * themselves.
 */
@Injectable()
export class LoginAttemptsRepository {
  constructor(private readonly db: DbService) {}

  /**
   * Reads the recent failures of each bucket (newest first) and hands them to `decide`; if it returns
   * 0 the attempt is written as a failure and its id returned, otherwise nothing is written and its
   * answer (when to retry) is returned.
   */
  async reserve(
    attempt: Attempt,
    buckets: BucketQuery[],
    now: number,
    decide: (failuresPerBucket: number[][]) => number,
  ): Promise<{ id: number } | { retryAt: number }> {
    return this.db.transaction(async (manager) => {
      await this.lock(manager);
      const failures: number[][] = [];
      for (const bucket of buckets) failures.push(await this.recentFailures(manager, bucket, now));
      const retryAt = decide(failures);
      if (retryAt) return { retryAt };
      const result = await manager
        .createQueryBuilder()
        .insert()
        .into(LoginFailure)
        .values({ clientKey: attempt.clientKey, loginKey: attempt.loginKey, deviceKey: attempt.deviceKey, failedAt: now })
        .execute();
      return { id: Number(result.identifiers[0].id) };
    });
  }

  /** The recent failures of each bucket, newest first, read without the lock (a first look; see the service). */
  async peek(buckets: BucketQuery[], now: number): Promise<number[][]> {
    const manager = this.db.dataSource.manager;
    const failures: number[][] = [];
    for (const bucket of buckets) failures.push(await this.recentFailures(manager, bucket, now));
    return failures;
  }

  /** Deletes one reserved attempt (its password was right). */
  async delete(id: number): Promise<void> {
    await this.db.write((manager) => manager.createQueryBuilder().delete().from(LoginFailure).where('id = :id', { id }).execute());
  }

  /** Deletes the failures of one bucket (a successful login forgives them). */
  async deleteBucket(key: BucketKey): Promise<void> {
    await this.db.write((manager) => {
      const query = manager.createQueryBuilder().delete().from(LoginFailure);
      this.whereBucket(query, key);
      return query.execute();
    });
  }

  async deleteOlderThan(before: number): Promise<void> {
    await this.db.write((manager) => manager.createQueryBuilder().delete().from(LoginFailure).where('failed_at < :before', { before }).execute());
  }

  /**
   * SQLite: DbService runs one transaction at a time in this process, and the file lock does the rest.
   * PostgreSQL: one transaction-scoped advisory lock for all reservations. One lock rather than one
   * per bucket: a reservation holds it for three short indexed queries, and a single lock cannot deadlock.
   */
  private async lock(manager: EntityManager): Promise<void> {
    if (this.db.isSqlite) return;
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('tane:login_throttle'))`);
  }

  private async recentFailures(manager: EntityManager, bucket: BucketQuery, now: number): Promise<number[]> {
    const query = manager
      .createQueryBuilder()
      .select('failed_at', 'failed_at')
      .from(LoginFailure, 'f')
      .where('failed_at > :since', { since: now - bucket.sinceMs })
      .orderBy('failed_at', 'DESC')
      .limit(bucket.rows);
    this.whereBucket(query, bucket.key);
    const rows = await query.getRawMany<{ failed_at: string | number }>();
    return rows.map((r) => Number(r.failed_at));
  }

  private whereBucket(query: { andWhere: (sql: string, params?: Record<string, unknown>) => unknown }, key: BucketKey): void {
    if (key.clientKey !== undefined) query.andWhere('client_key = :clientKey', { clientKey: key.clientKey });
    if (key.loginKey !== undefined) query.andWhere('login_key = :loginKey', { loginKey: key.loginKey });
    if (key.deviceKey === null) query.andWhere('device_key IS NULL');
    else query.andWhere('device_key = :deviceKey', { deviceKey: key.deviceKey });
  }
}
