import { expect } from 'chai';
import type supertest from 'supertest';
import { mentionsHealth } from '../../src/mail/templates.ts';
import { parseMail, startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { startSecondApi } from '../support/second-instance.ts';
import { bearer, GOOD_PASSWORD, makeCoordinator, newcomerBody, registerMember, registration, withSponsor, type Member } from '../support/factories.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Arrived {
  to: string;
  subject: string;
  text: string;
}

const PUBLIC_URL = 'https://match.example';
const NEW_PASSWORD = 'a different slow green hill 77';

/**
 * Accounts through HTTP with a loopback SMTP server: the links are read from
 * the mail as it arrived, never from the database.
 */
describe('accounts: verification, reset, changes of password and email, sign-out everywhere', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  const arrived: Arrived[] = [];
  // Each test's requests come from their own client address (TRUST_PROXY), so one test's sign-in failures do not throttle another's.
  let ipCounter = 10;
  let ip = '';

  const deliver = async () => {
    while ((await t.outbox.deliverDue()).sent > 0) {
      /* until nothing is due */
    }
    while (arrived.length < smtp.received.length) {
      const raw = smtp.received[arrived.length]!;
      const mail = await parseMail(raw.raw);
      arrived.push({ to: raw.envelope.to[0]!, subject: mail.subject ?? '', text: mail.text ?? '' });
    }
  };
  const mailsTo = (email: string) => arrived.filter((a) => a.to === email);
  /** The link of the newest mail to `email` with this subject, as the member would click it. */
  const linkIn = async (email: string, subject: string): Promise<{ url: string; token: string }> => {
    await deliver();
    const mail = mailsTo(email).filter((m) => m.subject === subject).at(-1);
    if (!mail) throw new Error(`no "${subject}" mail arrived for ${email}: ${JSON.stringify(mailsTo(email).map((m) => m.subject))}`);
    const url = mail.text.match(/(https:\/\/match\.example\/account\/\S+\?token=[\w.-]+)/)?.[1];
    if (!url) throw new Error(`no link in "${subject}"`);
    return { url, token: new URL(url).searchParams.get('token')! };
  };
  const post = (path: string) => t.request.post(path).set('X-Forwarded-For', ip);
  const login = (email: string, password: string) => post('/api/v1/auth/login').send({ email, password });
  const me = (token: string, api: supertest.Agent = t.request) => api.get('/api/v1/me').set('Authorization', `Bearer ${token}`);

  before(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('accounts', { SMTP_URL: smtp.url, PUBLIC_URL, TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_MINUTE: '5' });
  });
  beforeEach(() => {
    ipCounter += 1;
    ip = `203.0.113.${ipCounter}`;
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  describe('email verification', () => {
    it('when a newcomer has not confirmed the address, then profiles and proposals work but no match is made and only the verification mail is sent; after the link, the lifecycle goes on', async () => {
      await makeCoordinator(t, ['na'], { displayName: 'Casey' });
      const sponsor = await withSponsor(t, {}, { displayName: 'Robin' });
      const reg = await post('/api/v1/auth/register').send(registration({ displayName: 'Sam' }));
      expect(reg.status).to.equal(201);
      expect(reg.body.user).to.include({ emailVerified: false });
      const sam: Member = { id: reg.body.user.id, email: reg.body.user.email, token: reg.body.accessToken };

      expect((await t.request.put('/api/v1/me/newcomer-profile').set(bearer(sam)).send(newcomerBody())).status).to.equal(200);
      const request = await t.request.post('/api/v1/match-requests').set(bearer(sam)).send({ kind: 'ongoing' });
      expect(request.status).to.equal(201);
      const proposals = await t.request.get(`/api/v1/newcomers/${sam.id}/proposals`).set(bearer(sam));
      expect(proposals.status).to.equal(200);
      const handle = proposals.body.proposals[0].sponsorId as string;

      // The newcomer's choice, a coordinator's match and a run's approval are all refused.
      const choice = await t.request.post(`/api/v1/match-requests/${request.body.id}/choice`).set(bearer(sam)).send({ sponsorId: handle });
      expect(choice.status).to.equal(409);
      expect(choice.body).to.include({ type: '/problems/email-unverified', unverified: 'newcomer' });
      const coordinator = await makeCoordinator(t, ['na']);
      const direct = await t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId: request.body.id, sponsorId: sponsor.id });
      expect(direct.status).to.equal(409);
      expect(direct.body.type).to.equal('/problems/email-unverified');
      const run = await t.request.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program: 'na' });
      expect(run.status).to.equal(201);
      const approved = await t.request.post(`/api/v1/matching/runs/${run.body.runId ?? run.body.id}/approve`).set(bearer(coordinator)).send({});
      expect(approved.status).to.equal(200);
      const mine = approved.body.results.filter((r: { newcomerId: string }) => r.newcomerId === sam.id);
      expect(mine.map((r: { result: string }) => r.result)).to.deep.equal(['email-unverified']);
      expect((await t.request.get('/api/v1/matches').set(bearer(sam))).body.matches ?? []).to.have.length(0);

      // Only the verification mail went to the unconfirmed address.
      await deliver();
      expect(mailsTo(sam.email).map((m) => m.subject)).to.deep.equal(['Please confirm your email address']);
      const verifyMail = mailsTo(sam.email)[0]!;
      expect(mentionsHealth(verifyMail.subject)).to.equal(false);
      expect(verifyMail.text).to.include('Hello Sam').and.include('48 hours');

      const { token } = await linkIn(sam.email, 'Please confirm your email address');
      const verified = await post('/api/v1/auth/verify-email').send({ token });
      expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
      expect(verified.body.user).to.include({ id: sam.id, emailVerified: true });
      expect((await me(sam.token)).body).to.include({ emailVerified: true });
      // Used once.
      const again = await post('/api/v1/auth/verify-email').send({ token });
      expect(again.status).to.equal(400);
      expect(again.body.type).to.equal('/problems/invalid-link');

      // Now the choice goes through, and the welcome follows the confirmation.
      const chosen = await t.request.post(`/api/v1/match-requests/${request.body.id}/choice`).set(bearer(sam)).send({ sponsorId: handle });
      expect(chosen.status, JSON.stringify(chosen.body)).to.be.oneOf([200, 201]);
      expect(chosen.body.status ?? chosen.body.state).to.equal('pending-approval');
      await deliver();
      expect(mailsTo(sam.email).map((m) => m.subject)).to.deep.equal(['Please confirm your email address', 'Welcome']);
    });

    it('when a verification link is expired, tampered, of another purpose, or an access token, then 400 and the address stays unconfirmed; a new one can be asked for', async () => {
      const m = await registerMember(t, {}, { verify: false });
      const { token } = await linkIn(m.email, 'Please confirm your email address');
      const [h, p, s] = token.split('.');
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')}.${s}`;
      for (const bad of [tampered, m.token, 'not-a-token']) {
        const res = await post('/api/v1/auth/verify-email').send({ token: bad });
        expect(res.status, bad).to.equal(400);
        expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      }
      const missing = await post('/api/v1/auth/verify-email').send({});
      expect(missing.status).to.equal(400);
      expect(missing.body.type).to.equal('/problems/invalid-request');

      t.clock.advance(48 * 3600_000 + 1000);
      expect((await post('/api/v1/auth/verify-email').send({ token })).status).to.equal(400);
      // Two days on, the registration's token has expired too: the member signs in again.
      const fresh = (await login(m.email, GOOD_PASSWORD)).body.accessToken as string;
      expect((await me(fresh)).body).to.include({ emailVerified: false });

      const resend = await post('/api/v1/auth/resend-verification').set('Authorization', `Bearer ${fresh}`);
      expect(resend.status).to.equal(202);
      const second = await linkIn(m.email, 'Please confirm your email address');
      expect(second.token).not.to.equal(token);
      expect((await post('/api/v1/auth/verify-email').send({ token: second.token })).status).to.equal(200);
      const already = await post('/api/v1/auth/resend-verification').set('Authorization', `Bearer ${fresh}`);
      expect(already.status).to.equal(409);
      expect(already.body.type).to.equal('/problems/already-verified');
    });

    it('when verification links are asked for again and again, then the fourth within the hour is 429', async () => {
      const m = await registerMember(t, {}, { verify: false });
      for (let i = 0; i < 3; i += 1) expect((await post('/api/v1/auth/resend-verification').set(bearer(m))).status).to.equal(202);
      const fourth = await post('/api/v1/auth/resend-verification').set(bearer(m));
      expect(fourth.status).to.equal(429);
      expect(fourth.headers['retry-after']).to.match(/^\d+$/);
    });

    it('when a sponsor has not confirmed the address, then no newcomer is proposed them; once confirmed, they are', async () => {
      const sponsor = await withSponsor(t, { program: 'ca' }, { displayName: 'Dale' }, { verify: false });
      const newcomer = await registerMember(t);
      expect((await t.request.put('/api/v1/me/newcomer-profile').set(bearer(newcomer)).send(newcomerBody({ program: 'ca' }))).status).to.equal(200);
      const proposed = async () => (await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer))).body.proposals as unknown[];
      expect(await proposed()).to.have.length(0);
      const { token } = await linkIn(sponsor.email, 'Please confirm your email address');
      expect((await post('/api/v1/auth/verify-email').send({ token })).status).to.equal(200);
      expect(await proposed()).to.have.length(1);
    });

    it('when an account was created before verification existed (no flag stored), then it counts as verified', async () => {
      const m = await registerMember(t, {}, { verify: false });
      await t.db.conn.collection('users').updateOne({ _id: m.id as never }, { $unset: { emailVerified: 1 } });
      expect((await me(m.token)).body).to.include({ emailVerified: true });
    });
  });

  describe('password reset', () => {
    it('when a reset is asked for a known and an unknown address, then both answers are byte-identical 202s, and only the known address gets a mail', async () => {
      const m = await registerMember(t);
      const unknown = `nobody-${m.id.slice(0, 6)}@example.org`;
      const started = [performance.now()];
      const known = await post('/api/v1/auth/password-reset').send({ email: m.email.toUpperCase() });
      started.push(performance.now());
      const nobody = await post('/api/v1/auth/password-reset').send({ email: unknown });
      started.push(performance.now());
      expect(known.status).to.equal(202);
      expect(nobody.status).to.equal(202);
      expect(known.text).to.equal(nobody.text);
      expect(known.headers['content-type']).to.equal(nobody.headers['content-type']);
      expect(known.headers['content-length']).to.equal(nobody.headers['content-length']);
      // Both wait for the same floor (250 ms), whatever work was done.
      expect(started[1]! - started[0]!).to.be.at.least(240);
      expect(started[2]! - started[1]!).to.be.at.least(240);
      await deliver();
      expect(mailsTo(unknown)).to.have.length(0);
      const mail = mailsTo(m.email).filter((a) => a.subject === 'Your password reset link');
      expect(mail).to.have.length(1);
      expect(mail[0]!.text).to.include('30 minutes');
      const bad = await post('/api/v1/auth/password-reset').send({ email: 'not an address' });
      expect(bad.status).to.equal(400);
    });

    it('when the link is used, then the new password works, every older token ends on both instances, and the link cannot be used again', async () => {
      const second = await startSecondApi(t);
      const secondApi = second.api;
      try {
        const m = await registerMember(t);
        const other = (await login(m.email, GOOD_PASSWORD)).body.accessToken as string;
        expect((await me(m.token, secondApi)).status).to.equal(200);
        expect((await me(other)).status).to.equal(200);

        await post('/api/v1/auth/password-reset').send({ email: m.email });
        const { token } = await linkIn(m.email, 'Your password reset link');
        const weak = await post('/api/v1/auth/password-reset/confirm').send({ token, password: 'short' });
        expect(weak.status).to.equal(400);
        expect(weak.body.errors.map((e: { path: string }) => e.path)).to.include('password');
        t.clock.advance(5);
        const done = await post('/api/v1/auth/password-reset/confirm').send({ token, password: NEW_PASSWORD });
        expect(done.status, JSON.stringify(done.body)).to.equal(204);

        // At once here.
        expect((await me(m.token)).status).to.equal(401);
        expect((await me(other)).status).to.equal(401);
        // Within the feed's delay on the other instance.
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && (await me(m.token, secondApi)).status === 200) await new Promise((r) => setTimeout(r, 50));
        expect((await me(m.token, secondApi)).status).to.equal(401);

        expect((await login(m.email, GOOD_PASSWORD)).status).to.equal(401);
        const fresh = await login(m.email, NEW_PASSWORD);
        expect(fresh.status).to.equal(200);
        expect((await me(fresh.body.accessToken, secondApi)).status).to.equal(200);

        const reused = await post('/api/v1/auth/password-reset/confirm').send({ token, password: 'yet another long phrase 99' });
        expect(reused.status).to.equal(400);
        expect(reused.body.type).to.equal('/problems/invalid-link');
        expect((await login(m.email, NEW_PASSWORD)).status).to.equal(200);

        // The owner is told, without any health word.
        await deliver();
        const notice = mailsTo(m.email).find((a) => a.subject === 'A change to your account');
        expect(notice?.text).to.include('password of your account was just changed');

        // Audited, with the member as the actor.
        const audit = await t.db.conn.collection('audit_log').find({ action: 'password-reset' }).toArray();
        expect(audit.length).to.be.at.least(1);
      } finally {
        await second.stop();
      }
    });

    it('when a reset link is 31 minutes old, or older than a password changed since, then 400', async () => {
      const m = await registerMember(t);
      await post('/api/v1/auth/password-reset').send({ email: m.email });
      const first = await linkIn(m.email, 'Your password reset link');
      t.clock.advance(31 * 60_000);
      expect((await post('/api/v1/auth/password-reset/confirm').send({ token: first.token, password: NEW_PASSWORD })).status).to.equal(400);

      // Two links; the second is used; the first, though unexpired and unused, is older than the new password.
      await post('/api/v1/auth/password-reset').send({ email: m.email });
      const a = await linkIn(m.email, 'Your password reset link');
      t.clock.advance(1000);
      await post('/api/v1/auth/password-reset').send({ email: m.email });
      const b = await linkIn(m.email, 'Your password reset link');
      expect(a.token).not.to.equal(b.token);
      t.clock.advance(1000);
      expect((await post('/api/v1/auth/password-reset/confirm').send({ token: b.token, password: NEW_PASSWORD })).status).to.equal(204);
      expect((await post('/api/v1/auth/password-reset/confirm').send({ token: a.token, password: 'yet another long phrase 99' })).status).to.equal(400);
      expect((await login(m.email, NEW_PASSWORD)).status).to.equal(200);
    });

    it('when someone asks for many resets for one address, then the answer stays 202 but only three mails go in a quarter hour', async () => {
      const m = await registerMember(t);
      for (let i = 0; i < 5; i += 1) {
        ip = `198.51.100.${i + 1}`;
        expect((await post('/api/v1/auth/password-reset').send({ email: m.email })).status).to.equal(202);
      }
      await deliver();
      expect(mailsTo(m.email).filter((a) => a.subject === 'Your password reset link')).to.have.length(3);
    });
  });

  describe('lock-out is not a weapon', () => {
    it("when someone else's wrong passwords lock an email, then the owner's 429 names the reset, and a completed reset lets the owner in at once", async () => {
      const m = await registerMember(t);
      // The attacker, from another address, exhausts the email's failures (5 a minute here).
      ip = '192.0.2.66';
      for (let i = 0; i < 5; i += 1) expect((await login(m.email, 'guess guess guess')).status).to.equal(401);
      // The owner, from home, with the right password.
      ip = '192.0.2.7';
      const locked = await login(m.email, GOOD_PASSWORD);
      expect(locked.status).to.equal(429);
      expect(locked.body).to.include({ type: '/problems/too-many-login-attempts', passwordReset: '/api/v1/auth/password-reset' });
      expect(locked.body.detail).to.match(/reset your password/);

      await post('/api/v1/auth/password-reset').send({ email: m.email });
      const { token } = await linkIn(m.email, 'Your password reset link');
      expect((await post('/api/v1/auth/password-reset/confirm').send({ token, password: NEW_PASSWORD })).status).to.equal(204);
      const inAgain = await login(m.email, NEW_PASSWORD);
      expect(inAgain.status, JSON.stringify(inAgain.body)).to.equal(200);

      // The attacker goes on guessing: the email is limited again, but the owner's right password still passes.
      ip = '192.0.2.66';
      for (let i = 0; i < 6; i += 1) expect((await login(m.email, 'guess guess guess')).status).to.be.oneOf([401, 429]);
      expect((await login(m.email, 'guess guess guess')).status).to.equal(429);
      ip = '192.0.2.7';
      expect((await login(m.email, NEW_PASSWORD)).status).to.equal(200);
    });
  });

  describe('change of password', () => {
    it('when the current password is wrong, then 401 counted as a failure (429 after five); when right, the other tokens end and the one that asked goes on', async () => {
      const m = await registerMember(t);
      const other = (await login(m.email, GOOD_PASSWORD)).body.accessToken as string;
      const put = (body: object) => t.request.put('/api/v1/me/password').set('X-Forwarded-For', ip).set(bearer(m)).send(body);
      const wrong = await put({ currentPassword: 'not my password at all', newPassword: NEW_PASSWORD });
      expect(wrong.status).to.equal(401);
      expect(wrong.body.type).to.equal('/problems/invalid-credentials');
      const same = await put({ currentPassword: GOOD_PASSWORD, newPassword: GOOD_PASSWORD });
      expect(same.status).to.equal(400);
      const weak = await put({ currentPassword: GOOD_PASSWORD, newPassword: 'password1234' });
      expect(weak.status).to.equal(400);
      t.clock.advance(5);
      expect((await put({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD })).status).to.equal(204);
      expect((await me(m.token)).status).to.equal(200);
      expect((await me(other)).status).to.equal(401);
      expect((await login(m.email, GOOD_PASSWORD)).status).to.equal(401);
      expect((await login(m.email, NEW_PASSWORD)).status).to.equal(200);

      // Failures count per account: the sixth wrong try in a quarter hour is 429 even from elsewhere.
      const n = await registerMember(t);
      for (let i = 0; i < 5; i += 1) {
        ip = `198.51.100.${50 + i}`;
        expect((await t.request.put('/api/v1/me/password').set('X-Forwarded-For', ip).set(bearer(n)).send({ currentPassword: `wrong ${i} wrong wrong`, newPassword: NEW_PASSWORD })).status).to.equal(401);
      }
      ip = '198.51.100.99';
      const limited = await t.request.put('/api/v1/me/password').set('X-Forwarded-For', ip).set(bearer(n)).send({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD });
      expect(limited.status).to.equal(429);
    });
  });

  describe('change of email', () => {
    it('when a member asks for a new address, then it is confirmed from that address, the old one is told, and nothing changes until then', async () => {
      const m = await registerMember(t, { displayName: 'Jo' });
      const newEmail = `jo-new-${m.id.slice(0, 6)}@example.org`;
      const put = (body: object) => t.request.put('/api/v1/me/email').set('X-Forwarded-For', ip).set(bearer(m)).send(body);
      expect((await put({ password: 'not my password at all', newEmail })).status).to.equal(401);
      expect((await put({ password: GOOD_PASSWORD, newEmail: m.email })).status).to.equal(400);
      expect((await put({ password: GOOD_PASSWORD, newEmail: 'nope' })).status).to.equal(400);
      const asked = await put({ password: GOOD_PASSWORD, newEmail: newEmail.toUpperCase() });
      expect(asked.status).to.equal(202);
      expect(asked.body.pendingEmail).to.equal(newEmail);
      expect((await me(m.token)).body).to.include({ email: m.email, pendingEmail: newEmail });

      // Not claimed by asking: the old address still signs in, the new one does not, and the new one is still free to register.
      expect((await login(m.email, GOOD_PASSWORD)).status).to.equal(200);
      expect((await login(newEmail, GOOD_PASSWORD)).status).to.equal(401);

      await deliver();
      const notice = mailsTo(m.email).find((a) => a.subject === 'A change to your account');
      expect(notice?.text).to.include('move your account to another email address');
      expect(notice?.text).not.to.include(newEmail);
      const { token } = await linkIn(newEmail, 'Please confirm your new email address');
      const confirmed = await post('/api/v1/auth/email-change/confirm').send({ token });
      expect(confirmed.status, JSON.stringify(confirmed.body)).to.equal(200);
      expect(confirmed.body.user).to.include({ email: newEmail, emailVerified: true });
      expect(confirmed.body.user).not.to.have.property('pendingEmail');

      expect((await login(newEmail, GOOD_PASSWORD)).status).to.equal(200);
      expect((await login(m.email, GOOD_PASSWORD)).status).to.equal(401);
      expect((await post('/api/v1/auth/email-change/confirm').send({ token })).status).to.equal(400);
      // The old address is free at once.
      expect((await post('/api/v1/auth/register').send(registration({ email: m.email }))).status).to.equal(201);
      const audit = await t.db.conn.collection('audit_log').countDocuments({ action: { $in: ['email-change-request', 'email-change'] } });
      expect(audit).to.be.at.least(2);
    });

    it('when the new address already has an account, then the answer is the same 202, and that account is told instead of sent a link', async () => {
      const m = await registerMember(t);
      const owner = await registerMember(t, { displayName: 'Noor' });
      const asked = await t.request.put('/api/v1/me/email').set(bearer(m)).send({ password: GOOD_PASSWORD, newEmail: owner.email });
      expect(asked.status).to.equal(202);
      expect(asked.body.pendingEmail).to.equal(owner.email);
      await deliver();
      const toOwner = mailsTo(owner.email).filter((a) => a.subject !== 'Welcome' && a.subject !== 'Please confirm your email address');
      expect(toOwner.map((a) => a.subject)).to.deep.equal(['About your email address']);
      expect(toOwner[0]!.text).to.include('Hello Noor').and.not.include('token=');
      expect((await me(m.token)).body).not.to.have.property('pendingEmail');
    });

    it('when the owner resets the password or signs out everywhere after an intruder asked for a new address, then that change can no longer be confirmed', async () => {
      for (const shutOut of ['reset', 'logout-all'] as const) {
        const m = await registerMember(t);
        const intruderAddress = `intruder-${shutOut}-${m.id.slice(0, 6)}@example.org`;
        expect((await t.request.put('/api/v1/me/email').set(bearer(m)).send({ password: GOOD_PASSWORD, newEmail: intruderAddress })).status).to.equal(202);
        const { token } = await linkIn(intruderAddress, 'Please confirm your new email address');
        t.clock.advance(5);
        if (shutOut === 'reset') {
          await post('/api/v1/auth/password-reset').send({ email: m.email });
          const reset = await linkIn(m.email, 'Your password reset link');
          expect((await post('/api/v1/auth/password-reset/confirm').send({ token: reset.token, password: NEW_PASSWORD })).status).to.equal(204);
        } else {
          expect((await post('/api/v1/auth/logout-all').set(bearer(m))).status).to.equal(204);
        }
        const confirm = await post('/api/v1/auth/email-change/confirm').send({ token });
        expect(confirm.status, shutOut).to.equal(400);
        expect(await t.db.conn.collection('users').countDocuments({ _id: m.id as never, email: m.email })).to.equal(1);
      }
    });

    it('when a reset link was sent to the old address and the account then moved, then that link no longer works', async () => {
      const m = await registerMember(t);
      await post('/api/v1/auth/password-reset').send({ email: m.email });
      const reset = await linkIn(m.email, 'Your password reset link');
      const moved = `moved-${m.id.slice(0, 6)}@example.org`;
      expect((await t.request.put('/api/v1/me/email').set(bearer(m)).send({ password: GOOD_PASSWORD, newEmail: moved })).status).to.equal(202);
      const { token } = await linkIn(moved, 'Please confirm your new email address');
      expect((await post('/api/v1/auth/email-change/confirm').send({ token })).status).to.equal(200);
      expect((await post('/api/v1/auth/password-reset/confirm').send({ token: reset.token, password: NEW_PASSWORD })).status).to.equal(400);
      expect((await login(moved, GOOD_PASSWORD)).status).to.equal(200);
    });

    it('when a member asks twice, then only the newest link confirms', async () => {
      const m = await registerMember(t);
      const first = `first-${m.id.slice(0, 6)}@example.org`;
      const second = `second-${m.id.slice(0, 6)}@example.org`;
      expect((await t.request.put('/api/v1/me/email').set(bearer(m)).send({ password: GOOD_PASSWORD, newEmail: first })).status).to.equal(202);
      const a = await linkIn(first, 'Please confirm your new email address');
      expect((await t.request.put('/api/v1/me/email').set(bearer(m)).send({ password: GOOD_PASSWORD, newEmail: second })).status).to.equal(202);
      const b = await linkIn(second, 'Please confirm your new email address');
      expect((await post('/api/v1/auth/email-change/confirm').send({ token: a.token })).status).to.equal(400);
      expect((await post('/api/v1/auth/email-change/confirm').send({ token: b.token })).status).to.equal(200);
      expect((await me(m.token)).body.email).to.equal(second);
    });

    it('when two accounts confirm the same new address at once, then exactly one has it and the other is told it is taken', async () => {
      for (let round = 0; round < 3; round += 1) {
        const a = await registerMember(t);
        const b = await registerMember(t);
        const wanted = `shared-${round}-${a.id.slice(0, 6)}@example.org`;
        expect((await t.request.put('/api/v1/me/email').set(bearer(a)).send({ password: GOOD_PASSWORD, newEmail: wanted })).status).to.equal(202);
        expect((await t.request.put('/api/v1/me/email').set(bearer(b)).send({ password: GOOD_PASSWORD, newEmail: wanted })).status).to.equal(202);
        await deliver();
        const links = mailsTo(wanted).filter((x) => x.subject === 'Please confirm your new email address');
        expect(links).to.have.length(2);
        const tokens = links.map((l) => new URL(l.text.match(/(https:\/\/match\.example\/account\/\S+\?token=[\w.-]+)/)![1]!).searchParams.get('token')!);
        const results = await Promise.all(tokens.map((token) => post('/api/v1/auth/email-change/confirm').send({ token })));
        expect(results.map((r) => r.status).sort()).to.deep.equal([200, 409]);
        const loser = results.find((r) => r.status === 409)!;
        expect(loser.body.type).to.equal('/problems/email-taken');
        const emails = [(await me(a.token)).body.email, (await me(b.token)).body.email];
        expect(emails.filter((e) => e === wanted)).to.have.length(1);
        expect(await t.db.conn.collection('users').countDocuments({ email: wanted })).to.equal(1);
        expect((await login(wanted, GOOD_PASSWORD)).status).to.equal(200);
      }
    });
  });

  describe('sign-out everywhere', () => {
    it('when a member signs out everywhere, then every token ends at once on this instance and within the feed delay on another; a new sign-in works', async () => {
      const second = await startSecondApi(t);
      const secondApi = second.api;
      try {
        const m = await registerMember(t);
        const phone = (await login(m.email, GOOD_PASSWORD)).body.accessToken as string;
        expect((await me(phone, secondApi)).status).to.equal(200);
        expect((await me(m.token, secondApi)).status).to.equal(200);
        // The same millisecond as the sign-ins (the test clock stands still): still ended.
        const out = await post('/api/v1/auth/logout-all').set(bearer(m));
        expect(out.status).to.equal(204);
        expect((await me(m.token)).status).to.equal(401);
        expect((await me(phone)).status).to.equal(401);
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && ((await me(phone, secondApi)).status === 200 || (await me(m.token, secondApi)).status === 200)) {
          await new Promise((r) => setTimeout(r, 50));
        }
        expect((await me(phone, secondApi)).status).to.equal(401);
        expect((await me(m.token, secondApi)).status).to.equal(401);
        // A sign-in after it, even in the same millisecond, works everywhere.
        const fresh = (await login(m.email, GOOD_PASSWORD)).body.accessToken as string;
        expect((await me(fresh)).status).to.equal(200);
        expect((await me(fresh, secondApi)).status).to.equal(200);
        expect(await t.db.conn.collection('audit_log').countDocuments({ action: 'logout-all' })).to.be.at.least(1);
      } finally {
        await second.stop();
      }
    });
  });
});
