import type { Role } from '../users/roles';

/**
 * What a notification is about, for two purposes: "please act" notifications (tasks) carry a task key
 * that says which act resolves them, and every notification belongs to one event type, for which each
 * user chooses how e-mail reaches them. Pure rules, no I/O.
 */

/**
 * Task keys. A task notification is resolved, for every recipient at once, when the act named by its
 * key is done on its proposal, by whoever does it:
 *   screen                受理・回付 / 不受理 / 差戻し by any office user, or the proposer's 取下げ
 *   opinion:<divisionId>  that division's opinion (any of its reviewers), or the routing's end
 *   decide                採否 (継続検討 included), a 回付 back to review, or 取下げ
 *   implement:<divisionId> implementation reaching 実施済 or 断念 (or a correction that ends the track)
 *   resubmit              the proposer's 再提出 or 取下げ after a 差戻し
 *   coproposal:<userId>   that colleague's answer to an invitation to co-propose (参加 / 辞退), their
 *                         removal from the form, or 取下げ. Not an event type of its own: it is mailed as
 *                         news of one's proposals ('status'), which every staff member receives
 * A key ending in ":*" (or "*" alone) names every key with that prefix, for acts that end several
 * tasks at once (the decision ends every division's opinion task).
 */
export const TaskKeys = {
  screen: 'screen',
  opinion: (divisionId: number) => `opinion:${divisionId}`,
  anyOpinion: 'opinion:*',
  decide: 'decide',
  implement: (divisionId: number) => `implement:${divisionId}`,
  anyImplement: 'implement:*',
  resubmit: 'resubmit',
  coproposal: (userId: number) => `coproposal:${userId}`,
  any: '*',
} as const;

/** How a user wants e-mail for one event type. In-app notifications are always kept. */
export const MAIL_DELIVERIES = ['immediate', 'digest', 'none'] as const;
export type MailDelivery = (typeof MAIL_DELIVERIES)[number];
export const MAIL_DELIVERY_LABELS: Record<MailDelivery, string> = {
  immediate: 'すぐにメール',
  digest: '1日1回まとめてメール',
  none: 'メールしない',
};

export const NOTIFICATION_EVENTS = ['screen', 'opinion', 'reminder', 'decide', 'implement', 'resubmit', 'status', 'news'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface EventDefinition {
  label: string;
  hint: string;
  /** A "please act" event: listed under 対応が必要 until resolved. */
  task: boolean;
  /** The roles that receive it; the preferences page shows a user the events of their roles. */
  roles: readonly Role[];
  /**
   * Tasks are mailed at once by default: someone is waiting for the act. The proposer's own news too:
   * it comes a handful of times per proposal and is what they wait for. Other news (取下げ, 既実施 notices)
   * comes in a daily digest, so the office is not mailed for every event of every proposal.
   */
  defaultDelivery: MailDelivery;
}

export const EVENT_DEFINITIONS: Record<NotificationEvent, EventDefinition> = {
  screen: {
    label: '提案が提出されたとき',
    hint: '受理・回付のお願い。だれかが受理・不受理・差戻しをするか、提案者が取り下げると対応済みになります。',
    task: true,
    roles: ['office'],
    defaultDelivery: 'immediate',
  },
  opinion: {
    label: '提案が所属課に回付されたとき',
    hint: '意見の入力のお願い。課のだれかが意見を入力すると、課の審査担当全員の分が対応済みになります。',
    task: true,
    roles: ['reviewer'],
    defaultDelivery: 'immediate',
  },
  reminder: {
    label: '回答期限が近づいたとき・過ぎたとき',
    hint: '意見が入力されると対応済みになります。',
    task: true,
    roles: ['reviewer', 'office'],
    defaultDelivery: 'immediate',
  },
  decide: {
    label: '所管課の意見がそろったとき',
    hint: '採否の決定のお願い。だれかが採否を決定すると対応済みになります。',
    task: true,
    roles: ['office'],
    defaultDelivery: 'immediate',
  },
  implement: {
    label: '実施状況の報告が始まるとき',
    hint: '主管課として採用・一部採用となった提案の実施状況の報告のお願い。実施済または断念を報告すると対応済みになります。',
    task: true,
    roles: ['reviewer'],
    defaultDelivery: 'immediate',
  },
  resubmit: {
    label: '自分の提案が差し戻されたとき',
    hint: '修正・再提出のお願い。再提出するか取り下げると対応済みになります。',
    task: true,
    roles: ['staff'],
    defaultDelivery: 'immediate',
  },
  status: {
    label: '自分の提案の状況が変わったとき',
    hint: '受理、採否の決定、実施状況の変化など。',
    task: false,
    roles: ['staff'],
    defaultDelivery: 'immediate',
  },
  news: {
    label: 'そのほかのお知らせ',
    hint: '提案の取下げ、既実施の決定など、対応のいらないお知らせ。',
    task: false,
    roles: ['reviewer', 'office'],
    defaultDelivery: 'digest',
  },
};

export const isNotificationEvent = (value: unknown): value is NotificationEvent =>
  typeof value === 'string' && (NOTIFICATION_EVENTS as readonly string[]).includes(value);

export const isMailDelivery = (value: unknown): value is MailDelivery => typeof value === 'string' && (MAIL_DELIVERIES as readonly string[]).includes(value);

/** The event type of a notification, from its kind and task key (kinds predate the task keys). */
export function eventOf(kind: string, taskKey: string | null | undefined): NotificationEvent {
  if (kind === 'due_soon' || kind === 'overdue') return 'reminder';
  if (taskKey) {
    const base = taskKey.split(':')[0];
    if (isNotificationEvent(base) && EVENT_DEFINITIONS[base].task) return base;
  }
  return kind === 'status' ? 'status' : 'news';
}

/** The events a person with these roles can receive, in the order of NOTIFICATION_EVENTS. */
export const eventsFor = (roles: readonly Role[]): NotificationEvent[] =>
  NOTIFICATION_EVENTS.filter((event) => EVENT_DEFINITIONS[event].roles.some((role) => roles.includes(role)));

/** A stored choice where there is one, else the event's default. */
export function deliveryFor(event: NotificationEvent, stored: Partial<Record<NotificationEvent, MailDelivery>>): MailDelivery {
  return stored[event] ?? EVENT_DEFINITIONS[event].defaultDelivery;
}

/**
 * The SQL LIKE pattern or exact value for a task key: "opinion:*" → prefix "opinion:", "*" → any.
 * Keys are built from TaskKeys only (letters, digits, colons), so no LIKE escape is needed.
 */
export function taskKeyMatch(taskKey: string): { exact: string } | { prefix: string } {
  if (!/^[a-z]+(:[0-9]+|:\*)?$|^\*$/.test(taskKey)) throw new Error(`not a task key: ${taskKey}`);
  return taskKey.endsWith('*') ? { prefix: taskKey.slice(0, -1) } : { exact: taskKey };
}
