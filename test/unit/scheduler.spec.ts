import { Writable } from 'node:stream';
import { SystemClock } from '../../src/common/clock';
import { AppLogger } from '../../src/common/app-logger';
import { AppConfig, ConfigError, loadConfig } from '../../src/config/config';
import { MailSenderService } from '../../src/notifications/mail-sender.service';
import { RemindersService } from '../../src/notifications/reminders.service';
import { MAIL_INTERVAL_MS, REMINDER_INTERVAL_MS, SchedulerService } from '../../src/notifications/scheduler.service';

const SECRET = 'x'.repeat(40);

describe('SCHEDULER setting', () => {
  it('is on unless turned off', () => {
    expect(loadConfig({ SESSION_SECRET: SECRET }).scheduler).toBe(true);
    expect(loadConfig({ SESSION_SECRET: SECRET, SCHEDULER: 'false' }).scheduler).toBe(false);
    expect(loadConfig({ SESSION_SECRET: SECRET, SCHEDULER: 'off' }).scheduler).toBe(false);
    expect(loadConfig({ SESSION_SECRET: SECRET, SCHEDULER: 'true' }).scheduler).toBe(true);
  });

  it('refuses a value that is not true or false, with a Japanese message naming it', () => {
    expect(() => loadConfig({ SESSION_SECRET: SECRET, SCHEDULER: 'sometimes' })).toThrow(ConfigError);
    expect(() => loadConfig({ SESSION_SECRET: SECRET, SCHEDULER: 'sometimes' })).toThrow(/SCHEDULER は true か false/);
  });
});

describe('SchedulerService', () => {
  let log: string;
  let reminderRuns: number;
  let mailRuns: number;
  let reminderWork: () => Promise<unknown>;
  let mailEnabled: boolean;

  const logLines = () =>
    log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  function scheduler(overrides: Partial<AppConfig> = {}): SchedulerService {
    const config = { scheduler: true, ...overrides } as AppConfig;
    const reminders = {
      sendReminders: () => {
        reminderRuns++;
        return reminderWork();
      },
    } as unknown as RemindersService;
    const mail = {
      get enabled() {
        return mailEnabled;
      },
      deliverPending: async () => {
        mailRuns++;
        return { sent: 0, failed: 0 };
      },
    } as unknown as MailSenderService;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    return new SchedulerService(config, reminders, mail, new AppLogger('info', sink), new SystemClock());
  }

  /** Lets pending promise callbacks run (fake timers do not advance them). */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  beforeEach(() => {
    jest.useFakeTimers();
    log = '';
    reminderRuns = 0;
    mailRuns = 0;
    mailEnabled = true;
    reminderWork = async () => ({ dueSoon: 0, overdue: 0 });
  });
  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
  });

  it('does nothing when SCHEDULER=false', async () => {
    const s = scheduler({ scheduler: false });
    expect(s.start()).toBe(false);
    await settle();
    jest.advanceTimersByTime(REMINDER_INTERVAL_MS * 3);
    await settle();
    expect([reminderRuns, mailRuns]).toEqual([0, 0]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('runs both jobs at once, then mail every minute and reminders every 10 minutes, on timers that never hold the process open', async () => {
    const setInterval = jest.spyOn(global, 'setInterval');
    const s = scheduler();
    expect(s.start()).toBe(true);
    expect(s.start()).toBe(false); // a second start adds no second set of timers
    await settle();
    expect([reminderRuns, mailRuns]).toEqual([1, 1]);
    expect(setInterval.mock.calls.map((c) => c[1]).sort((a, b) => a! - b!)).toEqual([MAIL_INTERVAL_MS, REMINDER_INTERVAL_MS]);
    for (const result of setInterval.mock.results) expect((result.value as NodeJS.Timeout).hasRef()).toBe(false);

    jest.advanceTimersByTime(MAIL_INTERVAL_MS);
    await settle();
    expect([reminderRuns, mailRuns]).toEqual([1, 2]);
    for (let minute = 2; minute <= 10; minute++) {
      jest.advanceTimersByTime(MAIL_INTERVAL_MS);
      await settle();
    }
    expect([reminderRuns, mailRuns]).toEqual([2, 11]);
    expect(logLines().find((l) => l.event === 'scheduler_started')).toMatchObject({ jobs: ['reminders', 'mail'] });

    s.onModuleDestroy();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(REMINDER_INTERVAL_MS);
    await settle();
    expect([reminderRuns, mailRuns]).toEqual([2, 11]);
    setInterval.mockRestore();
  });

  it('runs no mail job when SMTP_URL is not set', async () => {
    mailEnabled = false;
    scheduler().start();
    jest.advanceTimersByTime(MAIL_INTERVAL_MS * 2);
    await settle();
    expect(mailRuns).toBe(0);
    expect(reminderRuns).toBe(1);
  });

  it('logs a failed run and keeps going on the next tick', async () => {
    reminderWork = async () => {
      throw new Error('database is gone');
    };
    const s = scheduler();
    s.start();
    await settle();
    jest.advanceTimersByTime(REMINDER_INTERVAL_MS);
    await settle();
    expect(reminderRuns).toBe(2);
    const failures = logLines().filter((l) => l.event === 'scheduled_job_failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ level: 'error', job: 'reminders', message: 'database is gone' });
    s.stop();
  });

  it('does not start a run while the previous one is still going, and waits for it at shutdown', async () => {
    let finish!: () => void;
    reminderWork = () => new Promise<void>((resolve) => (finish = resolve));
    const s = scheduler();
    const first = s.runOnce({ name: 'reminders', run: () => (reminderRuns++, reminderWork()) });
    const second = s.runOnce({ name: 'reminders', run: () => (reminderRuns++, reminderWork()) });
    expect(reminderRuns).toBe(1);

    let shutDown = false;
    const shutdown = s.beforeApplicationShutdown().then(() => (shutDown = true));
    await settle();
    expect(shutDown).toBe(false);
    finish();
    await Promise.all([first, second, shutdown]);
    expect(shutDown).toBe(true);
    // Once it has finished, the next run goes ahead.
    await s.runOnce({ name: 'reminders', run: async () => reminderRuns++ });
    expect(reminderRuns).toBe(2);
  });
});
