import type { Role } from '../users/roles';
import type { KaizenStatus } from './kaizen.entities';

/*
 * The rules of a カイゼン report (実績報告) with no I/O: who may see it, who may do which step from
 * which state, what an effect needs, how a report is numbered. The service applies them; the unit
 * tests hold them exhaustively.
 */

/** The steps that change a report's status. 推薦 (nomination) does not: see canNominate. */
export type KaizenAction = 'submit' | 'confirm' | 'return' | 'publish';

/** Who takes a step: the reporter, the reporter's 所属長, the office (改革推進課). */
export type KaizenActor = 'reporter' | 'head' | 'office';

export const KAIZEN_TRANSITIONS: Record<KaizenAction, { from: readonly KaizenStatus[]; to: KaizenStatus; by: KaizenActor }> = {
  // a returned report is edited and sent to the 所属長 again
  submit: { from: ['draft', 'returned'], to: 'submitted', by: 'reporter' },
  confirm: { from: ['submitted'], to: 'confirmed', by: 'head' },
  return: { from: ['submitted'], to: 'returned', by: 'head' },
  publish: { from: ['confirmed'], to: 'published', by: 'office' },
};

export const KAIZEN_ACTION_LABELS: Record<KaizenAction | 'create' | 'save' | 'nominate', string> = {
  create: '作成',
  save: '保存',
  submit: '所属長へ提出',
  confirm: '所属長の確認',
  return: '差戻し',
  publish: '公開',
  nominate: '表彰に推薦',
};

/** The status a step leads to from `from`, or null when the step does not fit the report's state. */
export function nextKaizenStatus(action: KaizenAction, from: KaizenStatus): KaizenStatus | null {
  const rule = KAIZEN_TRANSITIONS[action];
  return rule.from.includes(from) ? rule.to : null;
}

/** The person asking, as far as the rules need them. */
export interface KaizenViewer {
  id: number;
  roles: readonly Role[];
  divisionId: number | null;
}

/** The report, as far as the rules need it. */
export interface KaizenFacts {
  status: KaizenStatus;
  reporterId: number;
  memberIds: readonly number[];
  /** The reporter's division at the first submission (null before it). */
  reporterDivisionId: number | null;
}

export const isOnReport = (viewer: KaizenViewer, report: KaizenFacts): boolean => viewer.id === report.reporterId || report.memberIds.includes(viewer.id);

/**
 * A 所属長 of the report: holds the role in the division the report was submitted from, and is not on
 * the report themselves (nobody confirms their own improvement).
 */
export const isHeadOf = (viewer: KaizenViewer, report: KaizenFacts): boolean =>
  viewer.roles.includes('head') && report.reporterDivisionId !== null && viewer.divisionId === report.reporterDivisionId && !isOnReport(viewer, report);

/**
 * Who may read a report (everyone else gets a 404):
 *   draft                    the reporter and the members
 *   submitted … confirmed    also the 所属長 of the report's division, the office and the administrators
 *   published                every signed-in user
 */
export function canViewKaizen(viewer: KaizenViewer, report: KaizenFacts): boolean {
  if (report.status === 'published' || isOnReport(viewer, report)) return true;
  if (report.status === 'draft') return false;
  return viewer.roles.includes('office') || viewer.roles.includes('admin') || isHeadOf(viewer, report);
}

/** Which steps the viewer may take on the report now (the page shows these forms, the service checks them again). */
export function kaizenAbilities(viewer: KaizenViewer, report: KaizenFacts & { nominated: boolean }) {
  const reporter = viewer.id === report.reporterId && viewer.roles.includes('staff');
  const head = isHeadOf(viewer, report);
  const office = viewer.roles.includes('office');
  return {
    /** Only the reporter writes the report (the members read it and are counted with it). */
    edit: reporter && nextKaizenStatus('submit', report.status) !== null,
    confirm: head && nextKaizenStatus('confirm', report.status) !== null,
    return: head && nextKaizenStatus('return', report.status) !== null,
    publish: office && nextKaizenStatus('publish', report.status) !== null,
    nominate: office && canNominate(report.status, report.nominated),
  };
}

/** 表彰に推薦: once, by the office, for a report the 所属長 has confirmed (published or not). */
export const canNominate = (status: KaizenStatus, nominated: boolean): boolean => !nominated && (status === 'confirmed' || status === 'published');

/**
 * The effect must be given to submit: hours or yen saved per year (more than zero), or a description.
 * A zero alone says nothing about what improved.
 */
export function effectGiven(effect: { hours: number | null; yen: number | null; text: string | null }): boolean {
  return (effect.hours ?? 0) > 0 || (effect.yen ?? 0) > 0 || (effect.text ?? '').trim() !== '';
}

/** "K2026-0001": K, the fiscal year of the first submission, the sequence in that year (four digits, more when needed). */
export const formatKaizenNumber = (fiscalYear: number, sequence: number): string => `K${fiscalYear}-${String(sequence).padStart(4, '0')}`;

/** The sequence of a number of that form, or null. */
export function kaizenSequence(number: string | null): number | null {
  const match = /^K\d{4}-(\d{4,})$/.exec(number ?? '');
  return match ? Number(match[1]) : null;
}
