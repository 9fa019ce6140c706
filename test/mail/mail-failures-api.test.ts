import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import express from 'express';
import { pino } from 'pino';
import supertest from 'supertest';
import { createAuditRepository, createPseudonymsRepository } from '../../src/audit/audit.repository.ts';
import { createAuditor } from '../../src/audit/audit.service.ts';
import { startAccessCache, type AccessCache } from '../../src/auth/access-cache.ts';
import { authenticate, requireConsent } from '../../src/auth/authenticate.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { errorHandler, notFoundHandler } from '../../src/http/error-handler.ts';
import { requestLogger } from '../../src/http/logger.ts';
import { requireRole } from '../../src/http/require-role.ts';
import { mountRoutes } from '../../src/http/route.ts';
import { mailRoutes } from '../../src/mail/mail.routes.ts';
import { createOutbox, type Outbox } from '../../src/mail/outbox.service.ts';
import { smtpTransport, type MailTransport } from '../../src/mail/transport.ts';
import { bearer, makeAdmin, makeCoordinator, registerMember } from '../support/factories.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// The mail routes mounted with the real guards (authentication from the access
// cache, the role check, the audit log) beside the real stack, until the
// composition root mounts them in createApp.
describe('GET /api/v1/admin/mail-failures: undeliverable mail, for admins', function () {
  this.timeout(60_000);
  let t: TestApp;
  let smtp: TestSmtp;
  let transport: MailTransport;
  let access: AccessCache;
  let outbox: Outbox;
  let request: supertest.Agent;
  const recipients = [randomUUID(), randomUUID(), randomUUID()];

  before(async () => {
    t = await startTestApp('mail-failures');
    smtp = await startTestSmtp();
    smtp.mode = 'busy';
    transport = smtpTransport(smtp.url);
    const log = { info: () => undefined, warn: () => undefined };
    outbox = createOutbox({ conn: t.db.conn, transport, clock: t.clock, from: 'Notifications <no-reply@example.org>', publicUrl: 'https://match.example.org/', maxAttempts: 1, log });
    access = await startAccessCache({ users: createUsersRepository(t.db.conn, t.feed), feed: t.feed, clock: t.clock, intervalMs: 200 });
    const auditor = createAuditor({ audit: createAuditRepository(t.db.conn), pseudonyms: createPseudonymsRepository(t.db.conn), clock: t.clock });
    const logger = pino({ level: 'silent' });
    const app = express();
    app.use(requestLogger(logger));
    app.use(
      mountRoutes(mailRoutes(outbox), {
        authenticate: authenticate({ access, tokens: t.tokens, clock: t.clock }),
        requireAccess: (a) => requireRole(a),
        requireConsent: requireConsent(t.config.termsVersion),
        audit: (entry) => auditor.record(entry),
      }),
    );
    app.use(notFoundHandler());
    app.use(errorHandler(logger));
    request = supertest.agent(app);

    for (const [i, recipientId] of recipients.entries()) {
      await outbox.enqueue({ event: 'registered', recipientId, to: `casey-${i}@example.net`, template: 'welcome', data: { displayName: 'Casey', crisisLine: 'Helpline 988' } });
      t.clock.advance(1000);
    }
    expect(await outbox.deliverDue()).to.deep.equal({ sent: 0, retried: 0, failed: 3, skipped: 0 });
  });
  after(async () => {
    transport.close();
    await smtp.close();
    await access.stop();
    await t.close();
  });

  it('when an admin asks, then the failed mails come back newest first with whom, which template, attempts and error code, and no address, subject or words', async () => {
    const admin = await makeAdmin(t);

    const res = await request.get('/api/v1/admin/mail-failures').set(bearer(admin));

    expect(res.status).to.equal(200);
    expect(res.body.failures.map((f: { recipientId: string }) => f.recipientId)).to.deep.equal([...recipients].reverse());
    expect(res.body.failures[0]).to.deep.equal({
      id: `registered:${recipients[2]}:welcome`,
      template: 'welcome',
      recipientId: recipients[2],
      attempts: 1,
      lastError: 'EPROTOCOL:421',
      createdAt: res.body.failures[0].createdAt,
      failedAt: res.body.failures[0].failedAt,
    });
    expect(Date.parse(res.body.failures[0].failedAt)).to.be.at.least(Date.parse(res.body.failures[0].createdAt));
    expect(res.text).not.to.match(/@|Welcome|Casey|Helpline|match\.example/);
  });

  it('when an admin reads the list, then the audit log has one entry naming the listed members', async () => {
    const admin = await makeAdmin(t);
    const res = await request.get('/api/v1/admin/mail-failures').query({ limit: '2' }).set(bearer(admin));
    expect(res.status).to.equal(200);
    expect(res.body.failures).to.have.length(2);

    const entries = (await t.request.get('/api/v1/admin/audit').query({ actor: admin.id }).set(bearer(admin))).body.entries;
    expect(entries).to.have.length(1);
    expect(entries[0]).to.include({ action: 'read-mail-failures', route: 'GET /api/v1/admin/mail-failures', requestId: res.headers['x-request-id'] });
    expect(entries[0].subjects.map((s: { userId: string }) => s.userId).sort()).to.deep.equal([recipients[2], recipients[1]].sort());
  });

  it('when a member or a coordinator asks, then 403; without a token, 401; nothing is listed', async () => {
    const member = await registerMember(t);
    const coordinator = await makeCoordinator(t, ['na']);
    for (const who of [member, coordinator]) {
      const res = await request.get('/api/v1/admin/mail-failures').set(bearer(who));
      expect(res.status).to.equal(403);
      expect(res.body).not.to.have.property('failures');
    }
    const anonymous = await request.get('/api/v1/admin/mail-failures');
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers['www-authenticate']).to.match(/^Bearer/);
  });

  it('when the limit is out of 1–500 or an unknown parameter is given, then 400 with the field named', async () => {
    const admin = await makeAdmin(t);
    for (const query of [{ limit: '0' }, { limit: '501' }, { limit: 'many' }, { status: 'failed' }]) {
      const res = await request.get('/api/v1/admin/mail-failures').query(query).set(bearer(admin));
      expect(res.status, JSON.stringify(query)).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.errors.length).to.be.above(0);
    }
  });
});
