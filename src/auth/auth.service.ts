import { Inject, Injectable } from '@nestjs/common';
import { AppLogger } from '../common/app-logger';
import { KeyedCap } from '../common/semaphore';
import { TooManyAttemptsError } from '../common/errors';
import { FormValidationException } from '../common/forms';
import { APP_CONFIG, AppConfig } from '../config/config';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { cookieWithNewToken, deriveKey, trustedDeviceFor } from './device-cookie';
import { LoginThrottleService } from './login-throttle.service';
import { Attempt } from './login-throttle-rules';
import { dummyPasswordHash, HashClient, normalizeLogin, passwordProblem, verifyPassword } from './password';

/** One message for every failed login, so it never tells whether the login exists. */
export const LOGIN_FAILED_MESSAGE = 'ログインIDまたはパスワードが正しくありません。';

/** The password-change form's current-password check is throttled like a login; its refusal says so. */
export class PasswordCheckThrottledError extends TooManyAttemptsError {
  constructor(retryAt: Date) {
    super(retryAt);
    this.message = '現在のパスワードの確認に続けて失敗したため、しばらく変更できません。';
  }
}

/** Who is trying: the address the request came from and the browser's device cookie, if any. */
export interface ClientInfo {
  address: string;
  deviceCookie: string | undefined;
}

/**
 * Password checks one client may have in flight at once (in this process). A person has one; more are
 * refused at once with the 429 page rather than queued, so that a flood from one client waits in no
 * queue (database, password hash) in front of other people's logins. Counted per hash client (a known
 * browser, else an address; a signed-in user for the password form).
 */
export const PASSWORD_CHECKS_IN_FLIGHT = 4;
/** How soon a client refused for having too many checks in flight may try again. */
const IN_FLIGHT_RETRY_MS = 5_000;

@Injectable()
export class AuthService {
  private readonly deviceKey: Buffer;
  private readonly inFlight = new KeyedCap(PASSWORD_CHECKS_IN_FLIGHT);

  constructor(
    private readonly users: UsersService,
    private readonly throttle: LoginThrottleService,
    private readonly logger: AppLogger,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.deviceKey = deriveKey(config.sessionSecret, 'device-token');
  }

  /** The user, and the device cookie the browser is to keep (with a new token for this login). */
  async authenticate(login: string, password: string, client: ClientInfo): Promise<{ user: User; deviceCookie: string }> {
    const loginKey = normalizeLogin(login).slice(0, 128);
    const attempt = this.attemptOf(client, loginKey);
    const { reservation, found, matches } = await this.withinInFlightCap(
      hashClientOf(attempt),
      (at) => new TooManyAttemptsError(at),
      async () => {
        const reservation = await this.throttle.reserve(attempt);
        const found = await this.users.findByLoginWithHash(loginKey);
        // Verify against a dummy hash for unknown logins so the response time does not tell them apart.
        const matches = await verifyPassword(found?.passwordHash ?? (await dummyPasswordHash()), password, hashClientOf(attempt));
        return { reservation, found, matches };
      },
    );
    if (!found || !matches || found.disabled) {
      // the reservation stays: it is the failure's record
      const reason = !found ? 'unknown_login' : !matches ? 'wrong_password' : 'disabled';
      this.logger.event('warn', 'login_failed', { login: loginKey, ip: client.address, reason, knownBrowser: Boolean(attempt.deviceKey) });
      throw FormValidationException.field('_form', LOGIN_FAILED_MESSAGE);
    }
    await this.throttle.succeeded(reservation);
    await this.users.recordLogin(found.id);
    this.logger.event('info', 'login', { userId: found.id, login: found.login, ip: client.address });
    return { user: found, deviceCookie: cookieWithNewToken(this.deviceKey, client.deviceCookie, loginKey, Date.now()) };
  }

  async changePassword(
    user: User,
    input: { currentPassword: string; newPassword: string; newPasswordConfirm: string },
    currentSid: string,
    client: ClientInfo,
  ): Promise<Date> {
    // What needs no hash is checked first, so that only a guess at the current password costs one.
    const problem = passwordProblem(input.newPassword, user.login);
    if (problem) throw FormValidationException.field('newPassword', problem);
    if (input.newPassword !== input.newPasswordConfirm) {
      throw FormValidationException.field('newPasswordConfirm', '確認用のパスワードが一致しません。');
    }
    if (input.newPassword === input.currentPassword) {
      throw FormValidationException.field('newPassword', '現在と異なるパスワードにしてください。');
    }
    // The current password is a login by another door (a session left open on a desk, a stolen cookie):
    // the same throttle, counted for this user's login.
    const attempt = this.attemptOf(client, user.login);
    const refusal = (at: Date) => new PasswordCheckThrottledError(at);
    const hashClient = `user:${user.id}`;
    const { reservation, matches } = await this.withinInFlightCap(hashClient, refusal, async () => {
      const reservation = await this.throttle.reserve(attempt, Date.now(), refusal);
      const withHash = await this.users.findByLoginWithHash(user.login);
      return { reservation, matches: Boolean(withHash) && (await verifyPassword(withHash!.passwordHash, input.currentPassword, hashClient)) };
    });
    if (!matches) {
      this.logger.event('warn', 'password_check_failed', { userId: user.id, login: user.login, ip: client.address });
      throw FormValidationException.field('currentPassword', '現在のパスワードが正しくありません。');
    }
    await this.throttle.succeeded(reservation);
    const revokedAt = await this.users.changePassword(user, input.newPassword, currentSid);
    this.logger.event('info', 'password_changed', { userId: user.id, login: user.login });
    return revokedAt;
  }

  /** Runs a password check unless this client already has PASSWORD_CHECKS_IN_FLIGHT of them running. */
  private async withinInFlightCap<T>(client: HashClient, refusal: (retryAt: Date) => TooManyAttemptsError, check: () => Promise<T>): Promise<T> {
    const release = this.inFlight.tryAcquire(client);
    if (!release) throw refusal(new Date(Date.now() + IN_FLIGHT_RETRY_MS));
    try {
      return await check();
    } finally {
      release();
    }
  }

  private attemptOf(client: ClientInfo, loginKey: string): Attempt {
    return {
      clientKey: client.address.slice(0, 64),
      loginKey,
      deviceKey: trustedDeviceFor(this.deviceKey, client.deviceCookie, loginKey, Date.now()),
    };
  }
}

/** Whose turn a password hash is taken from: a known browser has its own, unknown ones share their address's. */
function hashClientOf(attempt: Attempt): HashClient {
  return attempt.deviceKey ? `device:${attempt.deviceKey}` : `address:${attempt.clientKey}`;
}

/**
 * Only same-site paths: "/x" yes; "//evil.example", "/\\evil" or "https://…" no. Control characters
 * are refused too: browsers drop tabs and line breaks, so "/\t/evil.example" would mean "//evil.example".
 */
export function safeRedirectPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  return next;
}
