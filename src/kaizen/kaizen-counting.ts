import type { KaizenStatus } from './kaizen.entities';

/**
 * The one counting rule of 実績報告 (issue 13), for the statistics and anything else that counts
 * カイゼン reports: 実績報告件数 of fiscal year Y = reports with fiscal_year = Y (the year of the first
 * submission) whose status is one of these — confirmed by the 所属長, whether or not the office has
 * published them yet. Their effects are the sums of effect_hours and effect_yen over the same reports.
 * Drafts, reports waiting for the 所属長 and returned ones are not counted. Never part of 提案件数 or 採用率.
 */
export const COUNTED_KAIZEN_STATUSES = ['confirmed', 'published'] as const satisfies readonly KaizenStatus[];

export const isCountedKaizenStatus = (status: KaizenStatus): boolean => (COUNTED_KAIZEN_STATUSES as readonly KaizenStatus[]).includes(status);

/** The same rule as SQL, for a query on kaizen_reports under `alias`: `${alias}.status IN ('confirmed','published')`. */
export const countedKaizenSql = (alias: string): string => `${alias}.status IN (${COUNTED_KAIZEN_STATUSES.map((s) => `'${s}'`).join(', ')})`;
