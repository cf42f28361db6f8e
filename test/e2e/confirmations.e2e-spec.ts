import TestAgent from 'supertest/lib/agent';
import { Attachment } from '../../src/attachments/attachment.entity';
import { User } from '../../src/users/user.entity';
import { createTestApp, TestApp } from '../factories/test-app';
import { advance, loadProposal, postForm, submitProposal, validProposal, workflowActors, WorkflowActors } from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

/** The form's fields as the page first renders them: every input of the form whose action is `action`. */
function formAsRendered(html: string, action: string): { fields: Record<string, string>; hasUntickedConfirm: boolean } {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  for (const match of form.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) {
    const tag = match[0];
    if (/type="checkbox"/.test(tag) && !/\schecked/.test(tag)) continue; // an unticked box sends nothing
    fields[match[1]] = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
  }
  delete fields._csrf;
  const confirm = /<input[^>]*name="confirm"[^>]*>/.exec(form)?.[0];
  return { fields, hasUntickedConfirm: Boolean(confirm) && !/\schecked/.test(confirm!) };
}

/**
 * Irreversible actions ask for a tick that says what will happen. Posting a form as first rendered
 * (everything else filled in) changes nothing and says why, keeping what was typed.
 */
describe('confirmation of irreversible actions', () => {
  let t: TestApp;
  let staff: TestAgent;
  let actors: WorkflowActors;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    await createUser(t, { login: 'confirm-staff', roles: ['staff'], divisionCode: '411' });
    staff = await signIn(t, 'confirm-staff');
    actors = await workflowActors(t);
  });
  afterAll(() => t.close());

  async function refusedThenDone(agent: TestAgent, id: number, action: string, typed: Record<string, string>, message: string) {
    const page = await agent.get(`/proposals/${id}`);
    const rendered = formAsRendered(page.text, `/proposals/${id}/${action}`);
    expect(rendered.hasUntickedConfirm).toBe(true);
    const before = await loadProposal(t, id);

    const refused = await postForm(agent, `/proposals/${id}/${action}`, { ...rendered.fields, ...typed }, `/proposals/${id}`);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(message);
    for (const value of Object.values(typed)) if (value.length > 4) expect(refused.text).toContain(value);
    const after = await loadProposal(t, id);
    expect({ status: after.status, version: after.version }).toEqual({ status: before.status, version: before.version });

    const done = await postForm(agent, `/proposals/${id}/${action}`, { ...rendered.fields, ...typed, confirm: 'on' }, `/proposals/${id}`);
    expect(done.status).toBe(303);
    return loadProposal(t, id);
  }

  it('取下げ of a draft and of a submitted proposal', async () => {
    const draft = Number((await postForm(staff, '/proposals', { ...validProposal(), intent: 'draft' }, '/proposals/new')).headers.location.split('/').pop());
    expect((await refusedThenDone(staff, draft, 'withdraw', {}, '「この提案を取り下げます」にチェックを入れてください')).status).toBe('withdrawn');
    const submitted = await submitProposal(staff);
    const after = await refusedThenDone(staff, submitted, 'withdraw', { comment: '別の方法で解決しました' }, 'チェックを入れてください');
    expect(after.status).toBe('withdrawn');
  });

  it('不受理 and 差戻し', async () => {
    const a = await submitProposal(staff);
    const notAccepted = await refusedThenDone(
      actors.office,
      a,
      'not-accept',
      { reason: 'unclear', comment: '内容をもう少し具体的に書いてください' },
      '「不受理とし、提案者に通知します」',
    );
    expect(notAccepted.status).toBe('not_accepted');
    const b = await submitProposal(staff);
    expect((await refusedThenDone(actors.office, b, 'return', { comment: '効果の見込みを数字で書いてください' }, '「提案者に差し戻します」')).status).toBe(
      'returned',
    );
  });

  it('採否の決定 and its correction', async () => {
    const id = await submitProposal(staff);
    await advance(t, actors, id, 'awaiting_decision');
    const decided = await refusedThenDone(
      actors.office,
      id,
      'decision',
      { decision: 'adopted', reason: '効果が大きい', answer: '採用します。来年度から実施します。' },
      '「この内容で決定し、提案者に通知します」',
    );
    expect(decided.decision).toBe('adopted');
    const corrected = await refusedThenDone(
      actors.office,
      id,
      'correction',
      { decision: 'partially_adopted', reason: '一部のみ実施', answer: '一部を採用します。', correctionReason: '予算の都合で範囲を縮小' },
      'チェックを入れてください',
    );
    expect(corrected.decision).toBe('partially_adopted');
  });

  it('deleting an attachment', async () => {
    const draft = Number((await postForm(staff, '/proposals', { ...validProposal(), intent: 'draft' }, '/proposals/new')).headers.location.split('/').pop());
    const attachments = t.dataSource.getRepository(Attachment);
    const uploader = await t.dataSource.getRepository(User).findOneByOrFail({ login: 'confirm-staff' });
    await attachments.insert({
      proposalId: draft,
      fileName: '図.png',
      mediaType: 'image/png',
      size: 3,
      sha256: '0'.repeat(64),
      content: Buffer.from('abc'),
      uploadedBy: uploader.id,
    });
    const attachment = await attachments.findOneByOrFail({ proposalId: draft });
    const page = await staff.get(`/proposals/${draft}`);
    expect(formAsRendered(page.text, `/proposals/${draft}/attachments/${attachment.id}/delete`).hasUntickedConfirm).toBe(true);

    const refused = await postForm(staff, `/proposals/${draft}/attachments/${attachment.id}/delete`, {}, `/proposals/${draft}`);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('「このファイルを削除します」にチェックを入れてください');
    expect(await attachments.countBy({ proposalId: draft })).toBe(1);

    expect((await postForm(staff, `/proposals/${draft}/attachments/${attachment.id}/delete`, { confirm: 'on' }, `/proposals/${draft}`)).status).toBe(303);
    expect(await attachments.countBy({ proposalId: draft })).toBe(0);
  });

  it('disabling an account', async () => {
    await createUser(t, { login: 'confirm-admin', roles: ['staff', 'admin'] });
    const admin = await signIn(t, 'confirm-admin');
    const target = await createUser(t, { login: 'to-disable', roles: ['staff'], name: '無効 予定' });
    const page = await admin.get(`/admin/users/${target.id}`);
    expect(formAsRendered(page.text, `/admin/users/${target.id}/disable`).hasUntickedConfirm).toBe(true);

    const refused = await postForm(admin, `/admin/users/${target.id}/disable`, {}, `/admin/users/${target.id}`);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('「このアカウントを無効にします」にチェックを入れてください');
    expect(refused.text).toContain('value="無効 予定"'); // the edit form on the same page keeps its values
    expect((await t.dataSource.getRepository(User).findOneByOrFail({ id: target.id })).disabled).toBe(false);

    expect((await postForm(admin, `/admin/users/${target.id}/disable`, { confirm: 'on' }, `/admin/users/${target.id}`)).status).toBe(303);
    expect((await t.dataSource.getRepository(User).findOneByOrFail({ id: target.id })).disabled).toBe(true);
  });
});
