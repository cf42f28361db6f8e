import { LoggerService } from '@nestjs/common';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Fields that must never reach a log line, whatever a caller passes in. */
const SECRET_KEYS = /pass(word)?|secret|token|cookie|sid|session/i;

/**
 * One JSON object per line on stdout: easy to grep, easy to ship to whatever the IT section uses.
 * Also serves as Nest's own logger so framework messages share the format.
 */
export class AppLogger implements LoggerService {
  constructor(
    private readonly level: Level | 'silent' = 'info',
    /** The command line logs to stderr so its stdout carries only the command's output. */
    private readonly stream: NodeJS.WritableStream = process.stdout,
  ) {}

  event(level: Level, event: string, fields: Record<string, unknown> = {}): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, event };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      line[key] = SECRET_KEYS.test(key) ? '[redacted]' : value;
    }
    this.stream.write(JSON.stringify(line) + '\n');
  }

  /** Nest's own start-up chatter is debug level; its warnings and errors keep theirs. */
  log(message: unknown, context?: string): void {
    this.event('debug', 'nest', { context, message: String(message) });
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.event('error', 'nest', { context, message: String(message), stack: trace });
  }
  warn(message: unknown, context?: string): void {
    this.event('warn', 'nest', { context, message: String(message) });
  }
  debug(message: unknown, context?: string): void {
    this.event('debug', 'nest', { context, message: String(message) });
  }
  verbose(message: unknown, context?: string): void {
    this.debug(message, context);
  }
}
