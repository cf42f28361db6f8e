import { jstParts } from './jst';

/**
 * 年度: 1 April to 31 March, reckoned in Japan time whatever the server's zone.
 * 2018-04-01 00:10 JST → 2018; 2018-03-31 23:50 JST → 2017.
 */
export function fiscalYearOf(instant: Date): number {
  const { year, month } = jstParts(instant);
  return month >= 4 ? year : year - 1;
}

/** The fiscal year a Japan calendar date (YYYY-MM-DD) falls in. */
export function fiscalYearOfDate(isoDate: string): number {
  const [year, month] = isoDate.split('-').map(Number);
  return month >= 4 ? year : year - 1;
}

/** Japanese eras that can hold a fiscal year label, newest first: [name, first western year]. */
const ERAS: [string, number][] = [
  ['令和', 2019],
  ['平成', 1989],
  ['昭和', 1926],
];

/**
 * The era label of a fiscal year: 2018 → 平成30年度, 2019 → 令和元年度, 2024 → 令和6年度.
 * A fiscal year takes the era that began in its calendar year, as offices write it: 2019年度 is
 * 令和元年度 although on 1 April 2019 it was still 平成31年, and 1989年度 is 平成元年度.
 */
export function eraFiscalYearLabel(fiscalYear: number): string {
  const era = ERAS.find(([, start]) => fiscalYear >= start);
  if (!era) return `${fiscalYear}年度`;
  const n = fiscalYear - era[1] + 1;
  return `${era[0]}${n === 1 ? '元' : n}年度`;
}

export const fiscalYearLabel = (fiscalYear: number): string => `${fiscalYear}年度`;
