import type { Role } from '../users/roles';

export interface NavItem {
  href: string;
  label: string;
}

/** Menu entries by role; a user with several roles sees the union, each entry once, in this order. */
const ENTRIES: { href: string; label: string; roles: Role[] | 'all' }[] = [
  { href: '/', label: 'ダッシュボード', roles: 'all' },
  { href: '/admin/users', label: 'ユーザー', roles: ['admin'] },
  { href: '/admin/divisions', label: '組織', roles: ['admin'] },
  { href: '/admin/categories', label: '提案分野', roles: ['admin'] },
];

export function navigationFor(roles: readonly Role[]): NavItem[] {
  return ENTRIES.filter((e) => e.roles === 'all' || e.roles.some((r) => roles.includes(r))).map(({ href, label }) => ({
    href,
    label,
  }));
}
