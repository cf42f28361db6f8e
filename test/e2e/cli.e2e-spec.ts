import * as argon2 from 'argon2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEMO_USERS } from '../../src/database/demo-seed.service';
import { migrations } from '../../src/database/migrations';
import { CliRun as Run, PROJECT_ROOT, runCli } from '../factories/cli';
import { SqliteFile } from '../factories/sqlite-file';
import { buildApp } from '../factories/child-app';

/**
 * The command line as an operator runs it: the compiled script, a fresh SQLite file, and only what
 * it prints. DATABASE_URL is removed so these tests use SQLite whatever the surrounding run uses.
 */
describe('command line', () => {
  let dir: string;
  let dbPath: string;
  let env: NodeJS.ProcessEnv;

  const cli = (args: string[], input?: string): Run => runCli(args, { env, input });

  /** Rows from the CLI's database file, read directly (the command line has no "list" commands). */
  const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => SqliteFile.query<T>(dbPath, sql, params);
  const count = async (table: string) => (await query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n;

  /** A refusal: the given exit status, nothing on stdout, exactly one line on stderr. */
  const expectOneLineError = (run: Run, status: number, message: string | RegExp) => {
    expect(run.status).toBe(status);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^エラー: /);
    if (typeof message === 'string') expect(lines[0]).toContain(message);
    else expect(lines[0]).toMatch(message);
  };

  beforeAll(() => {
    // The tests run the compiled code, so compile what is in src/ now.
    buildApp();

    dir = mkdtempSync(join(tmpdir(), 'tane-cli-'));
    dbPath = join(dir, 'tane.sqlite');
    env = { ...process.env, SQLITE_PATH: dbPath, NODE_ENV: 'development' };
    delete env.DATABASE_URL;
    delete env.DATA_DIR;
    delete env.LOG_LEVEL;
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to work on a database that has not been migrated, with one line saying to run migrate', () => {
    const run = cli(['create-user', '--login', 'early', '--name', '早い 人', '--roles', 'staff', '--password-stdin'], 'まだ早すぎるパスワードです');
    expect(run.status).not.toBe(0);
    expectOneLineError(run, run.status!, /migrate/);
  });

  it('migrates, and says so; a second run says the database is up to date', () => {
    const first = cli(['migrate']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    // TypeORM names a migration by its `name` property, else by its class name.
    const names = migrations.map((M) => (new M() as { name?: string }).name ?? M.name);
    expect(names.slice(0, 2)).toEqual(['Foundation1763770000000', 'DefaultCategories1763770000001']);
    expect(first.stdout).toBe(`適用したマイグレーション: ${names.join(', ')}\n`);

    const second = cli(['migrate']);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe('データベースは最新です。\n');
    expect(second.stderr).toBe('');
  });

  it('builds bureau → department → section with --parent, inferring each kind', async () => {
    const bureau = cli(['create-division', '--code', '500', '--name', '環境局']);
    const department = cli(['create-division', '--code', '510', '--name', '環境部', '--parent', '500']);
    const section = cli(['create-division', '--code=511', '--name=環境政策課', '--parent=510', '--valid-from', '2024-04-01']);
    for (const run of [bureau, department, section]) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    expect(bureau.stdout).toMatch(/^組織を登録しました: 500 環境局（id \d+）\n$/);
    expect(section.stdout).toMatch(/^組織を登録しました: 511 環境政策課（id \d+）\n$/);

    const rows = await query<{ id: number; code: string; kind: string; parent_id: number | null; valid_from: string; valid_to: string | null }>(
      "SELECT id, code, kind, parent_id, valid_from, valid_to FROM divisions WHERE code IN ('500', '510', '511') ORDER BY code",
    );
    expect(rows.map((r) => [r.code, r.kind])).toEqual([
      ['500', 'bureau'],
      ['510', 'department'],
      ['511', 'section'],
    ]);
    expect(rows[0].parent_id).toBeNull();
    expect(rows[1].parent_id).toBe(rows[0].id);
    expect(rows[2].parent_id).toBe(rows[1].id);
    expect(rows[2].valid_from).toBe('2024-04-01');
    expect(rows.every((r) => r.valid_to === null)).toBe(true);
  });

  it('refuses an unknown parent and creates nothing', async () => {
    const before = await count('divisions');
    const run = cli(['create-division', '--code', '520', '--name', '迷子課', '--parent', '999']);
    expect(run.status).not.toBe(0);
    expectOneLineError(run, run.status!, '上位組織のコード「999」が見つかりません');
    expect(await count('divisions')).toBe(before);
  });

  const PASSWORD = '森と水を守る環境政策課の合言葉';

  it('creates a user with the password from stdin', async () => {
    const run = cli(
      [
        'create-user',
        '--login',
        'Kankyo.Taro',
        '--name',
        '環境 太郎',
        '--roles',
        'staff,reviewer',
        '--division',
        '511',
        '--email',
        'kankyo@example.jp',
        '--password-stdin',
      ],
      PASSWORD + '\n',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ユーザーを登録しました: kankyo\.taro（環境 太郎、id \d+）\n$/);

    const [user] = await query<{
      login: string;
      name: string;
      email: string;
      roles: string;
      division_code: string;
      password_hash: string;
      must_change_password: number;
      disabled: number;
    }>(
      `SELECT u.login, u.name, u.email, u.roles, d.code AS division_code, u.password_hash, u.must_change_password, u.disabled
         FROM users u JOIN divisions d ON d.id = u.division_id WHERE u.login = ?`,
      ['kankyo.taro'],
    );
    expect(user).toMatchObject({ login: 'kankyo.taro', name: '環境 太郎', email: 'kankyo@example.jp', roles: 'staff,reviewer', division_code: '511' });
    expect(Boolean(user.must_change_password)).toBe(false);
    expect(Boolean(user.disabled)).toBe(false);
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    expect(await argon2.verify(user.password_hash, PASSWORD)).toBe(true);
    // The newline that ends the piped line is not part of the password.
    expect(await argon2.verify(user.password_hash, PASSWORD + '\n')).toBe(false);
  });

  describe('refuses bad input with exit status 1, one Japanese line, and creates nothing', () => {
    const base = ['create-user', '--name', '失敗 する', '--password-stdin'];
    const cases: { what: string; args: string[]; password: string; message: string }[] = [
      { what: 'an unknown role', args: ['--login', 'bad-role', '--roles', 'staff,boss'], password: PASSWORD, message: '役割を選び直してください。' },
      {
        what: 'a short password',
        args: ['--login', 'short-pass', '--roles', 'staff'],
        password: 'みじかいパス',
        message: 'パスワードは10文字以上にしてください。',
      },
      {
        what: 'a login already used',
        args: ['--login', 'KANKYO.TARO', '--roles', 'staff'],
        password: PASSWORD,
        message: 'ログインID「kankyo.taro」は既に使われています。',
      },
    ];
    it.each(cases)('$what', async ({ args, password, message }) => {
      const before = await count('users');
      const run = cli([...base, ...args], password);
      expectOneLineError(run, 1, message);
      expect(run.stderr).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(await count('users')).toBe(before);
    });
  });

  it('answers an unknown command with exit status 2 and the usage', () => {
    const run = cli(['frobnicate']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('知らないコマンドです: frobnicate');
    expect(run.stderr).toContain('使い方:');
    for (const command of ['migrate', 'seed-demo', 'create-division', 'create-user']) expect(run.stderr).toContain(`  ${command}`);
  });

  it('seeds the demo data once; a second run creates nothing', async () => {
    const divisionsBefore = await count('divisions');
    const usersBefore = await count('users');
    const first = cli(['seed-demo']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const created = /^デモデータを作成しました（組織 (\d+) 件、ユーザー (\d+) 件.*）。\n$/.exec(first.stdout);
    expect(created).not.toBeNull();
    expect(Number(created![1])).toBeGreaterThanOrEqual(19);
    expect(Number(created![2])).toBe(DEMO_USERS.length);
    const divisions = await count('divisions');
    const users = await count('users');
    expect(divisions).toBe(divisionsBefore + Number(created![1]));
    expect(users).toBe(usersBefore + DEMO_USERS.length);
    expect((await query<{ login: string }>('SELECT login FROM users')).map((u) => u.login)).toEqual(expect.arrayContaining(DEMO_USERS.map(([login]) => login)));

    const second = cli(['seed-demo']);
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/^デモデータを作成しました（組織 0 件、ユーザー 0 件.*）。\n$/);
    // Whatever else the seed may report, it created none of it the second time.
    expect(second.stdout.match(/\d+/g)!.every((n) => n === '0')).toBe(true);
    expect(await count('divisions')).toBe(divisions);
    expect(await count('users')).toBe(users);
  });

  it('prints nothing but its own output on stdout when run through npm as the README says', () => {
    const result = spawnSync('npm', ['run', '-s', 'cli', '--', 'migrate'], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 120_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('データベースは最新です。\n');
    expect(result.stderr).not.toMatch(/"level":/);
  }, 120_000);
});
