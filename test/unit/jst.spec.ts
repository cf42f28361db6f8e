import { formatDateLabel, formatJstDateTime, jstDateString, jstParts } from '../../src/common/jst';

/**
 * Expected values here are written out by hand from the UTC instant + 9 hours, never derived from
 * Date's local getters, so the tests hold whatever TZ the machine (or CI) runs in.
 */
describe('jstParts', () => {
  it('gives 2018-03-31 23:50:00 for 2018-03-31T14:50:00Z (still fiscal 2017)', () => {
    expect(jstParts(new Date('2018-03-31T14:50:00Z'))).toEqual({ year: 2018, month: 3, day: 31, hour: 23, minute: 50, second: 0 });
  });

  it('gives 2018-04-01 00:10:00 for 2018-03-31T15:10:00Z (already fiscal 2018)', () => {
    expect(jstParts(new Date('2018-03-31T15:10:00Z'))).toEqual({ year: 2018, month: 4, day: 1, hour: 0, minute: 10, second: 0 });
  });

  it('turns the day exactly at 15:00 UTC', () => {
    expect(jstParts(new Date('2018-03-31T14:59:59.999Z'))).toMatchObject({ month: 3, day: 31, hour: 23, minute: 59, second: 59 });
    expect(jstParts(new Date('2018-03-31T15:00:00.000Z'))).toMatchObject({ month: 4, day: 1, hour: 0, minute: 0, second: 0 });
  });

  it('turns the year at 15:00 UTC on 31 December', () => {
    expect(jstParts(new Date('2023-12-31T15:00:00Z'))).toEqual({ year: 2024, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
    expect(jstParts(new Date('2023-12-31T14:59:00Z'))).toMatchObject({ year: 2023, month: 12, day: 31, hour: 23, minute: 59 });
  });

  it('handles 29 February in a leap year', () => {
    expect(jstParts(new Date('2024-02-28T15:00:00Z'))).toMatchObject({ year: 2024, month: 2, day: 29, hour: 0 });
    expect(jstParts(new Date('2024-02-29T15:00:00Z'))).toMatchObject({ year: 2024, month: 3, day: 1, hour: 0 });
  });

  it('reads an instant written with another offset as the same moment', () => {
    // 2018-04-01 00:10 in Japan is 2018-03-31 11:10 in New York (EDT, -04:00).
    expect(jstParts(new Date('2018-03-31T11:10:00-04:00'))).toEqual({ year: 2018, month: 4, day: 1, hour: 0, minute: 10, second: 0 });
  });

  it('does not depend on the Date local getters', () => {
    const instant = new Date('2018-03-31T15:10:00Z');
    const local = jest.spyOn(Date.prototype, 'getHours').mockReturnValue(13);
    const localDate = jest.spyOn(Date.prototype, 'getDate').mockReturnValue(7);
    const localMonth = jest.spyOn(Date.prototype, 'getMonth').mockReturnValue(8);
    const localYear = jest.spyOn(Date.prototype, 'getFullYear').mockReturnValue(1999);
    try {
      expect(jstParts(instant)).toEqual({ year: 2018, month: 4, day: 1, hour: 0, minute: 10, second: 0 });
      expect(formatJstDateTime(instant)).toBe('2018年4月1日 0:10');
      expect(jstDateString(instant)).toBe('2018-04-01');
    } finally {
      local.mockRestore();
      localDate.mockRestore();
      localMonth.mockRestore();
      localYear.mockRestore();
    }
  });

  it('does not change the Date it is given', () => {
    const instant = new Date('2018-03-31T15:10:00Z');
    jstParts(instant);
    expect(instant.toISOString()).toBe('2018-03-31T15:10:00.000Z');
  });
});

describe('formatJstDateTime', () => {
  it.each([
    ['2018-03-31T14:50:00Z', '2018年3月31日 23:50'],
    ['2018-03-31T15:10:00Z', '2018年4月1日 0:10'],
    ['2024-04-01T00:05:00Z', '2024年4月1日 9:05'],
    ['2024-03-31T15:00:59Z', '2024年4月1日 0:00'],
    ['2019-04-30T15:00:00Z', '2019年5月1日 0:00'],
    ['2024-12-31T14:59:00Z', '2024年12月31日 23:59'],
  ])('%s → %s', (iso, expected) => {
    expect(formatJstDateTime(new Date(iso))).toBe(expected);
  });
});

describe('jstDateString', () => {
  it.each([
    ['2018-03-31T14:50:00Z', '2018-03-31'],
    ['2018-03-31T15:10:00Z', '2018-04-01'],
    ['2018-03-31T00:00:00Z', '2018-03-31'],
    ['2023-12-31T15:00:00Z', '2024-01-01'],
    ['2024-01-09T03:00:00Z', '2024-01-09'],
  ])('%s → %s', (iso, expected) => {
    expect(jstDateString(new Date(iso))).toBe(expected);
  });
});

describe('formatDateLabel', () => {
  it.each([
    ['2024-04-01', '2024年4月1日'],
    ['2018-03-31', '2018年3月31日'],
    ['2019-05-01', '2019年5月1日'],
    ['2024-12-09', '2024年12月9日'],
  ])('%s → %s', (iso, expected) => {
    expect(formatDateLabel(iso)).toBe(expected);
  });

  it.each(['', '2024/04/01', '2024-4-1', '2024-04-01T00:00:00Z', ' 2024-04-01', 'not a date'])('leaves %j as it is', (value) => {
    expect(formatDateLabel(value)).toBe(value);
  });
});
