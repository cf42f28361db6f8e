import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Attachment } from '../../src/attachments/attachment.entity';
import { fiscalYearOf } from '../../src/common/fiscal-year';
import { jstDateString } from '../../src/common/jst';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { Division } from '../../src/organization/division.entity';
import { Proposal } from '../../src/proposals/proposal.entity';
import { Routing } from '../../src/proposals/routing.entity';
import { User } from '../../src/users/user.entity';
import { createRound, roundAction, scoreEntry, sheet } from './judging';
import { loadProposal, postForm, proposalIdFrom, validProposal, postConfirmed } from './proposals';
import { TestApp } from './test-app';
import { createUser, seedDemo, signIn } from './users';

/**
 * A database for the crawl (test/browser/crawl.browser-spec.ts): the demo organization and accounts,
 * and proposals in every state, decision and implementation status, built through HTTP the way
 * people build them (only the overdue due date is set in the database: the form refuses past dates).
 *
 * Every internal text (division opinions, routing comments, decision reasons, correction reasons)
 * carries a marker naming its proposal, e.g. `INTERNAL-OPINION-MARK-Q05`, so that the crawl can tell
 * from any page whether the person looking may read it. Texts the proposer is meant to read (the
 * answer, a return comment, a not-accept comment) carry `PUBLIC-…` markers instead.
 *
 * 審査 and 表彰 (issue 12): a closed review round with its ranking and two decided awards (one from the
 * ranking, one by hand with the office's reason, which is internal), and an open blind round scored in part
 * whose entries (Q18–Q20) are written by people, and from divisions, that appear nowhere else.
 */

/** The people the crawl signs in as. */
export type CrawlRole = 'staff' | 'reviewer' | 'office' | 'admin' | 'outsider' | 'judge';

export const CRAWL_LOGINS: Record<CrawlRole, { login: string; password: string; who: string }> = {
  staff: { login: 'demo-staff', password: DEMO_PASSWORD, who: '提案者・共同提案者（区民課の職員）' },
  reviewer: { login: 'demo-reviewer', password: DEMO_PASSWORD, who: '市民課の審査担当' },
  office: { login: 'demo-office', password: DEMO_PASSWORD, who: '改革推進課（事務局）' },
  admin: { login: 'demo-admin', password: DEMO_PASSWORD, who: 'システム管理者' },
  outsider: { login: 'crawl-outsider', password: 'crawl outsider 人事課 2026', who: '関係のない課（人事課）の職員' },
  judge: { login: 'demo-judge', password: DEMO_PASSWORD, who: '審査員（総務局・審査員の役割だけ）' },
};

/** Finds every internal marker (or a cut-off start of one) in a text; group 1 is the proposal tag when present. */
export const INTERNAL_MARKER = /INTERNAL-[A-Z]+(?:-MARK(?:-(Q\d{2}))?)?/g;

const mark = (kind: 'OPINION' | 'ROUTING' | 'REASON' | 'CORRECTION', tag: string) => `INTERNAL-${kind}-MARK-${tag}`;

export interface SeededProposal {
  id: number;
  tag: string;
  /** What state it was brought to, for the report. */
  label: string;
}

export interface CrawlSeed {
  proposals: SeededProposal[];
  /** Per proposal tag: the crawl roles that may read its internal text. */
  internalReaders: Map<string, Set<CrawlRole>>;
  /** Per proposal tag: the crawl roles that may open it at all (everyone else must get a 404). */
  viewers: Map<string, Set<CrawlRole>>;
  /**
   * 審査: what a judge of the open blind round (demo-judge) must never read on any page — the names of
   * the proposers and co-proposers of its entries, their divisions, and the real name of an attachment.
   */
  blindNames: string[];
  /**
   * Pages each role starts from besides the menu, so that both review rounds are looked at (the crawl
   * visits one page per address pattern when it follows links): the open round's and the closed round's.
   */
  startPages: Partial<Record<CrawlRole, string[]>>;
}

/** PNG of 1×1 px (as in test/e2e/attachments.e2e-spec.ts). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');

function isoDaysFromToday(days: number): string {
  const date = new Date(`${jstDateString(new Date())}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function expectRedirect(res: Response, what: string): void {
  if (res.status !== 303) {
    const text = res.text
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ');
    throw new Error(`crawl seed: ${what} failed with ${res.status}: ${text.slice(0, 600)}`);
  }
}

export async function seedCrawl(t: TestApp): Promise<CrawlSeed> {
  await seedDemo(t);
  const divisions = t.dataSource.getRepository(Division);
  const division = async (code: string) => (await divisions.findOneByOrFail({ code })).id;
  const shimin = await division('211'); // 市民課: demo-reviewer's division
  const zaisei = await division('311'); // 財政課: another reviewer
  const keiyaku = await division('312'); // 契約課: no reviewer at all

  await createUser(t, { login: 'crawl-rev-zaisei', name: '財政 審査', roles: ['staff', 'reviewer'], divisionCode: '311' });
  await createUser(t, { login: 'crawl-author', name: '区民 提案者', roles: ['staff'], divisionCode: '411' });
  await createUser(t, { login: 'crawl-co', name: '区民 共同', roles: ['staff'], divisionCode: '411' });
  await createUser(t, {
    login: CRAWL_LOGINS.outsider.login,
    name: '人事 一般',
    roles: ['staff'],
    divisionCode: '112',
    password: CRAWL_LOGINS.outsider.password,
  });

  const staff = await signIn(t, 'demo-staff', DEMO_PASSWORD);
  const author = await signIn(t, 'crawl-author');
  const office = await signIn(t, 'demo-office', DEMO_PASSWORD);
  const reviewer = await signIn(t, 'demo-reviewer', DEMO_PASSWORD);
  const zaiseiReviewer = await signIn(t, 'crawl-rev-zaisei');

  const proposals: SeededProposal[] = [];
  const staffIsProposer = new Map<string, boolean>();
  const draftTags = new Set<string>();
  const version = async (id: number) => String((await loadProposal(t, id)).version);
  const due = isoDaysFromToday(30);

  const coproposerAgents: Record<string, TestAgent> = {};
  /** A proposal by `by`, submitted (or left a draft), optionally with attachments added while it was a draft. */
  async function propose(
    tag: string,
    label: string,
    title: string,
    options: { by?: TestAgent; coproposers?: string; attach?: boolean; draftOnly?: boolean } = {},
  ): Promise<number> {
    const by = options.by ?? staff;
    const fields = validProposal({
      title: `${title}（${tag}）`,
      proposalText: `${title}。提案の本文です（${tag}）。`,
      ...(options.coproposers ? { coproposers: options.coproposers } : {}),
    });
    const created = await postForm(by, '/proposals', { ...fields, intent: 'draft' }, '/proposals/new');
    expectRedirect(created, `${tag}: saving the draft`);
    const id = proposalIdFrom(created.headers.location);
    // co-proposers by consent: each colleague named accepts the invitation, so the pages show them as co-proposers
    for (const login of (options.coproposers ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const colleague = login === 'demo-staff' ? staff : (coproposerAgents[login] ??= await signIn(t, login));
      expectRedirect(await postForm(colleague, `/proposals/${id}/coproposal/accept`, {}, `/proposals/${id}`), `${tag}: ${login} accepting the invitation`);
    }
    if (options.attach) {
      const page = await by.get(`/proposals/${id}`);
      const match = new RegExp(`action="/proposals/${id}/attachments\\?_csrf=([^"&]+)"`).exec(page.text);
      if (!match) throw new Error(`crawl seed: ${tag}: no upload form on the draft`);
      const png = await by.post(`/proposals/${id}/attachments?_csrf=${match[1]}`).attach('file', PNG, { filename: '窓口の写真.png', contentType: 'image/png' });
      expectRedirect(png, `${tag}: uploading a PNG`);
      const pdf = await by
        .post(`/proposals/${id}/attachments?_csrf=${match[1]}`)
        .attach('file', PDF, { filename: '提案資料（最終版）.pdf', contentType: 'application/pdf' });
      expectRedirect(pdf, `${tag}: uploading a PDF`);
    }
    if (!options.draftOnly) {
      const submitted = await postForm(by, `/proposals/${id}`, { ...fields, intent: 'submit', version: await version(id) }, `/proposals/${id}/edit`);
      expectRedirect(submitted, `${tag}: submitting`);
    }
    if (options.draftOnly) draftTags.add(tag);
    proposals.push({ id, tag, label });
    staffIsProposer.set(tag, by === staff || (options.coproposers ?? '').includes('demo-staff'));
    return id;
  }

  async function accept(id: number, tag: string, lead: number, related: number[] = []): Promise<void> {
    const res = await postForm(office, `/proposals/${id}/accept`, {
      version: await version(id),
      leadDivisionId: String(lead),
      relatedDivisionIds: related.map(String),
      dueOn: due,
      comment: `回付の際の事務局メモ ${mark('ROUTING', tag)}`,
    });
    expectRedirect(res, `${tag}: accepting and routing`);
  }

  async function opinion(agent: TestAgent, id: number, tag: string, outcome: string): Promise<void> {
    const res = await postForm(agent, `/proposals/${id}/opinion`, {
      version: await version(id),
      outcome,
      opinionText: `所管課の率直な意見（内部）${mark('OPINION', tag)}`,
    });
    expectRedirect(res, `${tag}: giving an opinion`);
  }

  async function decide(id: number, tag: string, decision: string): Promise<void> {
    const res = await postConfirmed(office, `/proposals/${id}/decision`, {
      version: await version(id),
      decision,
      reason: `採否の内部理由 ${mark('REASON', tag)}`,
      answer: `提案者への回答です。PUBLIC-ANSWER-${tag}`,
    });
    expectRedirect(res, `${tag}: deciding ${decision}`);
  }

  async function implementation(agent: TestAgent, id: number, tag: string, fields: Record<string, string>): Promise<void> {
    const res = await postForm(agent, `/proposals/${id}/implementation`, { version: await version(id), ...fields });
    expectRedirect(res, `${tag}: reporting implementation ${fields.status}`);
  }

  /** Routed to 市民課 alone, whose opinion completes it: awaiting the decision. */
  async function toAwaitingDecision(id: number, tag: string, outcome = 'adopted'): Promise<void> {
    await accept(id, tag, shimin);
    await opinion(reviewer, id, tag, outcome);
  }

  // --- Q01 下書き (with attachments, co-proposer)
  await propose('Q01', '下書き（添付・共同提案者あり）', '会議室予約を全庁で一元化する', { attach: true, coproposers: 'crawl-co', draftOnly: true });

  // --- Q02 受付待ち (with attachments and a co-proposer)
  await propose('Q02', '受付待ち（添付・共同提案者あり）', '窓口の待ち時間を番号札アプリで見える化する', { attach: true, coproposers: 'crawl-co' });

  // --- Q03 差戻し
  {
    const id = await propose('Q03', '差戻し', '公用車の予約をウェブで行う');
    const res = await postConfirmed(office, `/proposals/${id}/return`, {
      version: await version(id),
      comment: '効果の見込みを具体的に書いてください。PUBLIC-RETURN-Q03',
    });
    expectRedirect(res, 'Q03: returning');
  }

  // --- Q04 不受理
  {
    const id = await propose('Q04', '不受理', '庁舎の自販機を増やしてほしい');
    const res = await postConfirmed(office, `/proposals/${id}/not-accept`, {
      version: await version(id),
      reason: 'complaint_only',
      comment: '要望として所管課に伝えました。PUBLIC-NOTACCEPT-Q04',
    });
    expectRedirect(res, 'Q04: not accepting');
  }

  // --- Q05 所管課検討中: 市民課 (lead) overdue and not answered, 財政課 (related) answered
  {
    const id = await propose('Q05', '所管課検討中（市民課の回答期限切れ・財政課は回答済）', '住民票の郵送請求をオンライン化する', { coproposers: 'crawl-co' });
    await accept(id, 'Q05', shimin, [zaisei]);
    await opinion(zaiseiReviewer, id, 'Q05', 'partially_adopted');
    await t.dataSource.getRepository(Routing).update({ proposalId: id, divisionId: shimin }, { dueOn: isoDaysFromToday(-5) });
  }

  // --- Q06 所管課検討中: routed to 契約課, which has no reviewer
  {
    const id = await propose('Q06', '所管課検討中（審査担当のいない契約課に回付）', '契約書の押印を電子契約に切り替える');
    await accept(id, 'Q06', keiyaku);
  }

  // --- Q07 所管課検討中: routed to 市民課 and 財政課, then re-routed to 財政課 alone before 市民課 answered
  {
    const id = await propose('Q07', '所管課検討中（市民課は回付を外された）', '財務会計システムの帳票を電子化する');
    await accept(id, 'Q07', shimin, [zaisei]);
    const res = await postForm(office, `/proposals/${id}/reroute`, {
      version: await version(id),
      leadDivisionId: String(zaisei),
      dueOn: due,
      comment: `回付先の変更理由（内部）${mark('ROUTING', 'Q07')}`,
    });
    expectRedirect(res, 'Q07: re-routing');
  }

  // --- Q08 審査待ち
  {
    const id = await propose('Q08', '審査待ち', 'コピー用紙の両面印刷を標準設定にする');
    await toAwaitingDecision(id, 'Q08');
  }

  // --- Q09 決定・採用・未着手 — by another proposer with demo-staff as co-proposer, routed to 財政課 only,
  // so that it is an adopted case that demo-reviewer (市民課, never routed) may open but not read inside.
  {
    const id = await propose('Q09', '採用・未着手（demo-staff は共同提案者、財政課に回付）', '市税の口座振替をウェブで申し込めるようにする', {
      by: author,
      coproposers: 'demo-staff',
    });
    await accept(id, 'Q09', zaisei);
    await opinion(zaiseiReviewer, id, 'Q09', 'adopted');
    await decide(id, 'Q09', 'adopted');
  }

  // --- Q10 一部採用・実施中
  {
    const id = await propose('Q10', '一部採用・実施中', '窓口の案内表示を多言語化する');
    await toAwaitingDecision(id, 'Q10', 'partially_adopted');
    await decide(id, 'Q10', 'partially_adopted');
    await implementation(reviewer, id, 'Q10', { status: 'in_progress', note: '一部の窓口から始めています。' });
  }

  // --- Q11 採用・実施済 (with attachments)
  {
    const id = await propose('Q11', '採用・実施済（添付あり）', '会議資料をペーパーレスにする', { attach: true });
    await toAwaitingDecision(id, 'Q11');
    await decide(id, 'Q11', 'adopted');
    await implementation(reviewer, id, 'Q11', { status: 'in_progress' });
    await implementation(reviewer, id, 'Q11', {
      status: 'implemented',
      implementedOn: jstDateString(new Date()),
      actualHours: '1,200',
      actualYen: '980,000',
      note: '全課で実施しました。',
    });
  }

  // --- Q12 採用・断念
  {
    const id = await propose('Q12', '採用・断念', '庁内の掲示板を電子化する');
    await toAwaitingDecision(id, 'Q12');
    await decide(id, 'Q12', 'adopted');
    await implementation(reviewer, id, 'Q12', { status: 'abandoned', note: '予算が確保できなかったため断念しました。' });
  }

  // --- Q13 不採用
  {
    const id = await propose('Q13', '不採用', '全職員にタブレットを配る');
    await toAwaitingDecision(id, 'Q13', 'rejected');
    await decide(id, 'Q13', 'rejected');
  }

  // --- Q14 既実施
  {
    const id = await propose('Q14', '既実施', '窓口の混雑状況をウェブで公開する');
    await toAwaitingDecision(id, 'Q14', 'already_implemented');
    await decide(id, 'Q14', 'already_implemented');
  }

  // --- Q15 継続検討
  {
    const id = await propose('Q15', '継続検討', '区役所の開庁時間を延長する');
    await toAwaitingDecision(id, 'Q15', 'continued');
    await decide(id, 'Q15', 'continued');
  }

  // --- Q16 不採用 → 訂正して採用 (routed to 財政課 only; demo-staff is a co-proposer)
  {
    const id = await propose('Q16', '不採用を訂正して採用（財政課に回付、demo-staff は共同提案者）', '物品の共同購入を広げる', {
      by: author,
      coproposers: 'demo-staff',
    });
    await accept(id, 'Q16', zaisei);
    await opinion(zaiseiReviewer, id, 'Q16', 'rejected');
    await decide(id, 'Q16', 'rejected');
    const res = await postConfirmed(office, `/proposals/${id}/correction`, {
      version: await version(id),
      decision: 'adopted',
      reason: `訂正後の採否の内部理由 ${mark('REASON', 'Q16')}`,
      answer: '再検討の結果、採用します。PUBLIC-ANSWER-Q16',
      correctionReason: `訂正の内部理由 ${mark('CORRECTION', 'Q16')}`,
    });
    expectRedirect(res, 'Q16: correcting the decision');
  }

  // --- Q17 取下げ after 市民課 gave its opinion (財政課 still open)
  {
    const id = await propose('Q17', '取下げ（所管課の意見の後）', '職員食堂の営業時間を延ばす');
    await accept(id, 'Q17', shimin, [zaisei]);
    await opinion(reviewer, id, 'Q17', 'rejected');
    const res = await postConfirmed(staff, `/proposals/${id}/withdraw`, { version: await version(id), comment: '別の方法で解決しました。' });
    expectRedirect(res, 'Q17: withdrawing');
  }

  // --- Q18–Q20 採用, entered in the open blind review round below: their proposers, co-proposer and divisions
  // appear nowhere else, so that a judge of that round reading any of them on any page is a leak.
  // Q19's co-proposer is from 保険年金課; Q20 comes from 総務課, under demo-judge's 総務局 (a conflict of interest).
  const blindPeople = [
    { tag: 'Q18', login: 'crawl-blind-1', name: '岡部 勇気', divisionCode: '212', division: '区政推進課' },
    { tag: 'Q19', login: 'crawl-blind-2', name: '柴田 光', divisionCode: '312', division: '契約課' },
    { tag: 'Q20', login: 'crawl-blind-3', name: '西村 遥', divisionCode: '111', division: '総務課' },
  ] as const;
  const blindCoproposer = { login: 'crawl-blind-co', name: '宮本 和也', divisionCode: '412', division: '保険年金課' } as const;
  await createUser(t, { login: blindCoproposer.login, name: blindCoproposer.name, roles: ['staff'], divisionCode: blindCoproposer.divisionCode });
  const blindTitles: Record<string, string> = {
    Q18: '区役所の駐輪場を予約制にする',
    Q19: '入札公告をメールで知らせる',
    Q20: '庁内の照明を人感センサーにする',
  };
  const blindIds: Record<string, number> = {};
  for (const person of blindPeople) {
    await createUser(t, { login: person.login, name: person.name, roles: ['staff'], divisionCode: person.divisionCode });
    const by = await signIn(t, person.login);
    const id = await propose(person.tag, '採用・氏名を秘した審査の対象（審査中）', blindTitles[person.tag], {
      by,
      ...(person.tag === 'Q19' ? { coproposers: blindCoproposer.login } : {}),
    });
    await toAwaitingDecision(id, person.tag);
    await decide(id, person.tag, 'adopted');
    blindIds[person.tag] = id;
  }
  // an attachment of Q18 whose name carries its proposer's division and name, as such names often do
  const blindFileName = `${blindPeople[0].division}_岡部勇気_提案資料.pdf`;
  await t.dataSource.getRepository(Attachment).save({
    proposalId: blindIds.Q18,
    fileName: blindFileName,
    mediaType: 'application/pdf',
    size: PDF.length,
    sha256: createHash('sha256').update(PDF).digest('hex'),
    content: PDF,
    uploadedBy: (await loadProposal(t, blindIds.Q18)).proposerId,
  });

  // --- L01, L02: two adopted cases imported from a legacy ledger (提案簿), as the office does it
  {
    const ledger = [
      '提案番号,提出日,件名,提案内容,提案者所属,所管課,採否,実施状況,実施日',
      'L-001,H29.5.10,窓口の番号札を電子化する（L01）,番号札を電子化する,411,311,採用,実施済,H29.9.1',
      'L-002,2018/8/20,庁内便の集配を見直す（L02）,集配を減らす,112,311,既実施,,',
    ].join('\r\n');
    const before = new Set(proposals.map((p) => p.id));
    const page = await office.get('/ledger/import');
    const action = /<form method="post" action="(\/ledger\/import\?_csrf=[^"]+)"/.exec(page.text);
    if (!action) throw new Error(`crawl seed: no upload form on /ledger/import (status ${page.status})`);
    const res = await office
      .post(action[1].replace(/&amp;/g, '&'))
      .attach('file', Buffer.from(ledger + '\r\n', 'utf8'), { filename: '提案簿.csv', contentType: 'text/csv' });
    if (res.status >= 400) throw new Error(`crawl seed: ledger import failed with ${res.status}`);
    const imported = await t.dataSource.getRepository(Proposal).find({ order: { id: 'ASC' } });
    const added = imported.filter((p) => !before.has(p.id));
    if (added.length !== 2) throw new Error(`crawl seed: the ledger import added ${added.length} proposals, not 2`);
    added.forEach((p, i) => {
      const tag = `L0${i + 1}`;
      proposals.push({ id: p.id, tag, label: i === 0 ? '提案簿から取込・採用・実施済' : '提案簿から取込・既実施' });
      staffIsProposer.set(tag, false);
    });
  }

  // --- 審査 and 表彰 (issue 12), through the office's forms and the judges' sheets:
  // a closed round of Q09–Q11 (not blind) with its ranking, a 最優秀賞 decided from it and an アイデア賞 decided
  // by hand (with the office's reason, internal); an open blind round of Q18–Q20 scored in part.
  const fiscalYear = String(fiscalYearOf(new Date()));
  const roundDates = { fiscalYear, opensOn: isoDaysFromToday(-7), closesOn: isoDaysFromToday(14) };
  const tagged = (tag: string) => proposals.find((p) => p.tag === tag)!.id;
  const numberOf = async (tag: string) => (await loadProposal(t, tagged(tag))).number!;
  const judgeLogins = ['demo-judge', 'demo-judge2', 'demo-judge3'] as const;
  const judgeIds = await Promise.all(judgeLogins.map(async (login) => (await t.dataSource.getRepository(User).findOneByOrFail({ login })).id));
  const judges = Object.fromEntries(await Promise.all(judgeLogins.map(async (login) => [login, await signIn(t, login, DEMO_PASSWORD)] as const)));
  async function prepareRound(name: string, blind: boolean, tags: string[]): Promise<number> {
    const id = await createRound(office, { name, ...roundDates, ...(blind ? { blind: 'on' } : {}) });
    const numbers = (await Promise.all(tags.map(numberOf))).join(' ');
    expectRedirect(await postForm(office, `/judging/rounds/${id}/entries`, { mode: 'numbers', numbers }, `/judging/rounds/${id}`), `${name}: entries`);
    expectRedirect(
      await postForm(office, `/judging/rounds/${id}/judges`, { judgeIds: judgeIds.map(String), logins: '' }, `/judging/rounds/${id}`),
      `${name}: judges`,
    );
    expectRedirect(await roundAction(t, office, id, 'open'), `${name}: opening`);
    return id;
  }
  async function score(login: (typeof judgeLogins)[number], roundId: number, tag: string, scores: (number | '')[]) {
    expectRedirect(await scoreEntry(judges[login], roundId, tagged(tag), sheet(scores, `講評です（${tag}）`)), `${login} scoring ${tag}`);
  }

  const closedRoundId = await prepareRound('一次審査（書類審査）', false, ['Q09', 'Q10', 'Q11']);
  for (const [login, scores] of [
    ['demo-judge', { Q09: 4, Q10: 3, Q11: 5 }],
    ['demo-judge2', { Q09: 4, Q10: 4, Q11: 5 }],
    ['demo-judge3', { Q09: 3, Q10: 2, Q11: 4 }],
  ] as const) {
    for (const [tag, s] of Object.entries(scores)) await score(login, closedRoundId, tag, [s, s, s, s, s]);
  }
  expectRedirect(await roundAction(t, office, closedRoundId, 'close'), 'closing the first round');

  const awardsPage = `/awards/manage/${fiscalYear}`;
  const tiersPage = await office.get(`${awardsPage}?roundId=${closedRoundId}`);
  const tierId = (name: string) => {
    const match = new RegExp(`<option value="(\\d+)"[^>]*>${name}（`).exec(tiersPage.text);
    if (!match) throw new Error(`crawl seed: no tier ${name} on ${awardsPage} (status ${tiersPage.status})`);
    return match[1];
  };
  expectRedirect(
    await postForm(
      office,
      `${awardsPage}/awards`,
      { tierId: tierId('最優秀賞'), roundId: String(closedRoundId), proposalId: String(tagged('Q11')) },
      awardsPage,
    ),
    'proposing the award from the ranking',
  );
  expectRedirect(
    await postForm(
      office,
      `${awardsPage}/awards`,
      { tierId: tierId('アイデア賞'), number: await numberOf('Q14'), reason: '審査によらない表彰の理由（内部）INTERNAL-AWARD-MARK' },
      awardsPage,
    ),
    'proposing an award by hand',
  );
  expectRedirect(await postForm(office, `${awardsPage}/signer`, { signer: '改革市長　山田 太郎' }, awardsPage), 'the certificate signer');
  for (const awardId of [...(await office.get(awardsPage)).text.matchAll(/action="\/awards\/(\d+)\/decide"/g)].map((m) => m[1])) {
    expectRedirect(await postForm(office, `/awards/${awardId}/decide`, { awardedOn: jstDateString(new Date()) }, awardsPage), `deciding award ${awardId}`);
  }

  const openRoundId = await prepareRound('二次審査（氏名・所属を秘して）', true, ['Q18', 'Q19', 'Q20']);
  await score('demo-judge', openRoundId, 'Q18', [5, 4, 4, 3, 4]);
  await score('demo-judge', openRoundId, 'Q19', [3, '', '', '', '']);
  await score('demo-judge2', openRoundId, 'Q18', [4, 4, 4, 4, 4]);

  const blindNames = [...blindPeople.flatMap((p) => [p.name, p.division]), blindCoproposer.name, blindCoproposer.division, blindFileName];
  const startPages: CrawlSeed['startPages'] = {
    office: [
      `/judging/rounds/${openRoundId}`,
      `/judging/rounds/${openRoundId}/live`,
      `/judging/rounds/${closedRoundId}`,
      `/judging/rounds/${closedRoundId}/results`,
      `/judging/rounds/${closedRoundId}/live`,
    ],
    judge: [
      `/scoring/${openRoundId}`,
      ...['Q18', 'Q19', 'Q20'].map((tag) => `/scoring/${openRoundId}/entries/${tagged(tag)}`),
      `/scoring/${closedRoundId}`,
      `/scoring/${closedRoundId}/results`,
    ],
  };

  // Who may open each proposal, and who may read its internal text (the rule, written out here
  // independently of src/proposals/proposal-access.ts):
  // - the proposer and co-proposers open it, but never read the internal text;
  // - the office and admins open every submitted proposal and read everything;
  // - 市民課's reviewer opens it and reads the internal text while 市民課 takes part: routed now, or routed
  //   until it answered (the decision and a withdrawal end every routing; a division keeps what it answered).
  //   A division removed before it answered loses the proposal (Q07);
  // - every signed-in person opens an adopted case (採用・一部採用・既実施), without its internal text —
  //   but for the judges of a blind round not yet closed that it is entered in (Q18–Q20 for demo-judge).
  const shiminRoutings = await t.dataSource.getRepository(Routing).find({ where: { divisionId: shimin } });
  const viewers = new Map<string, Set<CrawlRole>>();
  const internalReaders = new Map<string, Set<CrawlRole>>();
  for (const p of proposals) {
    const stored = await loadProposal(t, p.id);
    const adoptedCase = stored.status === 'decided' && ['adopted', 'partially_adopted', 'already_implemented'].includes(stored.decision ?? '');
    const shiminTakesPart = shiminRoutings.some((r) => r.proposalId === p.id && (r.active || r.opinionAt !== null));
    const open = new Set<CrawlRole>();
    const internal = new Set<CrawlRole>();
    if (staffIsProposer.get(p.tag)) open.add('staff');
    if (!draftTags.has(p.tag)) {
      open.add('office').add('admin');
      internal.add('office').add('admin');
    }
    if (shiminTakesPart) {
      open.add('reviewer');
      internal.add('reviewer');
    }
    if (adoptedCase) for (const role of ['staff', 'reviewer', 'office', 'admin', 'outsider'] as const) open.add(role);
    if (adoptedCase && !(p.tag in blindIds)) open.add('judge');
    viewers.set(p.tag, open);
    internalReaders.set(p.tag, internal);
  }
  return { proposals, internalReaders, viewers, blindNames, startPages };
}
