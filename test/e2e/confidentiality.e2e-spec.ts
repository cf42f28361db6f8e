import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { NotFoundError } from '../../src/common/errors';
import { Notification } from '../../src/notifications/notification.entity';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { ProposalRepository } from '../../src/proposals/proposal.repository';
import { ProposalsService } from '../../src/proposals/proposals.service';
import { User } from '../../src/users/user.entity';
import { createTestApp, TestApp } from '../factories/test-app';
import { advance, loadProposal, postForm, submitProposal } from '../factories/proposals';
import { createUser, seedDemo, signIn } from '../factories/users';

/** Text written for the office and the divisions, which the proposer and other staff must never read. */
const MARKS = {
  routing: '回付メモ-ROUTING-MARK',
  opinion: '所管課意見-OPINION-MARK',
  reason: '採否理由-REASON-MARK',
  correction: '訂正理由-CORRECTION-MARK',
};
const ANSWER = '採用します。来年度から市民課で実施します。';

describe('internal text stays internal', () => {
  let t: TestApp;
  let id: number;
  const agents: Record<string, TestAgent> = {};
  let shimin: Division;
  let zaisei: Division;
  /** The office, and the reviewer of 市民課 (the lead division). */
  const actors = () => ({ office: agents.office, reviewer: agents.reviewer, divisionId: shimin.id });

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    const divisions = t.dataSource.getRepository(Division);
    shimin = await divisions.findOneByOrFail({ code: '211' });
    zaisei = await divisions.findOneByOrFail({ code: '311' });
    const people: [string, Parameters<typeof createUser>[1]][] = [
      ['proposer', { login: 'c-proposer', roles: ['staff'], divisionCode: '411' }],
      ['coproposer', { login: 'c-coproposer', roles: ['staff'], divisionCode: '411' }],
      ['colleague', { login: 'c-colleague', roles: ['staff'], divisionCode: '411' }],
      ['office', { login: 'c-office', roles: ['staff', 'office'] }],
      ['admin', { login: 'c-admin', roles: ['staff', 'admin'] }],
      ['reviewer', { login: 'c-reviewer', roles: ['staff', 'reviewer'], divisionCode: '211' }],
      ['removedReviewer', { login: 'c-removed', roles: ['staff', 'reviewer'], divisionCode: '311' }],
    ];
    for (const [key, input] of people) {
      await createUser(t, input);
      agents[key] = await signIn(t, input.login!);
    }

    id = await submitProposal(agents.proposer, { coproposers: 'c-coproposer' });
    expect((await postForm(agents.coproposer, `/proposals/${id}/coproposal/accept`, {}, `/proposals/${id}`)).status).toBe(303);
    const version = async () => String((await loadProposal(t, id)).version);
    const dueOn = addDays(jstDateString(new Date()), 20);
    const ok = (res: { status: number; text: string }) => expect([res.status, res.status === 303 ? '' : res.text.slice(0, 300)]).toEqual([303, '']);
    // routed to 市民課 and, by mistake, 財政課; 財政課 is removed before it answered
    await advance(t, actors(), id, 'under_review', { relatedDivisionIds: [zaisei.id], dueOn, routingComment: MARKS.routing });
    expect((await agents.removedReviewer.get(`/proposals/${id}`)).status).toBe(200);
    ok(await postForm(agents.office, `/proposals/${id}/reroute`, { version: await version(), leadDivisionId: String(shimin.id), dueOn, comment: '' }));
    await advance(t, actors(), id, 'decided', {
      outcome: 'partially_adopted',
      opinionText: MARKS.opinion,
      decision: 'rejected',
      reason: MARKS.reason,
      answer: '今回は見送ります。',
    });
    ok(
      await postForm(agents.office, `/proposals/${id}/correction`, {
        version: await version(),
        decision: 'adopted',
        reason: MARKS.reason,
        answer: ANSWER,
        correctionReason: MARKS.correction,
        confirm: 'on',
      }),
    );
  });
  afterAll(() => t.close());

  const leaks = (text: string) => Object.values(MARKS).filter((mark) => text.includes(mark));

  it.each(['proposer', 'coproposer', 'colleague'])(
    '%s reads the answer and the steps, but no opinion, recommendation, routing comment or reason',
    async (who) => {
      for (const path of [`/proposals/${id}`, `/proposals/${id}/print`]) {
        const page = await agents[who].get(path);
        expect(page.status).toBe(200);
        expect(leaks(page.text)).toEqual([]);
        expect(page.text).toContain(ANSWER);
        // the step is there, its recommended outcome is not
        expect(page.text).toContain('所管課意見');
        expect(page.text).not.toContain('の意見: ');
        expect(page.text).not.toContain('の意見：');
        expect(page.text).not.toContain('data-testid="history-internal"');
      }
    },
  );

  it.each(['office', 'admin', 'reviewer'])('%s reads every internal part, marked as internal', async (who) => {
    const page = await agents[who].get(`/proposals/${id}`);
    expect(page.status).toBe(200);
    expect(leaks(page.text)).toEqual(Object.values(MARKS));
    expect(page.text).toContain('data-testid="history-internal"');
  });

  it('a division removed before it answered loses the proposal: page, print, list and search', async () => {
    const removed = agents.removedReviewer;
    expect((await removed.get(`/proposals/${id}`)).status).toBe(200); // an adopted case now: open to all staff …
    const page = await removed.get(`/proposals/${id}`);
    expect(leaks(page.text)).toEqual([]); // … but without its internal text
  });

  it('a division removed before it answered no longer sees a proposal under review', async () => {
    const second = await submitProposal(agents.proposer, { title: '庁内の会議室予約を一元化する' });
    const version = async () => String((await loadProposal(t, second)).version);
    const dueOn = addDays(jstDateString(new Date()), 20);
    await advance(t, actors(), second, 'under_review', { relatedDivisionIds: [zaisei.id], dueOn, routingComment: MARKS.routing });
    expect((await agents.removedReviewer.get(`/proposals/${second}`)).status).toBe(200);
    await postForm(agents.office, `/proposals/${second}/reroute`, { version: await version(), leadDivisionId: String(shimin.id), dueOn, comment: '' });
    expect((await agents.removedReviewer.get(`/proposals/${second}`)).status).toBe(404);
    expect((await agents.removedReviewer.get(`/proposals/${second}/print`)).status).toBe(404);
    expect((await agents.removedReviewer.get('/proposals')).text).not.toContain('庁内の会議室予約を一元化する');
  });

  it('the list (SQL) and the page (code) agree on who sees what', async () => {
    const service = t.app.get(ProposalsService);
    const users = await t.dataSource.getRepository(User).find();
    const ids = (await t.dataSource.query('SELECT id FROM proposals ORDER BY id')).map((r: { id: number }) => Number(r.id));
    for (const user of users) {
      const listed = (await service.list(user, { page: 1 })).items.map((p) => p.id).sort((a, b) => a - b);
      const visible: number[] = [];
      for (const pid of ids) {
        try {
          await t.app.get(ProposalRepository).getVisible(user, pid);
          visible.push(pid);
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
      expect({ login: user.login, ids: listed }).toEqual({ login: user.login, ids: visible });
    }
  });

  it('notifications to the proposer carry no internal text', async () => {
    const proposer = await t.dataSource.getRepository(User).findOneByOrFail({ login: 'c-proposer' });
    const notes = await t.dataSource.getRepository(Notification).findBy({ userId: proposer.id });
    expect(notes.length).toBeGreaterThan(0);
    expect(leaks(notes.map((n) => n.message).join('\n'))).toEqual([]);
  });
});
