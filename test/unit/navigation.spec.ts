import { navigationFor } from '../../src/common/navigation';
import { Role, ROLES } from '../../src/users/roles';

const DASHBOARD = { href: '/', label: 'ダッシュボード' };
const ADMIN_ITEMS = [
  { href: '/admin/users', label: 'ユーザー' },
  { href: '/admin/divisions', label: '組織' },
  { href: '/admin/categories', label: '提案分野' },
];

/** Every non-empty combination of roles, in every order. */
function combinations(): Role[][] {
  const result: Role[][] = [];
  for (let mask = 1; mask < 1 << ROLES.length; mask++) {
    const set = ROLES.filter((_, i) => mask & (1 << i));
    result.push(set, [...set].reverse());
  }
  return result;
}

describe('navigationFor', () => {
  it('gives a user without roles only the dashboard', () => {
    expect(navigationFor([])).toEqual([DASHBOARD]);
  });

  it.each<Role>(['staff', 'reviewer', 'office'])('gives %s only the dashboard (for now)', (role) => {
    expect(navigationFor([role])).toEqual([DASHBOARD]);
  });

  it('gives admin the dashboard and the administration pages, in menu order', () => {
    expect(navigationFor(['admin'])).toEqual([DASHBOARD, ...ADMIN_ITEMS]);
  });

  it('gives a person with several roles the union, each entry once, in menu order', () => {
    expect(navigationFor(['staff', 'reviewer', 'office', 'admin'])).toEqual([DASHBOARD, ...ADMIN_ITEMS]);
    expect(navigationFor(['admin', 'staff'])).toEqual([DASHBOARD, ...ADMIN_ITEMS]);
    expect(navigationFor(['reviewer', 'office'])).toEqual([DASHBOARD]);
  });

  it('does not repeat entries when a role is listed twice', () => {
    expect(navigationFor(['admin', 'admin'])).toEqual([DASHBOARD, ...ADMIN_ITEMS]);
  });

  it.each(combinations().map((roles) => [roles.join(',') || '(none)', roles] as const))(
    'for %s: starts with the dashboard, no duplicates, admin pages exactly when admin',
    (_, roles) => {
      const items = navigationFor(roles);
      expect(items[0]).toEqual(DASHBOARD);
      expect(new Set(items.map((i) => i.href)).size).toBe(items.length);
      expect(items.slice(1)).toEqual(roles.includes('admin') ? ADMIN_ITEMS : []);
    },
  );

  it('the result does not depend on the order of the roles', () => {
    for (const roles of combinations()) {
      expect(navigationFor(roles)).toEqual(navigationFor([...roles].reverse()));
    }
  });

  it('returns fresh objects a caller may change without affecting the next call', () => {
    const first = navigationFor(['admin']);
    first[0].label = 'changed';
    first.push({ href: '/x', label: 'x' });
    expect(navigationFor(['admin'])).toEqual([DASHBOARD, ...ADMIN_ITEMS]);
  });

  it('returns only href and label', () => {
    for (const item of navigationFor(['admin'])) expect(Object.keys(item).sort()).toEqual(['href', 'label']);
  });
});
