import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createOutbox, type Outbox } from '../../src/mail/outbox.service.ts';
import { smtpTransport, type MailTransport } from '../../src/mail/transport.ts';
import { testClock, type TestClock } from '../support/clock.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

const DAY = 86_400_000;

describe('mail outbox: retention', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let smtp: TestSmtp;
  let clock: TestClock;
  let transport: MailTransport;
  let outbox: Outbox;
  const quiet = { info: () => undefined, warn: () => undefined };

  before(async () => {
    db = await openTestDatabase('mail-retention');
    smtp = await startTestSmtp();
    clock = testClock();
    transport = smtpTransport(smtp.url);
    outbox = createOutbox({ conn: db.conn, transport, clock, from: 'Notifications <no-reply@example.org>', publicUrl: 'https://match.example', retentionDays: 30, log: quiet });
  });
  after(async () => {
    outbox.close();
    await smtp.close();
    await db.drop();
  });

  const welcome = (to: string) =>
    outbox.enqueue({ event: `registered:${randomUUID()}`, recipientId: randomUUID(), to, template: 'welcome', data: { displayName: 'Sam', crisisLine: '988' } });
  const doc = (id: string) => db.conn.collection('outbox').findOne({ _id: id as never });

  it('when a sent message is older than the retention, then its address and words are removed and the record of it stays; newer and pending ones keep theirs', async () => {
    const old = await welcome('old@example.net');
    expect(await outbox.deliverDue()).to.include({ sent: 1 });
    clock.advance(20 * DAY);
    const recent = await welcome('recent@example.net');
    expect(await outbox.deliverDue()).to.include({ sent: 1 });
    smtp.mode = 'busy';
    const waiting = await welcome('waiting@example.net');
    expect(await outbox.deliverDue()).to.include({ retried: 1 });

    clock.advance(11 * DAY);
    expect(await outbox.purgeExpired()).to.equal(1);
    expect(await outbox.purgeExpired()).to.equal(0);

    const purged = await doc(old.id);
    expect(purged).to.include({ status: 'sent', template: 'welcome', attempts: 0 });
    expect(purged).to.not.have.any.keys('to', 'subject', 'text', 'html');
    expect(purged!.purgedAt).to.be.instanceOf(Date);
    expect(await doc(recent.id)).to.include({ to: 'recent@example.net', status: 'sent' });
    expect(await doc(waiting.id)).to.include({ to: 'waiting@example.net', status: 'pending' });
    // Enqueued again for the same event, it is still promised once: the record keeps its key.
    expect(await outbox.enqueue({ event: old.id.split(':').slice(0, 2).join(':'), recipientId: old.id.split(':')[2]!, to: 'old@example.net', template: 'welcome', data: { displayName: 'Sam', crisisLine: '988' } })).to.deep.equal({ id: old.id, already: true });
    // Claims older than the retention went; the waiting message's recent claim stays.
    const claims = await db.conn.collection('outbox_claims').find({}).toArray();
    expect(claims.map((c) => c._id as unknown as string).sort()).to.deep.equal([`send:${recent.id}:0`, `send:${waiting.id}:0`, `sent:${recent.id}`].sort());
  });
});
