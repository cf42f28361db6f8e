import { allowOnly, CliUsageError, optionalOption, ParsedArgs, parseArgs, requireOption } from '../../src/cli/args';

const args = (options: ParsedArgs['options'], positional: string[] = []): ParsedArgs => ({ positional, options });

describe('parseArgs', () => {
  it('reads nothing from no arguments', () => {
    expect(parseArgs([])).toEqual({ positional: [], options: {} });
  });

  it('does the documented example', () => {
    expect(parseArgs(['file.csv', '--dry-run', '--from', '2018'], ['dry-run'])).toEqual({
      positional: ['file.csv'],
      options: { 'dry-run': true, from: '2018' },
    });
  });

  it('keeps positional arguments in order, wherever they are', () => {
    expect(parseArgs(['a', '--k', 'v', 'b', '--flag', 'c'], ['flag'])).toEqual({
      positional: ['a', 'b', 'c'],
      options: { k: 'v', flag: true },
    });
  });

  it('reads --name value', () => {
    expect(parseArgs(['--login', 'yamada']).options).toEqual({ login: 'yamada' });
  });

  it('reads --name=value', () => {
    expect(parseArgs(['--login=yamada']).options).toEqual({ login: 'yamada' });
  });

  it('splits --name=value at the first = only', () => {
    expect(parseArgs(['--url=postgres://u@h/db?a=b']).options).toEqual({ url: 'postgres://u@h/db?a=b' });
  });

  it('keeps --name= as an empty value', () => {
    expect(parseArgs(['--email=']).options).toEqual({ email: '' });
  });

  it('keeps a value with spaces, newlines and Japanese text', () => {
    expect(parseArgs(['--name', '山田 太郎', '--note=一行目\n二行目']).options).toEqual({ name: '山田 太郎', note: '一行目\n二行目' });
  });

  it('takes a value that starts with a single dash', () => {
    expect(parseArgs(['--offset', '-5']).options).toEqual({ offset: '-5' });
  });

  it('sets a flag to true without taking the next argument', () => {
    expect(parseArgs(['--password-stdin', 'file.csv'], ['password-stdin'])).toEqual({
      positional: ['file.csv'],
      options: { 'password-stdin': true },
    });
  });

  it('a flag at the very end is fine', () => {
    expect(parseArgs(['--dry-run'], ['dry-run']).options).toEqual({ 'dry-run': true });
  });

  it('the last of a repeated option wins', () => {
    expect(parseArgs(['--from', '2017', '--from=2018']).options).toEqual({ from: '2018' });
  });

  it('refuses an option without a value at the end', () => {
    expect(() => parseArgs(['--from'])).toThrow(CliUsageError);
    expect(() => parseArgs(['--from'])).toThrow('--from には値が必要です');
  });

  it('refuses an option followed by another option', () => {
    expect(() => parseArgs(['--from', '--dry-run'], ['dry-run'])).toThrow('--from には値が必要です');
  });

  it('does not treat a non-flag as a flag', () => {
    expect(() => parseArgs(['--dry-run'], ['other'])).toThrow(CliUsageError);
  });

  it('does not change the array it was given', () => {
    const argv = ['a', '--k', 'v'];
    parseArgs(argv);
    expect(argv).toEqual(['a', '--k', 'v']);
  });
});

describe('requireOption', () => {
  it('returns the value, trimmed', () => {
    expect(requireOption(args({ login: '  yamada ' }), 'login')).toBe('yamada');
  });

  it.each([
    ['missing', {}],
    ['empty', { login: '' }],
    ['blank', { login: '   ' }],
    ['a flag', { login: true as const }],
  ])('refuses a %s option, naming it', (_, options) => {
    expect(() => requireOption(args(options), 'login')).toThrow(CliUsageError);
    expect(() => requireOption(args(options), 'login')).toThrow('--login を指定してください');
  });
});

describe('optionalOption', () => {
  it('returns the value, trimmed', () => {
    expect(optionalOption(args({ email: ' a@example.jp ' }), 'email')).toBe('a@example.jp');
  });

  it.each([
    ['missing', {}],
    ['empty', { email: '' }],
    ['blank', { email: '  ' }],
  ])('gives undefined for a %s option', (_, options) => {
    expect(optionalOption(args(options), 'email')).toBeUndefined();
  });

  it('refuses an option given as a bare flag', () => {
    expect(() => optionalOption(args({ email: true }), 'email')).toThrow(CliUsageError);
    expect(() => optionalOption(args({ email: true }), 'email')).toThrow('--email には値が必要です');
  });
});

describe('allowOnly', () => {
  it('accepts known options, and no options at all', () => {
    expect(() => allowOnly(args({ login: 'a', 'dry-run': true }), ['login', 'dry-run', 'name'])).not.toThrow();
    expect(() => allowOnly(args({}), [])).not.toThrow();
  });

  it('ignores positional arguments', () => {
    expect(() => allowOnly(args({}, ['file.csv']), [])).not.toThrow();
  });

  it('refuses an unknown option, naming it', () => {
    expect(() => allowOnly(args({ logn: 'a' }), ['login'])).toThrow(CliUsageError);
    expect(() => allowOnly(args({ logn: 'a' }), ['login'])).toThrow('知らないオプションです: --logn');
  });

  it('names every unknown option', () => {
    expect(() => allowOnly(args({ login: 'a', x: 'b', y: true }), ['login'])).toThrow('知らないオプションです: --x --y');
  });

  it('works on what parseArgs gives', () => {
    expect(() => allowOnly(parseArgs(['--dryrun'], ['dryrun']), ['dry-run'])).toThrow('--dryrun');
  });
});
