import TestAgent from 'supertest/lib/agent';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { KaizenAttachment, KaizenMember } from '../../src/kaizen/kaizen.entities';
import { Notification } from '../../src/notifications/notification.entity';
import { Division } from '../../src/organization/division.entity';
import { User } from '../../src/users/user.entity';
import { fileKaizen, kaizenHistory, kaizenIdFrom, kaizenStep, loadKaizen, PNG, sendKaizenForm, validKaizen } from '../factories/kaizen';
import { postForm } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * The カイゼン report lane (実績報告, issue 13) through HTTP: a member of staff files a report with a
 * colleague and a photo, the 所属長 of the same 課 returns it with a comment and confirms it once fixed,
 * the office publishes it and every member of staff reads it among the cases. Refused steps change
 * nothing; nothing of an unpublished report reaches other staff.
 */
describe('カイゼン reports (実績報告)', () => {
  let t: TestApp;
  let reporter: TestAgent;
  let head: TestAgent;
  let office: TestAgent;
  let member: TestAgent;
  let otherStaff: TestAgent;
  let otherHead: TestAgent;
  let ids: { reporter: number; head: number; member: number; office: number; otherHead: number };
  let reportId: number;
  const title = '住民票の窓口で受付票をタブレット入力にした';
  const returnComment = '削減時間の根拠（件数×分）を効果の説明に書いてください。';

  const userId = async (login: string) => (await t.dataSource.getRepository(User).findOneByOrFail({ login })).id;
  const notificationsOf = (id: number) => t.dataSource.getRepository(Notification).find({ where: { userId: id }, order: { id: 'ASC' } });

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    t.clock.set('2026-06-10T10:00:00+09:00');
    reporter = await signIn(t, 'demo-staff', DEMO_PASSWORD); // 区民課 (411)
    head = await signIn(t, 'demo-head', DEMO_PASSWORD); // 区民課長
    office = await signIn(t, 'demo-office', DEMO_PASSWORD);
    await createUser(t, { roles: ['staff'], login: 'kz-member', name: '森 由美', divisionCode: '411' });
    member = await signIn(t, 'kz-member');
    await createUser(t, { roles: ['staff'], login: 'kz-other', name: '別課 職員', divisionCode: '211' });
    otherStaff = await signIn(t, 'kz-other');
    await createUser(t, { roles: ['staff', 'head'], login: 'kz-other-head', name: '別課 課長', divisionCode: '412' });
    otherHead = await signIn(t, 'kz-other-head');
    ids = {
      reporter: await userId('demo-staff'),
      head: await userId('demo-head'),
      member: await userId('kz-member'),
      office: await userId('demo-office'),
      otherHead: await userId('kz-other-head'),
    };
  });
  afterAll(() => t.close());

  it('files a report with a member and a photo: numbered, sent to the 所属長 of the 課, who is told', async () => {
    const res = await sendKaizenForm(reporter, { ...validKaizen({ title, members: 'kz-member' }), intent: 'submit' }, [{ name: '改善後.png', content: PNG }]);
    expect(res.status).toBe(303);
    reportId = kaizenIdFrom(res.headers.location);
    const report = await loadKaizen(t, reportId);
    const division = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '411' });
    expect(report).toMatchObject({
      status: 'submitted',
      number: 'K2026-0001',
      fiscalYear: 2026,
      reporterId: ids.reporter,
      reporterDivisionId: division.id,
      effectHours: 1200,
      effectYen: null,
      doneOn: '2026-05-20',
    });
    expect(await t.dataSource.getRepository(KaizenMember).find({ where: { reportId } })).toEqual([{ reportId, userId: ids.member }]);
    const files = await t.dataSource.getRepository(KaizenAttachment).find({ where: { reportId } });
    expect(files.map((f) => [f.fileName, f.mediaType])).toEqual([['改善後.png', 'image/png']]);
    expect((await kaizenHistory(t, reportId)).map((h) => [h.action, h.fromStatus, h.toStatus])).toEqual([
      ['create', null, 'draft'],
      ['submit', 'draft', 'submitted'],
    ]);
    expect((await notificationsOf(ids.head)).map((n) => n.message)).toEqual([expect.stringContaining(`K2026-0001「${title}」が提出されました`)]);
    expect(await notificationsOf(ids.otherHead)).toEqual([]);
    // opening it (on the site, as from the mail) leads to the report
    const [notice] = await notificationsOf(ids.head);
    expect(notice.link).toBe(`/kaizen/${reportId}`);
    const opened = await postForm(head, `/notifications/${notice.id}/open`, {}, '/notifications');
    expect([opened.status, opened.headers.location]).toEqual([303, `/kaizen/${reportId}`]);

    const page = await reporter.get(`/kaizen/${reportId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('所属長に提出しました（報告番号 K2026-0001）。');
    expect(page.text).toContain('森 由美');
    expect(page.text).toContain('1,200 時間／年');
    expect(page.text).toContain('伊藤 和子');
    const download = await reporter.get(`/kaizen/${reportId}/files/${files[0].id}`);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.headers['content-disposition']).toContain('attachment');
  });

  it('shows the report to its member and its 所属長, and to no one else before it is published', async () => {
    expect((await member.get(`/kaizen/${reportId}`)).status).toBe(200);
    expect((await member.get('/kaizen')).text).toContain(title);
    const headList = await head.get('/kaizen');
    expect(headList.text).toMatch(new RegExp(`確認待ち（所属長）[\\s\\S]*${title}[\\s\\S]*自分の報告`));
    expect((await office.get(`/kaizen/${reportId}`)).status).toBe(200);

    for (const agent of [otherStaff, otherHead]) {
      expect((await agent.get(`/kaizen/${reportId}`)).status).toBe(404);
      expect((await agent.get(`/kaizen/${reportId}/files/1`)).status).toBe(404);
      const list = await agent.get('/kaizen');
      expect(list.status).toBe(200);
      expect(list.text).not.toContain(title);
      for (const path of ['/', '/proposals', '/adopted', '/notifications']) expect((await agent.get(path)).text).not.toContain(title);
    }
    // a 所属長 of another 課 cannot act on it: the same 404, and nothing changes
    const before = await loadKaizen(t, reportId);
    expect((await kaizenStep(t, otherHead, reportId, 'confirm')).status).toBe(404);
    expect((await kaizenStep(t, otherHead, reportId, 'return', { comment: '違う課です' })).status).toBe(404);
    // nor can the office or the reporter confirm (only the 所属長 does)
    expect((await kaizenStep(t, office, reportId, 'confirm')).status).toBe(404);
    expect((await kaizenStep(t, reporter, reportId, 'confirm')).status).toBe(404);
    // a step of the office's, by staff: the route's role
    expect((await kaizenStep(t, member, reportId, 'publish', { confirm: 'on' })).status).toBe(403);
    expect(await loadKaizen(t, reportId)).toEqual(before);
  });

  it('the 所属長 returns it with a comment, which the reporter reads; a return without a comment is refused', async () => {
    const empty = await kaizenStep(t, head, reportId, 'return', { comment: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('報告者へのコメント（直してほしい点）を入力してください。');
    expect((await loadKaizen(t, reportId)).status).toBe('submitted');

    const stale = await kaizenStep(t, head, reportId, 'return', { comment: returnComment, version: '1' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('ほかの操作で更新されています');
    expect((await loadKaizen(t, reportId)).status).toBe('submitted');

    expect((await kaizenStep(t, head, reportId, 'return', { comment: returnComment })).status).toBe(303);
    expect((await loadKaizen(t, reportId)).status).toBe('returned');
    const page = await reporter.get(`/kaizen/${reportId}`);
    expect(page.text).toContain('所属長からの差戻し');
    expect(page.text).toContain(returnComment);
    expect((await reporter.get(`/kaizen/${reportId}/edit`)).text).toContain(returnComment);
    expect((await notificationsOf(ids.reporter)).at(-1)?.message).toContain('差し戻されました');
    // the head cannot confirm a returned report
    expect((await kaizenStep(t, head, reportId, 'confirm')).status).toBe(409);
  });

  it('the reporter fixes and resubmits it: same number, sent to the 所属長 again', async () => {
    const res = await sendKaizenForm(
      reporter,
      {
        ...validKaizen({ title, members: 'kz-member', effectText: '1日20件×10分×240日＝約800時間。転記ミスもなくなった。', effectHours: '800' }),
        intent: 'submit',
      },
      [],
      `/kaizen/${reportId}/edit`,
    );
    expect(res.status).toBe(303);
    expect(await loadKaizen(t, reportId)).toMatchObject({ status: 'submitted', number: 'K2026-0001', effectHours: 800 });
    const history = await kaizenHistory(t, reportId);
    expect(history.map((h) => [h.action, h.fromStatus, h.toStatus, h.comment])).toEqual([
      ['create', null, 'draft', null],
      ['submit', 'draft', 'submitted', null],
      ['return', 'submitted', 'returned', returnComment],
      ['submit', 'returned', 'submitted', null],
    ]);
    expect((await reporter.get(`/kaizen/${reportId}`)).text).toContain('再提出');
    // an edit of a report that is with the 所属長 is refused
    const late = await sendKaizenForm(
      reporter,
      { ...validKaizen({ title }), intent: 'draft', version: String((await loadKaizen(t, reportId)).version) },
      [],
      '/kaizen/new',
    );
    expect(late.status).toBe(303); // (a new draft: /kaizen/new is always open)
    expect((await reporter.get(`/kaizen/${reportId}/edit`)).status).toBe(409);
  });

  it('the 所属長 confirms it; the reporter and the office are told; the office sees it waiting for publication', async () => {
    expect((await kaizenStep(t, head, reportId, 'confirm')).status).toBe(303);
    expect(await loadKaizen(t, reportId)).toMatchObject({ status: 'confirmed', confirmedBy: ids.head });
    expect((await notificationsOf(ids.reporter)).at(-1)?.message).toContain('所属長（伊藤 和子さん）が確認しました');
    expect((await notificationsOf(ids.office)).at(-1)?.message).toContain('確認済・公開待ち');
    expect((await office.get('/kaizen')).text).toMatch(new RegExp(`確認済（公開待ち）[\\s\\S]*${title}`));
    // confirmed, not yet published: still nobody else's
    expect((await otherStaff.get(`/kaizen/${reportId}`)).status).toBe(404);
  });

  it('the office publishes it (with the confirmation ticked) and nominates it; any staff then reads it among the cases', async () => {
    const unticked = await kaizenStep(t, office, reportId, 'publish');
    expect(unticked.status).toBe(422);
    expect(unticked.text).toContain('公開するには「全職員に公開します」にチェックを入れてください。');
    expect((await loadKaizen(t, reportId)).status).toBe('confirmed');

    expect((await kaizenStep(t, office, reportId, 'publish', { confirm: 'on' })).status).toBe(303);
    expect((await loadKaizen(t, reportId)).status).toBe('published');
    expect((await notificationsOf(ids.member)).at(-1)?.message).toContain('全職員に公開されました');
    expect((await kaizenStep(t, office, reportId, 'publish', { confirm: 'on' })).status).toBe(409);

    expect((await kaizenStep(t, office, reportId, 'nominate', { confirm: 'on' })).status).toBe(303);
    expect((await loadKaizen(t, reportId)).nominatedAt).not.toBeNull();
    expect((await kaizenStep(t, office, reportId, 'nominate', { confirm: 'on' })).status).toBe(409);
    expect((await office.get(`/kaizen/${reportId}`)).text).toContain('表彰に推薦');
    // the awards page of the report's year lists it for the office's decision
    const report = await loadKaizen(t, reportId);
    const awardsPage = await office.get(`/awards/manage/${report.fiscalYear}`);
    expect(/data-testid="kaizen-nominated">([\s\S]*?)<\/section>/.exec(awardsPage.text)?.[1]).toContain(`${report.number}</span> ${title}`);

    const cases = await otherStaff.get('/kaizen');
    expect(cases.text).toMatch(new RegExp(`公開されたカイゼン事例[\\s\\S]*${title}[\\s\\S]*削減時間 800 時間`));
    const page = await otherStaff.get(`/kaizen/${reportId}`);
    expect(page.status).toBe(200);
    // the 所属長's return was written to the reporter, the nomination is the office's: neither reaches other staff
    expect(page.text).not.toContain(returnComment);
    expect(page.text).not.toContain('表彰に推薦');
    expect(page.text).toContain('公開');
  });

  it('refuses bad input with Japanese messages and keeps what was typed', async () => {
    // what the form alone can tell, all at once
    const res = await sendKaizenForm(reporter, {
      ...validKaizen({ title: '入力ミスのある報告', problem: '', changeText: '', effectHours: '十時間' }),
      intent: 'submit',
    });
    expect(res.status).toBe(422);
    for (const message of ['改善前の状況を入力してください。', '改善した内容を入力してください。', '削減時間は0以上の整数（時間）で入力してください。'])
      expect(res.text).toContain(message);
    expect(res.text).not.toContain('削減時間が大きすぎます');
    expect(res.text).toContain('value="入力ミスのある報告"');
    expect(res.text).toContain('value="十時間"');
    // what needs today and the staff directory, all at once
    const fields = {
      ...validKaizen({ title: '日付とメンバーの誤り', doneOn: '2026-06-11', effectText: '', members: 'kz-member、だれでもない人' }),
      intent: 'submit',
    };
    const later = await sendKaizenForm(reporter, fields);
    expect(later.status).toBe(422);
    for (const message of ['実施日は今日までの日付を入力してください', '「だれでもない人」に当たる職員が見つかりません']) expect(later.text).toContain(message);
    expect(later.text).toContain('value="日付とメンバーの誤り"');
    expect(later.text).toContain('value="kz-member、だれでもない人"');
    expect(later.text).toContain('value="2026-06-11"');

    const noEffect = await sendKaizenForm(reporter, { ...validKaizen({ title: '効果のない報告', effectHours: '0', effectText: '' }), intent: 'submit' });
    expect(noEffect.status).toBe(422);
    expect(noEffect.text).toContain('効果を、削減時間・削減額・効果の説明のいずれかで入力してください。');
    expect(noEffect.text).toContain('value="効果のない報告"');
    // a draft needs its title only
    expect(
      (await sendKaizenForm(reporter, { ...validKaizen({ title: '書きかけ', problem: '', doneOn: '', effectHours: '', effectText: '' }), intent: 'draft' }))
        .status,
    ).toBe(303);
  });

  it('keeps drafts to the reporter and the members', async () => {
    const draftId = kaizenIdFrom(
      (await sendKaizenForm(reporter, { ...validKaizen({ title: '下書きの報告', members: 'kz-member' }), intent: 'draft' })).headers.location,
    );
    expect((await loadKaizen(t, draftId)).number).toBeNull();
    expect((await member.get(`/kaizen/${draftId}`)).status).toBe(200);
    for (const agent of [head, office, otherStaff]) expect((await agent.get(`/kaizen/${draftId}`)).status).toBe(404);
    // the member reads but does not edit it
    expect((await member.get(`/kaizen/${draftId}/edit`)).status).toBe(404);
  });

  it('numbers per fiscal year of the first submission', async () => {
    const second = await fileKaizen(reporter, { title: '二件目' });
    expect((await loadKaizen(t, second)).number).toBe('K2026-0002');
    t.clock.set('2027-04-01T00:10:00+09:00');
    const nextYear = await fileKaizen(reporter, { title: '翌年度の一件目' });
    expect(await loadKaizen(t, nextYear)).toMatchObject({ number: 'K2027-0001', fiscalYear: 2027 });
    t.clock.set('2026-06-10T10:00:00+09:00');
  });

  it('a report from a 課 without a 所属長 is submitted, says so, and is flagged on the office list', async () => {
    await createUser(t, { roles: ['staff'], login: 'kz-nohead', divisionCode: '311' });
    const lonely = await signIn(t, 'kz-nohead');
    expect((await lonely.get('/kaizen/new')).text).toContain('確認する所属長が登録されていません');
    const id = await fileKaizen(lonely, { title: '所属長のいない課の報告' });
    expect((await loadKaizen(t, id)).status).toBe('submitted');
    expect((await lonely.get(`/kaizen/${id}`)).text).toContain('この報告を確認できる所属長が登録されていません');
    const flagged = await office.get('/kaizen?noHead=1');
    expect(flagged.text).toContain('所属長のいない課の報告');
    expect(flagged.text).toContain('所属長が未登録');
    expect(flagged.text).not.toContain('二件目');
  });

  it('gives the dashboard its counts', async () => {
    const { KaizenService } = await import('../../src/kaizen/kaizen.service');
    const service = t.app.get(KaizenService);
    const headUser = await t.dataSource.getRepository(User).findOneByOrFail({ id: ids.head });
    const officeUser = await t.dataSource.getRepository(User).findOneByOrFail({ id: ids.office });
    // 二件目 and 翌年度の一件目 wait for 伊藤さん
    expect(await service.pendingFor(headUser)).toEqual({ waitingForConfirmation: 2, confirmedUnpublished: 0 });
    expect((await kaizenStep(t, head, await fileKaizen(reporter, { title: '三件目' }), 'confirm')).status).toBe(303);
    expect(await service.pendingFor(officeUser)).toEqual({ waitingForConfirmation: 0, confirmedUnpublished: 1 });
  });

  it('lets the reporter delete a file only while the report is theirs to edit', async () => {
    const res = await sendKaizenForm(reporter, { ...validKaizen({ title: '写真を消す報告' }), intent: 'draft' }, [{ name: 'a.png', content: PNG }]);
    const id = kaizenIdFrom(res.headers.location);
    const [file] = await t.dataSource.getRepository(KaizenAttachment).find({ where: { reportId: id } });
    expect((await postForm(reporter, `/kaizen/${id}/files/${file.id}/delete`, {}, `/kaizen/${id}`)).status).toBe(422);
    expect((await postForm(reporter, `/kaizen/${id}/files/${file.id}/delete`, { confirm: 'on' }, `/kaizen/${id}`)).status).toBe(303);
    expect(await t.dataSource.getRepository(KaizenAttachment).count({ where: { reportId: id } })).toBe(0);
  });
});
