import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, GOOD_PASSWORD, registerMember, registration } from '../support/factories.ts';

describe('HTTP edges: errors, health, readiness, docs', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('http');
  });
  after(async () => {
    await t.close();
  });

  it('when the JSON body is malformed, then 400 problem+json', async () => {
    const res = await t.request.post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"email": "a@b.org",');
    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ type: '/problems/malformed-json', status: 400, title: 'Bad Request', instance: '/api/v1/auth/login' });
    expect(res.body.requestId).to.equal(res.headers['x-request-id']);
  });

  it('when the body is over 100 kB, then 413 problem+json', async () => {
    const res = await t.request
      .post('/api/v1/auth/register')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'a@b.org', password: 'x'.repeat(110 * 1024) }));
    expect(res.status).to.equal(413);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.type).to.equal('/problems/payload-too-large');
  });

  it('when the route does not exist, then 404 problem+json', async () => {
    const res = await t.request.get('/api/v1/no-such-thing');
    expect(res.status).to.equal(404);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ type: '/problems/route-not-found', status: 404, instance: '/api/v1/no-such-thing' });
  });

  it('when a client sends its own request id, then it comes back; otherwise one is made', async () => {
    const mine = await t.request.get('/health').set('X-Request-Id', 'abc-123');
    expect(mine.headers['x-request-id']).to.equal('abc-123');
    const made = await t.request.get('/health');
    expect(made.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
  });

  it('when /health and /ready are asked with the database up, then both are 200', async () => {
    expect((await t.request.get('/health')).status).to.equal(200);
    const ready = await t.request.get('/ready');
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.equal({ status: 'ready' });
  });

  it('when the database connection is gone, then /ready is 503, /health still 200 and a data route 503 problem+json', async () => {
    const other = await startTestApp('http-down');
    const m = await registerMember(other);
    await other.db.conn.close();
    const started = Date.now();
    const data = await other.request.get('/api/v1/me').set(bearer(m));
    // A client (or a load balancer) should hear quickly that the service is out, not wait on a buffer.
    expect(Date.now() - started).to.be.below(4000);
    expect(data.status).to.equal(503);
    expect(data.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(data.body.type).to.equal('/problems/database-unavailable');
    const ready = await other.request.get('/ready');
    expect(ready.status).to.equal(503);
    expect((await other.request.get('/health')).status).to.equal(200);
    await other.close();
  });

  it('when /docs is opened, then a page that loads only local assets', async () => {
    const page = await t.request.get('/docs');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('swagger-ui');
    expect(page.text).not.to.match(/https?:\/\//);
    const css = await t.request.get('/docs/assets/swagger-ui.css');
    expect(css.status).to.equal(200);
    const js = await t.request.get('/docs/init.js');
    expect(js.text).to.include('/api/v1/openapi.json');
  });

  it('when /docs is opened, then only the files the page loads are served and the page calls no outside validator', async () => {
    for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js']) {
      expect((await t.request.get(`/docs/assets/${file}`)).status, file).to.equal(200);
    }
    for (const file of ['package.json', 'index.html', 'swagger-initializer.js', 'swagger-ui-bundle.js.map', 'oauth2-redirect.html']) {
      const res = await t.request.get(`/docs/assets/${file}`);
      expect(res.status, file).to.equal(404);
      expect(res.headers['content-type'], file).to.match(/^application\/problem\+json/);
    }
    const init = await t.request.get('/docs/init.js');
    expect(init.text).to.match(/validatorUrl:\s*"none"/);
  });

  it('when a member registers, signs in and reads their account, then no response may be stored and a conditional request never answers 304', async () => {
    const body = registration();
    const registered = await t.request.post('/api/v1/auth/register').send(body);
    const login = await t.request.post('/api/v1/auth/login').send({ email: body.email, password: GOOD_PASSWORD });
    const asMember = bearer({ token: login.body.accessToken });
    const me = await t.request.get('/api/v1/me').set(asMember);
    const anonymous = await t.request.get('/api/v1/me');
    const malformed = await t.request.post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{');
    for (const [name, res, status] of [
      ['register', registered, 201],
      ['login', login, 200],
      ['me', me, 200],
      ['anonymous', anonymous, 401],
      ['malformed', malformed, 400],
    ] as const) {
      expect(res.status, name).to.equal(status);
      expect(res.headers['cache-control'], name).to.equal('no-store');
      expect(res.headers.etag, name).to.equal(undefined);
    }
    for (const tag of ['*', me.headers.etag ?? 'W/"any"']) {
      const again = await t.request.get('/api/v1/me').set(asMember).set('If-None-Match', tag);
      expect(again.status, tag).to.equal(200);
      expect(again.body.id).to.equal(registered.body.user.id);
    }
    const since = await t.request.get('/api/v1/me').set(asMember).set('If-Modified-Since', new Date(Date.now() + 86_400_000).toUTCString());
    expect(since.status).to.equal(200);
  });

  it('when the public OpenAPI document is fetched again with its ETag, then 304: it alone under /api/v1 may be cached', async () => {
    const first = await t.request.get('/api/v1/openapi.json');
    expect(first.headers['cache-control'] ?? '').not.to.include('no-store');
    expect(first.headers.etag).to.be.a('string');
    const again = await t.request.get('/api/v1/openapi.json').set('If-None-Match', first.headers.etag!);
    expect(again.status).to.equal(304);
  });

  it('when helmet is on, then security headers are set and x-powered-by is not', async () => {
    const res = await t.request.get('/health');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['x-powered-by']).to.equal(undefined);
  });
});

describe('HTTP edges: requests Express itself refuses', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('http-refused');
  });
  after(async () => {
    await t.close();
  });

  for (const path of [
    '/api/v1/newcomers/%E0%A4%A/proposals',
    '/api/v1/admin/users/%ZZ/roles',
    '/api/v1/programs/%C0/matching-weights',
  ]) {
    it(`when a path parameter cannot be decoded (${path}), then 400 problem+json, not 500`, async () => {
      const res = await t.request.get(path);
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    });
  }

  it('when a route is called with a method it does not have, then 405 problem+json with Allow listing its methods', async () => {
    for (const [method, path, allow] of [
      ['put', '/api/v1/me', 'DELETE, GET, HEAD'],
      ['patch', '/api/v1/me/newcomer-profile', 'GET, HEAD, PUT'],
      ['get', '/api/v1/auth/login', 'POST'],
      ['delete', '/api/v1/matching/runs/00000000-0000-4000-8000-000000000000', 'GET, HEAD'],
      ['post', '/health', 'GET, HEAD'],
      ['put', '/ready', 'GET, HEAD'],
      ['post', '/api/v1/openapi.json', 'GET, HEAD'],
      ['post', '/docs', 'GET, HEAD'],
    ] as const) {
      const res = await t.request[method](path);
      expect(res.status, `${method} ${path}`).to.equal(405);
      expect(res.headers.allow, `${method} ${path}`).to.equal(allow);
      expect(res.headers['content-type'], `${method} ${path}`).to.match(/^application\/problem\+json/);
      expect(res.body, `${method} ${path}`).to.include({ type: '/problems/method-not-allowed', status: 405, title: 'Method Not Allowed', instance: path });
    }
  });

  it('when HEAD or OPTIONS is sent to a route, then HEAD answers like GET and OPTIONS lists the methods', async () => {
    const head = await t.request.head('/health');
    expect(head.status).to.equal(200);
    const headPrivate = await t.request.head('/api/v1/me');
    expect(headPrivate.status).to.equal(401);
    const options = await t.request.options('/api/v1/me/sponsor-profile');
    expect(options.status).to.equal(204);
    expect(options.headers.allow).to.equal('GET, HEAD, PUT');
  });

  it('when a docs asset does not exist, then 404 problem+json, not 500', async () => {
    const res = await t.request.get('/docs/assets/nope.js');
    expect(res.status).to.equal(404);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  });
});
