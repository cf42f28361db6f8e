/**
 * Domain errors: plain classes thrown by services and turned into pages by one filter
 * (common/error-page.filter.ts). Messages are Japanese because people read them.
 */
export class DomainError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** A page the error page offers to go to next (e.g. the proposal, to see its current state). */
  link?: { href: string; label: string };
}

/** Unknown, or not visible to this user: both look the same so existence is not revealed. */
export class NotFoundError extends DomainError {
  constructor(message = 'お探しのページは見つかりませんでした。') {
    super(message, 404);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'この操作を行う権限がありません。') {
    super(message, 403);
  }
}

/** Someone else changed the record first, or the action does not fit its current state. */
export class ConflictError extends DomainError {
  constructor(message: string) {
    super(message, 409);
  }
}

export class TooManyAttemptsError extends DomainError {
  constructor(readonly retryAt: Date) {
    super('ログインの試行回数が上限に達しました。', 429);
  }
}

export class CsrfError extends DomainError {
  constructor() {
    super('フォームの有効期限が切れたか、不正な送信です。画面を開き直してからもう一度お試しください。', 403);
  }
}

/** Not signed in (or the sign-in expired): the filter sends the person to the login page. */
export class NotSignedInError extends Error {}

/** Signed in with a temporary password: everything but the password page redirects there. */
export class PasswordChangeRequiredError extends Error {}
