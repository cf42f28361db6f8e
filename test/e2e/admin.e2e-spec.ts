import TestAgent from 'supertest/lib/agent';
import { SessionRecord } from '../../src/auth/session-record.entity';
import { Category } from '../../src/organization/category.entity';
import { Division } from '../../src/organization/division.entity';
import { User } from '../../src/users/user.entity';
import {
  checkedValues,
  errorIsBesideField,
  errorSummary,
  fieldError,
  FormFields,
  flashes,
  hasFlag,
  inputValue,
  postForm,
  selectedValues,
  selectOptions,
  summaryIsAboveForm,
  tableRows,
  tableRowsRaw,
  tryLogin,
} from '../factories/admin-helpers';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, csrfToken, seedDemo, signIn, TEST_PASSWORD } from '../factories/users';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { SettingsService } from '../../src/settings/settings.service';

/** The 提案分野 list of DOMAIN.md, in its order. */
const DOMAIN_CATEGORIES = [
  '窓口・市民サービス',
  '広報・広聴',
  '庶務事務',
  '施設管理',
  '文書管理・ペーパーレス',
  '契約・会計',
  'デジタル活用（DX）',
  '働き方・職場環境',
  '人材育成',
  '財源・コスト削減',
  'その他',
];

describe('administration (users, divisions, categories)', () => {
  let t: TestApp;
  let admin: TestAgent;
  let adminUser: User;

  const users = () => t.dataSource.getRepository(User);
  const divisions = () => t.dataSource.getRepository(Division);
  const categories = () => t.dataSource.getRepository(Category);
  const divisionId = async (code: string) => (await divisions().findOneByOrFail({ code })).id;
  const temporaryPasswordIn = (messages: string[]): string | null => {
    for (const m of messages) {
      const match = /仮パスワード「([^」]+)」/.exec(m);
      if (match) return match[1];
    }
    return null;
  };
  /** Logins in the user list, in page order. */
  const listedLogins = (html: string) =>
    tableRows(html)
      .filter((cells) => cells.length === 5)
      .map((cells) => cells[0]);

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    adminUser = await createUser(t, { roles: ['staff', 'admin'], login: 'kanri-admin', name: '管理 真奈美', divisionCode: '122' });
    admin = await signIn(t, adminUser.login);
  });
  afterAll(() => t.close());

  describe('users', () => {
    it('lists users and finds them by name, by login (any case) and by role', async () => {
      await createUser(t, { roles: ['office'], login: 'kensaku-office', name: '検索 太郎', divisionCode: '211' });
      await createUser(t, { roles: ['staff'], login: 'kensaku-staff', name: '検索 次郎' });
      await createUser(t, { roles: ['staff'], login: 'yamada-ichiro', name: '山田 一郎' });

      const all = await admin.get('/admin/users');
      expect(all.status).toBe(200);
      expect(listedLogins(all.text)).toEqual(expect.arrayContaining(['demo-staff', 'demo-office', 'kensaku-office', 'kanri-admin']));

      const byName = await admin.get('/admin/users').query({ q: '検索' });
      expect(listedLogins(byName.text)).toEqual(['kensaku-office', 'kensaku-staff']);
      expect(byName.text).toContain('2件');
      expect(inputValue(byName.text, 'q')).toBe('検索');
      const officeRow = tableRows(byName.text).find((cells) => cells[0] === 'kensaku-office')!;
      expect(officeRow).toEqual(['kensaku-office', '検索 太郎', '市民課', '改革推進課', '有効']);

      const byJapaneseSurname = await admin.get('/admin/users').query({ q: '山田' });
      expect(listedLogins(byJapaneseSurname.text).sort()).toEqual(['demo-staff', 'yamada-ichiro']);

      const byLogin = await admin.get('/admin/users').query({ q: 'KENSAKU-OFF' });
      expect(listedLogins(byLogin.text)).toEqual(['kensaku-office']);

      const byRole = await admin.get('/admin/users').query({ role: 'office' });
      const officeLogins = listedLogins(byRole.text);
      expect(officeLogins).toEqual(expect.arrayContaining(['demo-office', 'kensaku-office']));
      expect(officeLogins).not.toContain('kensaku-staff');
      expect(officeLogins).not.toContain('demo-staff');
      for (const cells of tableRows(byRole.text)) expect(cells[3]).toContain('改革推進課');
      expect(selectedValues(byRole.text, 'role')).toEqual(['office']);

      const both = await admin.get('/admin/users').query({ q: '検索', role: 'staff' });
      expect(listedLogins(both.text)).toEqual(['kensaku-staff']);

      // LIKE wildcards typed into the search box are searched for literally
      const wildcard = await admin.get('/admin/users').query({ q: '%' });
      expect(listedLogins(wildcard.text)).toEqual([]);
      expect(wildcard.text).toContain('該当するユーザーはいません。');
    });

    it('creates a user: login normalized, roles saved, temporary password shown once and forced to be changed', async () => {
      const civic = await divisionId('211');
      const before = await users().count();
      const res = await postForm(
        admin,
        '/admin/users',
        { login: 'ＴＡＮＡＫＡ.Hanako', name: '田中 花子', email: 'tanaka@example.jp', divisionId: String(civic), roles: ['reviewer', 'staff'] },
        '/admin/users/new',
      );
      // The user's page comes back from the post itself: the temporary password is never stored (issue 10).
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await users().count()).toBe(before + 1);

      const row = await users().findOneByOrFail({ login: 'tanaka.hanako' });
      const userPage = `/admin/users/${row.id}`;
      expect(row).toMatchObject({
        name: '田中 花子',
        email: 'tanaka@example.jp',
        divisionId: civic,
        roles: ['staff', 'reviewer'],
        disabled: false,
        mustChangePassword: true,
      });

      const temporary = temporaryPasswordIn(flashes(res.text));
      expect(temporary).toMatch(/^[A-Za-z2-9]{14}$/);
      expect(res.text).toContain('tanaka.hanako');

      const again = await admin.get(userPage);
      expect(temporaryPasswordIn(flashes(again.text))).toBeNull();
      expect(again.text).not.toContain(temporary!);
      expect(t.rawLog()).not.toContain(temporary!);

      // The temporary password works, and leads straight to the password page and nowhere else.
      const { agent, res: login } = await tryLogin(t, 'tanaka.hanako', temporary!);
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/account/password');
      const dashboard = await agent.get('/');
      expect(dashboard.status).toBe(303);
      expect(dashboard.headers.location).toBe('/account/password');

      const newPassword = '市民課で改善を始めます２０２５';
      const changed = await postForm(
        agent,
        '/account/password',
        { currentPassword: temporary!, newPassword, newPasswordConfirm: newPassword },
        '/account/password',
      );
      expect(changed.status).toBe(303);
      expect(changed.headers.location).toBe('/');
      expect((await agent.get('/')).status).toBe(200);
      expect((await users().findOneByOrFail({ id: row.id })).mustChangePassword).toBe(false);
    });

    describe('refuses bad input and shows the form again with everything typed', () => {
      const typed = async (): Promise<FormFields> => ({
        login: 'kenshu.taro',
        name: '研修 太郎',
        email: 'kenshu@example.jp',
        divisionId: String(await divisionId('412')),
        roles: ['staff', 'office'],
      });
      const cases: { what: string; change: FormFields; field: string; control: string; message: string | RegExp }[] = [
        {
          what: 'a login with a space',
          change: { login: 'kenshu taro' },
          field: 'login',
          control: 'login',
          message: 'ログインIDは半角英数字（. _ - も可）3〜64文字で、英数字で始めてください。',
        },
        { what: 'no role', change: { roles: undefined }, field: 'roles', control: 'role-staff', message: '役割を1つ以上選んでください。' },
        {
          what: 'a login already used (in another case)',
          change: { login: 'Demo-Staff' },
          field: 'login',
          control: 'login',
          message: 'ログインID「demo-staff」は既に使われています。',
        },
        {
          what: 'a malformed email',
          change: { email: 'kenshu@@example' },
          field: 'email',
          control: 'email',
          message: 'メールアドレスの形式が正しくありません。',
        },
      ];

      it.each(cases)('$what', async ({ change, field, control, message }) => {
        const before = await users().count();
        const fields = { ...(await typed()), ...change };
        const res = await postForm(admin, '/admin/users', fields, '/admin/users/new');

        expect(res.status).toBe(422);
        expect(errorSummary(res.text)).toContain(message);
        expect(summaryIsAboveForm(res.text)).toBe(true);
        expect(fieldError(res.text, field)).toBe(message);
        expect(errorIsBesideField(res.text, control, field)).toBe(true);
        if (field !== 'roles') expect(hasFlag(res.text, control, 'aria-invalid')).toBe(true);

        expect(inputValue(res.text, 'login')).toBe(fields.login);
        expect(inputValue(res.text, 'name')).toBe('研修 太郎');
        expect(inputValue(res.text, 'email')).toBe(fields.email);
        expect(selectedValues(res.text, 'divisionId')).toEqual([fields.divisionId]);
        expect(checkedValues(res.text, 'roles').sort()).toEqual(((fields.roles as string[] | undefined) ?? []).slice().sort());

        expect(await users().count()).toBe(before);
        expect(await users().findOneBy({ login: 'kenshu.taro' })).toBeNull();
      });
    });

    it('edits roles and division', async () => {
      const user = await createUser(t, { roles: ['staff'], login: 'henshu-user', name: '編集 対象', divisionCode: '411' });
      const form = await admin.get(`/admin/users/${user.id}`);
      expect(form.status).toBe(200);
      expect(inputValue(form.text, 'name')).toBe('編集 対象');
      expect(selectedValues(form.text, 'divisionId')).toEqual([String(await divisionId('411'))]);
      expect(checkedValues(form.text, 'roles')).toEqual(['staff']);

      const finance = await divisionId('311');
      const res = await postForm(admin, `/admin/users/${user.id}`, {
        name: '編集 済子',
        email: '',
        divisionId: String(finance),
        roles: ['reviewer', 'staff'],
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/users/${user.id}`);

      const row = await users().findOneByOrFail({ id: user.id });
      expect(row).toMatchObject({ login: 'henshu-user', name: '編集 済子', email: null, divisionId: finance, roles: ['staff', 'reviewer'] });

      const page = await admin.get(res.headers.location);
      expect(flashes(page.text).join()).toContain('編集 済子さんの情報を更新しました。');
      expect(selectedValues(page.text, 'divisionId')).toEqual([String(finance)]);
      expect(checkedValues(page.text, 'roles').sort()).toEqual(['reviewer', 'staff']);

      // A refused edit changes nothing and keeps what was typed.
      const refused = await postForm(admin, `/admin/users/${user.id}`, {
        name: '　',
        email: 'henshu@example.jp',
        divisionId: String(finance),
        roles: ['office'],
      });
      expect(refused.status).toBe(422);
      expect(fieldError(refused.text, 'name')).toBe('氏名を入力してください。');
      expect(inputValue(refused.text, 'email')).toBe('henshu@example.jp');
      expect(checkedValues(refused.text, 'roles')).toEqual(['office']);
      expect(refused.text).toContain('henshu-user'); // the header still names the record being edited
      expect(await users().findOneByOrFail({ id: user.id })).toMatchObject({ name: '編集 済子', roles: ['staff', 'reviewer'] });
    });

    it('disables an account (its sessions end, it cannot log in) and enables it again', async () => {
      const user = await createUser(t, { roles: ['staff'], login: 'muko-user', name: '無効 予定' });
      const session = await signIn(t, user.login);
      expect((await session.get('/')).status).toBe(200);

      const res = await postForm(admin, `/admin/users/${user.id}/disable`, { confirm: 'on' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/users/${user.id}`);
      expect((await users().findOneByOrFail({ id: user.id })).disabled).toBe(true);
      const page = await admin.get(res.headers.location);
      expect(flashes(page.text).join()).toContain('無効にしました');
      expect(page.text).toContain('アカウントを有効にする');

      const after = await session.get('/');
      expect(after.status).toBe(303);
      expect(after.headers.location).toMatch(/^\/login/);
      expect((await tryLogin(t, user.login, TEST_PASSWORD)).res.status).toBe(422);

      expect(listedLogins((await admin.get('/admin/users').query({ q: 'muko' })).text)).toEqual([]);
      const withDisabled = await admin.get('/admin/users').query({ q: 'muko', disabled: '1' });
      expect(tableRows(withDisabled.text)).toEqual([['muko-user', '無効 予定', '', '職員', '無効']]);

      const enabled = await postForm(admin, `/admin/users/${user.id}/enable`, {});
      expect(enabled.status).toBe(303);
      expect((await users().findOneByOrFail({ id: user.id })).disabled).toBe(false);
      expect((await tryLogin(t, user.login, TEST_PASSWORD)).res.status).toBe(303);
    });

    it('does not let an admin disable their own account', async () => {
      const res = await postForm(admin, `/admin/users/${adminUser.id}/disable`, { confirm: 'on' });
      expect(res.status).toBe(422);
      expect(errorSummary(res.text)).toEqual(['自分自身のアカウントは無効にできません。']);
      expect((await users().findOneByOrFail({ id: adminUser.id })).disabled).toBe(false);
      expect((await admin.get('/admin/users')).status).toBe(200);
    });

    it('shows the admin their own record unchanged beside the refusal to disable it', async () => {
      const res = await postForm(admin, `/admin/users/${adminUser.id}/disable`, { confirm: 'on' });
      expect(res.status).toBe(422);
      // The page is the edit form of this user; it must show the user's values, not an empty form.
      expect(inputValue(res.text, 'name')).toBe(adminUser.name);
      expect(checkedValues(res.text, 'roles').sort()).toEqual(['admin', 'staff']);
      expect(selectedValues(res.text, 'divisionId')).toEqual([String(adminUser.divisionId)]);
    });

    it('resets a password: a new temporary password, and every session of that user ends', async () => {
      const user = await createUser(t, { roles: ['staff'], login: 'reset-user', name: '再設定 対象' });
      const office = await signIn(t, user.login);
      const home = await signIn(t, user.login);
      expect(await t.dataSource.getRepository(SessionRecord).countBy({ userId: user.id })).toBe(2);
      const adminSessions = await t.dataSource.getRepository(SessionRecord).countBy({ userId: adminUser.id });

      const res = await postForm(admin, `/admin/users/${user.id}/reset-password`, {});
      // shown in the answer to the post itself, so it is never stored (issue 10)
      expect(res.status).toBe(200);
      const temporary = temporaryPasswordIn(flashes(res.text));
      expect(temporary).toMatch(/^[A-Za-z2-9]{14}$/);

      expect((await users().findOneByOrFail({ id: user.id })).mustChangePassword).toBe(true);
      expect(await t.dataSource.getRepository(SessionRecord).countBy({ userId: user.id })).toBe(0);
      expect(await t.dataSource.getRepository(SessionRecord).countBy({ userId: adminUser.id })).toBe(adminSessions);
      for (const agent of [office, home]) {
        const after = await agent.get('/');
        expect(after.status).toBe(303);
        expect(after.headers.location).toMatch(/^\/login/);
      }

      expect((await tryLogin(t, user.login, TEST_PASSWORD)).res.status).toBe(422);
      const { res: login } = await tryLogin(t, user.login, temporary!);
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/account/password');
    });
  });

  describe('divisions', () => {
    it('lists the seeded organization as a tree of 局・区, 部 and 課', async () => {
      const res = await admin.get('/admin/divisions');
      expect(res.status).toBe(200);
      const seeded = tableRowsRaw(res.text).filter((row) => /^[1-4]\d\d$/.test(row.cells[1].replace(/<[^>]+>/g, '').trim()));
      const summary = seeded.map((row) => {
        const cells = row.cells.map((c) => c.replace(/<[^>]+>/g, '').trim());
        const depth = /tree--depth-(\d)/.exec(row.cells[0])![1];
        return `${depth}:${cells[0]}:${cells[1]}:${cells[2]}`;
      });
      expect(summary).toEqual([
        '0:総務局:100:局・区',
        '1:総務部:110:部',
        '2:総務課:111:課',
        '2:人事課:112:課',
        '1:行政改革部:120:部',
        '2:改革推進課:121:課',
        '2:情報政策課:122:課',
        '0:市民局:200:局・区',
        '1:市民生活部:210:部',
        '2:市民課:211:課',
        '2:区政推進課:212:課',
        '0:財政局:300:局・区',
        '1:財政部:310:部',
        '2:財政課:311:課',
        '2:契約課:312:課',
        '0:中央区:400:局・区',
        '1:区民部:410:部',
        '2:区民課:411:課',
        '2:保険年金課:412:課',
      ]);
    });

    it('creates a section under a department', async () => {
      const department = await divisionId('210');
      const res = await postForm(
        admin,
        '/admin/divisions',
        { code: '213', name: '市民協働課', kind: 'section', parentId: String(department), validFrom: '2024-04-01', validTo: '', sortOrder: '213' },
        '/admin/divisions/new',
      );
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin/divisions');
      const row = await divisions().findOneByOrFail({ code: '213' });
      expect(row).toMatchObject({ name: '市民協働課', kind: 'section', parentId: department, validFrom: '2024-04-01', validTo: null, sortOrder: 213 });

      const list = await admin.get('/admin/divisions');
      expect(flashes(list.text)).toContain('「市民協働課」を登録しました。');
      const names = tableRows(list.text).map((cells) => cells[0]);
      expect(names.indexOf('市民協働課')).toBe(names.indexOf('区政推進課') + 1);

      const userForm = await admin.get('/admin/users/new');
      expect(selectOptions(userForm.text, 'divisionId')).toContainEqual({ value: String(row.id), label: '市民局 > 市民生活部 > 市民協働課', selected: false });
    });

    describe('refuses an impossible division and keeps what was typed', () => {
      it('a 局・区 under a 課', async () => {
        const before = await divisions().count();
        const section = await divisionId('211');
        const res = await postForm(
          admin,
          '/admin/divisions',
          { code: '900', name: '未来局', kind: 'bureau', parentId: String(section), validFrom: '2024-04-01', validTo: '', sortOrder: '' },
          '/admin/divisions/new',
        );
        expect(res.status).toBe(422);
        const message = '局・区の上位には課は置けません（局・区 → 部 → 課 の順です）。';
        expect(fieldError(res.text, 'parentId')).toBe(message);
        expect(errorIsBesideField(res.text, 'parentId', 'parentId')).toBe(true);
        expect(errorSummary(res.text)).toEqual([message]);
        expect(summaryIsAboveForm(res.text)).toBe(true);
        expect(inputValue(res.text, 'code')).toBe('900');
        expect(inputValue(res.text, 'name')).toBe('未来局');
        expect(selectedValues(res.text, 'kind')).toEqual(['bureau']);
        expect(await divisions().count()).toBe(before);
      });

      it('a code that an existing division still uses', async () => {
        const before = await divisions().count();
        const department = await divisionId('110');
        const res = await postForm(
          admin,
          '/admin/divisions',
          { code: '111', name: '第二総務課', kind: 'section', parentId: String(department), validFrom: '2024-04-01', validTo: '', sortOrder: '' },
          '/admin/divisions/new',
        );
        expect(res.status).toBe(422);
        expect(fieldError(res.text, 'code')).toBe('コード「111」は「総務課」が使用中です。先にその組織の廃止日を設定してください。');
        expect(errorIsBesideField(res.text, 'code', 'code')).toBe(true);
        expect(inputValue(res.text, 'name')).toBe('第二総務課');
        expect(selectedValues(res.text, 'parentId')).toEqual([String(department)]);
        expect(await divisions().count()).toBe(before);
      });

      it('an end date before the start date', async () => {
        const before = await divisions().count();
        const department = await divisionId('210');
        const res = await postForm(
          admin,
          '/admin/divisions',
          { code: '214', name: '短命課', kind: 'section', parentId: String(department), validFrom: '2025-04-01', validTo: '2025-03-31', sortOrder: '' },
          '/admin/divisions/new',
        );
        expect(res.status).toBe(422);
        expect(fieldError(res.text, 'validTo')).toBe('廃止日は設置日以降の日付にしてください。');
        expect(errorIsBesideField(res.text, 'validTo', 'validTo')).toBe(true);
        expect(inputValue(res.text, 'validFrom')).toBe('2025-04-01');
        expect(inputValue(res.text, 'validTo')).toBe('2025-03-31');
        expect(await divisions().count()).toBe(before);
      });
    });

    describe('reorganization: ending a section', () => {
      let member: User;
      let ended: Division;

      beforeAll(async () => {
        member = await createUser(t, { roles: ['staff'], login: 'kusei-member', name: '区政 職員', divisionCode: '212' });
        ended = await divisions().findOneByOrFail({ code: '212' });
        const res = await postForm(admin, `/admin/divisions/${ended.id}`, {
          name: '区政推進課',
          parentId: String(ended.parentId),
          validTo: '2024-03-31',
          sortOrder: '212',
        });
        expect(res.status).toBe(303);
      });

      it('records the end date and hides the section from the default list, but not from ?ended=1', async () => {
        expect((await divisions().findOneByOrFail({ id: ended.id })).validTo).toBe('2024-03-31');

        const current = await admin.get('/admin/divisions');
        expect(tableRows(current.text).map((cells) => cells[1])).not.toContain('212');

        const withEnded = await admin.get('/admin/divisions?ended=1');
        const index = tableRows(withEnded.text).findIndex((cells) => cells[1] === '212');
        expect(index).toBeGreaterThanOrEqual(0);
        expect(tableRowsRaw(withEnded.text)[index].tr).toContain('is-ended');
        expect(tableRows(withEnded.text)[index]).toEqual(['区政推進課', '212', '課', expect.any(String), expect.stringContaining('廃止')]);
      });

      it('no longer offers the section in the user form', async () => {
        const form = await admin.get('/admin/users/new');
        const values = selectOptions(form.text, 'divisionId').map((o) => o.value);
        expect(values).not.toContain(String(ended.id));
        expect(values).toContain(String(await divisionId('211')));
      });

      it('still shows the section for a user who belonged to it', async () => {
        const list = await admin.get('/admin/users').query({ q: 'kusei-member' });
        expect(tableRows(list.text)).toEqual([['kusei-member', '区政 職員', '区政推進課', '職員', '有効']]);
        const own = await signIn(t, member.login);
        expect((await own.get('/')).text).toContain('区政推進課');
      });

      it('keeps that user in the section when the admin saves the user form unchanged', async () => {
        const form = await admin.get(`/admin/users/${member.id}`);
        expect(form.status).toBe(200);
        // Send back exactly what a browser would send for the form as shown.
        const res = await postForm(admin, `/admin/users/${member.id}`, {
          name: inputValue(form.text, 'name') ?? '',
          email: inputValue(form.text, 'email') ?? '',
          divisionId: selectedValues(form.text, 'divisionId')[0] ?? '',
          roles: checkedValues(form.text, 'roles'),
        });
        expect(res.status).toBe(303);
        expect((await users().findOneByOrFail({ id: member.id })).divisionId).toBe(ended.id);
      });

      it('refuses to end a department whose sections still exist', async () => {
        const department = await divisions().findOneByOrFail({ code: '210' });
        const res = await postForm(admin, `/admin/divisions/${department.id}`, {
          name: department.name,
          parentId: String(department.parentId),
          validTo: '2024-03-31',
          sortOrder: String(department.sortOrder),
        });
        expect(res.status).toBe(422);
        expect(fieldError(res.text, 'validTo')).toMatch(/^下位組織「.+」が存続しているため廃止できません。/);
        expect(errorIsBesideField(res.text, 'validTo', 'validTo')).toBe(true);
        expect(inputValue(res.text, 'validTo')).toBe('2024-03-31');
        expect((await divisions().findOneByOrFail({ id: department.id })).validTo).toBeNull();
      });

      it('refuses to end a department whose section exists today but is scheduled to end later', async () => {
        const bureau = await divisionId('400');
        const createdDept = await postForm(admin, '/admin/divisions', {
          code: '420',
          name: '地域振興部',
          kind: 'department',
          parentId: String(bureau),
          validFrom: '2020-04-01',
          validTo: '',
          sortOrder: '',
        });
        expect(createdDept.status).toBe(303);
        const department = await divisions().findOneByOrFail({ code: '420' });
        const createdSection = await postForm(admin, '/admin/divisions', {
          code: '421',
          name: '地域振興課',
          kind: 'section',
          parentId: String(department.id),
          validFrom: '2020-04-01',
          validTo: '2099-03-31',
          sortOrder: '',
        });
        expect(createdSection.status).toBe(303);

        const res = await postForm(admin, `/admin/divisions/${department.id}`, {
          name: department.name,
          parentId: String(bureau),
          validTo: '2024-03-31',
          sortOrder: '0',
        });
        expect(res.status).toBe(422);
        expect(fieldError(res.text, 'validTo')).toMatch(/地域振興課.*廃止できません/);
        expect((await divisions().findOneByOrFail({ id: department.id })).validTo).toBeNull();
      });
    });
  });

  describe('categories', () => {
    it('has the 11 default categories after migration, in the domain order', async () => {
      const rows = await categories().find({ order: { sortOrder: 'ASC', id: 'ASC' } });
      expect(rows.map((c) => c.name)).toEqual(DOMAIN_CATEGORIES);
      expect(rows.every((c) => c.active)).toBe(true);
      // The order lives in the sort order itself (not in the insertion order), so the office can put a
      // new category between two defaults and can see the numbers on the page.
      const orders = rows.map((c) => c.sortOrder);
      for (let i = 1; i < orders.length; i++) expect(orders[i]).toBeGreaterThan(orders[i - 1]);

      const page = await admin.get('/admin/categories');
      expect(page.status).toBe(200);
      expect(tableRows(page.text).map((cells) => cells[1])).toEqual(DOMAIN_CATEGORIES);
      expect(tableRows(page.text).map((cells) => cells[0])).toEqual(orders.map(String));
    });

    it('creates a category that is in use (the box is checked, as the new form shows it)', async () => {
      const form = await admin.get('/admin/categories/new');
      expect(hasFlag(form.text, 'active', 'checked')).toBe(true);
      const created = await postForm(
        admin,
        '/admin/categories',
        { name: '観光・シティプロモーション', sortOrder: '105', active: 'on' },
        '/admin/categories/new',
      );
      expect(created.status).toBe(303);
      expect(created.headers.location).toBe('/admin/categories');
      const row = await categories().findOneByOrFail({ name: '観光・シティプロモーション' });
      expect(row).toMatchObject({ sortOrder: 105, active: true });

      const list = await admin.get('/admin/categories');
      expect(flashes(list.text)).toContain('提案分野「観光・シティプロモーション」を登録しました。');
      expect(tableRows(list.text)).toContainEqual(['105', '観光・シティプロモーション', '使用中']);
    });

    it('renames a category and keeps it in use', async () => {
      const row = await categories().save(categories().create({ name: '防災・危機管理', sortOrder: 95, active: true }));
      const form = await admin.get(`/admin/categories/${row.id}`);
      expect(inputValue(form.text, 'name')).toBe('防災・危機管理');
      expect(hasFlag(form.text, 'active', 'checked')).toBe(true);

      const renamed = await postForm(admin, `/admin/categories/${row.id}`, { name: '防災・減災', sortOrder: '95', active: 'on' });
      expect(renamed.status).toBe(303);
      expect(renamed.headers.location).toBe('/admin/categories');
      expect(await categories().findOneByOrFail({ id: row.id })).toMatchObject({ name: '防災・減災', active: true, sortOrder: 95 });
      expect(await categories().findOneBy({ name: '防災・危機管理' })).toBeNull();
      expect(flashes((await admin.get('/admin/categories')).text)).toContain('提案分野「防災・減災」を更新しました。');
    });

    it('deactivates a category when its box is unchecked', async () => {
      const row = await categories().save(categories().create({ name: '観光振興', sortOrder: 106, active: true }));
      // An unchecked box sends no "active" field at all.
      const deactivated = await postForm(admin, `/admin/categories/${row.id}`, { name: '観光振興', sortOrder: '106' });
      expect(deactivated.status).toBe(303);
      expect(await categories().findOneByOrFail({ id: row.id })).toMatchObject({ name: '観光振興', active: false });
      const after = await admin.get('/admin/categories');
      expect(tableRows(after.text).find((cells) => cells[1] === '観光振興')).toEqual(['106', '観光振興', '使用しない']);
      expect(hasFlag((await admin.get(`/admin/categories/${row.id}`)).text, 'active', 'checked')).toBe(false);
    });

    it('refuses a duplicate name with a message and keeps the input', async () => {
      const before = await categories().count();
      // Full-width spaces around the name, as an IME leaves them, do not make it a different name.
      const res = await postForm(admin, '/admin/categories', { name: '　庶務事務　', sortOrder: '5' }, '/admin/categories/new');
      expect(res.status).toBe(422);
      expect(fieldError(res.text, 'name')).toBe('「庶務事務」は既に登録されています。');
      expect(errorIsBesideField(res.text, 'name', 'name')).toBe(true);
      expect(errorSummary(res.text)).toEqual(['「庶務事務」は既に登録されています。']);
      expect(summaryIsAboveForm(res.text)).toBe(true);
      expect(inputValue(res.text, 'name')?.trim()).toBe('庶務事務');
      expect(inputValue(res.text, 'sortOrder')).toBe('5');
      expect(hasFlag(res.text, 'active', 'checked')).toBe(false);
      expect(await categories().count()).toBe(before);

      const other = await categories().findOneByOrFail({ name: '人材育成' });
      const rename = await postForm(admin, `/admin/categories/${other.id}`, { name: 'その他', sortOrder: '77' });
      expect(rename.status).toBe(422);
      expect(fieldError(rename.text, 'name')).toBe('「その他」は既に登録されています。');
      expect(inputValue(rename.text, 'name')).toBe('その他');
      expect(inputValue(rename.text, 'sortOrder')).toBe('77');
      expect(await categories().findOneByOrFail({ id: other.id })).toMatchObject({ name: '人材育成', active: true, sortOrder: other.sortOrder });
    });
  });
});

describe('settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
  });
  afterAll(() => t.close());

  it('changes the default opinion due period used when routing, and refuses nonsense with the input kept', async () => {
    const admin = await signIn(t, 'demo-admin', DEMO_PASSWORD);
    expect((await admin.get('/admin/settings')).text).toContain('value="30"');
    const token = await csrfToken(admin, '/admin/settings');
    const bad = await admin.post('/admin/settings').type('form').send({ _csrf: token, opinionDueDays: '400日' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('1〜365の整数');
    expect(bad.text).toContain('value="400日"');
    const ok = await admin.post('/admin/settings').type('form').send({ _csrf: token, opinionDueDays: '１４' });
    expect(ok.status).toBe(303);
    expect(await t.app.get(SettingsService).opinionDueDays()).toBe(14);
  });
});
