import TestAgent from 'supertest/lib/agent';
import { Attachment } from '../../src/attachments/attachment.entity';
import { ATTACHMENT_MESSAGES } from '../../src/attachments/attachment-files';
import { Proposal } from '../../src/proposals/proposal.entity';
import { visibleText } from '../factories/auth-helpers';
import { loadProposal, postForm, proposalIdFrom, submitProposal, validProposal, workflowActors } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

const MB = 1024 * 1024;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
const pdfOfSize = (bytes: number): Buffer => Buffer.concat([PDF, Buffer.alloc(bytes - PDF.length, 0x20)]);
const FAKE_PDF = Buffer.from('<html><script>alert(1)</script></html>');

interface FileToSend {
  name: string;
  content: Buffer;
}

describe('attachments on the first save of the proposal form (multipart)', () => {
  let t: TestApp;
  let proposer: TestAgent;
  let proposerId: number;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    proposerId = (await createUser(t, { login: 'first-save', roles: ['staff'], divisionCode: '411' })).id;
    proposer = await signIn(t, 'first-save');
  });
  afterAll(() => t.close());

  const attachmentsOf = (proposalId: number) => t.dataSource.getRepository(Attachment).find({ where: { proposalId }, order: { id: 'ASC' } });
  const counts = async () => ({
    proposals: await t.dataSource.getRepository(Proposal).count({ where: { proposerId } }),
    attachments: await t.dataSource.getRepository(Attachment).count(),
  });

  /** The form as the page renders it: its action URL (with the CSRF token) and its one-time key. */
  async function openForm(agent: TestAgent, path = '/proposals/new') {
    const page = await agent.get(path);
    expect(page.status).toBe(200);
    const action = /<form method="post" action="([^"]*\?_csrf=[^"]+)" enctype="multipart\/form-data"/.exec(page.text)?.[1];
    if (!action) throw new Error(`no multipart form on ${path}`);
    const formKey = /name="formKey" value="([^"]+)"/.exec(page.text)?.[1];
    const version = /name="version" value="([^"]+)"/.exec(page.text)?.[1];
    return { action: action.replace(/&amp;/g, '&'), formKey, version, page };
  }

  /** Posts the form as a browser does: text fields first, then the files, all in one multipart body. */
  function send(agent: TestAgent, action: string, fields: Record<string, string>, files: FileToSend[]) {
    let req = agent.post(action);
    for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
    for (const file of files) req = req.attach('files', file.content, { filename: file.name, contentType: 'application/octet-stream' });
    return req;
  }

  it('shows a multipart form with a multiple file input, the accepted kinds and the CSRF token in its URL', async () => {
    const { action, page } = await openForm(proposer);
    expect(action).toMatch(/^\/proposals\?_csrf=/);
    expect(page.text).toContain('<input id="files" name="files" type="file" multiple');
    expect(page.text).toContain('accept=".pdf,.png,.jpg,.jpeg,.docx,.doc,.xlsx,.xls"');
    expect(visibleText(page.text)).toContain('PDF、PNG・JPEG画像、Word（.docx・.doc）、Excel（.xlsx・.xls）。1件10MBまで、あと5件添付できます（最大5件）。');
    // the token is not also in the body, where the DTO would refuse it as an unknown field
    expect(page.text).not.toMatch(/<form method="post" action="\/proposals\?[^>]*>\s*<input type="hidden" name="_csrf"/);
  });

  it('saves a new draft with two files together, and lists them on the proposal page', async () => {
    const { action, formKey } = await openForm(proposer);
    const res = await send(proposer, action, { formKey: formKey!, ...validProposal({ title: '二つの添付のある下書き' }), intent: 'draft' }, [
      { name: '窓口の写真.png', content: PNG },
      { name: '説明資料.pdf', content: PDF },
    ]);
    expect(res.status).toBe(303);
    const id = proposalIdFrom(res.headers.location);
    const proposal = await loadProposal(t, id);
    expect(proposal.status).toBe('draft');
    expect(proposal.title).toBe('二つの添付のある下書き');
    const stored = await attachmentsOf(id);
    expect(stored.map((a) => [a.fileName, a.mediaType, a.uploadedBy])).toEqual([
      ['窓口の写真.png', 'image/png', proposerId],
      ['説明資料.pdf', 'application/pdf', proposerId],
    ]);

    const page = await proposer.get(`/proposals/${id}`);
    const text = visibleText(page.text);
    expect(text).toContain('下書きを保存しました。添付ファイル2件も保存しました。');
    expect(page.text).toContain(`href="/proposals/${id}/attachments/${stored[0].id}"`);
    expect(text).toContain('窓口の写真.png');
    expect(text).toContain('説明資料.pdf');
  });

  it('submits with a file: numbered, and the file stored with it', async () => {
    const { action, formKey } = await openForm(proposer);
    const res = await send(proposer, action, { formKey: formKey!, ...validProposal({ title: '添付つきで提出' }), intent: 'submit' }, [
      { name: '効果の試算.pdf', content: PDF },
    ]);
    expect(res.status).toBe(303);
    const id = proposalIdFrom(res.headers.location);
    const proposal = await loadProposal(t, id);
    expect(proposal.status).toBe('submitted');
    expect(proposal.number).toMatch(/^\d{4}-\d+$/);
    expect((await attachmentsOf(id)).map((a) => a.fileName)).toEqual(['効果の試算.pdf']);
    expect(visibleText((await proposer.get(`/proposals/${id}`)).text)).toContain(
      `提案を提出しました（提案番号 ${proposal.number}）。添付ファイル1件も保存しました。`,
    );
  });

  it('keeps 4,000-character text (Japanese, several bytes each) intact in the multipart body', async () => {
    const { action, formKey } = await openForm(proposer);
    const long = '業務改善の提案内容です。'.repeat(400).slice(0, 4000);
    const res = await send(
      proposer,
      action,
      { formKey: formKey!, ...validProposal({ title: '長い提案', proposalText: long, currentProblem: long, expectedEffect: long }), intent: 'draft' },
      [{ name: 'a.png', content: PNG }],
    );
    expect(res.status).toBe(303);
    const proposal = await loadProposal(t, proposalIdFrom(res.headers.location));
    expect(proposal.proposalText).toBe(long);
    expect(proposal.expectedEffect).toBe(long);
  });

  it('refuses a file that is not what it claims: 422, no proposal and no file saved, the typed text back and the file named', async () => {
    const before = await counts();
    const { action, formKey } = await openForm(proposer);
    const typed = validProposal({ title: '偽のファイルを選んだ提案', proposalText: '入力した提案内容<b>そのまま</b>' });
    const res = await send(proposer, action, { formKey: formKey!, ...typed, intent: 'submit' }, [
      { name: '正しい写真.png', content: PNG },
      { name: '議事録.pdf', content: FAKE_PDF },
      { name: '空のファイル.pdf', content: Buffer.alloc(0) },
    ]);
    expect(res.status).toBe(422);
    expect(await counts()).toEqual(before);

    const text = visibleText(res.text);
    expect(res.text).toContain('class="error-summary"');
    expect(text).toContain(ATTACHMENT_MESSAGES.wrongKind('議事録.pdf'));
    expect(text).toContain(ATTACHMENT_MESSAGES.emptyFile('空のファイル.pdf'));
    expect(text).not.toContain('「正しい写真.png」は');
    expect(text).toContain('ファイルはもう一度選んでください。');
    expect(text).toContain('提案はまだ保存されていません。');
    expect(res.text).toMatch(/<input id="files"[^>]*aria-invalid="true"/);
    // what was typed comes back (escaped), with the same one-time key
    expect(res.text).toContain('value="偽のファイルを選んだ提案"');
    expect(res.text).toContain('入力した提案内容&lt;b&gt;そのまま&lt;/b&gt;</textarea>');
    expect(res.text).toContain(`name="formKey" value="${formKey}"`);
    // the page has a fresh multipart form to send again
    expect(res.text).toMatch(/action="\/proposals\?_csrf=[^"]+" enctype="multipart\/form-data"/);

    // sent again with the same key and good files, it is saved once
    const again = await send(proposer, action, { formKey: formKey!, ...typed, intent: 'draft' }, [{ name: '正しい写真.png', content: PNG }]);
    expect(again.status).toBe(303);
    const id = proposalIdFrom(again.headers.location);
    expect((await attachmentsOf(id)).map((a) => a.fileName)).toEqual(['正しい写真.png']);
    // and a second send of that same form (double click) neither makes another proposal nor adds the file again
    const twice = await send(proposer, action, { formKey: formKey!, ...typed, intent: 'draft' }, [{ name: '正しい写真.png', content: PNG }]);
    expect(twice.status).toBe(303);
    expect(proposalIdFrom(twice.headers.location)).toBe(id);
    expect(await attachmentsOf(id)).toHaveLength(1);
    expect((await counts()).proposals).toBe(before.proposals + 1);
  });

  it('refuses an 11 MB file with 413, naming it, keeping the text typed before it; exactly 10 MB is accepted', async () => {
    const before = await counts();
    const { action, formKey } = await openForm(proposer);
    const typed = validProposal({ title: '大きなファイルの提案', currentProblem: '現状の説明はここまで入力済み' });
    const tooBig = await send(proposer, action, { formKey: formKey!, ...typed, intent: 'draft' }, [
      { name: 'small.png', content: PNG },
      { name: '大きすぎる資料.pdf', content: pdfOfSize(11 * MB) },
    ]);
    expect(tooBig.status).toBe(413);
    expect(await counts()).toEqual(before);
    const text = visibleText(tooBig.text);
    expect(text).toContain(ATTACHMENT_MESSAGES.fileTooLarge('大きすぎる資料.pdf'));
    expect(text).toContain('ファイルはもう一度選んでください。');
    expect(tooBig.text).toContain('value="大きなファイルの提案"');
    expect(tooBig.text).toContain('現状の説明はここまで入力済み</textarea>');

    const ok = await send(proposer, action, { formKey: formKey!, ...typed, intent: 'draft' }, [{ name: 'ちょうど10MB.pdf', content: pdfOfSize(10 * MB) }]);
    expect(ok.status).toBe(303);
    expect((await attachmentsOf(proposalIdFrom(ok.headers.location))).map((a) => a.size)).toEqual([10 * MB]);
  });

  it('refuses more files than the proposal has room for, saving nothing', async () => {
    const before = await counts();
    const { action, formKey } = await openForm(proposer);
    const six = Array.from({ length: 6 }, (_, n) => ({ name: `写真${n + 1}.png`, content: PNG }));
    const res = await send(proposer, action, { formKey: formKey!, ...validProposal({ title: '六つ選んだ提案' }), intent: 'draft' }, six);
    expect(res.status).toBe(422);
    expect(visibleText(res.text)).toContain('添付ファイルは1件の提案につき5件までです。5件まで選べます。');
    expect(res.text).toContain('value="六つ選んだ提案"');
    expect(await counts()).toEqual(before);

    // five is the limit, and fits
    const five = await send(proposer, action, { formKey: formKey!, ...validProposal({ title: '五つ選んだ提案' }), intent: 'draft' }, six.slice(0, 5));
    expect(five.status).toBe(303);
    const id = proposalIdFrom(five.headers.location);
    expect(await attachmentsOf(id)).toHaveLength(5);

    // the edit form of a full draft offers no file input, and a crafted upload to it is refused
    const edit = await openForm(proposer, `/proposals/${id}/edit`);
    expect(edit.page.text).not.toContain('name="files"');
    expect(visibleText(edit.page.text)).toContain('添付ファイルは5件までです。追加するには、提案のページで不要なファイルを削除してください。');
    const refused = await send(proposer, edit.action, { ...validProposal({ title: '五つ選んだ提案（修正）' }), version: edit.version!, intent: 'draft' }, [
      { name: '6つ目.pdf', content: PDF },
    ]);
    expect(refused.status).toBe(422);
    expect(visibleText(refused.text)).toContain(
      'この提案にはもう添付できません。追加するには、提案のページで不要なファイルを削除してください（選んだファイルは1件）。',
    );
    expect(visibleText(refused.text)).toContain('変更はまだ保存されていません。');
    expect((await loadProposal(t, id)).title).toBe('五つ選んだ提案');
    expect(await attachmentsOf(id)).toHaveLength(5);
  });

  it('counts what a draft already has: with 3 attached, the edit form takes 2 more and refuses 3', async () => {
    const { action, formKey } = await openForm(proposer);
    const created = await send(proposer, action, { formKey: formKey!, ...validProposal({ title: '三つ添付済み' }), intent: 'draft' }, [
      { name: '1.png', content: PNG },
      { name: '2.png', content: PNG },
      { name: '3.png', content: PNG },
    ]);
    const id = proposalIdFrom(created.headers.location);
    const edit = await openForm(proposer, `/proposals/${id}/edit`);
    expect(visibleText(edit.page.text)).toContain('添付済み：1.png、2.png、3.png');
    expect(visibleText(edit.page.text)).toContain('あと2件添付できます（最大5件）');

    const three = await send(proposer, edit.action, { ...validProposal({ title: '三つ添付済み（修正）' }), version: edit.version!, intent: 'draft' }, [
      { name: '4.pdf', content: PDF },
      { name: '5.pdf', content: PDF },
      { name: '6.pdf', content: PDF },
    ]);
    expect(three.status).toBe(422);
    expect(visibleText(three.text)).toContain('この提案には、あと2件まで添付できます。');
    expect(three.text).toContain('value="三つ添付済み（修正）"');
    expect((await loadProposal(t, id)).title).toBe('三つ添付済み');
    expect(await attachmentsOf(id)).toHaveLength(3);

    const two = await send(proposer, edit.action, { ...validProposal({ title: '三つ添付済み（修正）' }), version: edit.version!, intent: 'draft' }, [
      { name: '4.pdf', content: PDF },
      { name: '5.pdf', content: PDF },
    ]);
    expect(two.status).toBe(303);
    expect((await attachmentsOf(id)).map((a) => a.fileName)).toEqual(['1.png', '2.png', '3.png', '4.pdf', '5.pdf']);
  });

  it('refuses the multipart form without its CSRF token, or with a wrong one, and saves nothing', async () => {
    const before = await counts();
    const { formKey } = await openForm(proposer);
    const fields = { formKey: formKey!, ...validProposal({ title: 'CSRFなしの提案' }), intent: 'draft' };
    const files = [{ name: 'a.png', content: PNG }];
    expect((await send(proposer, '/proposals', fields, files)).status).toBe(403);
    expect((await send(proposer, '/proposals?_csrf=0123456789abcdef', fields, files)).status).toBe(403);
    // a token in the body of a multipart form arrives too late: the guard runs before the body is read
    const { action } = await openForm(proposer);
    const token = new URL(action, 'http://x').searchParams.get('_csrf')!;
    expect((await send(proposer, '/proposals', { _csrf: token, ...fields }, files)).status).toBe(403);
    // the token of another session is no good either
    await createUser(t, { login: 'first-save-other', roles: ['staff'], divisionCode: '411' });
    const other = await signIn(t, 'first-save-other');
    expect((await send(other, action, fields, files)).status).toBe(403);
    expect((await counts()).attachments).toBe(before.attachments);
    expect(await counts()).toEqual(before);
  });

  it('tells a person whose text was refused that the chosen files were not saved and must be chosen again', async () => {
    const before = await counts();
    const { action, formKey } = await openForm(proposer);
    const res = await send(proposer, action, { formKey: formKey!, ...validProposal({ title: '内容の足りない提案', proposalText: '' }), intent: 'submit' }, [
      { name: '添付予定.pdf', content: PDF },
    ]);
    expect(res.status).toBe(422);
    const text = visibleText(res.text);
    expect(text).toContain('提案内容を入力してください。');
    expect(text).toContain(ATTACHMENT_MESSAGES.reselect(true, ['添付予定.pdf']));
    expect(await counts()).toEqual(before);
  });

  it("adds a file from a returned proposal's edit form, below the office's comment, and resubmits", async () => {
    const actors = await workflowActors(t);
    const id = await submitProposal(proposer, { title: '差戻しされる提案' });
    const returned = await postForm(
      actors.office,
      `/proposals/${id}/return`,
      { confirm: 'on', version: String((await loadProposal(t, id)).version), comment: '試算の資料を添付してください' },
      `/proposals/${id}`,
    );
    expect(returned.status).toBe(303);
    expect((await loadProposal(t, id)).status).toBe('returned');

    const edit = await openForm(proposer, `/proposals/${id}/edit`);
    expect(edit.action).toMatch(new RegExp(`^/proposals/${id}\\?_csrf=`));
    expect(edit.page.text).toContain('data-testid="returned-comment"');
    expect(visibleText(edit.page.text)).toContain('試算の資料を添付してください');
    expect(edit.page.text).toContain('name="files"');

    const res = await send(proposer, edit.action, { ...validProposal({ title: '差戻しされる提案' }), version: edit.version!, intent: 'submit' }, [
      { name: '試算資料.pdf', content: PDF },
    ]);
    expect(res.status).toBe(303);
    const proposal = await loadProposal(t, id);
    expect(proposal.status).toBe('submitted');
    expect((await attachmentsOf(id)).map((a) => a.fileName)).toEqual(['試算資料.pdf']);
  });

  it('still accepts the form posted urlencoded, without files', async () => {
    const res = await postForm(proposer, '/proposals', { ...validProposal({ title: 'ファイルなしの提案' }), intent: 'draft' }, '/proposals/new');
    expect(res.status).toBe(303);
    expect(await attachmentsOf(proposalIdFrom(res.headers.location))).toHaveLength(0);
  });
});
