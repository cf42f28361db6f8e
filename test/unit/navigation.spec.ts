import { markCurrent, navigationFor } from '../../src/common/navigation';
import { Role, ROLES } from '../../src/users/roles';

const hrefs = (roles: Role[]) => navigationFor(roles).map((item) => item.href);

/** Every non-empty combination of roles, in both orders. */
function combinations(): Role[][] {
  const result: Role[][] = [];
  for (let mask = 1; mask < 1 << ROLES.length; mask++) {
    const set = ROLES.filter((_, i) => mask & (1 << i));
    result.push(set, [...set].reverse());
  }
  return result;
}

describe('navigationFor', () => {
  it('gives everyone signed in the dashboard, the proposal list and the adopted cases', () => {
    expect(hrefs([])).toEqual(['/', '/proposals', '/adopted']);
  });

  it('adds each role its own pages', () => {
    expect(hrefs(['staff'])).toEqual(['/', '/proposals/mine', '/proposals', '/adopted', '/calls', '/kaizen', '/reports/summary']);
    expect(hrefs(['reviewer'])).toEqual(['/', '/review', '/proposals', '/adopted', '/reports/summary']);
    expect(hrefs(['office'])).toEqual(['/', '/office', '/proposals', '/adopted', '/calls', '/kaizen', '/judging', '/reports']);
    expect(hrefs(['head'])).toEqual(['/', '/proposals', '/adopted', '/kaizen']);
    expect(hrefs(['judge'])).toEqual(['/', '/proposals', '/adopted', '/scoring']);
    expect(hrefs(['admin'])).toEqual(['/', '/proposals', '/adopted', '/reports', '/admin/users', '/admin/divisions', '/admin/categories', '/admin/settings']);
  });

  it('gives a person with several roles the union, each entry once, in menu order', () => {
    expect(hrefs(['admin', 'staff', 'office', 'reviewer', 'judge', 'head'])).toEqual([
      '/',
      '/proposals/mine',
      '/review',
      '/office',
      '/proposals',
      '/adopted',
      '/calls',
      '/kaizen',
      '/scoring',
      '/judging',
      '/reports',
      '/reports/summary',
      '/admin/users',
      '/admin/divisions',
      '/admin/categories',
      '/admin/settings',
    ]);
    expect(hrefs(['staff', 'staff'])).toEqual(hrefs(['staff']));
  });

  it.each(combinations().map((c) => [c.join(','), c] as const))('for %s: no duplicates, order independent of role order', (_, roles) => {
    const items = hrefs(roles);
    expect(new Set(items).size).toBe(items.length);
    expect(items[0]).toBe('/');
    expect(items).toEqual(hrefs([...roles].reverse()));
    expect(items.includes('/admin/users')).toBe(roles.includes('admin'));
    expect(items.includes('/office')).toBe(roles.includes('office'));
  });

  it('labels every entry in Japanese', () => {
    for (const item of navigationFor([...ROLES])) expect(item.label).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
  });
});

describe('markCurrent', () => {
  const current = (path: string) =>
    markCurrent(navigationFor(['staff', 'reviewer', 'office', 'admin']), path)
      .filter((item) => item.current)
      .map((item) => item.href);

  it.each([
    ['/', ['/']],
    ['/proposals/mine', ['/proposals/mine']],
    ['/proposals', ['/proposals']],
    ['/proposals/12', ['/proposals']],
    ['/reports/summary', ['/reports/summary']],
    ['/reports/years/2024', ['/reports']],
    ['/account/password', []],
  ])('%s highlights exactly %j', (path, expected) => {
    expect(current(path)).toEqual(expected);
  });
});
