import TestAgent from 'supertest/lib/agent';
import { AppLogger } from '../../src/common/app-logger';
import { DbService } from '../../src/database/db.service';
import { CLAIM_MS, MAIL_BATCH_SIZE, MailSenderService, MailTransport } from '../../src/notifications/mail-sender.service';
import { UsersRepository } from '../../src/users/users.repository';
import { Notification } from '../../src/notifications/notification.entity';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { OutboxMail } from '../../src/notifications/outbox-mail.entity';
import { User } from '../../src/users/user.entity';
import { submitProposal } from '../factories/proposals';
import { parseMail, startSmtpServer, TestSmtpServer } from '../factories/smtp-server';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

type Sent = { from: string; to: string; subject: string; text: string };

/** Stands in for the SMTP server: records what it is asked to send, and fails while told to. */
class FakeTransport implements MailTransport {
  sent: Sent[] = [];
  calls = 0;
  failWith: string | null = null;
  async sendMail(message: Sent): Promise<unknown> {
    this.calls++;
    // Give other work a turn, as a network round trip would, so concurrent senders interleave.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failWith) throw new Error(this.failWith);
    this.sent.push(message);
    return { messageId: `<${this.calls}@fake>` };
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('e-mail through the outbox', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let staff: TestAgent;
  let officeWithMail: User;
  let officeWithoutMail: User;
  let recipient: User;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ overrides: { smtpUrl: smtp.url, mailFrom: 'tane@city.example.jp', publicUrl: 'https://tane.city.example.jp' } });
    await seedDemo(t);
    const users = t.dataSource.getRepository(User);
    // The demo office account has no address; these two differ only in having one.
    officeWithMail = await createUser(t, { login: 'office-mail', name: '改革 メール', roles: ['office'], divisionCode: '121' });
    await users.update(officeWithMail.id, { email: 'office-mail@city.example.jp' });
    officeWithoutMail = await createUser(t, { login: 'office-nomail', roles: ['office'], divisionCode: '121' });
    recipient = await createUser(t, { login: 'mail-recipient', name: '受信 太郎', roles: ['staff'], divisionCode: '411' });
    await users.update(recipient.id, { email: 'jushin.taro@city.example.jp' });
    recipient = await users.findOneByOrFail({ id: recipient.id });
    await createUser(t, { login: 'staff-mail', roles: ['staff'], divisionCode: '411' });
    staff = await signIn(t, 'staff-mail');
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const outbox = () => t.dataSource.getRepository(OutboxMail).find({ order: { id: 'ASC' } });
  const row = (id: number) => t.dataSource.getRepository(OutboxMail).findOneByOrFail({ id });
  /** A sender like the app's, but with the given transport (null: SMTP not configured). */
  const senderWith = (transport: MailTransport | null) => new MailSenderService(t.app.get(DbService), t.config, transport, t.app.get(AppLogger), t.clock);
  /** Queues mail the way the app does: a notification, and its e-mail in the same transaction. */
  const queue = (message: string, userIds = [recipient.id]) =>
    t.app.get(DbService).transaction((m) => t.app.get(NotificationsService).notify(m, { userIds, proposalId: null, kind: 'status', message }));

  // Each test below starts from an empty outbox, so one test's mail is not another's.
  beforeEach(async () => {
    await t.dataSource.createQueryBuilder().delete().from(OutboxMail).execute();
  });

  it('submitting a proposal queues one e-mail per office user with an address, beside the in-app notifications', async () => {
    const id = await submitProposal(staff, { title: 'メール通知の確認' });
    const notified = await t.dataSource.getRepository(Notification).find({ where: { proposalId: id, kind: 'office' } });
    expect(notified.map((n) => n.userId)).toEqual(expect.arrayContaining([officeWithMail.id, officeWithoutMail.id]));

    const mails = await outbox();
    expect(mails).toHaveLength(1);
    expect(mails[0].toAddress).toBe('office-mail@city.example.jp');
    expect(mails[0].subject).toBe('【改革のタネ】提案「メール通知の確認」が提出されました。受理・回付をお願いします。');
    expect(mails[0].body).toContain('改革 メール 様');
    expect(mails[0].body).toContain(`https://tane.city.example.jp/proposals/${id}`);
    expect(mails[0]).toMatchObject({ attempts: 0, sentAt: null, lastError: null });
  });

  it('a notification whose transaction rolls back leaves no e-mail behind', async () => {
    const notificationsBefore = await t.dataSource.getRepository(Notification).count();
    await expect(
      t.app.get(DbService).transaction(async (m) => {
        await t.app.get(NotificationsService).notify(m, { userIds: [recipient.id], proposalId: null, kind: 'status', message: '取り消される知らせ' });
        expect(await m.getRepository(OutboxMail).count()).toBe(1);
        throw new Error('the change being reported failed');
      }),
    ).rejects.toThrow('the change being reported failed');
    expect(await outbox()).toHaveLength(0);
    expect(await t.dataSource.getRepository(Notification).count()).toBe(notificationsBefore);
  });

  it('without SMTP_URL, nothing is queued and nothing is sent', async () => {
    const withoutSmtp = new NotificationsService(
      t.app.get(DbService),
      { ...t.config, smtpUrl: null },
      t.dataSource.getRepository(Notification),
      t.app.get(UsersRepository),
      t.clock,
    );
    const created = await t.app
      .get(DbService)
      .transaction((m) => withoutSmtp.notify(m, { userIds: [recipient.id], proposalId: null, kind: 'status', message: 'メールなしの知らせ' }));
    expect(created).toBe(1);
    expect(await outbox()).toHaveLength(0);

    await queue('送られないまま残るメール');
    const sender = senderWith(null);
    expect(sender.enabled).toBe(false);
    expect(await sender.deliverPending(new Date(Date.now() + MINUTE))).toEqual({ sent: 0, failed: 0 });
    expect((await outbox())[0]).toMatchObject({ attempts: 0, sentAt: null });
  });

  it('a failed send is kept, tried again after 1 and then 2 minutes, and sent exactly once when the server is back', async () => {
    await queue('再送の確認');
    const [mail] = await outbox();
    const transport = new FakeTransport();
    const sender = senderWith(transport);
    transport.failWith = '451 4.3.0 Mail server temporarily unavailable\n please try again later ' + 'x'.repeat(2000);

    const t0 = new Date(Date.now() + 5 * SECOND);
    expect(await sender.deliverPending(t0)).toEqual({ sent: 0, failed: 1 });
    let stored = await row(mail.id);
    expect(stored.sentAt).toBeNull();
    expect(stored.attempts).toBe(1);
    expect(stored.lastError).toMatch(/^451 4\.3\.0 Mail server temporarily unavailable please try again later x+$/);
    expect(stored.lastError!.length).toBeLessThanOrEqual(500);
    expect(stored.nextAttemptAt.getTime()).toBe(t0.getTime() + 1 * MINUTE);

    // Before the minute is up it is not tried at all.
    expect(await sender.deliverPending(new Date(t0.getTime() + 59 * SECOND))).toEqual({ sent: 0, failed: 0 });
    expect(transport.calls).toBe(1);

    const t1 = new Date(t0.getTime() + 1 * MINUTE);
    expect(await sender.deliverPending(t1)).toEqual({ sent: 0, failed: 1 });
    stored = await row(mail.id);
    expect(stored.attempts).toBe(2);
    expect(stored.nextAttemptAt.getTime()).toBe(t1.getTime() + 2 * MINUTE);
    expect(await sender.deliverPending(new Date(t1.getTime() + 2 * MINUTE - SECOND))).toEqual({ sent: 0, failed: 0 });

    transport.failWith = null;
    const t2 = new Date(t1.getTime() + 2 * MINUTE);
    expect(await sender.deliverPending(t2)).toEqual({ sent: 1, failed: 0 });
    expect(await sender.deliverPending(new Date(t2.getTime() + 24 * 60 * MINUTE))).toEqual({ sent: 0, failed: 0 });
    expect(transport.sent).toEqual([
      { from: 'tane@city.example.jp', to: 'jushin.taro@city.example.jp', subject: '【改革のタネ】再送の確認', text: expect.stringContaining('再送の確認') },
    ]);
    stored = await row(mail.id);
    expect(stored.sentAt?.getTime()).toBe(t2.getTime());
    expect(stored.nextAttemptAt.getTime()).toBe(t2.getTime());
    expect(stored.attempts).toBe(3);
    // Nothing is deleted: the row stays as the record of what was sent.
    expect(await outbox()).toHaveLength(1);
  });

  it('two senders running at the same moment send each message exactly once', async () => {
    for (let i = 0; i < 12; i++) await queue(`同時送信 ${i}`);
    const transport = new FakeTransport();
    const [a, b] = [senderWith(transport), senderWith(transport)];
    const now = new Date(Date.now() + 5 * SECOND);
    const results = await Promise.all([a.deliverPending(now), b.deliverPending(now), a.deliverPending(now)]);

    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(12);
    expect(results.every((r) => r.failed === 0)).toBe(true);
    expect(transport.calls).toBe(12);
    expect(transport.sent.map((m) => m.subject).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `【改革のタネ】同時送信 ${i}`).sort());
    const rows = await outbox();
    expect(rows.every((r) => r.sentAt !== null && r.attempts === 1)).toBe(true);
  });

  it('a message claimed by a sender that then stopped is picked up again once the claim has expired', async () => {
    await queue('途中で止まった送信');
    const [mail] = await outbox();
    const now = new Date(Date.now() + 5 * SECOND);
    // As if another instance had claimed it and died before sending.
    await t.dataSource.getRepository(OutboxMail).update(mail.id, { nextAttemptAt: new Date(now.getTime() + CLAIM_MS) });
    const transport = new FakeTransport();
    const sender = senderWith(transport);
    expect(await sender.deliverPending(now)).toEqual({ sent: 0, failed: 0 });
    expect(await sender.deliverPending(new Date(now.getTime() + CLAIM_MS))).toEqual({ sent: 1, failed: 0 });
    expect(transport.sent).toHaveLength(1);
  });

  it(`sends at most ${MAIL_BATCH_SIZE} per run, oldest first`, async () => {
    await queue('一括 最初');
    for (let i = 0; i < MAIL_BATCH_SIZE; i++) await queue(`一括 ${i}`);
    const transport = new FakeTransport();
    const sender = senderWith(transport);
    const now = new Date(Date.now() + 5 * SECOND);
    expect(await sender.deliverPending(now)).toEqual({ sent: MAIL_BATCH_SIZE, failed: 0 });
    expect(transport.sent[0].subject).toBe('【改革のタネ】一括 最初');
    expect(await sender.deliverPending(now)).toEqual({ sent: 1, failed: 0 });
    expect(transport.sent[MAIL_BATCH_SIZE].subject).toBe(`【改革のタネ】一括 ${MAIL_BATCH_SIZE - 1}`);
  });

  describe('through nodemailer to a real SMTP server (in this process)', () => {
    it('delivers a message with a Japanese subject and body, from MAIL_FROM to the user', async () => {
      await queue('提案「窓口の待ち時間を番号札アプリで見える化する」の採否が決まりました（採用）。');
      const sender = t.app.get(MailSenderService);
      expect(sender.enabled).toBe(true);
      const before = smtp.messages.length;
      expect(await sender.deliverPending(new Date(Date.now() + 5 * SECOND))).toEqual({ sent: 1, failed: 0 });

      const [received] = (await smtp.waitForMessages(before + 1)).slice(before);
      expect(received.from).toBe('tane@city.example.jp');
      expect(received.to).toEqual(['jushin.taro@city.example.jp']);
      const { headers, text } = parseMail(received.data);
      expect(headers.subject).toBe('【改革のタネ】提案「窓口の待ち時間を番号札アプリで見える化する」の採否が決まりました（採用）。');
      expect(headers.from).toBe('tane@city.example.jp');
      expect(headers.to).toBe('jushin.taro@city.example.jp');
      expect(headers['content-type']).toMatch(/charset=utf-8/i);
      expect(text).toContain('受信 太郎 様');
      expect(text).toContain('採否が決まりました（採用）。');
      expect((await outbox())[0].sentAt).not.toBeNull();
    });

    it('a temporary refusal by the server is recorded with its reply and retried later', async () => {
      await queue('サーバーが一時的に断るメール');
      const [mail] = await outbox();
      const sender = t.app.get(MailSenderService);
      const before = smtp.messages.length;
      smtp.failWith = '451 4.3.0 Try again later';
      const now = new Date(Date.now() + 5 * SECOND);
      try {
        expect(await sender.deliverPending(now)).toEqual({ sent: 0, failed: 1 });
      } finally {
        smtp.failWith = null;
      }
      const failed = await row(mail.id);
      expect(failed).toMatchObject({ attempts: 1, sentAt: null });
      expect(failed.lastError).toContain('451');
      expect(smtp.messages.length).toBe(before);

      expect(await sender.deliverPending(new Date(now.getTime() + MINUTE))).toEqual({ sent: 1, failed: 0 });
      const [received] = (await smtp.waitForMessages(before + 1)).slice(before);
      expect(parseMail(received.data).headers.subject).toBe('【改革のタネ】サーバーが一時的に断るメール');
      expect((await row(mail.id)).sentAt).not.toBeNull();
    });
  });
});
