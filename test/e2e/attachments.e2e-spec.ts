import { createHash } from 'node:crypto';
import type SuperagentResponse from 'superagent/lib/node/response';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Attachment } from '../../src/attachments/attachment.entity';
import { ATTACHMENT_MESSAGES } from '../../src/attachments/attachments.service';
import { INTERNAL_TEXT, visibleText } from '../factories/auth-helpers';
import { historyOf, loadProposal, postForm, proposalIdFrom, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, csrfToken, seedDemo, signIn } from '../factories/users';

const MB = 1024 * 1024;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
/** A PDF-looking file of exactly `bytes` bytes. */
const pdfOfSize = (bytes: number): Buffer => Buffer.concat([PDF, Buffer.alloc(bytes - PDF.length, 0x20)]);

/** Reads a response body as raw bytes, whatever its type. */
const rawBody = (res: SuperagentResponse, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('proposal attachments through HTTP', () => {
  let t: TestApp;
  let proposer: TestAgent;
  let coproposer: TestAgent;
  let otherStaff: TestAgent;
  let office: TestAgent;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    await createUser(t, { login: 'att-proposer', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'att-co', roles: ['staff'], divisionCode: '411' });
    await createUser(t, { login: 'att-other', roles: ['staff'], divisionCode: '211' });
    await createUser(t, { login: 'att-office', roles: ['staff', 'office'], divisionCode: '121' });
    proposer = await signIn(t, 'att-proposer');
    coproposer = await signIn(t, 'att-co');
    otherStaff = await signIn(t, 'att-other');
    office = await signIn(t, 'att-office');
  });
  afterAll(() => t.close());

  const rows = (proposalId: number) => t.dataSource.getRepository(Attachment).find({ where: { proposalId }, order: { id: 'ASC' } });

  async function draft(title = '添付のある提案', extra: Record<string, string> = {}): Promise<number> {
    const res = await postForm(proposer, '/proposals', { ...validProposal({ title, ...extra }), intent: 'draft' }, '/proposals/new');
    expect(res.status).toBe(303);
    return proposalIdFrom(res.headers.location);
  }

  /** The CSRF token as the proposal page puts it in the upload form's action URL. */
  async function uploadToken(agent: TestAgent, id: number): Promise<string> {
    const page = await agent.get(`/proposals/${id}`);
    const match = new RegExp(`action="/proposals/${id}/attachments\\?_csrf=([0-9a-f]+)"`).exec(page.text);
    if (!match) throw new Error(`no upload form on /proposals/${id} (status ${page.status})`);
    return match[1];
  }

  async function upload(agent: TestAgent, id: number, content: Buffer, filename: string, options: { token?: string; contentType?: string } = {}) {
    const token = options.token ?? (await uploadToken(agent, id));
    return agent
      .post(`/proposals/${id}/attachments?_csrf=${token}`)
      .attach('file', content, { filename, contentType: options.contentType ?? 'application/octet-stream' });
  }

  function download(agent: TestAgent, id: number, attachmentId: number) {
    return agent
      .get(`/proposals/${id}/attachments/${attachmentId}`)
      .buffer(true)
      .parse(rawBody as unknown as Parameters<ReturnType<TestAgent['get']>['parse']>[0]);
  }

  it('adds a PNG and a PDF to a draft, lists them, and writes no history', async () => {
    const id = await draft();
    const before = await loadProposal(t, id);
    const historyBefore = await historyOf(t, id);

    const png = await upload(proposer, id, PNG, '窓口の写真.png', { contentType: 'image/png' });
    expect(png.status).toBe(303);
    expect(png.headers.location).toBe(`/proposals/${id}`);
    const pdf = await upload(proposer, id, PDF, '提案資料（最終版）.pdf', { contentType: 'application/pdf' });
    expect(pdf.status).toBe(303);

    const stored = await rows(id);
    expect(stored.map((a) => [a.fileName, a.mediaType, a.size])).toEqual([
      ['窓口の写真.png', 'image/png', PNG.length],
      ['提案資料（最終版）.pdf', 'application/pdf', PDF.length],
    ]);
    expect(stored[0].sha256).toBe(createHash('sha256').update(PNG).digest('hex'));

    const page = await proposer.get(`/proposals/${id}`);
    expect(page.text).toContain('「提案資料（最終版）.pdf」を添付しました。');
    expect(page.text).toContain(`href="/proposals/${id}/attachments/${stored[0].id}"`);
    expect(page.text).toContain(`action="/proposals/${id}/attachments/${stored[1].id}/delete"`);
    expect(visibleText(page.text)).toContain(`PNG画像・${PNG.length} バイト`);
    expect(page.text).toMatch(/enctype="multipart\/form-data"/);
    expect(page.text).toMatch(/<label for="attachment-file">[^<]+<\/label>/);

    // attachments are no status step: no history row, no version bump
    expect(await historyOf(t, id)).toHaveLength(historyBefore.length);
    expect((await loadProposal(t, id)).version).toBe(before.version);
  });

  it('downloads the exact bytes as an attachment, with the Japanese name, the stored type and nosniff', async () => {
    const id = await draft('ダウンロードする提案');
    expect((await upload(proposer, id, PDF, '提案資料（最終版）.pdf', { contentType: 'text/html' })).status).toBe(303);
    const [attachment] = await rows(id);

    const res = await download(proposer, id, attachment.id);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const disposition = res.headers['content-disposition'];
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    expect(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)![1])).toBe('提案資料（最終版）.pdf');
    expect(Buffer.compare(res.body as Buffer, PDF)).toBe(0);
  });

  it('serves a download only to those who may see the proposal; others get 404', async () => {
    const id = await draft('見える人だけの提案');
    await upload(proposer, id, PNG, 'a.png');
    const [attachment] = await rows(id);

    // a draft is the proposer's own: another staff member and even the office get "not found"
    expect((await download(otherStaff, id, attachment.id)).status).toBe(404);
    expect((await download(office, id, attachment.id)).status).toBe(404);

    await postForm(
      proposer,
      `/proposals/${id}`,
      { ...validProposal({ title: '見える人だけの提案' }), intent: 'submit', version: String((await loadProposal(t, id)).version) },
      `/proposals/${id}/edit`,
    );
    expect((await loadProposal(t, id)).status).toBe('submitted');
    expect((await download(office, id, attachment.id)).status).toBe(200);
    const refused = await download(otherStaff, id, attachment.id);
    expect(refused.status).toBe(404);
    expect(Buffer.compare(refused.body as Buffer, PNG)).not.toBe(0);

    // an attachment reached through another proposal's URL is not found either
    const otherId = await draft('別の提案');
    expect((await download(proposer, otherId, attachment.id)).status).toBe(404);
    expect((await download(proposer, id, attachment.id + 1000)).status).toBe(404);
  });

  it('refuses a text file named .pdf (and claimed as PDF) with a message on the proposal page, storing nothing', async () => {
    const id = await draft('偽のPDFを添付される提案');
    const res = await upload(proposer, id, Buffer.from('<html><script>alert(document.cookie)</script></html>'), '議事録.pdf', {
      contentType: 'application/pdf',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('偽のPDFを添付される提案'); // the proposal page came back
    expect(res.text).toContain('class="error-summary"');
    expect(res.text).toContain(ATTACHMENT_MESSAGES.wrongKind('議事録.pdf'));
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).not.toMatch(INTERNAL_TEXT);
    expect(await rows(id)).toHaveLength(0);
  });

  it('refuses an 11 MB file with a 413 message on the page and stores nothing; exactly 10 MB is accepted', async () => {
    const id = await draft('大きなファイルの提案');
    const tooBig = await upload(proposer, id, pdfOfSize(11 * MB), '大きすぎる資料.pdf');
    expect(tooBig.status).toBe(413);
    expect(tooBig.text).toContain('大きなファイルの提案');
    expect(tooBig.text).toContain('class="error-summary"');
    expect(tooBig.text).toContain(ATTACHMENT_MESSAGES.tooLarge);
    expect(await rows(id)).toHaveLength(0);

    // the connection was drained, not cut: the same agent goes on working
    expect((await upload(proposer, id, pdfOfSize(10 * MB), 'ちょうど10MB.pdf')).status).toBe(303);
    const stored = await rows(id);
    expect(stored.map((a) => a.size)).toEqual([10 * MB]);
  });

  it('refuses the 6th file with a message, and then offers no upload form until one is removed', async () => {
    const id = await draft('添付の多い提案');
    for (let n = 1; n <= 5; n++) expect((await upload(proposer, id, PNG, `写真${n}.png`)).status).toBe(303);
    const token = await csrfToken(proposer, `/proposals/${id}`);
    const sixth = await upload(proposer, id, PDF, '6つ目.pdf', { token });
    expect(sixth.status).toBe(422);
    expect(sixth.text).toContain(ATTACHMENT_MESSAGES.tooMany);
    expect(await rows(id)).toHaveLength(5);

    const page = await proposer.get(`/proposals/${id}`);
    expect(page.text).not.toContain(`action="/proposals/${id}/attachments?_csrf=`);
    expect(visibleText(page.text)).toContain('添付ファイルは5件までです。');

    const [first] = await rows(id);
    const removed = await postForm(proposer, `/proposals/${id}/attachments/${first.id}/delete`, { confirm: 'on' }, `/proposals/${id}`);
    expect(removed.status).toBe(303);
    expect((await rows(id)).map((a) => a.id)).not.toContain(first.id);
    expect((await proposer.get(`/proposals/${id}`)).text).toContain('「写真1.png」を削除しました。');
    expect((await upload(proposer, id, PDF, '6つ目.pdf')).status).toBe(303);
    expect(await rows(id)).toHaveLength(5);
  });

  it('keeps to 5 when two uploads race for the last place', async () => {
    const id = await draft('同時に添付される提案');
    for (let n = 1; n <= 4; n++) await upload(proposer, id, PNG, `写真${n}.png`);
    const token = await uploadToken(proposer, id);
    const results = await Promise.all([upload(proposer, id, PDF, 'x.pdf', { token }), upload(proposer, id, PDF, 'y.pdf', { token })]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 422]);
    expect(await rows(id)).toHaveLength(5);
  });

  it('asks for a file when none was chosen, and refuses two files in one request', async () => {
    const id = await draft('ファイルなしの提案');
    const token = await uploadToken(proposer, id);
    const none = await proposer.post(`/proposals/${id}/attachments?_csrf=${token}`).field('note', 'x');
    expect(none.status).toBe(422);
    expect(none.text).toContain(ATTACHMENT_MESSAGES.missing);

    const two = await proposer.post(`/proposals/${id}/attachments?_csrf=${token}`).attach('file', PNG, 'a.png').attach('file', PDF, 'b.pdf');
    expect(two.status).toBe(400);
    expect(two.text).toContain(ATTACHMENT_MESSAGES.badUpload);
    expect(await rows(id)).toHaveLength(0);
  });

  it('refuses to add or remove once the proposal is submitted, and allows it again when it is returned', async () => {
    const id = await draft('提出後の提案');
    await upload(proposer, id, PNG, 'before.png');
    await postForm(
      proposer,
      `/proposals/${id}`,
      { ...validProposal({ title: '提出後の提案' }), intent: 'submit', version: String((await loadProposal(t, id)).version) },
      `/proposals/${id}/edit`,
    );
    expect((await loadProposal(t, id)).status).toBe('submitted');

    const page = await proposer.get(`/proposals/${id}`);
    expect(page.text).not.toContain(`/proposals/${id}/attachments?_csrf=`);
    expect(page.text).not.toMatch(/attachments\/\d+\/delete/);

    const token = await csrfToken(proposer, '/');
    const refused = await upload(proposer, id, PDF, 'after.pdf', { token });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('この提案は現在「受付待ち」のため、添付ファイルを追加・削除できません。');
    const [kept] = await rows(id);
    const refusedDelete = await postForm(proposer, `/proposals/${id}/attachments/${kept.id}/delete`, { confirm: 'on' });
    expect(refusedDelete.status).toBe(403);
    expect((await rows(id)).map((a) => a.fileName)).toEqual(['before.png']);

    // 差戻し: the proposer may change the attachments again before resubmitting
    const returned = await postForm(office, `/proposals/${id}/return`, {
      confirm: 'on',
      version: String((await loadProposal(t, id)).version),
      comment: '図を添付してください',
    });
    expect(returned.status).toBe(303);
    expect((await upload(proposer, id, PDF, 'after.pdf')).status).toBe(303);
    expect((await rows(id)).map((a) => a.fileName)).toEqual(['before.png', 'after.pdf']);
  });

  it('lets only the proposer change attachments: a co-proposer is refused, a stranger gets 404 even for an oversized file', async () => {
    const id = await draft('共同提案の提案', { coproposers: 'att-co' });
    expect((await postForm(coproposer, `/proposals/${id}/coproposal/accept`, {}, `/proposals/${id}`)).status).toBe(303);
    await upload(proposer, id, PNG, 'a.png');
    const [attachment] = await rows(id);

    const coPage = await coproposer.get(`/proposals/${id}`);
    expect(coPage.status).toBe(200);
    expect(coPage.text).not.toContain(`/proposals/${id}/attachments?_csrf=`);
    expect((await download(coproposer, id, attachment.id)).status).toBe(200);
    const coUpload = await upload(coproposer, id, PDF, 'b.pdf', { token: await csrfToken(coproposer, '/') });
    expect(coUpload.status).toBe(403);
    expect(coUpload.text).toContain('添付ファイルを追加・削除できるのは提案者だけです。');
    expect((await postForm(coproposer, `/proposals/${id}/attachments/${attachment.id}/delete`, { confirm: 'on' })).status).toBe(403);

    const strangerToken = await csrfToken(otherStaff, '/');
    expect((await upload(otherStaff, id, PDF, 'c.pdf', { token: strangerToken })).status).toBe(404);
    // the size refusal would confirm that the proposal exists; the access check comes first
    const big = await upload(otherStaff, id, pdfOfSize(11 * MB), 'd.pdf', { token: strangerToken });
    expect(big.status).toBe(404);
    expect(big.text).not.toContain('共同提案の提案');
    expect((await postForm(otherStaff, `/proposals/${id}/attachments/${attachment.id}/delete`, { confirm: 'on' })).status).toBe(404);
    expect((await rows(id)).map((a) => a.id)).toEqual([attachment.id]);
  });

  it('refuses a multipart upload without the CSRF token (403) and stores nothing', async () => {
    const id = await draft('CSRFの提案');
    const withoutToken = await proposer.post(`/proposals/${id}/attachments`).attach('file', PNG, 'a.png');
    expect(withoutToken.status).toBe(403);
    expect(withoutToken.text).toContain('フォームの有効期限が切れたか、不正な送信です。');
    const wrongToken = await proposer.post(`/proposals/${id}/attachments?_csrf=${'0'.repeat(64)}`).attach('file', PNG, 'a.png');
    expect(wrongToken.status).toBe(403);
    // a token from another session does not work either
    const otherToken = await csrfToken(otherStaff, '/');
    expect((await proposer.post(`/proposals/${id}/attachments?_csrf=${otherToken}`).attach('file', PNG, 'a.png')).status).toBe(403);
    expect(await rows(id)).toHaveLength(0);
  });

  it('sends someone not signed in to the login page', async () => {
    const res = await request(t.app.getHttpServer()).get('/proposals/1/attachments/1');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login/);
  });
});
