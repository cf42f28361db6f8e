import { isRole, parseRoles, Role, ROLE_LABELS, ROLES, serializeRoles } from '../../src/users/roles';

describe('roles', () => {
  it('has the six roles in a fixed order, each with a Japanese label', () => {
    expect(ROLES).toEqual(['staff', 'reviewer', 'office', 'admin', 'judge', 'head']);
    expect(ROLE_LABELS).toEqual({ staff: '職員', reviewer: '審査担当', office: '改革推進課', admin: '管理者', judge: '審査員', head: '所属長' });
  });

  describe('isRole', () => {
    it.each(ROLES)('accepts %s', (role) => {
      expect(isRole(role)).toBe(true);
    });

    it.each(['Admin', 'root', '', ' staff', 'staff,reviewer', null, undefined, 1, ['staff'], 'toString', 'constructor'])('refuses %j', (value) => {
      expect(isRole(value)).toBe(false);
    });
  });

  describe('serializeRoles', () => {
    it('writes roles in ROLES order whatever order they come in', () => {
      expect(serializeRoles(['admin', 'staff'])).toBe('staff,admin');
      expect(serializeRoles(['office', 'reviewer', 'admin', 'staff'])).toBe('staff,reviewer,office,admin');
    });

    it('writes each role once', () => {
      expect(serializeRoles(['reviewer', 'reviewer', 'staff'])).toBe('staff,reviewer');
    });

    it('writes an empty string for no roles', () => {
      expect(serializeRoles([])).toBe('');
    });

    it('drops values that are not roles', () => {
      expect(serializeRoles(['staff', 'root' as Role])).toBe('staff');
    });
  });

  describe('parseRoles', () => {
    it('reads the stored column', () => {
      expect(parseRoles('staff,reviewer')).toEqual(['staff', 'reviewer']);
    });

    it.each([null, undefined, ''])('reads %j as no roles', (value) => {
      expect(parseRoles(value)).toEqual([]);
    });

    it('drops unknown values', () => {
      expect(parseRoles('staff,root,admin,,Admin')).toEqual(['staff', 'admin']);
    });
  });

  describe('round trip', () => {
    it.each<{ roles: Role[] }>([
      { roles: [] },
      { roles: ['staff'] },
      { roles: ['admin'] },
      { roles: ['staff', 'reviewer'] },
      { roles: ['reviewer', 'office'] },
      { roles: ['staff', 'reviewer', 'office', 'admin'] },
    ])('parseRoles(serializeRoles($roles)) gives the same roles', ({ roles }) => {
      expect(parseRoles(serializeRoles(roles))).toEqual(roles);
    });

    it('normalizes the order on the way through', () => {
      expect(parseRoles(serializeRoles(['admin', 'office', 'staff']))).toEqual(['staff', 'office', 'admin']);
    });

    it('is stable for every combination of roles', () => {
      for (let mask = 0; mask < 16; mask++) {
        const roles = ROLES.filter((_, i) => mask & (1 << i));
        const text = serializeRoles([...roles].reverse());
        expect(parseRoles(text)).toEqual(roles);
        expect(serializeRoles(parseRoles(text))).toBe(text);
      }
    });
  });
});
