import { expect } from 'chai';
import { parseMail, startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { registration } from '../support/factories.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

describe('registration: the welcome email', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  before(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('welcome_mail', { SMTP_URL: smtp.url, PUBLIC_URL: 'https://match.example', CRISIS_LINE: '988 (call or text)' });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('when a member registers, then one welcome email is recorded and, delivered, arrives once with no health word in its subject', async () => {
    const body = registration({ displayName: 'Robin' });
    const res = await t.request.post('/api/v1/auth/register').send(body);
    expect(res.status).to.equal(201);
    const id = `registered:${res.body.user.id}:welcome`;
    const stored = await t.db.conn.collection('outbox').findOne({ _id: id as never });
    expect(stored).to.include({ status: 'pending', template: 'welcome', to: body.email, attempts: 0 });

    expect(await t.outbox.deliverDue()).to.include({ sent: 1 });
    expect(await t.outbox.deliverDue()).to.include({ sent: 0 });
    expect(smtp.received).to.have.length(1);
    expect(smtp.received[0]!.envelope.to).to.deep.equal([body.email]);
    const mail = await parseMail(smtp.received[0]!.raw);
    expect(mail.subject).to.equal('Welcome');
    expect(mail.text).to.include('Robin').and.include('988 (call or text)').and.include('https://match.example');
    expect(await t.db.conn.collection('outbox').findOne({ _id: id as never })).to.include({ status: 'sent' });
  });

  it('when the same address registers again, then 409 and no second welcome is recorded', async () => {
    const body = registration();
    expect((await t.request.post('/api/v1/auth/register').send(body)).status).to.equal(201);
    const again = await t.request.post('/api/v1/auth/register').send(body);
    expect(again.status).to.equal(409);
    expect(await t.db.conn.collection('outbox').countDocuments({ to: body.email })).to.equal(1);
  });
});
