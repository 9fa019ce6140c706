import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, GOOD_PASSWORD, makeAdmin, makeCoordinator, newcomerBody, registerMember, registration, sponsorBody, withNewcomer, withSponsor, type Member } from '../support/factories.ts';

/**
 * Every route × seven actors, as the access policy says: deny by default
 * (a route without its row fails this file), 401 without a token, 403 for a
 * role or program the caller lacks, 404 where existence is not revealed, and
 * no data in any denial.
 */
const ACTORS = ['anonymous', 'newcomer', 'sponsor', 'otherMember', 'otherCoordinator', 'coordinator', 'admin'] as const;
type ActorName = (typeof ACTORS)[number];
type Expected = Record<ActorName, number>;

interface World {
  members: Record<Exclude<ActorName, 'anonymous'>, Member>;
  spare: Member;
  runId: string;
  weights: Record<string, number>;
}

interface Row {
  params?: (w: World) => Record<string, string>;
  query?: (w: World) => Record<string, string>;
  body?: (w: World, actor: ActorName) => unknown;
  /** Logout revokes the token it is called with: each actor gets a token of its own for it. */
  freshToken?: boolean;
  expect: Expected;
}

const all = (status: number): Expected => ({ anonymous: status, newcomer: status, sponsor: status, otherMember: status, otherCoordinator: status, coordinator: status, admin: status });
const member = (status: number): Expected => ({ ...all(status), anonymous: 401 });
const adminOnly = (status: number): Expected => ({ ...all(403), anonymous: 401, admin: status });
const programCoordinator = (status: number): Expected => ({ ...all(403), anonymous: 401, coordinator: status, admin: status });

const programBody = {
  name: 'Matrix Anonymous',
  family: 'twelve-step',
  roleWord: 'sponsor',
  minRecoveryDays: 365,
  minRecoveryGapDays: 0,
  genderRule: 'none',
  requiresOwnSponsor: false,
  experiences: [],
};

// Reads first, writes last (a write may change what a later read of the same actor finds).
const ROWS: Record<string, Row> = {
  'POST /api/v1/auth/register': { body: () => registration(), expect: all(201) },
  'POST /api/v1/auth/login': { body: (w) => ({ email: w.spare.email, password: GOOD_PASSWORD }), expect: all(200) },
  'GET /api/v1/me': { expect: member(200) },
  'GET /api/v1/programs': { expect: member(200) },
  'GET /api/v1/me/newcomer-profile': {
    expect: { anonymous: 401, newcomer: 200, sponsor: 404, otherMember: 200, otherCoordinator: 404, coordinator: 404, admin: 404 },
  },
  'GET /api/v1/me/sponsor-profile': {
    expect: { anonymous: 401, newcomer: 404, sponsor: 200, otherMember: 404, otherCoordinator: 404, coordinator: 404, admin: 404 },
  },
  'GET /api/v1/newcomers/{userId}/proposals': {
    params: (w) => ({ userId: w.members.newcomer.id }),
    expect: { anonymous: 401, newcomer: 200, sponsor: 404, otherMember: 404, otherCoordinator: 403, coordinator: 200, admin: 200 },
  },
  'GET /api/v1/coordinator/newcomers/{id}': { params: (w) => ({ id: w.members.newcomer.id }), expect: programCoordinator(200) },
  // Any coordinator lists the sponsors of their own programs (none, for the other coordinator).
  'GET /api/v1/coordinator/sponsors': { query: () => ({ vetting: 'approved' }), expect: { ...all(403), anonymous: 401, otherCoordinator: 200, coordinator: 200, admin: 200 } },
  'GET /api/v1/coordinator/sponsors/{id}': { params: (w) => ({ id: w.members.sponsor.id }), expect: programCoordinator(200) },
  'GET /api/v1/programs/{key}/matching-weights': { params: () => ({ key: 'na' }), expect: programCoordinator(200) },
  'GET /api/v1/matching/runs/{id}': { params: (w) => ({ id: w.runId }), expect: programCoordinator(200) },
  'GET /api/v1/admin/users': { query: (w) => ({ email: w.spare.email }), expect: adminOnly(200) },
  'GET /api/v1/admin/audit': { expect: adminOnly(200) },
  'GET /api/v1/admin/mail-failures': { expect: adminOnly(200) },
  'POST /api/v1/matching/runs': { body: () => ({ program: 'na' }), expect: programCoordinator(201) },
  'PUT /api/v1/programs/{key}/matching-weights': {
    params: () => ({ key: 'na' }),
    body: (w) => w.weights,
    expect: programCoordinator(200),
  },
  // Approving keeps the sponsor approved for the rows after it.
  'POST /api/v1/sponsors/{id}/vet': { params: (w) => ({ id: w.members.sponsor.id }), body: () => ({ approved: true }), expect: programCoordinator(200) },
  'PUT /api/v1/admin/users/{id}/roles': { params: (w) => ({ id: w.spare.id }), body: () => ({ coordinatorOf: [] }), expect: adminOnly(200) },
  'PUT /api/v1/admin/programs/{key}': { params: () => ({ key: 'matrix-anonymous' }), body: () => programBody, expect: adminOnly(200) },
  'PUT /api/v1/me/newcomer-profile': {
    body: (_w, actor) => newcomerBody(actor === 'otherMember' ? { program: 'aa' } : {}),
    expect: member(200),
  },
  'PUT /api/v1/me/sponsor-profile': { body: () => sponsorBody(), expect: member(200) },
  'POST /api/v1/auth/logout': { freshToken: true, expect: member(204) },
};

const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'instance', 'requestId'];

describe('access matrix: every route × every kind of caller', () => {
  let t: TestApp;
  let w: World;
  before(async () => {
    t = await startTestApp('access-matrix');
    const coordinator = await makeCoordinator(t, ['na']);
    await withNewcomer(t, {}, {}).then(async (m) => {
      w = {
        members: {
          newcomer: m,
          sponsor: await withSponsor(t),
          otherMember: await withNewcomer(t, { program: 'aa' }),
          otherCoordinator: await makeCoordinator(t, ['smart']),
          coordinator,
          admin: await makeAdmin(t),
        },
        spare: await registerMember(t),
        runId: '',
        weights: {},
      };
    });
    const run = await t.request.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program: 'na' });
    expect(run.status).to.equal(201);
    w.runId = run.body.id;
    w.weights = (await t.request.get('/api/v1/programs/na/matching-weights').set(bearer(coordinator))).body;
  });
  after(async () => {
    await t.close();
  });

  it('when the routes are listed, then every one has its row in the matrix and every row is a route', () => {
    const mounted = t.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    expect(mounted.filter((r) => !(r in ROWS))).to.deep.equal([], 'routes without a row in the access matrix');
    expect(Object.keys(ROWS).filter((r) => !mounted.includes(r))).to.deep.equal([], 'rows for routes that do not exist');
  });

  for (const [route, row] of Object.entries(ROWS)) {
    it(`when each kind of caller calls ${route}, then each gets what the access policy says`, async () => {
      const [method, path] = route.split(' ') as [string, string];
      const got: Partial<Record<ActorName, number>> = {};
      const denials: Array<{ actor: ActorName; body: Record<string, unknown>; type: string }> = [];
      for (const actor of ACTORS) {
        const params = row.params?.(w) ?? {};
        const url = path.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(params[k] ?? ''));
        let req = t.request[method.toLowerCase() as 'get' | 'post' | 'put'](url);
        if (actor !== 'anonymous') {
          let token = w.members[actor].token;
          if (row.freshToken) {
            const login = await t.request.post('/api/v1/auth/login').send({ email: w.members[actor].email, password: GOOD_PASSWORD });
            token = login.body.accessToken;
          }
          req = req.set(bearer({ token }));
        }
        if (row.query) req = req.query(row.query(w));
        const body = row.body?.(w, actor);
        const res = body === undefined ? await req : await req.send(body as object);
        got[actor] = res.status;
        if (res.status >= 400) denials.push({ actor, body: res.body, type: String(res.headers['content-type']) });
      }
      expect(got).to.deep.equal(row.expect);
      const secrets = [...Object.values(w.members), w.spare].flatMap((m) => [m.email, m.token]);
      for (const d of denials) {
        expect(d.type, `${d.actor}: content type`).to.match(/^application\/problem\+json/);
        expect(Object.keys(d.body).filter((k) => !PROBLEM_KEYS.includes(k)), `${d.actor}: extra keys in a denial`).to.deep.equal([]);
        const { instance: _path, ...rest } = d.body;
        const text = JSON.stringify(rest);
        for (const s of secrets) expect(text, `${d.actor}: a denial carries data`).not.to.include(s);
        for (const m of Object.values(w.members)) expect(text, `${d.actor}: a denial names a member`).not.to.include(m.id);
      }
    });
  }
});
