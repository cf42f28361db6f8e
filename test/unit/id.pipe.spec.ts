import { NotFoundError } from '../../src/common/errors';
import { IdPipe, pageNumber } from '../../src/common/id.pipe';

describe('IdPipe', () => {
  const pipe = new IdPipe();

  it.each([
    ['1', 1],
    ['42', 42],
    ['1000000', 1_000_000],
    ['2147483647', 2_147_483_647],
  ])('turns %j into %i', (value, expected) => {
    expect(pipe.transform(value)).toBe(expected);
  });

  it.each(['0', '-1', 'abc', '1e3', '99999999999', '2147483648', '9999999999', '', ' 1', '1 ', '01', '1.0', '0x10', '１', '+1', '1a', 'Infinity', 'NaN'])(
    'answers %j with a NotFoundError (a 404, like a missing record)',
    (value) => {
      let thrown: unknown;
      try {
        pipe.transform(value);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(NotFoundError);
      expect((thrown as NotFoundError).status).toBe(404);
    },
  );

  it('answers a value that is not a string at all with a NotFoundError', () => {
    expect(() => pipe.transform(undefined as unknown as string)).toThrow(NotFoundError);
  });
});

describe('pageNumber', () => {
  it.each([
    ['1', 1],
    ['2', 2],
    ['999999', 999_999],
  ])('reads %j as page %i', (value, expected) => {
    expect(pageNumber(value)).toBe(expected);
  });

  it.each(['0', '-1', '', 'abc', '1000000', '1.5', '02', ' 2', '2e2', undefined, null, 3, ['2'], { page: '2' }])('reads %j as page 1', (value) => {
    expect(pageNumber(value)).toBe(1);
  });
});
