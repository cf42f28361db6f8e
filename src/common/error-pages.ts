import type { Response } from 'express';
import type { DatabaseFaultKind } from '../database/database-errors';

const STATUS_TEXT: Record<number, { title: string; message: string }> = {
  400: { title: '不正なリクエスト', message: '送信された内容を処理できませんでした。画面を開き直してからもう一度お試しください。' },
  403: { title: '権限がありません', message: 'この操作を行う権限がありません。' },
  404: { title: 'ページが見つかりません', message: 'お探しのページは見つかりませんでした。URLをご確認ください。' },
  405: { title: '許可されていない操作', message: 'この操作はこのページでは行えません。' },
  409: { title: '操作できませんでした', message: 'ほかの操作と重なったため、処理できませんでした。' },
  413: { title: 'データが大きすぎます', message: '送信されたデータが大きすぎます。内容やファイルの大きさを見直してください。' },
  415: { title: '形式が正しくありません', message: '送信された形式は受け付けられません。' },
  429: { title: 'しばらくお待ちください', message: '短時間に多くの操作が行われました。しばらくしてからもう一度お試しください。' },
  500: { title: 'システムエラー', message: '申し訳ありません。システムで問題が発生しました。時間をおいてもう一度お試しください。' },
  503: { title: 'ただいま混み合っています', message: 'ただいま処理が混み合っています。少し時間をおいてからもう一度お試しください。' },
};

/**
 * When the database cannot do what was asked (see database/database-errors.ts), all shown as 503: the
 * service, not the request, is the problem. Busy is worth a retry in a moment; the others need someone
 * to fix the server, so they say so and show the request id. Every one of them means the transaction
 * was rolled back, so the page says the operation was not saved rather than leaving people to wonder.
 */
export const DATABASE_FAULT_TEXT: Record<DatabaseFaultKind, { title: string; message: string }> = {
  busy: {
    title: STATUS_TEXT[503].title,
    message: `この操作は完了していません。${STATUS_TEXT[503].message}`,
  },
  read_only: {
    title: 'データを保存できません',
    message: '現在、データベースに書き込めないため、この操作は保存されませんでした。システム管理者にお問い合わせください。',
  },
  full: {
    title: 'データを保存できません',
    message: 'データベースの保存領域が不足しているため、この操作は保存されませんでした。システム管理者にお問い合わせください。',
  },
  io_error: {
    title: 'データを保存できません',
    message:
      'データベースへの書き込みに失敗したため、この操作は保存されませんでした。時間をおいてもう一度お試しください。続く場合はシステム管理者にお問い合わせください。',
  },
};

/** The status an error page is shown with: a known one, else 400 for client errors and 500 for the rest. */
export const pageStatus = (status: number): number => (STATUS_TEXT[status] ? status : status >= 500 ? 500 : 400);

/** A Japanese error page. Nothing internal is shown; a 500 shows the request id found in the log. */
export function renderErrorPage(
  res: Response,
  status: number,
  extra: { title?: string; message?: string; requestId?: string; link?: { href: string; label: string } } = {},
): void {
  const shown = pageStatus(status);
  const text = STATUS_TEXT[shown];
  res.status(shown).render('errors/error', {
    title: extra.title ?? text.title,
    status: shown,
    message: extra.message ?? text.message,
    requestId: extra.requestId,
    link: extra.link,
  });
}
