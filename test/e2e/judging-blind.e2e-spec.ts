import TestAgent from 'supertest/lib/agent';
import { createHash } from 'node:crypto';
import { Attachment } from '../../src/attachments/attachment.entity';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { JudgingScore } from '../../src/judging/judging.entities';
import { Division } from '../../src/organization/division.entity';
import { createRound, roundAction, scoreEntry, sheet } from '../factories/judging';
import { advance, loadProposal, postForm, submitProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/** 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/**
 * 氏名・所属を秘して (issue 12): in a blind round a judge meets no proposer, co-proposer or division of
 * its entries anywhere — tested like an access rule, by following every link a judge can reach (and
 * every download) and searching the answers for the seeded names. Also: two judges saving at once, and a
 * save racing the close, never lose or half-apply a sheet (SQLite, and PostgreSQL when DATABASE_URL is set).
 */
describe('blind review rounds leak no name or division to a judge', () => {
  let t: TestApp;
  let office: TestAgent;
  let roundId: number;
  const entryIds: number[] = [];
  /** Names and divisions of the entries' authors: none may reach a judge. */
  const secrets = ['青葉 葵', '石井 蓮', '上田 結衣', '葵通り推進課', '蓮池整備課', '結衣台管理課'];

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    t.clock.set('2026-12-05T10:00:00+09:00');
    office = await signIn(t, 'demo-office', DEMO_PASSWORD);
    const reviewer = await signIn(t, 'demo-reviewer', DEMO_PASSWORD);
    const divisions = t.dataSource.getRepository(Division);
    const ward = await divisions.findOneByOrFail({ code: '410' });
    for (const [code, name] of [
      ['491', '葵通り推進課'],
      ['492', '蓮池整備課'],
      ['493', '結衣台管理課'],
    ])
      await divisions.insert({ code, name, kind: 'section', parentId: ward.id, validFrom: '2000-01-01' });
    await createUser(t, { roles: ['staff'], login: 'bl-a', name: '青葉 葵', divisionCode: '491' });
    await createUser(t, { roles: ['staff'], login: 'bl-b', name: '石井 蓮', divisionCode: '492' });
    await createUser(t, { roles: ['staff'], login: 'bl-c', name: '上田 結衣', divisionCode: '493' });
    const civic = (await divisions.findOneByOrFail({ code: '211' })).id;
    const a = await submitProposal(await signIn(t, 'bl-a'), { title: 'ブラインド審査の提案その一' });
    const b = await submitProposal(await signIn(t, 'bl-b'), { title: 'ブラインド審査の提案その二', coproposers: 'bl-c' });
    expect((await postForm(await signIn(t, 'bl-c'), `/proposals/${b}/coproposal/accept`, {}, `/proposals/${b}`)).status).toBe(303);
    for (const id of [a, b]) await advance(t, { office, reviewer, divisionId: civic }, id, 'decided');
    entryIds.push(a, b);
    await t.dataSource.getRepository(Attachment).save({
      proposalId: a,
      fileName: '葵通り推進課_青葉葵_改善案.png',
      mediaType: 'image/png',
      size: PNG.length,
      sha256: createHash('sha256').update(PNG).digest('hex'),
      content: PNG,
      uploadedBy: (await loadProposal(t, a)).proposerId,
    });
    // a judge with no other role (the deputy mayor) and one who is also staff; two more judges for the race
    for (const [login, roles, code] of [
      ['bl-judge', ['judge'], '100'],
      ['bl-judge-staff', ['staff', 'judge'], '122'],
      ['bl-judge-2', ['judge'], '300'],
      ['bl-judge-3', ['judge'], '311'],
    ] as const)
      await createUser(t, { roles: [...roles], login, divisionCode: code });
    roundId = await createRound(office, { blind: 'on' });
    await postForm(office, `/judging/rounds/${roundId}/entries`, { mode: 'filter', decisions: ['adopted'] }, `/judging/rounds/${roundId}`);
    const judgeIds = await t.dataSource.query(`SELECT id FROM users WHERE login LIKE 'bl-judge%' ORDER BY id`);
    const saved = await postForm(
      office,
      `/judging/rounds/${roundId}/judges`,
      { judgeIds: judgeIds.map((j: { id: number }) => String(j.id)) },
      `/judging/rounds/${roundId}`,
    );
    expect(saved.status).toBe(303);
    expect((await roundAction(t, office, roundId, 'open')).status).toBe(303);
  });
  afterAll(() => t.close());

  /**
   * Every page and download a user reaches by links from the start pages, GET only; `<select>` lists are
   * left out of the text searched (the division filter lists every division, which says nothing about
   * who proposed what).
   */
  async function reachable(agent: TestAgent, starts: string[]): Promise<Map<string, string>> {
    const seen = new Map<string, string>();
    const queue = [...starts];
    while (queue.length && seen.size < 400) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      const res = await agent.get(path).buffer(true);
      const body = Buffer.isBuffer(res.body) && res.body.length ? res.body.toString('utf8') : (res.text ?? '');
      seen.set(path, `${res.status} ${res.headers['content-disposition'] ?? ''}\n${body.replace(/<select[\s\S]*?<\/select>/g, '')}`);
      if (!String(res.headers['content-type']).startsWith('text/html')) continue;
      for (const [, href] of body.matchAll(/href="([^"#]+)/g)) {
        const next = href.replace(/&amp;/g, '&');
        if (!next.startsWith('/') || next.startsWith('/assets/') || seen.has(next) || queue.includes(next)) continue;
        queue.push(next);
      }
    }
    return seen;
  }

  it.each(['bl-judge', 'bl-judge-staff'])('%s: no reachable page, download or notification names an author or division of an entry', async (login) => {
    const judge = await signIn(t, login);
    // the judge has scored an entry and has the round's notification
    expect((await scoreEntry(judge, roundId, entryIds[0], sheet([4, 4, 4, 4, 4], 'よい提案'))).status).toBe(303);
    const pages = await reachable(judge, [
      '/',
      '/scoring',
      `/scoring/${roundId}`,
      '/notifications',
      '/proposals',
      '/adopted',
      '/awards',
      '/reports/summary',
      '/proposals.csv',
    ]);
    // it really looked: the round, both entries, the attachment, the lists
    expect([...pages.keys()]).toEqual(
      expect.arrayContaining([`/scoring/${roundId}`, ...entryIds.map((id) => `/scoring/${roundId}/entries/${id}`), '/notifications', '/adopted']),
    );
    expect([...pages.keys()].some((p) => /\/attachments\/\d+$/.test(p))).toBe(true);
    const entryPage = pages.get(`/scoring/${roundId}/entries/${entryIds[0]}`)!;
    expect(entryPage).toContain('ブラインド審査の提案その一');
    expect(entryPage).toContain('添付資料1.png');
    const leaks = [...pages].flatMap(([path, text]) => secrets.filter((s) => text.includes(s)).map((s) => `${path}: ${s}`));
    expect(leaks).toEqual([]);
    // the entries themselves are not open to the judge outside the scoring pages until the round closes
    for (const id of entryIds) expect((await judge.get(`/proposals/${id}`)).status).toBe(404);
  });

  it('shows the office the names (it runs the round), and the judge the cases again once the round is closed', async () => {
    const page = await office.get(`/judging/rounds/${roundId}`);
    for (const name of ['青葉 葵', '石井 蓮', '上田 結衣']) expect(page.text).toContain(name);
    const judge = await signIn(t, 'bl-judge');
    expect((await judge.get('/adopted')).text).not.toContain('ブラインド審査の提案その一');
    expect((await judge.get('/proposals')).text).not.toContain('ブラインド審査の提案その一');
  });

  it('keeps both sheets when two judges save the same entry at the same moment', async () => {
    const [two, three] = [await signIn(t, 'bl-judge-2'), await signIn(t, 'bl-judge-3')];
    const results = await Promise.all([
      scoreEntry(two, roundId, entryIds[1], sheet([5, 4, 3, 2, 1])),
      scoreEntry(three, roundId, entryIds[1], sheet([1, 2, 3, 4, 5])),
    ]);
    expect(results.map((r) => r.status)).toEqual([303, 303]);
    const rows = await t.dataSource.query(
      `SELECT u.login, s.criterion_position AS position, s.score FROM judging_scores s JOIN users u ON u.id = s.judge_id WHERE s.proposal_id = ${entryIds[1]} AND s.round_id = ${roundId} ORDER BY u.login, s.criterion_position`,
    );
    expect(rows.map((r: { login: string; score: number }) => `${r.login}:${r.score}`)).toEqual([
      'bl-judge-2:5',
      'bl-judge-2:4',
      'bl-judge-2:3',
      'bl-judge-2:2',
      'bl-judge-2:1',
      'bl-judge-3:1',
      'bl-judge-3:2',
      'bl-judge-3:3',
      'bl-judge-3:4',
      'bl-judge-3:5',
    ]);
  });

  it('applies a save racing the close either whole (before the close) or not at all (refused, with what was typed)', async () => {
    const judge = await signIn(t, 'bl-judge-staff');
    const before = await t.dataSource.getRepository(JudgingScore).count({ where: { roundId } });
    const [save, close] = await Promise.all([
      scoreEntry(judge, roundId, entryIds[1], sheet([2, 2, 2, 2, 2], '競合のコメント')),
      roundAction(t, office, roundId, 'close'),
    ]);
    expect(close.status).toBe(303);
    const after = await t.dataSource.getRepository(JudgingScore).count({ where: { roundId } });
    if (save.status === 303) expect(after).toBe(before + 5);
    else {
      expect(save.status).toBe(409);
      expect(save.text).toContain('競合のコメント</textarea>');
      expect(after).toBe(before);
    }
    // now closed: the judge reads the entries as adopted cases again
    expect((await judge.get(`/proposals/${entryIds[0]}`)).status).toBe(200);
  });
});
