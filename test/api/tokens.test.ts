import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/test-app.ts';
import { bearer, makeAdmin, makeCoordinator, registerMember, type Member } from '../support/factories.ts';

describe('access tokens and roles', () => {
  let t: TestApp;
  let m: Member;
  before(async () => {
    t = await startTestApp('tokens');
    m = await registerMember(t);
  });
  after(async () => {
    await t.close();
  });

  const now = () => Math.floor(t.clock().getTime() / 1000);
  const claims = () => ({ sub: m.id, jti: `jti-${Math.random()}`, iss: t.tokens.issuer, aud: t.tokens.audience, iat: now(), exp: now() + 600 });

  async function expect401(token: string) {
    const res = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.equal('Bearer');
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.type).to.equal('/problems/unauthenticated');
  }

  it('when a well-formed token is presented, then /me answers 200 (the control for the cases below)', async () => {
    const token = jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256' });
    const res = await t.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).to.equal(200);
  });

  it('when the token says alg none, then 401', async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    await expect401(`${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims())}.`);
  });

  it('when the token is signed with another algorithm (HS512), then 401', async () => {
    await expect401(jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS512' }));
  });

  it('when the token is signed with another secret, then 401', async () => {
    await expect401(jwt.sign(claims(), 'another-secret-that-is-long-enough-000000', { algorithm: 'HS256' }));
  });

  it('when the token has expired, then 401', async () => {
    await expect401(jwt.sign({ ...claims(), iat: now() - 7200, exp: now() - 1 }, TEST_SECRET, { algorithm: 'HS256' }));
  });

  it('when the token is for another audience, then 401', async () => {
    await expect401(jwt.sign({ ...claims(), aud: 'someone-else' }, TEST_SECRET, { algorithm: 'HS256' }));
  });

  it('when the token has another issuer, then 401', async () => {
    await expect401(jwt.sign({ ...claims(), iss: 'someone-else' }, TEST_SECRET, { algorithm: 'HS256' }));
  });

  it('when the token has no exp, then 401', async () => {
    const { exp: _exp, ...rest } = claims();
    await expect401(jwt.sign(rest, TEST_SECRET, { algorithm: 'HS256' }));
  });

  it('when the token has no jti, then 401', async () => {
    const { jti: _jti, ...rest } = claims();
    await expect401(jwt.sign(rest, TEST_SECRET, { algorithm: 'HS256' }));
  });

  it('when the token has no iat, then 401', async () => {
    const { iat: _iat, ...rest } = claims();
    await expect401(jwt.sign(rest, TEST_SECRET, { algorithm: 'HS256', noTimestamp: true }));
  });

  it('when the token carries a crit header this service does not understand, then 401', async () => {
    const header = { alg: 'HS256', typ: 'JWT', crit: ['urn:example:must-understand'], 'urn:example:must-understand': true } as jwt.JwtHeader;
    await expect401(jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256', header }));
  });

  it('when the token was issued more than 60 s in the future, then 401; within 60 s of clock skew it is accepted', async () => {
    const future = now() + 120;
    await expect401(jwt.sign({ ...claims(), iat: future, exp: future + 600 }, TEST_SECRET, { algorithm: 'HS256' }));
    const skewed = now() + 30;
    const token = jwt.sign({ ...claims(), iat: skewed, exp: skewed + 600 }, TEST_SECRET, { algorithm: 'HS256' });
    expect((await t.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).to.equal(200);
  });

  it('when the token lives longer than an access token may (exp - iat over the configured ttl), then 401; exactly the ttl is accepted', async () => {
    const ttl = t.tokens.ttlSeconds;
    await expect401(jwt.sign({ ...claims(), iat: now(), exp: now() + ttl + 1 }, TEST_SECRET, { algorithm: 'HS256' }));
    // Issued a day ago and still unexpired: a token minted with a stolen key or a longer-lived purpose.
    await expect401(jwt.sign({ ...claims(), iat: now() - 86_400, exp: now() + 60 }, TEST_SECRET, { algorithm: 'HS256' }));
    const token = jwt.sign({ ...claims(), iat: now(), exp: now() + ttl }, TEST_SECRET, { algorithm: 'HS256' });
    expect((await t.request.get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).to.equal(200);
  });

  it('when the token names a user that does not exist, then 401', async () => {
    await expect401(jwt.sign({ ...claims(), sub: '00000000-0000-4000-8000-000000000000' }, TEST_SECRET, { algorithm: 'HS256' }));
  });

  it('when the token comes in a query string or without the Bearer scheme, then 401', async () => {
    const token = jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256' });
    expect((await t.request.get(`/api/v1/me?access_token=${token}`)).status).to.equal(401);
    expect((await t.request.get('/api/v1/me').set('Authorization', token)).status).to.equal(401);
    expect((await t.request.get('/api/v1/me').set('Authorization', `Basic ${token}`)).status).to.equal(401);
  });

  it('when a member calls an admin route, then 403 problem+json', async () => {
    const res = await t.request.get('/api/v1/admin/users').query({ email: m.email }).set(bearer(m));
    expect(res.status).to.equal(403);
    expect(res.body.type).to.equal('/problems/forbidden');
  });

  it('when an admin finds a user by email (any case), then the user is listed; an unknown email lists none', async () => {
    const admin = await makeAdmin(t);
    const found = await t.request.get('/api/v1/admin/users').query({ email: m.email.toUpperCase() }).set(bearer(admin));
    expect(found.status).to.equal(200);
    expect(found.body.users.map((u: { id: string }) => u.id)).to.deep.equal([m.id]);
    const none = await t.request.get('/api/v1/admin/users').query({ email: 'nobody@example.org' }).set(bearer(admin));
    expect(none.body).to.deep.equal({ users: [] });
    const bad = await t.request.get('/api/v1/admin/users').query({ email: 'not-an-email' }).set(bearer(admin));
    expect(bad.status).to.equal(400);
  });

  it('when an admin grants and then revokes the coordinator role, then a coordinator-only route answers 200 then 403 on the very next request', async () => {
    const admin = await makeAdmin(t);
    const c = await registerMember(t);
    const grant = await t.request.put(`/api/v1/admin/users/${c.id}/roles`).set(bearer(admin)).send({ coordinatorOf: ['na', 'aa', 'na'] });
    expect(grant.status).to.equal(200);
    expect(grant.body.roles).to.deep.equal({ admin: false, coordinatorOf: ['aa', 'na'] });
    // The coordinator-only route: pool assignment runs (answers 400 for an empty body, so it got past the role check).
    const allowed = await t.request.get('/api/v1/admin/users').set(bearer(c)).query({ email: 'x@example.org' });
    expect(allowed.status).to.equal(403); // admin-only stays closed to a coordinator
    const asCoordinator = await t.request.post('/api/v1/matching/runs').set(bearer(c)).send({});
    expect(asCoordinator.status).to.not.equal(403);
    const revoke = await t.request.put(`/api/v1/admin/users/${c.id}/roles`).set(bearer(admin)).send({ coordinatorOf: [] });
    expect(revoke.status).to.equal(200);
    const after = await t.request.post('/api/v1/matching/runs').set(bearer(c)).send({});
    expect(after.status).to.equal(403);
  });

  it('when an admin names an unknown program or user, then 400 or 404', async () => {
    const admin = await makeAdmin(t);
    const c = await registerMember(t);
    const unknownProgram = await t.request.put(`/api/v1/admin/users/${c.id}/roles`).set(bearer(admin)).send({ coordinatorOf: ['no-such-program'] });
    expect(unknownProgram.status).to.equal(400);
    expect(unknownProgram.body.errors[0].path).to.equal('coordinatorOf.0');
    const unknownUser = await t.request
      .put('/api/v1/admin/users/00000000-0000-4000-8000-000000000000/roles')
      .set(bearer(admin))
      .send({ coordinatorOf: ['aa'] });
    expect(unknownUser.status).to.equal(404);
    const badId = await t.request.put('/api/v1/admin/users/not-a-uuid/roles').set(bearer(admin)).send({ coordinatorOf: ['aa'] });
    expect(badId.status).to.equal(400);
    expect(badId.body.errors[0].path).to.equal('id');
  });

  it('when a coordinator exists, then the factory role shows in /me', async () => {
    const c = await makeCoordinator(t, ['smart']);
    const me = await t.request.get('/api/v1/me').set(bearer(c));
    expect(me.body.roles.coordinatorOf).to.deep.equal(['smart']);
  });
});

describe('access cache across API instances', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('access-cache');
  });
  after(async () => {
    await t.close();
  });

  it('when a token is revoked and a role changed on one instance, then another instance refuses them within seconds', async () => {
    const { startSecondInstance } = await import('../support/second-instance.ts');
    const { verifyAccessToken } = await import('../../src/auth/tokens.ts');
    const instance = await startSecondInstance(t.db.conn, t.clock, { intervalMs: 100 });
    const second = instance.access;
    try {
      const m = await registerMember(t);
      const c = await makeCoordinator(t, ['aa']);
      const jti = verifyAccessToken(t.tokens, m.token, Math.floor(t.clock().getTime() / 1000))!.jti;
      expect(second.isRevoked(jti, t.clock())).to.equal(false);
      expect((await second.user(c.id))?.roles.coordinatorOf).to.deep.equal(['aa']);

      const admin = await makeAdmin(t);
      expect((await t.request.post('/api/v1/auth/logout').set(bearer(m))).status).to.equal(204);
      expect((await t.request.put(`/api/v1/admin/users/${c.id}/roles`).set(bearer(admin)).send({ coordinatorOf: [] })).status).to.equal(200);

      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !(second.isRevoked(jti, t.clock()) && (await second.user(c.id))?.roles.coordinatorOf.length === 0)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(second.isRevoked(jti, t.clock())).to.equal(true);
      expect((await second.user(c.id))?.roles.coordinatorOf).to.deep.equal([]);
    } finally {
      await instance.stop();
    }
  });
});
