import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Attachment } from '../../src/attachments/attachment.entity';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { Division } from '../../src/organization/division.entity';
import { BrowserSession, launchBrowser, PageProblem, signedInSession } from '../factories/browser';
import { scoreEntry, sheet } from '../factories/judging';
import { DESK, lookAt, pageProblemsBesides, PHONE } from '../factories/page-look';
import { advance, loadProposal, postForm, submitProposal } from '../factories/proposals';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * 審査 and 表彰 (issue 12) through the real pages, in a real browser, with the demo accounts:
 * the office prepares a blind round at a desk (1280 px), a judge scores it on a phone (390 px) by
 * tapping the large score buttons, the office closes it, reads the ranking, awards the first entry
 * and prints its 賞状 (as PDF, one A4 page per recipient).
 *
 * Every page visited is looked at in both widths: no sideways scrolling, no illegible button, no serious
 * accessibility fault (axe-core, WCAG 2.1 A/AA), and on the judge's pages no name of a proposer, a co-proposer or
 * their division, nor the real name of an attachment (the round is 氏名・所属を秘して).
 * Screenshots: test-output/judging/<nn>-<page>-<width>.png.
 */
jest.setTimeout(5 * 60_000);

const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output', 'judging');

/** A one-page PDF, as a proposer would attach it. */
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');

/** The three proposals entered in the round: who wrote them, and what each judge gives every criterion. */
const ENTRIES = {
  a: {
    title: '窓口の呼出番号をスマートフォンに通知する',
    proposer: { login: 'jb-proposer-a', name: '青木 智恵', divisionCode: '411', division: '区民課' },
    // 中村 (demo-judge, through the page) 5 → 30; 小林 (demo-judge2) 5 → 30; 加藤 (demo-judge3) 4 → 24: mean 28
    scores: { judge: 5, judge2: 5, judge3: 4 },
  },
  b: {
    title: '会議室の予約を全庁で一元化する',
    proposer: { login: 'jb-proposer-b', name: '井上 大輔', divisionCode: '211', division: '市民課' },
    // 加藤 (市民局) does not score a 市民課 proposal: (18 + 24) / 2 = 21
    scores: { judge: 3, judge2: 4, judge3: null },
  },
  c: {
    title: '公用車の運行記録を電子化する',
    proposer: { login: 'jb-proposer-c', name: '上田 美咲', divisionCode: '311', division: '財政課' },
    // 小林 (財政局) does not score a 財政課 proposal: (24 + 12) / 2 = 18
    scores: { judge: 4, judge2: null, judge3: 2 },
  },
} as const;
type EntryKey = keyof typeof ENTRIES;

/** A's co-proposer, from 保険年金課: a recipient of A's award with the proposer. */
const COPROPOSER = { login: 'jb-coproposer', name: '江藤 共子', divisionCode: '412', division: '保険年金課' };

/** The attachment of A: its name carries the proposer's division and name, as such names often do. */
const ATTACHMENT_NAME = `${ENTRIES.a.proposer.division}_青木智恵_窓口改善案.pdf`;

/** What a judge of the blind round must never read: the people, their divisions, the attachment's real name. */
const BLIND_WORDS = [
  ...Object.values(ENTRIES).flatMap((e) => [e.proposer.name, e.proposer.name.split(' ')[0], e.proposer.division]),
  COPROPOSER.name,
  COPROPOSER.name.split(' ')[0],
  COPROPOSER.division,
  ATTACHMENT_NAME,
  '青木智恵',
];

const CRITERIA_COUNT = 5;

describe('審査 and 表彰 in a real browser: a blind round from preparation to the printed 賞状', () => {
  let t: TestApp;
  let browser: Browser;
  const ids = {} as Record<EntryKey, number>;
  const numbers = {} as Record<EntryKey, string>;
  let roundId: number;
  let officeSession: BrowserSession;
  let office: Page;
  let shotCount = 0;

  beforeAll(async () => {
    rmSync(OUTPUT_DIR, { recursive: true, force: true });
    mkdirSync(OUTPUT_DIR, { recursive: true });
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    // inside the round's scoring window (2026-12-01 to 2026-12-20), in fiscal year 2026
    t.clock.set('2026-12-05T10:00:00+09:00');

    // three adopted proposals from three divisions, through the forms; A with a co-proposer and an attachment
    const officeAgent = await signIn(t, 'demo-office', DEMO_PASSWORD);
    const reviewer = await signIn(t, 'demo-reviewer', DEMO_PASSWORD);
    const divisionId = (await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' })).id;
    await createUser(t, { roles: ['staff'], login: COPROPOSER.login, name: COPROPOSER.name, divisionCode: COPROPOSER.divisionCode });
    const coproposer = await signIn(t, COPROPOSER.login);
    for (const key of Object.keys(ENTRIES) as EntryKey[]) {
      const { title, proposer } = ENTRIES[key];
      await createUser(t, { roles: ['staff'], login: proposer.login, name: proposer.name, divisionCode: proposer.divisionCode });
      const agent = await signIn(t, proposer.login);
      ids[key] = await submitProposal(agent, { title, ...(key === 'a' ? { coproposers: COPROPOSER.login } : {}) });
      if (key === 'a') {
        const accepted = await postForm(coproposer, `/proposals/${ids.a}/coproposal/accept`, {}, `/proposals/${ids.a}`);
        expect(accepted.status).toBe(303);
      }
      await advance(t, { office: officeAgent, reviewer, divisionId }, ids[key], 'decided', { decision: 'adopted' });
      numbers[key] = (await loadProposal(t, ids[key])).number!;
    }
    // an attachment on A, stored as an upload would store it
    await t.dataSource.getRepository(Attachment).save({
      proposalId: ids.a,
      fileName: ATTACHMENT_NAME,
      mediaType: 'application/pdf',
      size: PDF.length,
      sha256: createHash('sha256').update(PDF).digest('hex'),
      content: PDF,
      uploadedBy: (await loadProposal(t, ids.a)).proposerId,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    // closing the browser closes every session's context too
    await browser?.close();
    await t?.close();
  });

  /**
   * Looks at the page in both widths (lookAt: screenshots, no sideways scrolling, no button that cannot be
   * read, no serious axe violation); with `blind`, none of BLIND_WORDS in the text, the attributes or the
   * HTML (but a list box's options: the division filter of 提案一覧 lists the whole organization). Returns
   * what is wrong, so one run reports every page.
   */
  async function look(page: Page, name: string, options: { blind?: boolean } = {}): Promise<string[]> {
    shotCount += 1;
    const found = await lookAt(page, OUTPUT_DIR, `${String(shotCount).padStart(2, '0')}-${name}`);
    if (options.blind) {
      // a filter's list of every division (提案一覧) names the organization, not anyone's proposal: left out
      const text = await page.evaluate<string>(
        `[...document.querySelectorAll('select')].reduce((text, el) => text.replace(el.innerText, ' '), document.title + '\\n' + document.body.innerText) + '\\n' +
          [...document.querySelectorAll('*')].filter((el) => !el.closest('select')).flatMap((el) => [...el.attributes].map((a) => a.value)).join('\\n')`,
      );
      const html = (await page.content()).replace(/<select\b[\s\S]*?<\/select>/g, ' ');
      for (const word of BLIND_WORDS) {
        if (text.includes(word)) found.push(`${name}: the judge reads 「${word}」`);
        else if (html.includes(word)) found.push(`${name}: 「${word}」 in the HTML source`);
      }
    }
    return found;
  }

  const flash = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text }).waitFor();

  /** Each browser saw nothing go wrong but the responses named (e.g. "404 /proposals/12"). */
  function expectNoProblems(session: BrowserSession, expected: string[] = []): void {
    const seen = pageProblemsBesides(session, expected);
    expect(seen.problems).toEqual<PageProblem[]>([]);
    expect(seen.responses).toEqual(seen.expected);
  }

  it('the office prepares a blind round at a desk: entries by year and decision, the three judges, then starts it', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-office', DEMO_PASSWORD, DESK);
    officeSession = session;
    office = session.page;
    const found: string[] = [];

    await office.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '審査・表彰', exact: true }).click();
    await office.waitForURL((url) => url.pathname === '/judging');
    found.push(...(await look(office, 'office-judging-empty')));

    await office.getByRole('link', { name: '審査を作成' }).click();
    await office.waitForURL('**/judging/rounds/new');
    expect(await office.getByLabel('年度').inputValue()).toBe('2026');
    found.push(...(await look(office, 'office-round-new')));
    await office.getByLabel('審査の名称').fill('一次審査（書類審査）');
    await office.getByLabel('採点の開始日').fill('2026-12-01');
    await office.getByLabel('採点の締切日').fill('2026-12-20');
    await office.getByLabel('氏名・所属を秘して審査する').check();
    await office.getByRole('button', { name: '作成する' }).click();
    await office.waitForURL(/\/judging\/rounds\/\d+$/);
    roundId = Number(/(\d+)$/.exec(new URL(office.url()).pathname)![1]);
    await flash(office, '審査を作成しました。');
    expect(await office.getByRole('heading', { level: 1 }).innerText()).toContain('準備中');
    expect(await office.locator('.meta').first().innerText()).toContain('氏名・所属を秘して審査');
    found.push(...(await look(office, 'office-round-created')));

    // entries: the year's adopted and partially adopted proposals (both ticked already)
    const byYear = office.locator('form', { has: office.getByRole('heading', { name: '年度と採否で選ぶ' }) });
    expect(await byYear.getByLabel('採用', { exact: true }).isChecked()).toBe(true);
    expect(await byYear.getByLabel('一部採用', { exact: true }).isChecked()).toBe(true);
    await byYear.getByRole('button', { name: '追加する' }).click();
    await flash(office, '3件の提案を対象に加えました。');
    const entries = office.locator('#entries table tbody tr');
    expect(await entries.count()).toBe(3);
    for (const key of Object.keys(ENTRIES) as EntryKey[]) {
      const row = entries.filter({ hasText: ENTRIES[key].title });
      // the office sees who wrote each proposal
      expect(await row.innerText()).toContain(`${ENTRIES[key].proposer.name}（${ENTRIES[key].proposer.division}）`);
    }
    expect(await entries.filter({ hasText: ENTRIES.a.title }).innerText()).toContain(`共同：${COPROPOSER.name}`);
    found.push(...(await look(office, 'office-round-entries')));

    // judges: the three 審査員 of the demo
    const judgesForm = office.locator('form', { has: office.getByRole('button', { name: '審査員を保存する' }) });
    for (const label of ['中村 誠（demo-judge）', '小林 直子（demo-judge2）', '加藤 修（demo-judge3）']) await judgesForm.getByLabel(label).check();
    await judgesForm.getByRole('button', { name: '審査員を保存する' }).click();
    await flash(office, '審査員を3人にしました。');
    expect(await office.locator('#judges table tbody tr').count()).toBe(3);
    // the conflicts of interest are shown before anyone scores
    expect(await entries.filter({ hasText: ENTRIES.b.title }).innerText()).toContain('加藤 修（自分の所属の提案）');
    expect(await entries.filter({ hasText: ENTRIES.c.title }).innerText()).toContain('小林 直子（自分の所属の提案）');
    expect(await entries.filter({ hasText: ENTRIES.a.title }).innerText()).toContain('なし');
    found.push(...(await look(office, 'office-round-judges')));

    await office.getByRole('button', { name: '審査を始める' }).click();
    await flash(office, '審査を始めました。');
    expect(await office.getByRole('heading', { level: 1 }).innerText()).toContain('審査中');
    expect(await office.getByRole('button', { name: '締め切って結果を出す' }).isVisible()).toBe(true);
    found.push(...(await look(office, 'office-round-open')));

    await office.getByRole('link', { name: '審査', exact: true }).click();
    await office.waitForURL((url) => url.pathname === '/judging');
    const listRow = office.locator('table tbody tr').filter({ hasText: '一次審査（書類審査）' });
    expect(await listRow.innerText()).toContain('審査中');
    expect(await listRow.innerText()).toContain('氏名・所属を秘す');
    found.push(...(await look(office, 'office-judging-list')));

    await office.getByRole('link', { name: '審査基準' }).click();
    await office.waitForURL('**/judging/criteria');
    found.push(...(await look(office, 'office-criteria')));

    expect(found).toEqual([]);
    expectNoProblems(session);
  });

  it('a judge scores on a phone (390 px) by tapping the score buttons, and reads nobody’s name', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-judge', DEMO_PASSWORD, PHONE);
    const page = session.page;
    const found: string[] = [];
    found.push(...(await look(page, 'judge-dashboard', { blind: true })));

    // an entry of a blind round is not open to its judge elsewhere, nor listed
    for (const key of Object.keys(ENTRIES) as EntryKey[]) expect((await page.goto(`/proposals/${ids[key]}`))?.status()).toBe(404);
    await page.goto('/proposals');
    found.push(...(await look(page, 'judge-proposals', { blind: true })));
    await page.goto('/adopted');
    found.push(...(await look(page, 'judge-adopted', { blind: true })));
    for (const key of Object.keys(ENTRIES) as EntryKey[]) expect(await page.locator('main').innerText()).not.toContain(ENTRIES[key].title);
    await page.goto('/notifications');
    expect(await page.locator('main').innerText()).toContain('審査「一次審査（書類審査）」の採点をお願いします（3件');
    found.push(...(await look(page, 'judge-notifications', { blind: true })));

    await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '採点', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/scoring');
    found.push(...(await look(page, 'judge-scoring', { blind: true })));
    await page.getByRole('link', { name: '一次審査（書類審査）' }).click();
    await page.waitForURL(`**/scoring/${roundId}`);
    expect(await page.locator('.result-count').innerText()).toBe('採点済 0 / 3件');
    found.push(...(await look(page, 'judge-round-todo', { blind: true })));

    // the first entry, then 「保存して次へ」 through the others
    await page.locator('.scoring-list__item a').first().click();
    await page.waitForURL(/\/scoring\/\d+\/entries\/\d+$/);
    const scored: EntryKey[] = [];
    for (let i = 0; i < 3; i++) {
      const title = await page.getByRole('heading', { level: 1 }).innerText();
      const key = (Object.keys(ENTRIES) as EntryKey[]).find((k) => ENTRIES[k].title === title);
      expect({ title, known: key !== undefined }).toEqual({ title, known: true });
      scored.push(key!);
      if (key === 'a') {
        // the attachment, named neutrally, and downloaded under that name too
        const link = page.locator('.proposal-body').getByRole('link', { name: '添付資料1.pdf' });
        expect(await link.count()).toBe(1);
        const file = await page.request.get((await link.getAttribute('href'))!);
        expect(file.status()).toBe(200);
        const disposition = decodeURIComponent(file.headers()['content-disposition'] ?? '');
        expect(disposition).toContain('添付資料1.pdf');
        for (const word of BLIND_WORDS) expect(disposition).not.toContain(word);
        await file.dispose();
      }
      found.push(...(await look(page, `judge-entry-${i + 1}`, { blind: true })));
      const scales = page.locator('fieldset.score-scale');
      expect(await scales.count()).toBe(CRITERIA_COUNT);
      const score = String(ENTRIES[key!].scores.judge);
      for (let c = 0; c < CRITERIA_COUNT; c++) {
        const scale = scales.nth(c);
        // the radio itself is hidden under the big label: tap the label, as a thumb would
        await scale
          .locator('label.score-scale__choice')
          .filter({ hasText: new RegExp(`^${score}$`) })
          .click();
        expect(await scale.getByRole('radio', { name: score, exact: true }).isChecked()).toBe(true);
      }
      if (i === 0) found.push(...(await look(page, 'judge-entry-1-tapped', { blind: true })));
      if (i < 2) {
        const before = new URL(page.url()).pathname;
        await page.getByRole('button', { name: '保存して次へ' }).click();
        await page.waitForURL((url) => url.pathname !== before);
        await flash(page, '採点を保存しました。');
      } else {
        // the last entry has no next one: 「保存する」 is the main button
        expect(await page.getByRole('button', { name: '保存して次へ' }).count()).toBe(0);
        await page.getByRole('button', { name: '保存する' }).click();
        await flash(page, '採点を保存しました。');
        // what was saved comes back checked
        const scales2 = page.locator('fieldset.score-scale');
        expect(await scales2.first().getByRole('radio', { name: score, exact: true }).isChecked()).toBe(true);
        found.push(...(await look(page, 'judge-entry-3-saved', { blind: true })));
      }
    }
    expect([...scored].sort()).toEqual(['a', 'b', 'c']);

    // back to the list: every entry 採点済
    await page.getByRole('navigation', { name: '前後の提案' }).getByRole('link', { name: '一覧へ' }).click();
    await page.waitForURL(`**/scoring/${roundId}`);
    expect(await page.locator('.result-count').innerText()).toBe('採点済 3 / 3件');
    for (const key of Object.keys(ENTRIES) as EntryKey[]) {
      expect(await page.locator('.scoring-list__item').filter({ hasText: ENTRIES[key].title }).locator('.badge').innerText()).toBe('採点済');
    }
    found.push(...(await look(page, 'judge-round-done', { blind: true })));

    // no results before the close
    expect((await page.goto(`/scoring/${roundId}/results`))?.status()).toBe(404);

    expect(found).toEqual([]);
    expectNoProblems(session, [...(Object.keys(ENTRIES) as EntryKey[]).map((k) => `404 /proposals/${ids[k]}`), `404 /scoring/${roundId}/results`]);
  });

  it('the other two judges score (through HTTP), skipping their own 局’s proposal', async () => {
    for (const judge of ['judge2', 'judge3'] as const) {
      const agent = await signIn(t, `demo-${judge}`, DEMO_PASSWORD);
      for (const key of Object.keys(ENTRIES) as EntryKey[]) {
        const score = ENTRIES[key].scores[judge];
        const res = await scoreEntry(agent, roundId, ids[key], sheet(Array.from({ length: CRITERIA_COUNT }, () => score ?? 5)));
        // a conflict of interest is refused
        expect(`${judge}/${key}: ${res.status}`).toBe(`${judge}/${key}: ${score === null ? 409 : 303}`);
      }
    }
  });

  it('the office closes the round, reads the ranking, awards the first entry and prints its 賞状', async () => {
    const session = officeSession;
    const found: string[] = [];

    await office.goto(`/judging/rounds/${roundId}`);
    await office.getByRole('link', { name: '会場表示' }).click();
    await office.waitForURL(`**/judging/rounds/${roundId}/live`);
    expect(await office.locator('.live-table tbody tr.is-done').count()).toBe(3);
    found.push(...(await look(office, 'office-live-open')));
    await office.goto(`/judging/rounds/${roundId}`);
    await office.getByRole('link', { name: '採点の記録' }).click();
    await office.waitForURL(`**/judging/rounds/${roundId}/log`);
    expect(await office.locator('main').innerText()).toContain('中村 誠');
    found.push(...(await look(office, 'office-log')));

    await office.goto(`/judging/rounds/${roundId}`);
    await office.getByRole('button', { name: '締め切って結果を出す' }).click();
    await office.waitForURL(`**/judging/rounds/${roundId}/results`);
    await flash(office, '審査を締め切りました。');
    const rows = office.locator('.results-table tbody tr');
    expect(await rows.count()).toBe(3);
    const ranking = await rows.allInnerTexts();
    expect(ranking[0]).toContain('1位');
    expect(ranking[0]).toContain(ENTRIES.a.title);
    expect(ranking[0]).toContain(ENTRIES.a.proposer.name);
    expect(ranking[0]).toContain('28.00');
    expect(ranking[1]).toContain('2位');
    expect(ranking[1]).toContain(ENTRIES.b.title);
    expect(ranking[1]).toContain('21.00');
    expect(ranking[2]).toContain('3位');
    expect(ranking[2]).toContain(ENTRIES.c.title);
    expect(ranking[2]).toContain('18.00');
    found.push(...(await look(office, 'office-results')));

    await office.goto(`/judging/rounds/${roundId}/live`);
    expect(await office.locator('.live-ranking li').first().innerText()).toContain(ENTRIES.a.title);
    found.push(...(await look(office, 'office-live-closed')));
    await office.goto(`/judging/rounds/${roundId}`);
    found.push(...(await look(office, 'office-round-closed')));
    await office.goto(`/judging/rounds/${roundId}/results`);

    // 表彰: from the ranking
    await office.getByRole('link', { name: 'この結果から表彰を選ぶ' }).click();
    await office.waitForURL(`**/awards/manage/2026?roundId=${roundId}`);
    found.push(...(await look(office, 'office-awards-candidates')));
    const first = office
      .locator('section', { has: office.getByRole('heading', { name: '審査の結果から選ぶ' }) })
      .locator('tbody tr')
      .first();
    expect(await first.innerText()).toContain('1位');
    expect(await first.innerText()).toContain(ENTRIES.a.title);
    await first.getByLabel(`${numbers.a}の賞`).selectOption({ label: '最優秀賞（0/1）' });
    await first.getByRole('button', { name: /案に加える/ }).click();
    await flash(office, '表彰の案に加えました。');
    const awards = office.locator('section', { has: office.getByRole('heading', { name: '表彰（案・決定）' }) }).locator('tbody tr');
    expect(await awards.count()).toBe(1);
    expect(await awards.first().innerText()).toContain('案');
    found.push(...(await look(office, 'office-awards-proposed')));

    // the signer line of the 賞状, then the decision
    await office.getByLabel('賞状の署名（全年度共通）').fill('改革市長　山田 太郎');
    await office.getByRole('button', { name: '署名を保存する' }).click();
    await flash(office, '賞状の署名を保存しました。');
    expect(await awards.first().getByLabel('表彰日').inputValue()).toBe('2026-12-05');
    await awards
      .first()
      .getByRole('button', { name: /決定する/ })
      .click();
    await flash(office, `${numbers.a}の最優秀賞を決定しました。`);
    const decided = await awards.first().innerText();
    expect(decided).toContain('決定');
    expect(decided).toContain(`${ENTRIES.a.proposer.name}（${ENTRIES.a.proposer.division}）`);
    expect(decided).toContain(`${COPROPOSER.name}（${COPROPOSER.division}）`);
    found.push(...(await look(office, 'office-awards-decided')));

    // the 賞状: one per recipient
    await awards.first().getByRole('link', { name: '賞状を印刷' }).click();
    await office.waitForURL(/\/awards\/\d+\/certificate$/);
    const certificates = office.locator('article.certificate');
    expect(await certificates.count()).toBe(2);
    const texts = await certificates.allInnerTexts();
    expect(texts[0]).toContain(`${ENTRIES.a.proposer.name} 様`);
    expect(texts[1]).toContain(`${COPROPOSER.name} 様`);
    for (const text of texts) {
      expect(text).toContain('最優秀賞');
      expect(text).toContain('2026年度最優秀賞として表彰します');
      expect(text).toContain('改革市長　山田 太郎');
    }
    found.push(...(await look(office, 'office-certificate')));

    // printed: exactly one A4 page per recipient
    const pdf = await office.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(OUTPUT_DIR, 'certificate.pdf'), pdf);
    const source = pdf.toString('latin1');
    const pages = source.match(/\/Type\s*\/Page(?!s)\b/g) ?? [];
    expect(pages.length).toBe(2);
    // A4 is 595.3 × 841.9 pt (Chromium rounds to its own pixel grid)
    for (const box of source.match(/\/MediaBox\s*\[[^\]]*\]/g) ?? []) {
      const [, , width, height] = box
        .replace(/^\/MediaBox\s*\[\s*|\s*\]$/g, '')
        .split(/\s+/)
        .map(Number);
      expect([Math.round(width), Math.round(height)]).toEqual([596, 843]);
    }
    // and laid out as a page each in print (A4 at 96 dpi is 1123 px high)
    await office.emulateMedia({ media: 'print' });
    const heights = await certificates.evaluateAll((els) =>
      els.map((el) => (el as unknown as { getBoundingClientRect(): { height: number } }).getBoundingClientRect().height),
    );
    // what the paper looks like, for a person to check: an A4 page is 794 × 1123 px
    await office.setViewportSize({ width: 794, height: 1123 });
    await office.screenshot({ path: join(OUTPUT_DIR, `${String(shotCount).padStart(2, '0')}-office-certificate-print-a4.png`), fullPage: true });
    await office.setViewportSize(DESK);
    await office.emulateMedia({ media: 'screen' });
    expect(heights).toHaveLength(2);
    for (const height of heights) expect(height).toBeGreaterThanOrEqual(1000);

    // everyone's list of awards
    await office.goto('/awards');
    expect(await office.locator('main').innerText()).toContain(ENTRIES.a.title);
    found.push(...(await look(office, 'office-awards-list')));

    expect(found).toEqual([]);
    expectNoProblems(session);
  });

  it('after the close the judge reads the ranking, still without names', async () => {
    const session = await signedInSession(browser, baseUrl(t), 'demo-judge', DEMO_PASSWORD, PHONE);
    const page = session.page;
    const found: string[] = [];
    await page.goto(`/scoring/${roundId}`);
    await page.getByRole('link', { name: '結果を見る' }).click();
    await page.waitForURL(`**/scoring/${roundId}/results`);
    const first = await page.locator('tbody tr').first().innerText();
    expect(first).toContain('1位');
    expect(first).toContain(ENTRIES.a.title);
    found.push(...(await look(page, 'judge-results', { blind: true })));
    // the award is public now: /awards names the recipients, as it does for everyone
    await page.goto('/awards');
    expect(await page.locator('main').innerText()).toContain(ENTRIES.a.proposer.name);
    found.push(...(await look(page, 'judge-awards')));
    expect(found).toEqual([]);
    expectNoProblems(session);
  });
});
