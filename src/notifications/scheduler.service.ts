import { BeforeApplicationShutdown, Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { AppLogger } from '../common/app-logger';
import { APP_CONFIG, AppConfig } from '../config/config';
import { SearchIndexMaintenanceService } from '../search/search-index-maintenance.service';
import { DigestService } from './digest.service';
import { MailSenderService } from './mail-sender.service';
import { RemindersService } from './reminders.service';
import { Clock } from '../common/clock';

export const REMINDER_INTERVAL_MS = 10 * 60 * 1000;
export const MAIL_INTERVAL_MS = 60 * 1000;
/** The digest job queues yesterday's digests from DIGEST_HOUR_JST on; later ticks find them already queued. */
export const DIGEST_INTERVAL_MS = 10 * 60 * 1000;
/**
 * The SQLite search index's merging (issue 11). Each write to the index adds a segment; at 64 of them
 * FTS5 merges inside the next user's write (SEARCH_INDEX_CRISISMERGE), which merging every 5 s keeps
 * from happening below about twelve index writes a second, far above this office's load. Searches also
 * read every segment, so fewer is better. A run with nothing to merge is one empty transaction.
 */
export const SEARCH_INDEX_INTERVAL_MS = 5 * 1000;

interface Job {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
}

/**
 * Runs reminders, the daily digest, mail delivery and the search index's merging on timers inside the
 * web server. Started only by main.ts after listen (never by lifecycle hooks), so the command line and
 * the tests, which build the same modules, start no timers. Running on several instances at once is
 * safe: reminders are deduplicated, a digest is queued once per user and day, each e-mail is claimed
 * before it is sent, and a search index merge step is one SQLite transaction, whoever runs it.
 */
@Injectable()
export class SchedulerService implements OnModuleDestroy, BeforeApplicationShutdown {
  private timers: NodeJS.Timeout[] = [];
  /** Runs in progress, by job name. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reminders: RemindersService,
    private readonly mail: MailSenderService,
    private readonly logger: AppLogger,
    private readonly clock: Clock,
    // Optional so that a scheduler built by hand (unit tests) without digests still works.
    @Optional() private readonly digests?: DigestService,
    @Optional() private readonly searchIndex?: SearchIndexMaintenanceService,
  ) {}

  /** Returns whether the timers were started (false when SCHEDULER=false or already started). */
  start(): boolean {
    if (!this.config.scheduler || this.timers.length) return false;
    const jobs: Job[] = [{ name: 'reminders', intervalMs: REMINDER_INTERVAL_MS, run: () => this.reminders.sendReminders(this.clock.now()) }];
    if (this.mail.enabled) jobs.push({ name: 'mail', intervalMs: MAIL_INTERVAL_MS, run: () => this.mail.deliverPending(this.clock.now()) });
    const digests = this.digests;
    if (this.mail.enabled && digests) jobs.push({ name: 'digest', intervalMs: DIGEST_INTERVAL_MS, run: () => digests.sendDueDigests(this.clock.now()) });
    const searchIndex = this.searchIndex;
    if (searchIndex?.enabled) jobs.push({ name: 'search-index', intervalMs: SEARCH_INDEX_INTERVAL_MS, run: () => searchIndex.merge() });
    for (const job of jobs) {
      // Once right away (reminders missed while the server was down go out now), then on the interval.
      void this.runOnce(job);
      const timer = setInterval(() => void this.runOnce(job), job.intervalMs);
      // The timers alone never keep the process alive.
      timer.unref();
      this.timers.push(timer);
    }
    this.logger.event('info', 'scheduler_started', { jobs: jobs.map((j) => j.name) });
    return true;
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** One run of a job; a run still going when the next tick comes is not overlapped, and a failure is logged, not thrown. */
  runOnce(job: Pick<Job, 'name' | 'run'>): Promise<void> {
    const current = this.running.get(job.name);
    if (current) return current;
    const run = (async () => {
      try {
        await job.run();
      } catch (error) {
        this.logger.event('error', 'scheduled_job_failed', {
          job: job.name,
          message: error instanceof Error ? error.message : String(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
      } finally {
        this.running.delete(job.name);
      }
    })();
    this.running.set(job.name, run);
    return run;
  }

  onModuleDestroy(): void {
    this.stop();
  }

  /** Lets a run in progress finish before the database connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.running.values());
  }
}
