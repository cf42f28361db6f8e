import TestAgent from 'supertest/lib/agent';
import { Notification } from '../../src/notifications/notification.entity';
import { RemindersService } from '../../src/notifications/reminders.service';
import { advance, loadProposal, submitProposal, workflowActors, WorkflowActors } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * The rules go by the injected Clock (common/clock.ts), not the process clock: a test sets the day and
 * the overdue marks, the reminder run and the recorded times follow. Instants are pinned either side of
 * Japan midnight (15:00 UTC).
 */
describe('the injected clock', () => {
  let t: TestApp;
  let actors: WorkflowActors;
  let staff: TestAgent;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    actors = await workflowActors(t, '212');
    staff = await signIn(t, (await createUser(t, { login: 'clock-staff', roles: ['staff'], divisionCode: '111' })).login);
  });
  afterEach(() => t.clock.reset());
  afterAll(() => t.close());

  /** The row of the proposal in an inbox page, from its link to the closing </tr>. */
  const rowOf = (html: string, id: number): string => {
    const at = html.indexOf(`/proposals/${id}"`);
    if (at < 0) throw new Error(`proposal ${id} is not listed`);
    return html.slice(at, html.indexOf('</tr>', at));
  };

  it("marks an owed opinion overdue from the clock's next Japan day, in the reviewer's and the office's inboxes", async () => {
    const id = await submitProposal(staff, { title: '時計で期限を見る提案' });
    await advance(t, actors, id, 'under_review', { dueOn: '2031-05-10' });

    t.clock.set('2031-05-10T14:59:59Z'); // 23:59:59 on the due date in Japan
    expect(rowOf((await actors.reviewer.get('/review')).text, id)).not.toContain('期限超過');
    expect(rowOf((await actors.office.get('/office')).text, id)).not.toContain('期限超過');

    t.clock.set('2031-05-10T15:00:00Z'); // 00:00 the day after
    expect(rowOf((await actors.reviewer.get('/review')).text, id)).toContain('期限超過');
    expect(rowOf((await actors.office.get('/office')).text, id)).toContain('期限超過');
  });

  it('sends the reminder run without a date as of the clock', async () => {
    const id = await submitProposal(staff, { title: '時計でリマインドする提案' });
    await advance(t, actors, id, 'under_review', { dueOn: '2031-06-10' });
    const reminders = t.app.get(RemindersService);
    const overdue = () => t.dataSource.getRepository(Notification).count({ where: { proposalId: id, kind: 'overdue' } });

    await reminders.sendReminders();
    expect(await overdue()).toBe(0); // today, by the real clock, is years before the due date

    t.clock.set('2031-06-11T00:00:00Z');
    await reminders.sendReminders();
    expect(await overdue()).toBeGreaterThan(0);
  });

  it("records a decision at the clock's time, and 既実施 on its Japan day", async () => {
    const id = await submitProposal(staff, { title: '時計で決定する提案' });
    t.clock.set('2031-03-31T15:05:00Z'); // 2031年4月1日 0:05 in Japan, still 3月31日 in UTC
    await advance(t, actors, id, 'decided', { decision: 'already_implemented' });

    const proposal = await loadProposal(t, id);
    expect(proposal.decidedAt?.toISOString()).toBe('2031-03-31T15:05:00.000Z');
    expect(proposal.implementedOn).toBe('2031-04-01');
    expect((await staff.get(`/proposals/${id}`)).text).toContain('2031年4月1日 0:05');
  });
});
