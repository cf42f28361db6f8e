import { COUNTED_KAIZEN_STATUSES, countedKaizenSql, isCountedKaizenStatus } from '../../src/kaizen/kaizen-counting';
import { KAIZEN_STATUSES, KaizenStatus } from '../../src/kaizen/kaizen.entities';
import {
  canNominate,
  canViewKaizen,
  effectGiven,
  formatKaizenNumber,
  isHeadOf,
  KAIZEN_TRANSITIONS,
  KaizenAction,
  kaizenAbilities,
  KaizenFacts,
  kaizenSequence,
  KaizenViewer,
  nextKaizenStatus,
} from '../../src/kaizen/kaizen-rules';
import type { Role } from '../../src/users/roles';

const viewer = (id: number, roles: Role[], divisionId: number | null = 10): KaizenViewer => ({ id, roles, divisionId });
const report = (status: KaizenStatus, over: Partial<KaizenFacts> = {}): KaizenFacts => ({
  status,
  reporterId: 1,
  memberIds: [2],
  reporterDivisionId: 10,
  ...over,
});

describe('カイゼン report transitions', () => {
  /** The whole table written out by hand: action → from → to (null: refused). */
  const expected: Record<KaizenAction, Record<KaizenStatus, KaizenStatus | null>> = {
    submit: { draft: 'submitted', submitted: null, returned: 'submitted', confirmed: null, published: null },
    confirm: { draft: null, submitted: 'confirmed', returned: null, confirmed: null, published: null },
    return: { draft: null, submitted: 'returned', returned: null, confirmed: null, published: null },
    publish: { draft: null, submitted: null, returned: null, confirmed: 'published', published: null },
  };
  for (const action of Object.keys(KAIZEN_TRANSITIONS) as KaizenAction[]) {
    it.each(KAIZEN_STATUSES.map((from) => [from, expected[action][from]]))(`${action} from %s → %s`, (from, to) => {
      expect(nextKaizenStatus(action, from)).toBe(to);
    });
  }

  it('has no step out of 公開 and nothing leads back to 下書き', () => {
    for (const rule of Object.values(KAIZEN_TRANSITIONS)) {
      expect(rule.from).not.toContain('published');
      expect(rule.to).not.toBe('draft');
    }
  });

  it('nominates once, a report the 所属長 has confirmed', () => {
    expect(KAIZEN_STATUSES.filter((s) => canNominate(s, false))).toEqual(['confirmed', 'published']);
    expect(KAIZEN_STATUSES.filter((s) => canNominate(s, true))).toEqual([]);
  });
});

describe('who sees a カイゼン report', () => {
  const reporter = viewer(1, ['staff']);
  const member = viewer(2, ['staff'], 99);
  const head = viewer(3, ['staff', 'head']);
  const headElsewhere = viewer(4, ['staff', 'head'], 11);
  const colleague = viewer(5, ['staff']);
  const office = viewer(6, ['staff', 'office'], 50);
  const admin = viewer(7, ['admin'], null);

  const seers = (status: KaizenStatus) =>
    Object.entries({ reporter, member, head, headElsewhere, colleague, office, admin })
      .filter(([, v]) => canViewKaizen(v, report(status)))
      .map(([name]) => name);

  it('a draft: the reporter and the members', () => expect(seers('draft')).toEqual(['reporter', 'member']));
  it.each(['submitted', 'returned', 'confirmed'] as const)('%s: also the 所属長 of the division, the office and the administrators', (status) => {
    expect(seers(status)).toEqual(['reporter', 'member', 'head', 'office', 'admin']);
  });
  it('published: everyone signed in', () =>
    expect(seers('published')).toEqual(['reporter', 'member', 'head', 'headElsewhere', 'colleague', 'office', 'admin']));

  it('a 所属長 is of the recorded division and not on the report', () => {
    expect(isHeadOf(head, report('submitted'))).toBe(true);
    expect(isHeadOf(head, report('submitted', { reporterDivisionId: null }))).toBe(false);
    expect(isHeadOf(headElsewhere, report('submitted'))).toBe(false);
    expect(isHeadOf(head, report('submitted', { reporterId: 3 }))).toBe(false);
    expect(isHeadOf(head, report('submitted', { memberIds: [3] }))).toBe(false);
    expect(isHeadOf(colleague, report('submitted'))).toBe(false);
  });

  it('offers each viewer only their own steps', () => {
    const on = (v: KaizenViewer, status: KaizenStatus, nominated = false) => {
      const can = kaizenAbilities(v, { ...report(status), nominated });
      return Object.entries(can)
        .filter(([, yes]) => yes)
        .map(([step]) => step);
    };
    expect(on(reporter, 'draft')).toEqual(['edit']);
    expect(on(member, 'draft')).toEqual([]);
    expect(on(reporter, 'returned')).toEqual(['edit']);
    expect(on(head, 'submitted')).toEqual(['confirm', 'return']);
    expect(on(headElsewhere, 'submitted')).toEqual([]);
    expect(on(office, 'submitted')).toEqual([]);
    expect(on(office, 'confirmed')).toEqual(['publish', 'nominate']);
    expect(on(office, 'published')).toEqual(['nominate']);
    expect(on(office, 'published', true)).toEqual([]);
    expect(on(admin, 'confirmed')).toEqual([]);
  });
});

describe('the effect of a カイゼン report', () => {
  it.each([
    [{ hours: 10, yen: null, text: '' }, true],
    [{ hours: null, yen: 5000, text: '' }, true],
    [{ hours: null, yen: null, text: '苦情が減った' }, true],
    [{ hours: 0, yen: 0, text: '  ' }, false],
    [{ hours: null, yen: null, text: null }, false],
  ])('%j → %s', (effect, given) => expect(effectGiven(effect)).toBe(given));
});

describe('カイゼン report numbers', () => {
  it('K, the fiscal year, four digits (more when needed)', () => {
    expect(formatKaizenNumber(2026, 1)).toBe('K2026-0001');
    expect(formatKaizenNumber(2026, 123)).toBe('K2026-0123');
    expect(formatKaizenNumber(2026, 12345)).toBe('K2026-12345');
  });
  it('reads the sequence back', () => {
    expect(kaizenSequence('K2026-0042')).toBe(42);
    expect(kaizenSequence('K2026-12345')).toBe(12345);
    expect(kaizenSequence(formatKaizenNumber(2030, 9999))).toBe(9999);
    expect(kaizenSequence('2026-0001')).toBeNull();
    expect(kaizenSequence(null)).toBeNull();
  });
});

describe('the counting rule of 実績報告件数', () => {
  it('counts confirmed and published reports, in code and in SQL alike', () => {
    expect([...COUNTED_KAIZEN_STATUSES]).toEqual(['confirmed', 'published']);
    expect(KAIZEN_STATUSES.filter(isCountedKaizenStatus)).toEqual(['confirmed', 'published']);
    expect(countedKaizenSql('k')).toBe("k.status IN ('confirmed', 'published')");
  });
});
