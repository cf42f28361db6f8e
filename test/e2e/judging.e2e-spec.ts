import TestAgent from 'supertest/lib/agent';
import { JudgingRoundCriterion, JudgingScoreChange } from '../../src/judging/judging.entities';
import { Notification } from '../../src/notifications/notification.entity';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { createRound, roundAction, roundVersion, scoreEntry, sheet } from '../factories/judging';
import { advance, postForm, submitProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';
import { Division } from '../../src/organization/division.entity';

/**
 * 審査 through HTTP (issue 12): the office prepares a round, three judges score on their own, the
 * conflict of interest rule leaves cells out, the office closes and reads the ranking and its CSV;
 * a closed round refuses a late save without losing it; re-opening needs a reason.
 */
describe('review rounds (審査)', () => {
  let t: TestApp;
  let office: TestAgent;
  const judges: Record<'j1' | 'j2' | 'j3', TestAgent> = {} as never;
  const ids: Record<'a' | 'b' | 'c' | 'rejected', number> = {} as never;
  let roundId: number;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    t.clock.set('2026-12-05T10:00:00+09:00');
    office = await signIn(t, 'demo-office', DEMO_PASSWORD);
    const reviewer = await signIn(t, 'demo-reviewer', DEMO_PASSWORD);
    const divisionId = (await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' })).id;
    const proposerIn = async (code: string, login: string) => signIn(t, (await createUser(t, { roles: ['staff'], login, divisionCode: code })).login);
    // A from 区民課 (中央区), B from 市民課 (市民局), C from 財政課 (財政局)
    // B is written with a colleague from 保険年金課 (中央区), who accepts: both receive B's award
    const coproposer = await createUser(t, { roles: ['staff'], login: 'jd-co', divisionCode: '412', name: '共同 提案子' });
    const coAgent = await signIn(t, coproposer.login);
    for (const [key, code] of [
      ['a', '411'],
      ['b', '211'],
      ['c', '311'],
      ['rejected', '412'],
    ] as const) {
      const proposer = await proposerIn(code, `jd-proposer-${key}`);
      ids[key] = await submitProposal(proposer, { title: `審査対象${key.toUpperCase()}の提案`, ...(key === 'b' ? { coproposers: 'jd-co' } : {}) });
      if (key === 'b') expect((await postForm(coAgent, `/proposals/${ids.b}/coproposal/accept`, {}, `/proposals/${ids.b}`)).status).toBe(303);
      await advance(t, { office, reviewer, divisionId }, ids[key], 'decided', { decision: key === 'rejected' ? 'rejected' : 'adopted' });
    }
    // j1 from 総務局, j2 from 財政局 (C is its 局's), j3 from 市民局 (B is its 局's) — j3 is named for this round only
    await createUser(t, { roles: ['judge'], login: 'jd-j1', divisionCode: '100', name: '審査 一郎' });
    await createUser(t, { roles: ['judge'], login: 'jd-j2', divisionCode: '300', name: '審査 二郎' });
    await createUser(t, { roles: ['staff'], login: 'jd-j3', divisionCode: '200', name: '審査 三郎' });
    judges.j1 = await signIn(t, 'jd-j1');
    judges.j2 = await signIn(t, 'jd-j2');
    judges.j3 = await signIn(t, 'jd-j3');
  });
  afterAll(() => t.close());

  it('prepares a round: entries by year and decision, judges from the 審査員 role and by login id', async () => {
    roundId = await createRound(office, { blind: 'on' });
    const added = await postForm(
      office,
      `/judging/rounds/${roundId}/entries`,
      { mode: 'filter', decisions: ['adopted', 'partially_adopted'] },
      `/judging/rounds/${roundId}`,
    );
    expect(added.status).toBe(303);
    // (each page read shows the last action's message once)
    expect((await office.get(`/judging/rounds/${roundId}`)).text).toContain('3件の提案を対象に加えました。');
    const byNumber = await postForm(office, `/judging/rounds/${roundId}/entries`, { mode: 'numbers', numbers: 'R99-9999' }, `/judging/rounds/${roundId}`);
    expect(byNumber.status).toBe(303);
    const page = await office.get(`/judging/rounds/${roundId}`);
    expect(page.text).toContain('新しく加わった提案はありません');
    expect(page.text).toContain('次の提案番号は、提出された提案に見つかりませんでした：R99-9999');
    for (const key of ['a', 'b', 'c'] as const) expect(page.text).toContain(`審査対象${key.toUpperCase()}の提案`);
    expect(page.text).not.toContain('審査対象REJECTEDの提案');

    const j1 = await t.dataSource.query(`SELECT id FROM users WHERE login IN ('jd-j1', 'jd-j2') ORDER BY login`);
    const unknown = await postForm(
      office,
      `/judging/rounds/${roundId}/judges`,
      { judgeIds: j1.map((u: { id: number }) => String(u.id)), logins: 'jd-j3 nobody-here' },
      `/judging/rounds/${roundId}`,
    );
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('次のログインIDの有効な利用者はいません：nobody-here');
    expect(unknown.text).toContain('jd-j3 nobody-here'); // what was typed stays
    const saved = await postForm(
      office,
      `/judging/rounds/${roundId}/judges`,
      { judgeIds: j1.map((u: { id: number }) => String(u.id)), logins: 'jd-j3' },
      `/judging/rounds/${roundId}`,
    );
    expect(saved.status).toBe(303);
    const after = await office.get(`/judging/rounds/${roundId}`);
    expect(after.text).toContain('審査員を3人にしました。');
    // the conflicts are shown to the office before anyone scores
    expect(after.text).toContain('審査 三郎（自分の所属の提案）');
    expect(after.text).toContain('審査 二郎（自分の所属の提案）');
  });

  it('keeps a round from judges until it opens, then asks each judge by notification without naming anyone', async () => {
    expect((await judges.j1.get(`/scoring/${roundId}`)).status).toBe(404);
    const opened = await roundAction(t, office, roundId, 'open');
    expect(opened.status).toBe(303);
    const criteria = await t.dataSource.getRepository(JudgingRoundCriterion).find({ where: { roundId }, order: { position: 'ASC' } });
    expect(criteria.map((c) => [c.name, c.weight, c.scaleMax])).toEqual([
      ['独創性', 1, 5],
      ['実現性', 1, 5],
      ['効果（市民サービス・業務効率）', 2, 5],
      ['経済性（費用対効果）', 1, 5],
      ['汎用性（横展開の可能性）', 1, 5],
    ]);
    const notes = await t.dataSource.getRepository(Notification).find({ where: { kind: 'judging' } });
    expect(notes).toHaveLength(3);
    expect(notes[0].message).toBe('審査「一次審査」の採点をお願いします（3件、2026年12月1日〜2026年12月20日）。');
    // opening the notification goes to the judge's rounds
    const login = (await t.dataSource.query(`SELECT login FROM users WHERE id = ${notes[0].userId}`))[0].login as string;
    const openedNote = await postForm(await signIn(t, login), `/notifications/${notes[0].id}/open`, {}, '/notifications');
    expect(openedNote.headers.location).toBe('/scoring');
    const dashboard = await judges.j3.get('/');
    expect(dashboard.text).toContain('一次審査（2026年12月20日まで）');
    expect(dashboard.text).toMatch(/>0<span class="dash-stat__unit">\/ 2件 採点済/); // B is its 局's: two to score
    const list = await judges.j1.get('/scoring');
    expect(list.text).toContain(`href="/scoring/${roundId}"`);
    // entries and settings are fixed once the round runs
    const late = await postForm(office, `/judging/rounds/${roundId}/entries`, { mode: 'numbers', numbers: 'x' }, `/judging/rounds/${roundId}`);
    expect(late.status).toBe(409);
  });

  it('lets judges score, save part of a sheet and come back; refuses a conflict of interest and a bad score', async () => {
    const results: [keyof typeof judges, 'a' | 'b' | 'c', number[]][] = [
      ['j1', 'a', [5, 5, 5, 5, 5]],
      ['j1', 'b', [4, 4, 4, 4, 4]],
      ['j1', 'c', [3, 3, 3, 3, 3]],
      ['j2', 'a', [4, 4, 4, 4, 4]],
      ['j2', 'b', [5, 5, 5, 5, 5]],
      ['j3', 'a', [3, 3, 3, 3, 3]],
      ['j3', 'c', [5, 5, 5, 5, 4]],
    ];
    // part of a sheet first
    const partial = await scoreEntry(judges.j1, roundId, ids.a, sheet([5, '', '', '', ''], '独創的'));
    expect(partial.status).toBe(303);
    const back = await judges.j1.get(`/scoring/${roundId}/entries/${ids.a}`);
    expect(back.text).toMatch(/name="score1" value="5" checked/);
    expect(back.text).toContain('独創的</textarea>');
    expect((await judges.j1.get(`/scoring/${roundId}`)).text).toContain('採点途中');
    for (const [judge, entry, scores] of results) {
      const res = await scoreEntry(judges[judge], roundId, ids[entry], sheet(scores));
      expect(`${judge}/${entry}: ${res.status}`).toBe(`${judge}/${entry}: 303`);
    }
    const conflict = await scoreEntry(judges.j3, roundId, ids.b, sheet([5, 5, 5, 5, 5]));
    expect(conflict.status).toBe(409);
    const excluded = await judges.j3.get(`/scoring/${roundId}/entries/${ids.b}`);
    expect(excluded.text).toContain('自分の所属の提案のため採点しません');
    expect(excluded.text).not.toContain('name="score1"');
    const bad = await scoreEntry(judges.j2, roundId, ids.a, sheet([9, 4, 4, 4, 4], '書いたコメント'));
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('独創性の評点を 1〜5 から選んでください。');
    expect(bad.text).toContain('書いたコメント</textarea>');
    // the office moves the closing date: recorded with the reason, the judges told
    const extended = await postForm(
      office,
      `/judging/rounds/${roundId}/extend`,
      { version: await roundVersion(t, roundId), closesOn: '2026-12-22', reason: '発表会の日程変更' },
      `/judging/rounds/${roundId}`,
    );
    expect(extended.status).toBe(303);
    expect((await office.get(`/judging/rounds/${roundId}`)).text).toContain('締切日 2026年12月20日 → 2026年12月22日：発表会の日程変更');
    const told = await t.dataSource.getRepository(Notification).find({ where: { kind: 'judging' } });
    expect(told.filter((n) => n.message === '審査「一次審査」の締切日が2026年12月22日に変わりました。')).toHaveLength(3);
    const past = await postForm(
      office,
      `/judging/rounds/${roundId}/extend`,
      { version: await roundVersion(t, roundId), closesOn: '2026-12-04', reason: '' },
      `/judging/rounds/${roundId}`,
    );
    expect(past.status).toBe(422);
    expect(past.text).toContain('新しい締切日は今日以降の日にしてください。');
    // no judge sees results, nor the office, before the close
    expect((await judges.j1.get(`/scoring/${roundId}/results`)).status).toBe(404);
    expect((await office.get(`/judging/rounds/${roundId}/results`)).text).toContain('結果は、審査を締め切った後に表示されます。');
    const live = await office.get(`/judging/rounds/${roundId}/live`);
    expect(live.text).toContain('data-live-refresh="10"');
    expect(live.text).toMatch(/3 \/ 3人/); // A: every judge done
    expect(live.text).toMatch(/2 \/ 2人/); // B and C: two of two (one excluded each)
  });

  it('keeps every score change with who, when, old and new', async () => {
    const log = await t.dataSource.getRepository(JudgingScoreChange).find({ where: { roundId, proposalId: ids.a }, order: { id: 'ASC' } });
    const first = log.filter((c) => c.criterionPosition === 1);
    expect(first.map((c) => [c.oldValue, c.newValue])).toEqual([
      [null, '5'],
      [null, '4'],
      [null, '3'],
    ]);
    const page = await office.get(`/judging/rounds/${roundId}/log`);
    expect(page.text).toContain('審査 一郎');
    expect(page.text).toContain('コメント');
  });

  it('closes the round: the ranking by mean with the excluded cells left out, the CSV, and a late save refused without losing it', async () => {
    const closed = await roundAction(t, office, roundId, 'close');
    expect(closed.status).toBe(303);
    expect(closed.headers.location).toBe(`/judging/rounds/${roundId}/results`);
    const page = await office.get(`/judging/rounds/${roundId}/results`);
    // B: (24 + 30) / 2 = 27; A: (30 + 24 + 18) / 3 = 24; C: (18 + 29) / 2 = 23.5
    const order = [...page.text.matchAll(/審査対象([ABC])の提案/g)].map((m) => m[1]);
    expect(order).toEqual(['B', 'A', 'C']);
    expect(page.text).toContain('27.00');
    expect(page.text).toContain('23.50');
    expect(page.text).toMatch(/18〜30（12）/);
    const csv = await office.get(`/judging/rounds/${roundId}/results.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/^順位,同点,提案番号,件名,提案者,所属,共同提案者,採点した審査員数,採点対象の審査員数,合計点,平均点/);
    expect(lines[1]).toMatch(/^1,,\d{4}-\d{4},審査対象Bの提案,.*,2,2,54,27\.00,/);
    expect(lines[2]).toMatch(/^2,,\d{4}-\d{4},審査対象Aの提案,.*,3,3,72,24\.00,/);

    const late = await scoreEntry(judges.j1, roundId, ids.c, sheet([1, 1, 1, 1, 1], '締切後のコメント'));
    expect(late.status).toBe(409);
    expect(late.text).toContain('この審査は締め切られました。入力した内容は保存されていません。');
    expect(late.text).toContain('締切後のコメント</textarea>');
    expect(late.text).toMatch(/name="score1" value="1" checked/);
    // nothing changed
    const j1 = await t.dataSource.query(
      `SELECT score FROM judging_scores s JOIN users u ON u.id = s.judge_id WHERE u.login = 'jd-j1' AND s.proposal_id = ${ids.c}`,
    );
    expect(j1.map((r: { score: number }) => Number(r.score))).toEqual([3, 3, 3, 3, 3]);
    // judges now see the ranking, without names
    const judgeView = await judges.j2.get(`/scoring/${roundId}/results`);
    expect(judgeView.status).toBe(200);
    expect(judgeView.text).toContain('審査対象Bの提案');
  });

  it('re-opens a closed round only with a reason, which is recorded', async () => {
    const noReason = await postForm(
      office,
      `/judging/rounds/${roundId}/reopen`,
      { version: await roundVersion(t, roundId), reason: '', closesOn: '2026-12-10' },
      `/judging/rounds/${roundId}`,
    );
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('再開する理由を入力してください');
    const reopened = await postForm(
      office,
      `/judging/rounds/${roundId}/reopen`,
      { version: await roundVersion(t, roundId), reason: '審査員1名の採点漏れのため', closesOn: '2026-12-10' },
      `/judging/rounds/${roundId}`,
    );
    expect(reopened.status).toBe(303);
    const page = await office.get(`/judging/rounds/${roundId}`);
    expect(page.text).toContain('再開（鈴木 一郎）：');
    expect(page.text).toContain('審査員1名の採点漏れのため');
    expect((await scoreEntry(judges.j1, roundId, ids.c, sheet([2, 3, 3, 3, 3]))).status).toBe(303);
    expect((await roundAction(t, office, roundId, 'close')).status).toBe(303);
  });

  it('keeps each round with the criteria it opened with when the office changes them', async () => {
    const form = await postForm(
      office,
      '/judging/criteria',
      { name: ['独創性', '実現性', ''], description: ['', '', ''], weight: ['3', '1', '1'], scaleMax: ['5', '4', '5'] },
      '/judging/criteria',
    );
    expect(form.status).toBe(303);
    const bad = await postForm(office, '/judging/criteria', { name: ['独創性'], description: [''], weight: ['0'], scaleMax: ['5'] }, '/judging/criteria');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('1行目（独創性）：重みを 1〜10 の整数で入力してください。');
    const criteria = await t.dataSource.getRepository(JudgingRoundCriterion).count({ where: { roundId } });
    expect(criteria).toBe(5);
    const second = await createRound(office, { name: '二次審査' });
    expect((await office.get(`/judging/rounds/${second}`)).text).toContain('審査基準（満点 19点）');
  });

  it('takes the top N of a closed round into the next one, ties at the cut included', async () => {
    const next = await createRound(office, { name: '発表会審査' });
    const res = await postForm(
      office,
      `/judging/rounds/${next}/entries`,
      { mode: 'top', previousRoundId: String(roundId), topN: '2' },
      `/judging/rounds/${next}`,
    );
    expect(res.status).toBe(303);
    const page = await office.get(`/judging/rounds/${next}`);
    expect(page.text).toContain('2件の提案を対象に加えました。');
    expect(page.text).toContain('審査対象Bの提案');
    expect(page.text).toContain('審査対象Aの提案');
    expect(page.text).not.toContain('審査対象Cの提案');
  });

  describe('表彰 from the ranking', () => {
    let proposerB: TestAgent;
    beforeAll(async () => {
      proposerB = await signIn(t, 'jd-proposer-b');
    });

    it('starts the year with the default tiers and proposes awards from the ranking or by hand with a reason', async () => {
      const page = await office.get(`/awards/manage/2026?roundId=${roundId}`);
      expect(page.status).toBe(200);
      for (const tier of ['最優秀賞', '優秀賞', '奨励賞', 'アイデア賞']) expect(page.text).toContain(`value="${tier}"`);
      const tierId = (name: string) => new RegExp(`<option value="(\\d+)">${name}（`).exec(page.text)![1];
      const fromRanking = await postForm(
        office,
        '/awards/manage/2026/awards',
        { tierId: tierId('最優秀賞'), roundId: String(roundId), proposalId: String(ids.b) },
        '/awards/manage/2026',
      );
      expect(fromRanking.status).toBe(303);
      const second = await postForm(
        office,
        '/awards/manage/2026/awards',
        { tierId: tierId('最優秀賞'), roundId: String(roundId), proposalId: String(ids.a) },
        '/awards/manage/2026',
      );
      expect(second.status).toBe(409);
      expect(second.text).toContain('最優秀賞は1件までです。');
      const noReason = await postForm(office, '/awards/manage/2026/awards', { tierId: tierId('アイデア賞'), number: '', reason: '' }, '/awards/manage/2026');
      expect(noReason.status).toBe(422);
      expect(noReason.text).toContain('提案番号を入力してください。');
      expect(noReason.text).toContain('審査によらずに表彰する理由を入力してください');
      const numberC = /(\d{4}-\d{4})<\/span> 審査対象Cの提案/.exec(page.text)![1];
      const byHand = await postForm(
        office,
        '/awards/manage/2026/awards',
        { tierId: tierId('アイデア賞'), number: numberC, reason: '内部メモ：着眼点を評価' },
        '/awards/manage/2026',
      );
      expect(byHand.status).toBe(303);
      const twice = await postForm(
        office,
        '/awards/manage/2026/awards',
        { tierId: tierId('奨励賞'), number: numberC, reason: '二度目' },
        '/awards/manage/2026',
      );
      expect(twice.status).toBe(409);
      // a proposal is not awarded until the decision: nothing shows outside the office
      expect((await proposerB.get(`/proposals/${ids.b}`)).text).not.toContain('最優秀賞');
    });

    it('decides an award: recipients with their divisions, the history, notifications, the lists and the year report', async () => {
      const manage = await office.get('/awards/manage/2026');
      const awardId = /action="\/awards\/(\d+)\/decide"/.exec(manage.text)![1];
      const decided = await postForm(office, `/awards/${awardId}/decide`, { awardedOn: '2027-02-10' }, '/awards/manage/2026');
      expect(decided.status).toBe(303);
      expect((await postForm(office, `/awards/${awardId}/decide`, { awardedOn: '2027-02-10' }, '/awards/manage/2026')).status).toBe(409);
      expect((await postForm(office, `/awards/${awardId}/delete`, {}, '/awards/manage/2026')).status).toBe(409);

      const page = await proposerB.get(`/proposals/${ids.b}`);
      expect(page.text).toContain('2026年度 最優秀賞');
      expect(page.text).toMatch(/表彰<\/td>|表彰<\/span>|>表彰</);
      const notes = await t.dataSource.query(
        `SELECT u.login, n.message FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.message LIKE '%最優秀賞%' ORDER BY u.login`,
      );
      expect(notes.map((n: { login: string }) => n.login)).toEqual(['jd-co', 'jd-proposer-b']);
      expect(notes[0].message).toBe('提案「審査対象Bの提案」が2026年度 最優秀賞に決まりました。おめでとうございます。');

      const list = await judges.j1.get('/awards');
      expect(list.text).toContain('審査対象Bの提案');
      expect(list.text).toContain('共同 提案子（保険年金課）');
      expect(list.text).not.toContain('審査対象Cの提案'); // a proposal (案) only
      const adopted = await proposerB.get('/adopted');
      expect(adopted.text).toContain('2026年度 最優秀賞');
      const summary = await proposerB.get('/reports/summary');
      expect(summary.text).toContain('2026年度の表彰');
      const years = await office.get('/reports/years.csv');
      const header = years.text.split('\r\n')[0].split(',');
      const awardColumn = header.indexOf('表彰件数');
      expect(awardColumn).toBeGreaterThan(0);
      const line2026 = years.text.split('\r\n').find((l) => l.startsWith('2026,'))!;
      expect(line2026.split(',')[awardColumn]).toBe('1');
      // the office's reason for a hand-picked award reaches no page but the office's
      for (const agent of [proposerB, judges.j1]) {
        for (const path of ['/awards', '/adopted', '/reports/summary', `/proposals/${ids.b}`]) expect((await agent.get(path)).text).not.toContain('内部メモ');
      }
    });

    it('prints the certificate (賞状) per recipient with the signer, and lists the awards for the 内申 as CSV', async () => {
      expect((await postForm(office, '/awards/manage/2026/signer', { signer: '改革市長　山田 太郎' }, '/awards/manage/2026')).status).toBe(303);
      const manage = await office.get('/awards/manage/2026');
      const awardId = /href="\/awards\/(\d+)\/certificate"/.exec(manage.text)![1];
      const certificate = await office.get(`/awards/${awardId}/certificate`);
      expect(certificate.status).toBe(200);
      expect(certificate.text.match(/class="certificate"/g)).toHaveLength(2);
      expect(certificate.text).toContain('テスト 利用者');
      expect(certificate.text).toContain('共同 提案子 様');
      expect(certificate.text).toContain('保険年金課');
      expect(certificate.text).toContain('2026年度最優秀賞として表彰します');
      expect(certificate.text).toContain('2027年2月10日');
      expect(certificate.text).toContain('改革市長　山田 太郎');
      expect(certificate.text).toContain('副賞　50,000円');
      const csv = await office.get('/awards/manage/2026/naishin.csv');
      const lines = csv.text
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      expect(lines[0]).toBe('年度,賞,副賞,提案番号,件名,受賞者,区分,所属（表彰時）,表彰日,選定');
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(/^2026,最優秀賞,"50,000円",\d{4}-\d{4},審査対象Bの提案,テスト 利用者\d+,提案者,市民課,2027-02-10,審査の結果による$/),
        expect.stringMatching(/^2026,最優秀賞,"50,000円",\d{4}-\d{4},審査対象Bの提案,共同 提案子,共同提案者,保険年金課,2027-02-10,審査の結果による$/),
      ]);
    });
  });

  it('answers not found to anyone who is not a judge of the round', async () => {
    const stranger = await signIn(t, (await createUser(t, { roles: ['staff', 'judge'], login: 'jd-stranger' })).login);
    for (const path of [`/scoring/${roundId}`, `/scoring/${roundId}/entries/${ids.a}`, `/scoring/${roundId}/results`]) {
      expect(`${path}: ${(await stranger.get(path)).status}`).toBe(`${path}: 404`);
    }
    expect((await scoreEntry(stranger, roundId, ids.a, sheet([5, 5, 5, 5, 5]))).status).toBe(404);
  });
});
