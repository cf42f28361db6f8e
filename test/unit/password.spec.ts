import {
  dummyPasswordHash,
  generateTemporaryPassword,
  hashPassword,
  normalizeLogin,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordProblem,
  verifyPassword,
} from '../../src/auth/password';

/** 48 different kana, so a slice of it is never "one character repeated". */
const KANA = 'いろはにほへとちりぬるをわかよたれそつねならむうゐのおくやまけふこえてあさきゆめみしゑひもせすん';

/** A Japanese passphrase of `length` characters (3 bytes each in UTF-8). */
const japanese = (length: number): string => Array.from({ length }, (_, i) => KANA[i % KANA.length]).join('');

describe('passwordProblem', () => {
  it('uses 10 and 256 as its limits', () => {
    expect(PASSWORD_MIN_LENGTH).toBe(10);
    expect(PASSWORD_MAX_LENGTH).toBe(256);
  });

  it('accepts a 10-character password', () => {
    expect(passwordProblem('abcdefgh12')).toBeNull();
  });

  it('refuses a 9-character password, saying the minimum', () => {
    expect(passwordProblem('abcdefg12')).toBe('パスワードは10文字以上にしてください。');
  });

  it('refuses the empty password', () => {
    expect(passwordProblem('')).toContain('10文字以上');
  });

  it('counts characters, not bytes: a 10-character Japanese password (30 bytes) is fine', () => {
    const password = japanese(10);
    expect(Buffer.byteLength(password)).toBe(30);
    expect(passwordProblem(password)).toBeNull();
  });

  it('refuses a 9-character Japanese password (27 bytes)', () => {
    expect(passwordProblem(japanese(9))).toContain('10文字以上');
  });

  it('counts characters, not UTF-16 units: 5 emoji are 5 characters, too short', () => {
    const emoji = '😀😁😂🤣😃';
    expect(emoji.length).toBe(10);
    expect(passwordProblem(emoji)).toContain('10文字以上');
    expect(passwordProblem('😀😁😂🤣😃😄😅😆😉😊')).toBeNull();
  });

  it('accepts 256 characters', () => {
    expect(passwordProblem('ab'.repeat(128))).toBeNull();
  });

  it('refuses 257 characters, saying the maximum', () => {
    expect(passwordProblem('ab'.repeat(128) + 'c')).toBe('パスワードは256文字以内にしてください。');
  });

  it('accepts a 128-character Japanese password (384 bytes)', () => {
    expect(passwordProblem(japanese(128))).toBeNull();
  });

  it('accepts a 256-character Japanese password and refuses 257', () => {
    expect(passwordProblem(japanese(256))).toBeNull();
    expect(passwordProblem(japanese(257))).toContain('256文字以内');
  });

  it.each([
    ['yamada-2024-spring', 'yamada'],
    ['spring-yamada-2024', 'yamada'],
    ['Yamada2024Spring', 'yamada'],
    ['ＹＡＭＡＤＡ２０２４ｓｐｒｉｎｇ', 'yamada'],
    ['my.login.is.t.suzuki', 't.suzuki'],
  ])('refuses %j containing the login %j', (password, login) => {
    expect(passwordProblem(password, login)).toBe('パスワードにログインIDを含めないでください。');
  });

  it('accepts the same password when the login is not in it', () => {
    expect(passwordProblem('yamada-2024-spring', 'suzuki')).toBeNull();
    expect(passwordProblem('yamada-2024-spring')).toBeNull();
    expect(passwordProblem('yamada-2024-spring', '')).toBeNull();
  });

  it.each(['aaaaaaaaaa', 'ああああああああああああ', '😀'.repeat(10), '1'.repeat(40)])('refuses %j, one character repeated', (password) => {
    expect(passwordProblem(password)).toBe('同じ文字の繰り返しだけのパスワードは使えません。');
  });

  it.each(['aaaaaaaaab', 'baaaaaaaaa', 'abababababab', 'ああああああああああい'])('accepts %j, which is not one character repeated', (password) => {
    expect(passwordProblem(password)).toBeNull();
  });

  it('reports the length problem first', () => {
    expect(passwordProblem('aaaa', 'aaaa')).toContain('10文字以上');
  });
});

describe('normalizeLogin', () => {
  it.each([
    ['ＹＡＭＡＤＡ', 'yamada'],
    ['Yamada', 'yamada'],
    ['  yamada  ', 'yamada'],
    ['\u3000ｙａｍａｄａ\u3000', 'yamada'],
    ['ｔ．ｓｕｚｕｋｉ＿０１', 't.suzuki_01'],
    ['yamada', 'yamada'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeLogin(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const login of ['ＹＡＭＡＤＡ', ' Tanaka.Taro ', 'ｓａｔｏ－１']) {
      expect(normalizeLogin(normalizeLogin(login))).toBe(normalizeLogin(login));
    }
  });
});

describe('generateTemporaryPassword', () => {
  const ALPHABET = /^[abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789]*$/;

  it('is 14 characters by default', () => {
    expect(generateTemporaryPassword()).toHaveLength(14);
  });

  it.each([10, 20, 32])('makes %i characters when asked', (length) => {
    expect(generateTemporaryPassword(length)).toHaveLength(length);
  });

  it('uses no look-alike characters (0 O 1 l I) and nothing outside the alphabet', () => {
    const many = Array.from({ length: 300 }, () => generateTemporaryPassword()).join('');
    expect(many).toMatch(ALPHABET);
    expect(many).not.toMatch(/[0O1lI]/);
  });

  it('draws from the whole alphabet (lower case, upper case and digits all appear)', () => {
    const many = Array.from({ length: 300 }, () => generateTemporaryPassword()).join('');
    expect(many).toMatch(/[a-z]/);
    expect(many).toMatch(/[A-Z]/);
    expect(many).toMatch(/[2-9]/);
    expect(new Set(many).size).toBe(56);
  });

  it('passes its own password rules', () => {
    for (let i = 0; i < 200; i++) expect(passwordProblem(generateTemporaryPassword())).toBeNull();
  });

  it('is different every time', () => {
    const set = new Set(Array.from({ length: 100 }, () => generateTemporaryPassword()));
    expect(set.size).toBe(100);
  });
});

describe('hashPassword / verifyPassword', () => {
  it('makes an argon2id hash with the documented cost that verifies the same password', async () => {
    const hash = await hashPassword('correct horse battery');
    const [, algorithm, version, params] = hash.split('$');
    expect(algorithm).toBe('argon2id');
    expect(version).toBe('v=19');
    expect(params.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
    expect(hash).not.toContain('correct horse battery');
    await expect(verifyPassword(hash, 'correct horse battery')).resolves.toBe(true);
  });

  it('does not verify a different password', async () => {
    const hash = await hashPassword('correct horse battery');
    await expect(verifyPassword(hash, 'correct horse batterY')).resolves.toBe(false);
    await expect(verifyPassword(hash, '')).resolves.toBe(false);
  });

  it('salts: the same password gives a different hash each time, and both verify', async () => {
    const [a, b] = await Promise.all([hashPassword('same password 1'), hashPassword('same password 1')]);
    expect(a).not.toBe(b);
    await expect(verifyPassword(a, 'same password 1')).resolves.toBe(true);
    await expect(verifyPassword(b, 'same password 1')).resolves.toBe(true);
  });

  it('round-trips a 128-character Japanese password', async () => {
    const password = japanese(128);
    const hash = await hashPassword(password);
    await expect(verifyPassword(hash, password)).resolves.toBe(true);
  });

  it('uses every character: passwords differing only in their 100th character do not verify against each other (bcrypt would stop at 72 bytes = 24 kana)', async () => {
    const a = japanese(128);
    const b = a.slice(0, 99) + (a[99] === 'ん' ? 'あ' : 'ん') + a.slice(100);
    expect([...a]).toHaveLength(128);
    expect([...b]).toHaveLength(128);
    expect(a.slice(0, 99)).toBe(b.slice(0, 99));
    expect(a.slice(100)).toBe(b.slice(100));
    expect(a[99]).not.toBe(b[99]);
    expect(Buffer.byteLength(a.slice(0, 99))).toBeGreaterThan(72);

    const [hashA, hashB] = await Promise.all([hashPassword(a), hashPassword(b)]);
    await expect(verifyPassword(hashA, b)).resolves.toBe(false);
    await expect(verifyPassword(hashB, a)).resolves.toBe(false);
    await expect(verifyPassword(hashA, a)).resolves.toBe(true);
  });

  it('treats composed and decomposed forms of the same kana alike (NFC), so an IME difference does not lock anyone out', async () => {
    const composed = 'がぎぐげござじずぜぞ';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const hash = await hashPassword(composed);
    await expect(verifyPassword(hash, decomposed)).resolves.toBe(true);
  });

  it.each(['', 'not-a-hash', '$argon2id$v=19$m=abc', '$2b$10$abcdefghijklmnopqrstuv', '$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB'])(
    'returns false rather than throwing for the garbage hash %j',
    async (garbage) => {
      await expect(verifyPassword(garbage, 'whatever password')).resolves.toBe(false);
    },
  );
});

describe('dummyPasswordHash', () => {
  it('is one valid argon2id hash, made once', async () => {
    const first = await dummyPasswordHash();
    expect(first).toMatch(/^\$argon2id\$/);
    await expect(dummyPasswordHash()).resolves.toBe(first);
    await expect(verifyPassword(first, '')).resolves.toBe(false);
  });
});
