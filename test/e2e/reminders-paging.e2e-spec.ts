import { DbService } from '../../src/database/db.service';
import { Notification } from '../../src/notifications/notification.entity';
import { REMINDER_PAGE, RemindersService } from '../../src/notifications/reminders.service';
import { Division } from '../../src/organization/division.entity';
import { Proposal } from '../../src/proposals/proposal.entity';
import { Routing } from '../../src/proposals/routing.entity';
import { User } from '../../src/users/user.entity';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo } from '../factories/users';

/*
 * Issue 11 (memory per worker): the reminder run reads the routings a page at a time with only what the
 * notices need, so years of overdue routings are not held at once. Every routing is still reminded,
 * once, across page boundaries (keyset on due date and id, with many routings on the same date); a run
 * with nothing new to say writes nothing.
 */
describe('reminders over more routings than one page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
  });
  afterAll(() => t.close());

  it('reminds every overdue routing exactly once, and nothing twice on the next run', async () => {
    const division = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '212' });
    const reviewer = await createUser(t, { login: 'page-rev', roles: ['reviewer'], divisionCode: '212' });
    const proposer = await t.dataSource.getRepository(User).findOneByOrFail({ login: 'demo-staff' });
    const officeCount = (await t.dataSource.getRepository(User).find({ where: { disabled: false } })).filter((u) => u.roles.includes('office')).length;
    const routings = 2 * REMINDER_PAGE + 3;
    for (let i = 0; i < routings; i++) {
      const inserted = await t.dataSource.getRepository(Proposal).insert({
        title: `期限切れ ${i}`,
        currentProblem: '現状',
        proposalText: '提案',
        expectedEffect: '効果',
        status: 'under_review',
        version: 1,
        proposerId: proposer.id,
      });
      // three due dates, so pages end in the middle of a date
      await t.dataSource
        .getRepository(Routing)
        .insert({ proposalId: inserted.identifiers[0].id as number, divisionId: division.id, dueOn: `2026-0${4 + (i % 3)}-01`, active: true, isLead: true });
    }

    const first = await t.app.get(RemindersService).sendReminders(new Date('2026-12-01T03:00:00Z'));
    expect(first).toEqual({ dueSoon: 0, overdue: routings * (1 + officeCount) });
    const perRouting = (await t.dataSource.getRepository(Notification).find({ where: { userId: reviewer.id, kind: 'overdue' } })).map((n) => n.proposalId);
    expect(new Set(perRouting).size).toBe(routings);
    expect(perRouting).toHaveLength(routings);

    // The second run finds every notice already given by reading, and opens no write transaction
    // (on a generated database, one per person and routing held the write lock for minutes).
    const transactions = jest.spyOn(t.app.get(DbService), 'transaction');
    try {
      expect(await t.app.get(RemindersService).sendReminders(new Date('2026-12-01T03:00:00Z'))).toEqual({ dueSoon: 0, overdue: 0 });
      expect(transactions).not.toHaveBeenCalled();
    } finally {
      transactions.mockRestore();
    }
  }, 120_000);
});
