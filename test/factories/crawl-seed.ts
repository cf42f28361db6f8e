import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Attachment } from '../../src/attachments/attachment.entity';
import { ThemedCall } from '../../src/calls/call.entities';
import { fiscalYearOf } from '../../src/common/fiscal-year';
import { jstDateString } from '../../src/common/jst';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { Division } from '../../src/organization/division.entity';
import { Proposal } from '../../src/proposals/proposal.entity';
import { Routing } from '../../src/proposals/routing.entity';
import { User } from '../../src/users/user.entity';
import { postCallForm } from './calls';
import { createRound, roundAction, scoreEntry, sheet } from './judging';
import { fileKaizen, kaizenStep } from './kaizen';
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
 * whose entries (Q18–Q20) are written by people, and from divisions, that appear nowhere else. *
 * テーマ募集 and カイゼン報告 (issue 13): a call in each phase (C1 open to all with public answers and a file,
 * C2 open to 中央区 only, C3 not yet open, C4 extended then closed early), answers Q21–Q26 in several states
 * (one routed with the call's one-step routing, one adopted), and カイゼン reports K01–K07 in every status, by
 * demo-staff with a member and photos, by someone in a 課 without a 所属長, and by another member of demo-staff's
 * 課. The titles that only some may read carry markers listed in CrawlSeed.secrets.
 */

/** The people the crawl signs in as. */
export type CrawlRole = 'staff' | 'reviewer' | 'office' | 'admin' | 'outsider' | 'judge' | 'head';

export const CRAWL_LOGINS: Record<CrawlRole, { login: string; password: string; who: string }> = {
  staff: { login: 'demo-staff', password: DEMO_PASSWORD, who: '提案者・共同提案者（区民課の職員）' },
  reviewer: { login: 'demo-reviewer', password: DEMO_PASSWORD, who: '市民課の審査担当' },
  office: { login: 'demo-office', password: DEMO_PASSWORD, who: '改革推進課（事務局）' },
  admin: { login: 'demo-admin', password: DEMO_PASSWORD, who: 'システム管理者' },
  outsider: { login: 'crawl-outsider', password: 'crawl outsider 人事課 2026', who: '関係のない課（人事課）の職員' },
  judge: { login: 'demo-judge', password: DEMO_PASSWORD, who: '審査員（総務局・審査員の役割だけ）' },
  head: { login: 'demo-head', password: DEMO_PASSWORD, who: '区民課の所属長（職員・所属長、demo-staff と同じ課）' },
};

/** Finds every internal marker (or a cut-off start of one) in a text; group 1 is the proposal tag when present. */
export const INTERNAL_MARKER = /INTERNAL-[A-Z]+(?:-MARK(?:-(Q\d{2}))?)?/g;

const mark = (kind: 'OPINION' | 'ROUTING' | 'REASON' | 'CORRECTION', tag: string) => `INTERNAL-${kind}-MARK-${tag}`;

/** In the title of a call that only some may read (see CrawlSeed.secrets). */
const callMark = (kind: 'AUDIENCE' | 'UPCOMING') => `CALL-${kind}-SECRET`;
/** In the title of a カイゼン report not yet published (see CrawlSeed.secrets). */
const kaizenMark = (tag: string) => `KAIZEN-SECRET-${tag}`;

export interface SeededProposal {
  id: number;
  tag: string;
  /** What state it was brought to, for the report. */
  label: string;
  /** false: its print page adds nothing over another seeded proposal's in the same state (answers of a call). */
  print?: false;
  /**
   * The tag of a seeded proposal in the same state whose pages every role sees alike (Q19 and Q20 are Q18's twins
   * but for the blind round's judge, to whom all three are refused): its pages are only asked for, not looked at.
   */
  sameAs?: string;
}

/** A page of a themed call (C1–C4) or of a カイゼン report (K01–K07): every role asks for it; who may open it is in viewers. */
export interface SeededPage {
  url: string;
  tag: string;
  label: string;
}

/** A text (a marker in a title) that only `readers` may read on any page or in any page's source. */
export interface Secret {
  text: string;
  readers: Set<CrawlRole>;
  /** The finding's kind when someone else reads it. */
  kind: string;
}

export interface CrawlSeed {
  proposals: SeededProposal[];
  /** The themed calls' and カイゼン reports' pages (issue 13). */
  pages: SeededPage[];
  /** Titles of the restricted and the upcoming call and of the unpublished カイゼン reports, and who may read each. */
  secrets: Secret[];
  /** Per proposal tag: the crawl roles that may read its internal text. */
  internalReaders: Map<string, Set<CrawlRole>>;
  /** Per proposal, call or report tag: the crawl roles that may open it at all (everyone else must get a 404; a 403 for a call to whom has no calls page). */
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
    options: { by?: TestAgent; coproposers?: string; attach?: boolean; draftOnly?: boolean; callId?: number; print?: boolean } = {},
  ): Promise<number> {
    const by = options.by ?? staff;
    const fields = validProposal({
      title: `${title}（${tag}）`,
      proposalText: `${title}。提案の本文です（${tag}）。`,
      ...(options.coproposers ? { coproposers: options.coproposers } : {}),
    });
    const newForm = options.callId ? `/proposals/new?callId=${options.callId}` : '/proposals/new';
    const created = await postForm(by, '/proposals', { ...fields, intent: 'draft', ...(options.callId ? { callId: String(options.callId) } : {}) }, newForm);
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
    proposals.push({ id, tag, label, ...(options.print === false ? { print: false } : {}) });
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
    if (person.tag !== 'Q18') proposals[proposals.length - 1].sameAs = 'Q18';
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

  // --- 課題提案 (issue 13): themed calls in each phase, through the office's form, and answers in several states.
  // The titles of the call restricted to 中央区 and of the upcoming call carry markers (callMark) that the crawl looks
  // for on every page: nobody outside the audience may read the first, nobody but the office the second. The office's
  // reasons for extending and closing a call are its own record (INTERNAL-CALL-MARK).
  const today = jstDateString(new Date());
  const callIds: Record<string, number> = {};
  async function createCall(tag: string, fields: Record<string, string | string[]>, files: [string, Buffer][] = []): Promise<number> {
    const res = await postCallForm(
      office,
      {
        issueText: `繁忙期の窓口では1時間以上お待たせすることがあります。解決のアイデアを募集します（${tag}）。`,
        opensOn: today,
        closesOn: isoDaysFromToday(30),
        leadDivisionId: String(shimin),
        audience: 'all',
        ...fields,
      },
      files,
    );
    expectRedirect(res, `${tag}: creating the call`);
    const match = /^\/calls\/(\d+)$/.exec(res.headers.location ?? '');
    if (!match) throw new Error(`crawl seed: ${tag}: the call form redirected to ${res.headers.location}`);
    callIds[tag] = Number(match[1]);
    return callIds[tag];
  }
  const callVersion = async (id: number) => String((await t.dataSource.getRepository(ThemedCall).findOneByOrFail({ id })).version);
  const kumin = await division('400'); // 中央区: demo-staff's and demo-head's 局・区, not the outsider's (総務局) nor 市民課's (市民局)

  // C1 募集中, open to all staff, answers readable by all while open, with a file, two categories, a related division
  const openCall = await createCall(
    'C1',
    { title: '窓口の待ち時間を減らすには（C1）', relatedDivisionIds: [String(zaisei)], categoryIds: ['1', '2'], answersPublic: 'on' },
    [['募集要項（窓口の待ち時間）.pdf', PDF]],
  );
  // Q21 下書き, Q22 回付済（所管課検討中）, Q23 採用 (an adopted case everyone opens), Q24 受付待ち (after the one-step routing)
  await propose('Q21', 'テーマ募集への回答・下書き', '番号札の呼出しを携帯に知らせる', { callId: openCall, draftOnly: true, print: false });
  await propose('Q22', 'テーマ募集への回答・一括回付（所管課検討中）', '窓口の混雑予報を掲示する', { callId: openCall, print: false });
  const q23 = await propose('Q23', 'テーマ募集への回答・一括回付のあと採用', '記載台に記入例を増やす', { by: author, callId: openCall });
  const routed = await postConfirmed(office, `/calls/${openCall}/route`, { dueOn: due }, `/calls/${openCall}`);
  if (routed.status !== 200 || !routed.text.includes('回付しました'))
    throw new Error(`crawl seed: C1: one-step routing answered ${routed.status}: ${routed.text.replace(/<[^>]+>/g, ' ').slice(0, 400)}`);
  await opinion(reviewer, q23, 'Q23', 'adopted');
  await opinion(zaiseiReviewer, q23, 'Q23', 'adopted');
  await decide(q23, 'Q23', 'adopted');
  await propose('Q24', 'テーマ募集への回答・受付待ち（一括回付の後に提出）', '申請書の様式を一枚にまとめる', { by: author, callId: openCall, print: false });

  // C2 募集中, only for 中央区: the outsider (人事課), 市民課's reviewer, the judge never read its title
  const restrictedCall = await createCall('C2', {
    title: `区民課の届出を減らすには（${callMark('AUDIENCE')}）`,
    audience: 'divisions',
    audienceDivisionIds: [String(kumin)],
  });
  // Q25: its answer by demo-staff, waiting for 受理 (not routed: a routing comment names the call)
  await propose('Q25', '中央区限定のテーマ募集への回答・受付待ち', '転入届の記載事項を減らす', { callId: restrictedCall });

  // C3 募集前: the office alone sees it
  await createCall('C3', { title: `来年度の庁内研修を見直すには（${callMark('UPCOMING')}）`, opensOn: isoDaysFromToday(10), closesOn: isoDaysFromToday(40) });

  // C4 募集終了: answered, extended (recorded, with the office's reason), then closed early
  const closedCall = await createCall('C4', { title: '庁内の紙の使用量を減らすには（C4）', closesOn: isoDaysFromToday(10) });
  await propose('Q26', '早期終了したテーマ募集への回答・受付待ち', '会議の資料を画面で共有する', { callId: closedCall, print: false });
  expectRedirect(
    await postForm(
      office,
      `/calls/${closedCall}/extend`,
      { version: await callVersion(closedCall), closesOn: isoDaysFromToday(20), reason: `応募が少ないため延長（事務局メモ）INTERNAL-CALL-MARK` },
      `/calls/${closedCall}`,
    ),
    'C4: extending the call',
  );
  expectRedirect(
    await postConfirmed(
      office,
      `/calls/${closedCall}/close`,
      { version: await callVersion(closedCall), reason: `十分な提案が集まったため終了（事務局メモ）INTERNAL-CALL-MARK` },
      `/calls/${closedCall}`,
    ),
    'C4: closing the call early',
  );

  // --- 実績報告 (カイゼン報告, issue 13): demo-staff's reports with a member in every status, through the report form and
  // the 所属長's and the office's steps. Until a report is published only its reporter and members, the 所属長 of its
  // 課, the office and the administrators read it: its title carries kaizenMark(tag), which the crawl looks for on
  // every page. K06 comes from 財政課, which has no 所属長; K07 from a colleague of demo-staff (read by the 所属長).
  const head = await signIn(t, 'demo-head', DEMO_PASSWORD);
  const zaiseiReporter = zaiseiReviewer;
  const kaizenIds: Record<string, number> = {};
  const photo = [{ name: '改善後の記載台.png', content: PNG }];
  async function report(tag: string, title: string, options: { by?: TestAgent; members?: string; photo?: boolean; draft?: boolean; published?: boolean }) {
    const id = await fileKaizen(
      options.by ?? staff,
      {
        title: `${title}（${options.published ? tag : kaizenMark(tag)}）`,
        problem: `改善前の状況です（${tag}）。`,
        changeText: `改善した内容です（${tag}）。`,
        doneOn: isoDaysFromToday(-20),
        members: options.members ?? '',
        intent: options.draft ? 'draft' : 'submit',
      },
      options.photo ? photo : [],
    );
    kaizenIds[tag] = id;
    return id;
  }
  const step = async (tag: string, agent: TestAgent, action: 'confirm' | 'return' | 'publish' | 'nominate', fields: Record<string, string> = {}) =>
    expectRedirect(await kaizenStep(t, agent, kaizenIds[tag], action, fields), `${tag}: ${action}`);
  await report('K01', '書庫の配置図を作り直した（下書き）', { members: 'crawl-co', photo: true, draft: true });
  await report('K02', '電話の取次ぎメモを共有フォルダにした', { members: 'crawl-co' });
  await report('K03', '窓口の番号札を色分けした', { members: 'crawl-co' });
  await step('K03', head, 'return', { comment: '効果の時間をもう少し具体的に書いてください。PUBLIC-KAIZEN-RETURN-K03' });
  await report('K04', '住民票の交付を一か所にまとめた', { members: 'crawl-co', photo: true });
  await step('K04', head, 'confirm');
  await step('K04', office, 'nominate', { confirm: 'on' });
  await report('K05', '記載台に記入例を置いた（公開済）', { members: 'crawl-co', photo: true, published: true });
  await step('K05', head, 'confirm');
  await step('K05', office, 'publish', { confirm: 'on' });
  await report('K06', '予算書の校正を二人一組にした（所属長のいない課）', { by: zaiseiReporter });
  await report('K07', '窓口の釣銭準備を前日に済ませた（同じ課の別の職員）', { by: author });

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
  // issue 13: pages of one address pattern that the crawl would otherwise see in one state only — the proposal form as
  // an answer to an open and to a closed call, the edit form of a draft answer and of a returned report (with the
  // 所属長's comment), the office's list of reports from a 課 without a 所属長
  const startPages: CrawlSeed['startPages'] = {
    staff: [`/proposals/new?callId=${openCall}`, `/proposals/new?callId=${closedCall}`, `/proposals/${tagged('Q21')}/edit`, `/kaizen/${kaizenIds.K03}/edit`],
    office: [
      '/kaizen?noHead=1',
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

  // Who may open each proposal, and who may read its internal text (the issue's rule, written out here
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
    if (adoptedCase) for (const role of ['staff', 'head', 'reviewer', 'office', 'admin', 'outsider'] as const) open.add(role);
    if (adoptedCase && !(p.tag in blindIds)) open.add('judge');
    viewers.set(p.tag, open);
    internalReaders.set(p.tag, internal);
  }

  // Calls (the issue's rule, written out): the office sees every call; staff a call open to their division, once it
  // has opened (closed ones too). The judge has no calls page (403).
  const everyStaff: CrawlRole[] = ['staff', 'head', 'reviewer', 'outsider', 'admin', 'office'];
  const audienceOnly: CrawlRole[] = ['staff', 'head', 'office'];
  const pages: SeededPage[] = [];
  const callViewers: Record<string, CrawlRole[]> = { C1: everyStaff, C2: audienceOnly, C3: ['office'], C4: everyStaff };
  const callLabels: Record<string, string> = { C1: '募集中（全職員・回答公開・添付あり）', C2: '募集中（中央区のみ）', C3: '募集前', C4: '延長ののち早期終了' };
  for (const [tag, id] of Object.entries(callIds)) {
    pages.push({ url: `/calls/${id}`, tag, label: callLabels[tag] });
    viewers.set(tag, new Set(callViewers[tag]));
  }
  // Reports: the reporter and members always; once submitted also the 所属長 of the reporter's 課, the office and the
  // administrators; once published every signed-in person.
  const onReport: Record<string, CrawlRole[]> = { K06: [], K07: [] };
  const headOf: Record<string, CrawlRole[]> = { K06: [] };
  const kaizenLabels: Record<string, string> = {
    K01: '下書き（メンバー・写真あり）',
    K02: '所属長の確認待ち',
    K03: '差戻し（コメントあり）',
    K04: '確認済・表彰に推薦',
    K05: '公開済（写真あり）',
    K06: '確認待ち（所属長のいない財政課）',
    K07: '確認待ち（区民課の別の職員）',
  };
  const secrets: Secret[] = [
    { text: callMark('AUDIENCE'), readers: new Set<CrawlRole>([...audienceOnly, 'admin']), kind: 'restricted call shown outside its audience' },
    { text: callMark('UPCOMING'), readers: new Set<CrawlRole>(['office']), kind: 'upcoming call shown before it opens' },
  ];
  for (const [tag, id] of Object.entries(kaizenIds)) {
    const status = tag === 'K01' ? 'draft' : tag === 'K05' ? 'published' : 'submitted';
    const readers = new Set<CrawlRole>(onReport[tag] ?? ['staff']);
    if (status !== 'draft') for (const role of [...(headOf[tag] ?? ['head']), 'office', 'admin'] as const) readers.add(role);
    if (status === 'published') for (const role of everyStaff) readers.add(role).add('judge');
    pages.push({ url: `/kaizen/${id}`, tag, label: kaizenLabels[tag] });
    viewers.set(tag, readers);
    if (status !== 'published') secrets.push({ text: kaizenMark(tag), readers, kind: 'unpublished カイゼン report shown to someone who may not read it' });
  }
  return { proposals, pages, secrets, internalReaders, viewers, blindNames, startPages };
}
