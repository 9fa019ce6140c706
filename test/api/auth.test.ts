import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, GOOD_PASSWORD, registerMember, registration } from '../support/factories.ts';

describe('accounts: /api/v1/auth and /api/v1/me', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('auth');
  });
  after(async () => {
    await t.close();
  });

  it('when a member registers, logs in and asks for /me, then each step answers with the account and never the hash', async () => {
    const body = registration({ email: 'Alex.Doe@Example.ORG' });
    const reg = await t.request.post('/api/v1/auth/register').send(body);
    expect(reg.status).to.equal(201);
    expect(reg.body.user).to.include({ email: 'alex.doe@example.org', displayName: 'Sam' });
    expect(reg.body.user.consent).to.include({ healthData: true, adult: true, termsVersion: '2026-11' });
    expect(reg.body.user.consent.at).to.equal(t.clock().toISOString());
    expect(reg.body.user.roles).to.deep.equal({ admin: false, coordinatorOf: [] });
    expect(JSON.stringify(reg.body)).not.to.match(/passwordHash|argon2/);
    expect(reg.body.accessToken).to.be.a('string');
    expect(reg.body.expiresIn).to.equal(3600);

    const login = await t.request.post('/api/v1/auth/login').send({ email: 'ALEX.doe@example.org', password: GOOD_PASSWORD });
    expect(login.status).to.equal(200);
    expect(login.body).to.have.keys(['accessToken', 'expiresIn']);
    expect(login.body.expiresIn).to.equal(3600);

    const me = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${login.body.accessToken}`);
    expect(me.status).to.equal(200);
    expect(me.body).to.deep.equal(reg.body.user);
    expect(me.headers['x-request-id']).to.be.a('string');

    const stored = await t.db.conn.collection('users').findOne({ _id: reg.body.user.id as never });
    expect(stored?.passwordHash).to.match(/^\$argon2id\$/);
    const loginEntry = await t.db.conn.collection('logins').findOne({ _id: 'alex.doe@example.org' as never });
    expect(loginEntry?.userId).to.equal(reg.body.user.id);
  });

  it('when the same email registers again in another case, then 409 problem+json and still one account', async () => {
    await registerMember(t, { email: 'case@example.org' });
    const res = await t.request.post('/api/v1/auth/register').send(registration({ email: 'CASE@Example.org' }));
    expect(res.status).to.equal(409);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ type: '/problems/email-taken', status: 409, instance: '/api/v1/auth/register' });
    expect(await t.db.conn.collection('users').countDocuments({ email: 'case@example.org' })).to.equal(1);
  });

  it('when two registrations of one email arrive at the same moment, then exactly one is created and the other gets 409', async () => {
    const results = await Promise.all(
      ['race@example.org', 'RACE@example.org', 'Race@Example.org', 'race@EXAMPLE.org'].map((email) =>
        t.request.post('/api/v1/auth/register').send(registration({ email })),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([201, 409, 409, 409]);
    expect(await t.db.conn.collection('users').countDocuments({ email: 'race@example.org' })).to.equal(1);
    expect(await t.db.conn.collection('logins').countDocuments({ _id: 'race@example.org' as never })).to.equal(1);
  });

  it('when the password has 11 characters, then 400 with errors[] naming password', async () => {
    const res = await t.request.post('/api/v1/auth/register').send(registration({ password: 'abcdefghijk' }));
    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).to.include('password');
  });

  it('when the password is a common one, then 400 naming password', async () => {
    const res = await t.request.post('/api/v1/auth/register').send(registration({ password: 'passwordpassword' }));
    expect(res.status).to.equal(400);
    expect(res.body.errors).to.deep.include({ path: 'password', message: 'This password is too common; choose another.' });
  });

  for (const [name, consent, path] of [
    ['consent is missing', undefined, 'consent'],
    ['adult is false', { healthData: true, adult: false, termsVersion: '1' }, 'consent.adult'],
    ['adult is missing', { healthData: true, termsVersion: '1' }, 'consent.adult'],
    ['health-data consent is false', { healthData: false, adult: true, termsVersion: '1' }, 'consent.healthData'],
    ['consent carries an unknown field', { healthData: true, adult: true, termsVersion: '1', extra: 1 }, 'consent.extra'],
  ] as const) {
    it(`when ${name}, then 400 naming ${path} and no account`, async () => {
      const body = registration() as Record<string, unknown>;
      if (consent === undefined) delete body.consent;
      else body.consent = consent;
      const res = await t.request.post('/api/v1/auth/register').send(body);
      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(path);
      expect(await t.db.conn.collection('logins').countDocuments({ _id: body.email as never })).to.equal(0);
    });
  }

  it('when the register body carries a role, then 400 naming role', async () => {
    const res = await t.request.post('/api/v1/auth/register').send(registration({ role: 'admin' }));
    expect(res.status).to.equal(400);
    expect(res.body.errors).to.deep.include({ path: 'role', message: 'Unknown field.' });
  });

  const spoofingNames: Array<[string, string]> = [
    ['a right-to-left override', '\u202Eevil'],
    ['only a zero-width space', '\u200B'],
    ['a NUL', 'Sam\u0000'],
    ['a lone surrogate', 'Sam\uD800'],
    ['a tag character', 'Sam\u{E0041}'],
  ];
  for (const [what, displayName] of spoofingNames) {
    it(`when the display name has ${what}, then 400 naming displayName and no account`, async () => {
      const body = registration({ displayName });
      const res = await t.request.post('/api/v1/auth/register').send(body);
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      const issue = res.body.errors.find((e: { path: string }) => e.path === 'displayName');
      expect(issue?.message).to.match(/^Display name /);
      expect(await t.db.conn.collection('logins').countDocuments({ _id: body.email as never })).to.equal(0);
    });
  }

  const storedNames: Array<[string, string, string]> = [
    ['a decomposed Zoë', 'Zoe\u0308', 'Zo\u00EB'],
    ['a Persian name with a ZWNJ between letters', '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645', '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645'],
  ];
  for (const [what, displayName, stored] of storedNames) {
    it(`when the display name is ${what}, then 201 and it is stored in NFC as ${JSON.stringify(stored)}`, async () => {
      const res = await t.request.post('/api/v1/auth/register').send(registration({ displayName }));
      expect(res.status).to.equal(201);
      expect(res.body.user.displayName).to.equal(stored);
      const user = await t.db.conn.collection('users').findOne({ _id: res.body.user.id as never });
      expect(user?.displayName).to.equal(stored);
    });
  }

  it('when login gets an operator object for the email, then 400 and no query runs on it', async () => {
    const res = await t.request.post('/api/v1/auth/login').send({ email: { $ne: null }, password: 'x' });
    expect(res.status).to.equal(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).to.include('email');
  });

  it('when the password is wrong or the email unknown, then the same 401 body', async () => {
    const m = await registerMember(t);
    const wrong = await t.request.post('/api/v1/auth/login').send({ email: m.email, password: 'not the right one at all' });
    const unknown = await t.request.post('/api/v1/auth/login').send({ email: 'nobody-here@example.org', password: 'not the right one at all' });
    expect(wrong.status).to.equal(401);
    expect(unknown.status).to.equal(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(wrong.body)).to.deep.equal(strip(unknown.body));
    expect(wrong.body.type).to.equal('/problems/invalid-credentials');
    expect(wrong.headers['www-authenticate']).to.equal('Bearer');
  });

  it('when a member logs out, then the same token gets 401 and another token still works', async () => {
    const m = await registerMember(t);
    const other = await t.request.post('/api/v1/auth/login').send({ email: m.email, password: GOOD_PASSWORD });
    const out = await t.request.post('/api/v1/auth/logout').set(bearer(m));
    expect(out.status).to.equal(204);
    const after = await t.request.get('/api/v1/me').set(bearer(m));
    expect(after.status).to.equal(401);
    expect(after.headers['www-authenticate']).to.equal('Bearer');
    const still = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${other.body.accessToken}`);
    expect(still.status).to.equal(200);
  });
});

describe('throttling of sign-in and registration', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('throttle', { REGISTRATIONS_PER_IP_PER_HOUR: '5' });
  });
  after(async () => {
    await t.close();
  });

  it('when the 11th failed login for one email comes within a minute, then 429 with Retry-After', async () => {
    const m = await registerMember(t);
    for (let i = 0; i < 10; i++) {
      const res = await t.request.post('/api/v1/auth/login').send({ email: m.email, password: `wrong password ${i}` });
      expect(res.status).to.equal(401);
    }
    const res = await t.request.post('/api/v1/auth/login').send({ email: m.email, password: GOOD_PASSWORD });
    expect(res.status).to.equal(429);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.type).to.equal('/problems/too-many-login-attempts');
    expect(Number(res.headers['retry-after'])).to.be.within(1, 60);
  });

  it('when one address creates a sixth account within the hour, then 429 and no sixth account', async () => {
    // The previous test registered one account from this address already.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.request.post('/api/v1/auth/register').send(registration())).status);
    expect(statuses).to.deep.equal([201, 201, 201, 201, 429]);
    expect(await t.db.conn.collection('users').countDocuments()).to.equal(5);
  });
});
