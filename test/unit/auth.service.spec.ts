import { safeRedirectPath } from '../../src/auth/auth.service';

describe('safeRedirectPath', () => {
  it.each(['/x', '/', '/proposals/12', '/admin/users?page=2&q=%E5%B1%B1', '/a#b', '/a//b'])('keeps the local path %j', (path) => {
    expect(safeRedirectPath(path)).toBe(path);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['the empty string', ''],
    ['a protocol-relative URL', '//evil.example'],
    ['a protocol-relative URL with a path', '//evil.example/login'],
    ['a backslash that browsers read as //', '/\\evil'],
    ['a backslash URL with a host', '/\\evil.example/x'],
    ['an absolute https URL', 'https://evil'],
    ['an absolute http URL', 'http://evil.example/'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'proposals/1'],
    ['a leading backslash', '\\\\evil.example'],
    ['a leading space', ' /x'],
  ])('sends %s to /', (_, next) => {
    expect(safeRedirectPath(next)).toBe('/');
  });

  // A WHATWG URL parser (every browser) deletes tabs and newlines anywhere in a URL, so "/<TAB>/evil.example"
  // is read as "//evil.example", another site. Express's res.redirect percent-encodes them today, but a
  // function named "safe" should not depend on how its caller happens to write the header.
  it.each([
    ['a tab between the slashes', '/\t/evil.example'],
    ['a newline between the slashes', '/\n/evil.example'],
    ['a carriage return between the slashes', '/\r/evil.example'],
  ])('sends %s to /', (_, next) => {
    expect(new URL(next, 'https://tane.example/').host).toBe('evil.example');
    expect(safeRedirectPath(next)).toBe('/');
  });
});
