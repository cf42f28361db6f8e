/**
 * Japan time for everything people read and for every calendar rule, whatever the server's zone.
 * Japan has no daylight saving time, so a fixed +9 hours is exact.
 */
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

export interface JstParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function jstParts(instant: Date): JstParts {
  const shifted = new Date(instant.getTime() + JST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** 2024年4月1日 9:05 — the one style people read dates in, here and in formatDateLabel. */
export function formatJstDateTime(instant: Date): string {
  const p = jstParts(instant);
  return `${p.year}年${p.month}月${p.day}日 ${p.hour}:${pad(p.minute)}`;
}

/** 2024-04-01, the Japan calendar date of an instant. */
export function jstDateString(instant: Date): string {
  const p = jstParts(instant);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** 2024年4月1日 from 2024-04-01. */
export function formatDateLabel(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return isoDate;
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
}

/** Whole days from one Japan calendar date (YYYY-MM-DD) to another; negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
