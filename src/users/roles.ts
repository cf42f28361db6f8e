/** Roles a user may hold; one person may hold several. */
export const ROLES = ['staff', 'reviewer', 'office', 'admin', 'judge', 'head'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  staff: '職員',
  reviewer: '審査担当',
  office: '改革推進課',
  admin: '管理者',
  judge: '審査員',
  head: '所属長',
};

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Roles are kept in one column as "staff,reviewer", always in ROLES order. */
export const serializeRoles = (roles: readonly Role[]): string => ROLES.filter((r) => roles.includes(r)).join(',');
export const parseRoles = (value: string | null | undefined): Role[] => (value ?? '').split(',').filter(isRole);
