import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, makeAdmin, type Member } from '../support/factories.ts';

describe('OpenAPI document', () => {
  let t: TestApp;
  let admin: Member;
  before(async () => {
    t = await startTestApp('openapi');
    admin = await makeAdmin(t);
  });
  after(async () => {
    await t.close();
  });

  it('when /api/v1/openapi.json is fetched, then it is valid OpenAPI 3.1 and lists every mounted route', async () => {
    const res = await t.request.get('/api/v1/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.equal('3.1.0');
    const result = await new Validator().validate(res.body);
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const mounted = t.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    expect(documented).to.deep.equal(mounted);
    for (const expected of [
      'POST /api/v1/auth/register',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'GET /api/v1/me',
      'GET /api/v1/admin/users',
      'PUT /api/v1/admin/users/{id}/roles',
      'GET /api/v1/programs',
      'PUT /api/v1/admin/programs/{key}',
      'GET /api/v1/programs/{key}/matching-weights',
      'PUT /api/v1/programs/{key}/matching-weights',
      'PUT /api/v1/me/newcomer-profile',
      'GET /api/v1/me/newcomer-profile',
      'PUT /api/v1/me/sponsor-profile',
      'GET /api/v1/me/sponsor-profile',
      'GET /api/v1/newcomers/{userId}/proposals',
      'POST /api/v1/matching/runs',
      'GET /api/v1/matching/runs/{id}',
    ]) {
      expect(documented).to.include(expected);
    }
  });

  it('when every documented route is called without a token and then as an admin with an empty body, then each answers problem+json or success and never 404-route or 500', async () => {
    const res = await t.request.get('/api/v1/openapi.json');
    const paths = res.body.paths as Record<string, Record<string, { security?: unknown[] }>>;
    const sample = (p: string) =>
      p.replace('{id}', '00000000-0000-4000-8000-000000000000').replace('{userId}', '00000000-0000-4000-8000-000000000000').replace('{key}', 'aa');
    // Logout and sign-out everywhere end the admin's token, so they go last.
    const endsToken = (p: string) => p.endsWith('/logout') || p.endsWith('/logout-all');
    const entries = Object.entries(paths).sort(([a], [b]) => Number(endsToken(a)) - Number(endsToken(b)));
    let walked = 0;
    for (const [path, ops] of entries) {
      for (const [method, op] of Object.entries(ops)) {
        walked += 1;
        const url = sample(path);
        const call = () => (t.request as unknown as Record<string, (u: string) => import('supertest').Test>)[method]!(url);
        const anonymous = await call().send({});
        expect(anonymous.status, `${method} ${path} anonymous`).to.be.below(500);
        expect(anonymous.body.type, `${method} ${path}`).to.not.equal('/problems/route-not-found');
        if (op.security) {
          expect(anonymous.status, `${method} ${path} needs a token`).to.equal(401);
          expect(anonymous.headers['content-type']).to.match(/^application\/problem\+json/);
        }
        const asAdmin = await call().set(bearer(admin)).send({});
        expect(asAdmin.status, `${method} ${path} as admin`).to.be.below(500);
        expect(asAdmin.body.type, `${method} ${path}`).to.not.equal('/problems/route-not-found');
        if (asAdmin.status >= 400) expect(asAdmin.headers['content-type'], `${method} ${path}`).to.match(/^application\/problem\+json/);
        if (!endsToken(path)) expect(asAdmin.status, `${method} ${path} as admin`).to.not.equal(401);
      }
    }
    expect(walked).to.equal(t.routes.length);
  });
});
