import type { Role } from '../users/roles';

export interface NavItem {
  href: string;
  label: string;
}

/** Menu entries by role; a user with several roles sees the union, each entry once, in this order. */
const ENTRIES: { href: string; label: string; roles: Role[] | 'all' }[] = [
  { href: '/', label: 'ダッシュボード', roles: 'all' },
  { href: '/proposals/mine', label: '自分の提案', roles: ['staff'] },
  { href: '/review', label: '所管課の受付箱', roles: ['reviewer'] },
  { href: '/office', label: '事務局の受付箱', roles: ['office'] },
  { href: '/proposals', label: '提案一覧', roles: 'all' },
  { href: '/adopted', label: '採用事例', roles: 'all' },
  { href: '/calls', label: 'テーマ募集', roles: ['staff', 'office'] },
  { href: '/kaizen', label: 'カイゼン報告', roles: ['staff', 'head', 'office'] },
  { href: '/scoring', label: '採点', roles: ['judge'] },
  { href: '/judging', label: '審査・表彰', roles: ['office'] },
  { href: '/reports', label: '集計', roles: ['office', 'admin'] },
  { href: '/reports/summary', label: '実績', roles: ['staff', 'reviewer'] },
  { href: '/admin/users', label: 'ユーザー', roles: ['admin'] },
  { href: '/admin/divisions', label: '組織', roles: ['admin'] },
  { href: '/admin/categories', label: '提案分野', roles: ['admin'] },
  { href: '/admin/settings', label: '設定', roles: ['admin'] },
];

export function navigationFor(roles: readonly Role[]): NavItem[] {
  return ENTRIES.filter((e) => e.roles === 'all' || e.roles.some((r) => roles.includes(r))).map(({ href, label }) => ({
    href,
    label,
  }));
}
const matches = (href: string, path: string): boolean => (href === '/' ? path === '/' : path === href || path.startsWith(href + '/'));

/** One entry is current: the one whose address matches the most of the path (/proposals/mine is 自分の提案, not 提案一覧 too). */
export function markCurrent<T extends { href: string }>(items: T[], path: string): (T & { current: boolean })[] {
  const best = items.filter((item) => matches(item.href, path)).sort((a, b) => b.href.length - a.href.length)[0];
  return items.map((item) => ({ ...item, current: item === best }));
}
