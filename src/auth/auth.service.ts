import { Injectable } from '@nestjs/common';
import { AppLogger } from '../common/app-logger';
import { FormValidationException } from '../common/forms';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LoginThrottleService } from './login-throttle.service';
import { dummyPasswordHash, normalizeLogin, passwordProblem, verifyPassword } from './password';

/** One message for every failed login, so it never tells whether the login exists. */
export const LOGIN_FAILED_MESSAGE = 'ログインIDまたはパスワードが正しくありません。';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly throttle: LoginThrottleService,
    private readonly logger: AppLogger,
  ) {}

  async authenticate(login: string, password: string, clientKey: string): Promise<User> {
    const loginKey = normalizeLogin(login).slice(0, 128);
    await this.throttle.assertAllowed(clientKey, loginKey);

    const found = await this.users.findByLoginWithHash(loginKey);
    // Verify against a dummy hash for unknown logins so the response time does not tell them apart.
    const ok = await verifyPassword(found?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!found || !ok || found.disabled) {
      await this.throttle.recordFailure(clientKey, loginKey);
      const reason = !found ? 'unknown_login' : !ok ? 'wrong_password' : 'disabled';
      this.logger.event('warn', 'login_failed', { login: loginKey, ip: clientKey, reason });
      throw FormValidationException.field('_form', LOGIN_FAILED_MESSAGE);
    }
    await this.throttle.clear(clientKey, loginKey);
    await this.users.recordLogin(found.id);
    this.logger.event('info', 'login', { userId: found.id, login: found.login, ip: clientKey });
    return found;
  }

  async changePassword(
    user: User,
    input: { currentPassword: string; newPassword: string; newPasswordConfirm: string },
    currentSid: string,
  ): Promise<Date> {
    const withHash = await this.users.findByLoginWithHash(user.login);
    if (!withHash || !(await verifyPassword(withHash.passwordHash, input.currentPassword))) {
      throw FormValidationException.field('currentPassword', '現在のパスワードが正しくありません。');
    }
    const problem = passwordProblem(input.newPassword, user.login);
    if (problem) throw FormValidationException.field('newPassword', problem);
    if (input.newPassword !== input.newPasswordConfirm) {
      throw FormValidationException.field('newPasswordConfirm', '確認用のパスワードが一致しません。');
    }
    if (input.newPassword === input.currentPassword) {
      throw FormValidationException.field('newPassword', '現在と異なるパスワードにしてください。');
    }
    const revokedAt = await this.users.changePassword(user, input.newPassword, currentSid);
    this.logger.event('info', 'password_changed', { userId: user.id, login: user.login });
    return revokedAt;
  }
}

/**
 * Only same-site paths: "/x" yes; "//evil.example", "/\\evil" or "https://…" no. Control characters
 * are refused too: browsers drop tabs and line breaks, so "/\t/evil.example" would mean "//evil.example".
 */
export function safeRedirectPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  return next;
}
