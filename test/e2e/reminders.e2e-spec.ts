import TestAgent from 'supertest/lib/agent';
import { In } from 'typeorm';
import { Notification } from '../../src/notifications/notification.entity';
import { RemindersService } from '../../src/notifications/reminders.service';
import { Division } from '../../src/organization/division.entity';
import { Routing } from '../../src/proposals/routing.entity';
import { User } from '../../src/users/user.entity';
import { loadProposal, postForm, submitProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/**
 * 回答期限のリマインダー. Due dates are far in the future so that the office may route to them today;
 * `now` is passed in, pinned either side of Japan midnight. Notifications are checked per proposal,
 * since earlier proposals in this file become overdue at the later instants too.
 */
describe('due-date reminders', () => {
  let t: TestApp;
  let reminders: RemindersService;
  let staff: TestAgent;
  let office: TestAgent;
  let division: Division; // 区政推進課: two reviewers, plus people who must not hear
  let reviewerA: User;
  let reviewerB: User;
  let officeIds: number[];
  const byCode: Record<string, Division> = {};

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    reminders = t.app.get(RemindersService);
    for (const code of ['211', '212', '311', '312']) byCode[code] = await t.dataSource.getRepository(Division).findOneByOrFail({ code });
    division = byCode['212'];
    reviewerA = await createUser(t, { login: 'rev-a', roles: ['staff', 'reviewer'], divisionCode: '212' });
    reviewerB = await createUser(t, { login: 'rev-b', roles: ['reviewer'], divisionCode: '212' });
    const disabled = await createUser(t, { login: 'rev-disabled', roles: ['reviewer'], divisionCode: '212' });
    await t.dataSource.getRepository(User).update(disabled.id, { disabled: true });
    await createUser(t, { login: 'staff-212', roles: ['staff'], divisionCode: '212' });
    await createUser(t, { login: 'rev-311', roles: ['reviewer'], divisionCode: '311' });
    await createUser(t, { login: 'rev-312', roles: ['reviewer'], divisionCode: '312' });
    await createUser(t, { login: 'office-r', roles: ['office'], divisionCode: '121' });
    await createUser(t, { login: 'staff-r', roles: ['staff'], divisionCode: '411' });
    staff = await signIn(t, 'staff-r');
    office = await signIn(t, 'office-r');
    officeIds = (await t.dataSource.getRepository(User).find({ where: { disabled: false } })).filter((u) => u.roles.includes('office')).map((u) => u.id);
    expect(officeIds).toHaveLength(2); // demo-office and office-r
  });
  afterAll(() => t?.close());

  const version = async (id: number) => String((await loadProposal(t, id)).version);

  /** Submits a proposal and has the office route it: lead division first, then related ones. */
  async function routed(title: string, dueOn: string, codes: string[] = ['212']): Promise<{ id: number; routings: Routing[] }> {
    const id = await submitProposal(staff, { title });
    const res = await postForm(office, `/proposals/${id}/accept`, {
      version: await version(id),
      leadDivisionId: String(byCode[codes[0]].id),
      relatedDivisionIds: codes.slice(1).map((c) => String(byCode[c].id)),
      dueOn,
    });
    expect(res.status).toBe(303);
    const routings = await t.dataSource.getRepository(Routing).find({ where: { proposalId: id, active: true }, order: { id: 'ASC' } });
    return { id, routings };
  }

  const reminderRows = (proposalId: number) =>
    t.dataSource.getRepository(Notification).find({ where: { proposalId, kind: In(['due_soon', 'overdue']) }, order: { id: 'ASC' } });
  const summary = (rows: Notification[]) => rows.map((n) => [n.kind, n.userId, n.dedupeKey]).sort();

  /** An instant given as Japan time: jst('2031-01-07 00:00:00') is 2031-01-06T15:00:00Z. */
  const jst = (local: string) => new Date(`${local.replace(' ', 'T')}+09:00`);

  it('starts no timers in the tests (the scheduler only starts from main.ts)', () => {
    expect(t.logs.some((l) => l.event === 'scheduler_started')).toBe(false);
  });

  describe('one routing to a division with two reviewers, due 2031-01-10', () => {
    let id: number;
    let routing: Routing;

    beforeAll(async () => {
      ({
        id,
        routings: [routing],
      } = await routed('期限確認の提案', '2031-01-10'));
    });

    it('says nothing at 23:59:59 Japan time four days before the due date', async () => {
      await reminders.sendReminders(jst('2031-01-06 23:59:59.999'));
      expect(await reminderRows(id)).toEqual([]);
    });

    it('tells both reviewers "due soon" from 00:00 Japan time three days before (still the day before in UTC)', async () => {
      const at = jst('2031-01-07 00:00:00');
      expect(at.toISOString()).toBe('2031-01-06T15:00:00.000Z');
      const result = await reminders.sendReminders(at);
      expect(result.dueSoon).toBeGreaterThanOrEqual(2);
      const rows = await reminderRows(id);
      expect(summary(rows)).toEqual(
        [
          ['due_soon', reviewerA.id, `due-soon:routing:${routing.id}:2031-01-10:user:${reviewerA.id}`],
          ['due_soon', reviewerB.id, `due-soon:routing:${routing.id}:2031-01-10:user:${reviewerB.id}`],
        ].sort(),
      );
      expect(rows[0].message).toBe('提案「期限確認の提案」への意見の回答期限（2031年1月10日）が近づいています。');
      expect(rows.every((n) => n.readAt === null)).toBe(true);
    });

    it('on the due date itself (23:59:59 Japan time) it is still "due soon", not overdue, and nothing is repeated', async () => {
      const before = (await reminderRows(id)).length;
      await reminders.sendReminders(jst('2031-01-10 23:59:59.999'));
      const rows = await reminderRows(id);
      expect(rows).toHaveLength(before);
      expect(rows.some((n) => n.kind === 'overdue')).toBe(false);
    });

    it('from 00:00 Japan time the day after, tells both reviewers and each office user once that it is overdue', async () => {
      await reminders.sendReminders(jst('2031-01-11 00:00:00'));
      const overdue = (await reminderRows(id)).filter((n) => n.kind === 'overdue');
      expect(summary(overdue)).toEqual(
        [
          ['overdue', reviewerA.id, `overdue:routing:${routing.id}:2031-01-10:user:${reviewerA.id}`],
          ['overdue', reviewerB.id, `overdue:routing:${routing.id}:2031-01-10:user:${reviewerB.id}`],
          ...officeIds.map((u) => ['overdue', u, `overdue-office:routing:${routing.id}:2031-01-10:user:${u}`]),
        ].sort(),
      );
      const toOffice = overdue.find((n) => n.userId === officeIds[0])!;
      expect(toOffice.message).toBe('提案「期限確認の提案」への区政推進課の意見が回答期限（2031年1月10日）を過ぎています。');
      const toReviewer = overdue.find((n) => n.userId === reviewerA.id)!;
      expect(toReviewer.message).toContain('意見の入力をお願いします');
    });

    it('a second run creates nothing at all', async () => {
      const at = jst('2031-01-12 09:00:00');
      await reminders.sendReminders(at);
      const total = await t.dataSource.getRepository(Notification).count();
      expect(await reminders.sendReminders(at)).toEqual({ dueSoon: 0, overdue: 0 });
      expect(await t.dataSource.getRepository(Notification).count()).toBe(total);
      // …nor does a run days later.
      expect(await reminders.sendReminders(jst('2031-02-01 09:00:00'))).toEqual({ dueSoon: 0, overdue: 0 });
      expect(await t.dataSource.getRepository(Notification).count()).toBe(total);
    });
  });

  it('answered routings, routings ended by a re-route, and withdrawn proposals get nothing', async () => {
    // Lead 区政推進課, related 財政課 and 契約課. 財政課 answers; the office then drops 契約課.
    const { id, routings } = await routed('回答済みと回付終了の確認', '2032-02-10', ['212', '311', '312']);
    const rev311 = await signIn(t, 'rev-311');
    expect((await postForm(rev311, `/proposals/${id}/opinion`, { version: await version(id), outcome: 'adopted', opinionText: '賛成です' })).status).toBe(303);
    const reroute = await postForm(office, `/proposals/${id}/reroute`, {
      version: await version(id),
      leadDivisionId: String(division.id),
      relatedDivisionIds: [String(byCode['311'].id)],
      dueOn: '2032-02-10',
    });
    expect(reroute.status).toBe(303);
    const after = await t.dataSource.getRepository(Routing).find({ where: { proposalId: id }, order: { id: 'ASC' } });
    expect(after.map((r) => [r.divisionId, r.active, r.opinionAt !== null])).toEqual([
      [division.id, true, false],
      [byCode['311'].id, true, true],
      [byCode['312'].id, false, false],
    ]);

    const withdrawn = await routed('取り下げられる提案', '2032-02-10');
    expect(
      (await postForm(staff, `/proposals/${withdrawn.id}/withdraw`, { confirm: 'on', version: await version(withdrawn.id), comment: '不要になった' })).status,
    ).toBe(303);

    await reminders.sendReminders(jst('2032-02-08 12:00:00'));
    await reminders.sendReminders(jst('2032-02-11 12:00:00'));
    const lead = routings.find((r) => r.divisionId === division.id)!;
    expect(summary(await reminderRows(id))).toEqual(
      [
        ['due_soon', reviewerA.id, `due-soon:routing:${lead.id}:2032-02-10:user:${reviewerA.id}`],
        ['due_soon', reviewerB.id, `due-soon:routing:${lead.id}:2032-02-10:user:${reviewerB.id}`],
        ['overdue', reviewerA.id, `overdue:routing:${lead.id}:2032-02-10:user:${reviewerA.id}`],
        ['overdue', reviewerB.id, `overdue:routing:${lead.id}:2032-02-10:user:${reviewerB.id}`],
        ...officeIds.map((u) => ['overdue', u, `overdue-office:routing:${lead.id}:2032-02-10:user:${u}`]),
      ].sort(),
    );
    expect(await reminderRows(withdrawn.id)).toEqual([]);
  });

  it('when the office moves the due date, the reminders start over for the new date', async () => {
    const {
      id,
      routings: [routing],
    } = await routed('期限延長の提案', '2033-05-10');
    await reminders.sendReminders(jst('2033-05-08 09:00:00'));
    expect((await reminderRows(id)).map((n) => n.kind)).toEqual(['due_soon', 'due_soon']);

    const reroute = await postForm(office, `/proposals/${id}/reroute`, {
      version: await version(id),
      leadDivisionId: String(division.id),
      dueOn: '2033-05-20',
    });
    expect(reroute.status).toBe(303);
    // Past the old date but not near the new one: nothing.
    await reminders.sendReminders(jst('2033-05-12 09:00:00'));
    expect(await reminderRows(id)).toHaveLength(2);
    await reminders.sendReminders(jst('2033-05-17 09:00:00'));
    const rows = await reminderRows(id);
    expect(rows).toHaveLength(4);
    expect(
      rows
        .slice(2)
        .map((n) => n.dedupeKey)
        .sort(),
    ).toEqual([reviewerA.id, reviewerB.id].map((u) => `due-soon:routing:${routing.id}:2033-05-20:user:${u}`).sort());
    expect(rows[2].message).toContain('2033年5月20日');
  });

  it('two runs at the same moment (two instances, or the scheduler and cron) still notify each person once', async () => {
    const { id } = await routed('同時実行の提案', '2034-03-10');
    const at = jst('2034-03-20 09:00:00');
    const before = await t.dataSource.getRepository(Notification).count();
    const results = await Promise.all([reminders.sendReminders(at), reminders.sendReminders(at), reminders.sendReminders(at)]);
    const created = (await t.dataSource.getRepository(Notification).count()) - before;

    const rows = await reminderRows(id);
    expect(rows).toHaveLength(2 + officeIds.length);
    expect(new Set(rows.map((n) => n.dedupeKey)).size).toBe(rows.length);
    // What the runs report is exactly what was stored, however they interleaved.
    expect(results.reduce((sum, r) => sum + r.dueSoon + r.overdue, 0)).toBe(created);
  });
});
