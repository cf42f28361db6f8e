import { Writable } from 'node:stream';
import { AppLogger } from '../../src/common/app-logger';

/** A stream that keeps what is written, one entry per write call. */
function collector(): { stream: Writable; writes: string[]; lines: () => Record<string, unknown>[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      writes.push(chunk.toString());
      callback();
    },
  });
  return {
    stream,
    writes,
    lines: () =>
      writes
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

describe('AppLogger', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('writes one JSON object per event on its own line, with time, level and event first', () => {
    jest.useFakeTimers({ now: new Date('2024-04-01T00:05:00.000Z') });
    const out = collector();
    const logger = new AppLogger('info', out.stream);
    logger.event('info', 'login', { userId: 7, login: 'yamada', ip: '10.0.0.1' });
    logger.event('warn', 'login_failed', { reason: 'wrong_password' });

    expect(out.writes).toHaveLength(2);
    for (const w of out.writes) {
      expect(w.endsWith('\n')).toBe(true);
      expect(w.slice(0, -1)).not.toContain('\n');
    }
    expect(out.writes[0]).toBe('{"time":"2024-04-01T00:05:00.000Z","level":"info","event":"login","userId":7,"login":"yamada","ip":"10.0.0.1"}\n');
    expect(out.lines()[1]).toEqual({ time: '2024-04-01T00:05:00.000Z', level: 'warn', event: 'login_failed', reason: 'wrong_password' });
  });

  it('keeps a message with newlines on one line', () => {
    const out = collector();
    new AppLogger('info', out.stream).event('error', 'boom', { error: 'Error: x\n    at y\n    at z' });
    expect(out.writes).toHaveLength(1);
    expect(out.writes[0].split('\n')).toHaveLength(2);
    expect(out.lines()[0].error).toBe('Error: x\n    at y\n    at z');
  });

  it('leaves out fields whose value is undefined, and keeps null, false, 0 and arrays', () => {
    const out = collector();
    new AppLogger('info', out.stream).event('info', 'x', { a: undefined, b: null, c: false, d: 0, e: ['一', '二'] });
    const line = out.lines()[0];
    expect(line).not.toHaveProperty('a');
    expect(line).toMatchObject({ b: null, c: false, d: 0, e: ['一', '二'] });
  });

  it('keeps Japanese text readable', () => {
    const out = collector();
    new AppLogger('info', out.stream).event('info', 'x', { name: '山田 太郎' });
    expect(out.writes[0]).toContain('山田 太郎');
  });

  it('does not let a field overwrite the event name or level', () => {
    const out = collector();
    new AppLogger('info', out.stream).event('info', 'login', { note: 'ok' });
    expect(out.lines()[0]).toMatchObject({ level: 'info', event: 'login' });
  });

  describe('level', () => {
    const all = (logger: AppLogger) => {
      logger.event('debug', 'd');
      logger.event('info', 'i');
      logger.event('warn', 'w');
      logger.event('error', 'e');
    };

    it.each([
      ['debug', ['d', 'i', 'w', 'e']],
      ['info', ['i', 'w', 'e']],
      ['warn', ['w', 'e']],
      ['error', ['e']],
      ['silent', []],
    ] as const)('at %s writes %j', (level, expected) => {
      const out = collector();
      all(new AppLogger(level, out.stream));
      expect(out.lines().map((l) => l.event)).toEqual(expected);
    });

    it('is info by default', () => {
      const out = collector();
      all(new AppLogger(undefined, out.stream));
      expect(out.lines().map((l) => l.event)).toEqual(['i', 'w', 'e']);
    });
  });

  describe('redaction', () => {
    it.each([
      'password',
      'newPassword',
      'PASSWORD',
      'pass',
      'passwordHash',
      'secret',
      'sessionSecret',
      'clientSecret',
      'token',
      'csrfToken',
      'accessToken',
      'session',
      'sessionId',
      'cookie',
      'Cookie',
      'set-cookie',
      'sid',
      'connect.sid',
    ])('hides the value of %j', (key) => {
      const out = collector();
      new AppLogger('info', out.stream).event('info', 'x', { [key]: 'hunter2-very-secret', userId: 3 });
      expect(out.writes[0]).not.toContain('hunter2-very-secret');
      expect(out.lines()[0]).toMatchObject({ [key]: '[redacted]', userId: 3 });
    });

    it('hides non-string values of secret keys too', () => {
      const out = collector();
      new AppLogger('info', out.stream).event('info', 'x', { token: { value: 'abc123' }, password: 12345 });
      expect(out.writes[0]).not.toContain('abc123');
      expect(out.writes[0]).not.toContain('12345');
      expect(out.lines()[0]).toMatchObject({ token: '[redacted]', password: '[redacted]' });
    });

    it.each(['login', 'userId', 'ip', 'path', 'reason', 'requestId', 'status', 'roles'])('keeps the value of %j', (key) => {
      const out = collector();
      new AppLogger('info', out.stream).event('info', 'x', { [key]: 'visible-value' });
      expect(out.lines()[0][key]).toBe('visible-value');
    });

    it('redacts the same way on every call (no regular-expression state kept between calls)', () => {
      const out = collector();
      const logger = new AppLogger('info', out.stream);
      for (let i = 0; i < 5; i++) logger.event('info', 'x', { password: 'p' + i });
      expect(out.lines().map((l) => l.password)).toEqual(Array(5).fill('[redacted]'));
    });
  });

  describe('as Nest logger', () => {
    it('writes log and debug at debug level, so they are hidden at info', () => {
      const out = collector();
      const logger = new AppLogger('info', out.stream);
      logger.log('Nest application successfully started', 'NestApplication');
      logger.debug('mapped route', 'RouterExplorer');
      logger.verbose('verbose', 'X');
      expect(out.writes).toEqual([]);
    });

    it('writes log, debug and verbose at debug level', () => {
      const out = collector();
      const logger = new AppLogger('debug', out.stream);
      logger.log('started', 'NestApplication');
      logger.debug('dbg', 'Ctx');
      logger.verbose('vrb', 'Ctx');
      expect(out.lines()).toEqual([
        expect.objectContaining({ level: 'debug', event: 'nest', context: 'NestApplication', message: 'started' }),
        expect.objectContaining({ level: 'debug', event: 'nest', context: 'Ctx', message: 'dbg' }),
        expect.objectContaining({ level: 'debug', event: 'nest', context: 'Ctx', message: 'vrb' }),
      ]);
    });

    it('keeps warnings and errors at their own level, with the stack', () => {
      const out = collector();
      const logger = new AppLogger('warn', out.stream);
      logger.warn('careful', 'Ctx');
      logger.error('failed', 'Error: failed\n    at x', 'Ctx');
      expect(out.lines()).toEqual([
        expect.objectContaining({ level: 'warn', event: 'nest', context: 'Ctx', message: 'careful' }),
        expect.objectContaining({ level: 'error', event: 'nest', context: 'Ctx', message: 'failed', stack: 'Error: failed\n    at x' }),
      ]);
    });

    it('turns a non-string message into a string and leaves out a missing context', () => {
      const out = collector();
      new AppLogger('warn', out.stream).warn(new Error('bad'));
      const line = out.lines()[0];
      expect(line.message).toBe('Error: bad');
      expect(line).not.toHaveProperty('context');
    });
  });
});
