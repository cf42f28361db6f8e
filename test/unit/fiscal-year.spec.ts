import { eraFiscalYearLabel, fiscalYearOf, fiscalYearOfDate } from '../../src/common/fiscal-year';
import { formatProposalNumber } from '../../src/proposals/proposals.service';

describe('fiscal year (年度) in Japan time', () => {
  it.each([
    ['2018-03-31T14:50:00Z', 2017], // 2018-03-31 23:50 JST
    ['2018-03-31T15:10:00Z', 2018], // 2018-04-01 00:10 JST
    ['2018-03-31T15:00:00Z', 2018], // exactly midnight JST
    ['2019-03-31T14:59:59.999Z', 2018],
    ['2025-01-01T00:00:00Z', 2024],
    ['2024-12-31T15:00:00Z', 2024], // 2025-01-01 00:00 JST
  ])('%s belongs to %i年度', (instant, year) => {
    expect(fiscalYearOf(new Date(instant))).toBe(year);
  });

  it('reads a calendar date', () => {
    expect(fiscalYearOfDate('2018-03-31')).toBe(2017);
    expect(fiscalYearOfDate('2018-04-01')).toBe(2018);
  });

  it.each([
    [2017, '平成29年度'],
    [2018, '平成30年度'],
    [2019, '令和元年度'],
    [2020, '令和2年度'],
    [2024, '令和6年度'],
    [1989, '平成元年度'],
    [1988, '昭和63年度'],
  ])('%i年度 is %s', (year, label) => {
    expect(eraFiscalYearLabel(year)).toBe(label);
  });
});

describe('proposal numbers', () => {
  it('pads the sequence to four digits and keeps larger ones whole', () => {
    expect(formatProposalNumber(2024, 1)).toBe('2024-0001');
    expect(formatProposalNumber(2024, 512)).toBe('2024-0512');
    expect(formatProposalNumber(2024, 12345)).toBe('2024-12345');
  });
});
