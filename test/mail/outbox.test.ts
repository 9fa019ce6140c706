import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../src/db/connect.ts';
import { retryDelayMs } from '../../src/mail/delivery.ts';
import { createOutbox, type MailLog, type Outbox, type OutboxOptions } from '../../src/mail/outbox.service.ts';
import { smtpTransport, type MailTransport } from '../../src/mail/transport.ts';
import { testClock, type TestClock } from '../support/clock.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { parseMail, startTestSmtp, type TestSmtp } from '../support/smtp.ts';

const PUBLIC_URL = 'https://match.example.org/';
const FROM = 'Notifications <no-reply@example.org>';
const MINUTE = 60_000;

interface Harness {
  outbox: Outbox;
  logs: Array<{ obj: object; msg: string }>;
}

describe('mail outbox: each message written once is delivered once', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let smtp: TestSmtp;
  let clock: TestClock;
  const transports: MailTransport[] = [];

  const harness = (over: Partial<OutboxOptions> = {}): Harness => {
    const logs: Harness['logs'] = [];
    const log: MailLog = {
      info: (obj, msg) => void logs.push({ obj, msg }),
      warn: (obj, msg) => void logs.push({ obj, msg }),
    };
    const transport = over.transport ?? smtpTransport(smtp.url);
    transports.push(transport);
    const outbox = createOutbox({ conn: db.conn, clock, from: FROM, publicUrl: PUBLIC_URL, log, ...over, transport });
    return { outbox, logs };
  };

  const welcome = (outbox: Outbox, over: { event?: string; recipientId?: string; to?: string } = {}) =>
    outbox.enqueue({
      event: over.event ?? `registered:${randomUUID()}`,
      recipientId: over.recipientId ?? randomUUID(),
      to: over.to ?? `member-${randomUUID().slice(0, 8)}@example.net`,
      template: 'welcome',
      data: { displayName: 'Sam', crisisLine: 'Helpline 988' },
    });

  const outboxDoc = (id: string) => db.conn.collection('outbox').findOne({ _id: id as never });

  before(async () => {
    db = await openTestDatabase('mail-outbox');
  });
  beforeEach(async () => {
    smtp = await startTestSmtp();
    clock = testClock();
    // Each test sees only its own messages.
    await db.conn.collection('outbox').deleteMany({});
    await db.conn.collection('outbox_claims').deleteMany({});
  });
  afterEach(async () => {
    for (const t of transports.splice(0)) t.close();
    await smtp.close();
  });
  after(async () => {
    await db.drop();
  });

  it('when one message is enqueued twice with the same key, then one is stored, and one arrives with the subject, text and HTML parts, the link and a Message-ID', async () => {
    const { outbox, logs } = harness();
    const recipientId = randomUUID();
    const to = 'harper-7@example.net';

    const first = await welcome(outbox, { event: 'registered', recipientId, to });
    const second = await welcome(outbox, { event: 'registered', recipientId, to: 'someone-else@example.net' });
    const counts = await outbox.deliverDue();

    expect(first).to.deep.equal({ id: `registered:${recipientId}:welcome`, already: false });
    expect(second).to.deep.equal({ id: first.id, already: true });
    expect(await db.conn.collection('outbox').countDocuments({})).to.equal(1);
    expect(counts).to.deep.equal({ sent: 1, retried: 0, failed: 0, skipped: 0 });
    expect(smtp.received).to.have.length(1);
    const mail = smtp.received[0]!;
    expect(mail.envelope).to.deep.equal({ from: 'no-reply@example.org', to: [to] });
    const parsed = await parseMail(mail.raw);
    expect(parsed.subject).to.equal('Welcome');
    expect(parsed.from?.value).to.deep.equal([{ name: 'Notifications', address: 'no-reply@example.org' }]);
    expect(parsed.to).to.deep.include({ value: [{ name: '', address: to }] });
    const messageId = parsed.messageId!;
    expect(messageId).to.match(/^<[0-9a-f]{40}@example\.org>$/);
    expect(messageId).not.to.include(recipientId);
    expect(parsed.headers.get('content-type')).to.deep.include({ value: 'multipart/alternative' });
    expect(parsed.text).to.include('Hello Sam').and.include(PUBLIC_URL).and.include('Helpline 988');
    expect(parsed.html).to.include(`href="${PUBLIC_URL}"`).and.include('Helpline 988');

    const doc = await outboxDoc(first.id);
    expect(doc).to.include({ status: 'sent', attempts: 0, to, recipientId, template: 'welcome', event: 'registered', subject: 'Welcome', messageId });
    expect(doc!.sentAt).to.deep.equal(clock());
    // The log names messages by id and template only.
    const logged = JSON.stringify(logs);
    expect(logged).to.include(first.id);
    expect(logged).not.to.match(/@example\.net|Welcome|Sam|Helpline/);

    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 0 });
    expect(smtp.received).to.have.length(1);
  });

  it('when the server refuses, is busy, then rejects the recipient, then the messages wait with their attempts and next time advanced; once it recovers each arrives exactly once', async () => {
    const { outbox } = harness();
    const ids = [(await welcome(outbox)).id, (await welcome(outbox)).id, (await welcome(outbox)).id];
    const expectAll = async (fields: Record<string, unknown>) => {
      for (const id of ids) expect(await outboxDoc(id)).to.include(fields);
    };
    const start = clock().getTime();

    await smtp.stop();
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 3, failed: 0, skipped: 0 });
    await expectAll({ status: 'pending', attempts: 1, lastError: 'ECONNREFUSED' });
    for (const id of ids) expect((await outboxDoc(id))!.nextAttemptAt).to.deep.equal(new Date(start + MINUTE));
    // Not due again before the wait is over.
    clock.advance(MINUTE - 1);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 0 });

    await smtp.start();
    smtp.mode = 'busy';
    clock.advance(1);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 3, failed: 0, skipped: 0 });
    await expectAll({ status: 'pending', attempts: 2, lastError: 'EPROTOCOL:421' });
    for (const id of ids) expect((await outboxDoc(id))!.nextAttemptAt).to.deep.equal(new Date(start + MINUTE + 3 * MINUTE));

    smtp.mode = 'reject-recipient';
    clock.advance(3 * MINUTE);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 3, failed: 0, skipped: 0 });
    await expectAll({ status: 'pending', attempts: 3, lastError: 'EENVELOPE:451' });
    expect(smtp.received).to.have.length(0);

    smtp.mode = 'accept';
    clock.advance(9 * MINUTE - 1);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 0 });
    clock.advance(1);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 3, retried: 0, failed: 0, skipped: 0 });
    await expectAll({ status: 'sent', attempts: 3 });
    clock.advance(24 * 60 * MINUTE);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 0 });
    const messageIds = await Promise.all(smtp.received.map(async (m) => (await parseMail(m.raw)).messageId));
    expect(messageIds).to.have.length(3);
    expect(new Set(messageIds).size).to.equal(3);
  });

  it('when the server accepts the connection but never answers, then the attempt ends at the greeting timeout and is recorded as a timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => void sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const transport = smtpTransport(`smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, { greetingTimeout: 300 });
      const { outbox } = harness({ transport });
      const { id } = await welcome(outbox);

      expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 1, failed: 0, skipped: 0 });
      expect(await outboxDoc(id)).to.include({ status: 'pending', attempts: 1, lastError: 'timeout' });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('when two workers on two connections deliver 30 messages at once, then each message arrives exactly once', async () => {
    const second: Connection = await connectDatabase(db.uri, { autoIndex: true, dbName: db.dbName });
    try {
      const a = harness();
      const b = harness({ conn: second });
      for (let round = 0; round < 3; round++) {
        const before = smtp.received.length;
        const recipients = new Map<string, string>();
        for (let i = 0; i < 30; i++) {
          const to = `member-${round}-${i}@example.net`;
          recipients.set((await welcome(i % 2 ? a.outbox : b.outbox, { to })).id, to);
        }

        const [ca, cb] = await Promise.all([a.outbox.deliverDue(), b.outbox.deliverDue()]);

        expect(ca.sent + cb.sent).to.equal(30);
        // How many each skipped depends on how their reads interleave; what matters is that none was sent twice.
        expect(ca.retried + cb.retried + ca.failed + cb.failed).to.equal(0);
        const arrived = smtp.received.slice(before).flatMap((m) => m.envelope.to);
        expect(arrived.sort()).to.deep.equal([...recipients.values()].sort());
        expect(await db.conn.collection('outbox').countDocuments({ status: 'sent', _id: { $in: [...recipients.keys()] as never[] } })).to.equal(30);
      }
    } finally {
      await second.close();
    }
  });

  it('when every attempt fails, then after the last one the message is failed, is listed without subject, body or address, and is never sent', async () => {
    const { outbox, logs } = harness();
    const to = 'jordan-3@example.net';
    const recipientId = randomUUID();
    const { id } = await welcome(outbox, { event: 'registered', recipientId, to });
    const createdAt = clock();
    await smtp.stop();

    const outcomes: string[] = [];
    for (let n = 0; n < 8; n++) {
      const c = await outbox.deliverDue();
      outcomes.push(c.failed ? 'failed' : c.retried ? 'retried' : 'none');
      if (n < 7) {
        expect(await outboxDoc(id)).to.include({ status: 'pending', attempts: n + 1 });
        clock.advance(retryDelayMs(n));
      }
    }

    expect(outcomes).to.deep.equal([...Array<string>(7).fill('retried'), 'failed']);
    const doc = await outboxDoc(id);
    expect(doc).to.include({ status: 'failed', attempts: 8, lastError: 'ECONNREFUSED' });
    expect(doc!.failedAt).to.deep.equal(clock());
    // 1 + 3 + … + 729 minutes: about eighteen hours of trying.
    expect((clock().getTime() - createdAt.getTime()) / 3_600_000).to.be.within(18, 19);
    const failures = await outbox.listFailures({ limit: 10 });
    expect(failures).to.deep.equal([{ id, template: 'welcome', recipientId, attempts: 8, lastError: 'ECONNREFUSED', createdAt, failedAt: clock() }]);
    expect(JSON.stringify(failures)).not.to.match(/@|Welcome|Sam|Helpline|http/);
    expect(JSON.stringify(logs)).not.to.match(/@example\.net|Welcome|Sam|Helpline/);

    await smtp.start();
    clock.advance(7 * 24 * 60 * MINUTE);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 0 });
    expect(smtp.received).to.have.length(0);
  });

  it('when a worker died holding a claim, then the message waits out the lease, counts the attempt as interrupted, and is then sent once', async () => {
    const { outbox } = harness();
    const { id } = await welcome(outbox);
    await db.conn.collection('outbox_claims').insertOne({ _id: `send:${id}:0` as never, at: clock() });

    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 1 });
    clock.advance(10 * MINUTE - 1);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 1 });
    expect(smtp.received).to.have.length(0);

    clock.advance(1);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 1, failed: 0, skipped: 0 });
    expect(await outboxDoc(id)).to.include({ status: 'pending', attempts: 1, lastError: 'interrupted' });
    clock.advance(MINUTE);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 1, retried: 0, failed: 0, skipped: 0 });
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 0 });
    expect(smtp.received).to.have.length(1);
    expect(await outboxDoc(id)).to.include({ status: 'sent', attempts: 1 });
  });

  it('when two workers find the same dead claims at once, then each lost attempt is counted once, and each message is then sent once', async () => {
    const second: Connection = await connectDatabase(db.uri, { autoIndex: true, dbName: db.dbName });
    try {
      const a = harness();
      const b = harness({ conn: second });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await welcome(a.outbox)).id);
      await db.conn.collection('outbox_claims').insertMany(ids.map((id) => ({ _id: `send:${id}:0` as never, at: clock() })));
      clock.advance(10 * MINUTE);

      const lost = await Promise.all([a.outbox.deliverDue(), b.outbox.deliverDue()]);
      // Both may record the same lost attempt: it sets attempts to 1, never adds one.
      expect(lost[0].retried + lost[1].retried).to.be.within(10, 20);
      for (const id of ids) expect(await outboxDoc(id)).to.include({ status: 'pending', attempts: 1, lastError: 'interrupted' });

      clock.advance(MINUTE);
      const [ca, cb] = await Promise.all([a.outbox.deliverDue(), b.outbox.deliverDue()]);
      expect(ca.sent + cb.sent).to.equal(10);
      expect(smtp.received).to.have.length(10);
      expect(new Set(smtp.received.map((m) => m.envelope.to[0])).size).to.equal(10);
      for (const id of ids) expect(await outboxDoc(id)).to.include({ status: 'sent', attempts: 1 });
    } finally {
      await second.close();
    }
  });

  it('when a worker died after recording the send but before marking the message, then after the lease it is marked sent and not sent again', async () => {
    const { outbox } = harness();
    const { id } = await welcome(outbox);
    const sentAt = clock();
    await db.conn.collection('outbox_claims').insertMany([
      { _id: `send:${id}:0` as never, at: sentAt },
      { _id: `sent:${id}` as never, at: sentAt },
    ]);

    clock.advance(10 * MINUTE);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 1 });

    expect(await outboxDoc(id)).to.include({ status: 'sent', attempts: 0 });
    expect((await outboxDoc(id))!.sentAt).to.deep.equal(sentAt);
    clock.advance(24 * 60 * MINUTE);
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 0, skipped: 0 });
    expect(smtp.received).to.have.length(0);
  });

  it('when a sender or a message would reveal the service or carry extra headers, then it is refused before anything is stored', async () => {
    expect(() => harness({ from: 'Recovery Match <no-reply@example.org>' })).to.throw(/reveal/);
    expect(() => harness({ from: 'Notifications <no-reply@sober-living.example>' })).to.throw(/reveal/);
    expect(() => harness({ publicUrl: 'javascript:alert(1)' })).to.throw(/http/);
    const { outbox } = harness();
    for (const to of ['a@example.net\r\nBcc: b@example.net', 'a@example.net, b@example.net', 'Someone <a@example.net>', 'no-at-sign']) {
      let caught: unknown;
      try {
        await welcome(outbox, { to });
      } catch (err) {
        caught = err;
      }
      expect(caught, to).to.be.instanceOf(Error);
      expect((caught as Error).message).not.to.include('example.net');
    }
    expect(await db.conn.collection('outbox').countDocuments({})).to.equal(0);
  });
});
