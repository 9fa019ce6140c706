import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import {
  bearer,
  GOOD_PASSWORD,
  mailedLink,
  makeAdmin,
  makeCoordinator,
  newcomerBody,
  registerMember,
  registration,
  sponsorBody,
  withNewcomer,
  withSponsor,
  type Member,
} from '../support/factories.ts';

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
  /** The newcomer's open request, with a live match (awaiting the sponsor) and an earlier one withdrawn with its first request, and a concern about that one. */
  requestId: string;
  liveMatchId: string;
  endedMatchId: string;
  concernId: string;
  /**
   * The public account routes act on a link's token, not on the caller: each
   * kind of caller gets a mailed link of an account of its own (a verification
   * link of an unconfirmed account, a reset link, a change of address asked for).
   */
  links: Record<'verify' | 'reset' | 'emailChange', Record<ActorName, string>>;
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

// The parties of a match may see it (a step that leads nowhere from its state: 409); anyone else learns nothing (404), a coordinator of other programs is told so (403).
const onEndedMatch: Expected = { anonymous: 401, newcomer: 409, sponsor: 409, otherMember: 404, otherCoordinator: 403, coordinator: 409, admin: 409 };

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

/** The password the members choose in `PUT /api/v1/me/password` (after the rows that sign in with the first one). */
const NEW_PASSWORD = 'another quiet river at dusk 43';

// Reads first, writes last (a write may change what a later read of the same actor finds).
const ROWS: Record<string, Row> = {
  'POST /api/v1/auth/register': { body: () => registration(), expect: all(201) },
  'POST /api/v1/auth/login': { body: (w) => ({ email: w.spare.email, password: GOOD_PASSWORD }), expect: all(200) },
  // Public: whoever holds the link (an unconfirmed account's own), signed in or not, and whoever they are.
  'POST /api/v1/auth/verify-email': { body: (w, actor) => ({ token: w.links.verify[actor] }), expect: all(200) },
  // Public, and the same answer for anyone (it never tells who has an account).
  'POST /api/v1/auth/password-reset': { body: (w) => ({ email: w.spare.email }), expect: all(202) },
  'POST /api/v1/auth/password-reset/confirm': { body: (w, actor) => ({ token: w.links.reset[actor], password: NEW_PASSWORD }), expect: all(204) },
  'POST /api/v1/auth/email-change/confirm': { body: (w, actor) => ({ token: w.links.emailChange[actor] }), expect: all(200) },
  // Any member, for their own account (every one here has confirmed their address already: 409).
  'POST /api/v1/auth/resend-verification': { expect: member(409) },
  'GET /api/v1/me': { expect: member(200) },
  'GET /api/v1/terms': { expect: all(200) },
  'GET /api/v1/me/consent': { expect: member(200) },
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
  'GET /api/v1/me/match-requests': { expect: member(200) },
  // Any member, their own data only (export.test.ts shows nothing of anyone else is in it).
  'GET /api/v1/me/export': { expect: member(200) },
  // A member: their own matches; a coordinator: their programs' (none, for the other coordinator).
  'GET /api/v1/matches': { expect: member(200) },
  'GET /api/v1/matches/{id}': {
    params: (w) => ({ id: w.liveMatchId }),
    expect: { anonymous: 401, newcomer: 200, sponsor: 200, otherMember: 404, otherCoordinator: 403, coordinator: 200, admin: 200 },
  },
  'GET /api/v1/coordinator/queue': { expect: { ...all(403), anonymous: 401, otherCoordinator: 200, coordinator: 200, admin: 200 } },
  'GET /api/v1/coordinator/concerns': { expect: { ...all(403), anonymous: 401, otherCoordinator: 200, coordinator: 200, admin: 200 } },
  'POST /api/v1/matching/runs': { body: () => ({ program: 'na' }), expect: programCoordinator(201) },
  // Someone asks while they have an open request, or without a newcomer profile: 409 either way (any member may ask).
  'POST /api/v1/match-requests': { body: () => ({ kind: 'ongoing' }), expect: member(409) },
  // Only the newcomer's own request (a handle no card showed: 409); anyone else learns nothing of it.
  'POST /api/v1/match-requests/{id}/choice': {
    params: (w) => ({ id: w.requestId }),
    body: () => ({ sponsorId: 'A'.repeat(43) }),
    expect: { ...all(404), anonymous: 401, newcomer: 409 },
  },
  // The request has a live match already: 409 for its coordinators.
  'POST /api/v1/matches': { body: (w) => ({ requestId: w.requestId, sponsorId: w.members.sponsor.id }), expect: programCoordinator(409) },
  'POST /api/v1/matching/runs/{id}/approve': {
    params: (w) => ({ id: w.runId }),
    body: (w) => ({ pairs: [{ newcomerId: w.members.newcomer.id, sponsorId: w.members.sponsor.id }] }),
    expect: programCoordinator(200),
  },
  // Every step on a withdrawn match: 409 for whoever may see it (no step leads out of a terminal state).
  'POST /api/v1/matches/{id}/approve': { params: (w) => ({ id: w.endedMatchId }), body: () => ({}), expect: onEndedMatch },
  'POST /api/v1/matches/{id}/reject': { params: (w) => ({ id: w.endedMatchId }), body: () => ({ reason: 'other' }), expect: onEndedMatch },
  'POST /api/v1/matches/{id}/accept': { params: (w) => ({ id: w.endedMatchId }), body: () => ({}), expect: onEndedMatch },
  'POST /api/v1/matches/{id}/decline': { params: (w) => ({ id: w.endedMatchId }), body: () => ({ reason: 'other' }), expect: onEndedMatch },
  'POST /api/v1/matches/{id}/pause': { params: (w) => ({ id: w.endedMatchId }), body: () => ({}), expect: onEndedMatch },
  'POST /api/v1/matches/{id}/resume': { params: (w) => ({ id: w.endedMatchId }), body: () => ({}), expect: onEndedMatch },
  'POST /api/v1/matches/{id}/end': { params: (w) => ({ id: w.endedMatchId }), body: () => ({ reason: 'other' }), expect: onEndedMatch },
  'POST /api/v1/matches/{id}/make-ongoing': { params: (w) => ({ id: w.endedMatchId }), expect: { ...onEndedMatch, coordinator: 403, admin: 403 } },
  'POST /api/v1/matches/{id}/concerns': {
    params: (w) => ({ id: w.endedMatchId }),
    body: () => ({ text: 'Something felt wrong in our first call.' }),
    expect: { ...onEndedMatch, newcomer: 201, sponsor: 201, coordinator: 403, admin: 403 },
  },
  'POST /api/v1/coordinator/concerns/{id}/ack': { params: (w) => ({ id: w.concernId }), expect: programCoordinator(200) },
  'GET /api/v1/me/check-in-settings': { expect: member(200) },
  'PUT /api/v1/me/check-in-settings': { body: () => ({ day: 'sun', hour: 18, paused: false }), expect: member(200) },
  // The live match (the sponsor has been asked): its members and its program's coordinators.
  'GET /api/v1/matches/{id}/check-ins': {
    params: (w) => ({ id: w.liveMatchId }),
    expect: { anonymous: 401, newcomer: 200, sponsor: 200, otherMember: 404, otherCoordinator: 403, coordinator: 200, admin: 200 },
  },
  'GET /api/v1/coordinator/alerts': { expect: { ...all(403), anonymous: 401, otherCoordinator: 200, coordinator: 200, admin: 200 } },
  // No such alert: coordinators learn that (404); members never reach the route (403). Acknowledging a real one is in checkins.test.ts.
  'POST /api/v1/coordinator/alerts/{id}/ack': { params: () => ({ id: 'need-help:checkin:none' }), expect: { ...all(403), anonymous: 401, otherCoordinator: 404, coordinator: 404, admin: 404 } },
  'POST /api/v1/admin/check-ins/run': { expect: adminOnly(200) },
  // A block on an ended match is still recorded (the pair is never proposed again).
  'POST /api/v1/matches/{id}/block': { params: (w) => ({ id: w.endedMatchId }), body: () => ({}), expect: { ...onEndedMatch, newcomer: 200, sponsor: 200, coordinator: 403, admin: 403 } },
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
  // Consent to the terms the members registered with, given again: any member, for their own account.
  'POST /api/v1/me/consent': { body: () => ({ termsVersion: '2026-11', healthData: true, adult: true }), expect: member(200) },
  // Asks only (the address changes when the link is used): a new address of each member's own.
  'PUT /api/v1/me/email': { body: () => ({ password: GOOD_PASSWORD, newEmail: registration().email }), expect: member(202) },
  'POST /api/v1/auth/logout': { freshToken: true, expect: member(204) },
  // After the rows that sign in with the first password; the token that asks goes on (every other one ends).
  'PUT /api/v1/me/password': { body: () => ({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD }), expect: member(204) },
  // Last: withdraws the request (and its live match).
  'DELETE /api/v1/match-requests/{id}': { params: (w) => ({ id: w.requestId }), expect: { ...all(404), anonymous: 401, newcomer: 204 } },
  // Erasure: any member, of their own account (a wrong password: 401, so the world stays; erasure.test.ts erases);
  // an admin, of anyone's (an unknown id: 404; erasure.test.ts erases a real one).
  'DELETE /api/v1/me': { body: () => ({ password: 'not the password of anyone' }), expect: member(401) },
  'DELETE /api/v1/admin/users/{id}': { params: () => ({ id: '00000000-0000-4000-8000-00000000e4a5' }), body: () => ({ reason: 'asked to be removed' }), expect: adminOnly(404) },
  // After every data route (admin routes too): it deletes the caller's profiles, and their data routes answer 403 after it.
  'DELETE /api/v1/me/consent/health-data': { expect: member(200) },
  // The very last: every token of the caller's account ends, the one presented included.
  'POST /api/v1/auth/logout-all': { expect: member(204) },
};

// The standard members, and the extension members a client needs to act (the match's state and the steps allowed from it, the request in the way).
const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'instance', 'requestId', 'openRequestId', 'requestStatus', 'state', 'allowedActions', 'matchId', 'failingRules', 'offers', 'program'];

describe('access matrix: every route × every kind of caller', () => {
  let t: TestApp;
  let w: World;
  before(async function () {
    // Some thirty accounts, each password hashed with argon2: more than the default 20 s on a busy machine.
    this.timeout(120_000);
    t = await startTestApp('access-matrix');
    const coordinator = await makeCoordinator(t, ['na']);
    await withNewcomer(t, {}, {}, { request: false }).then(async (m) => {
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
        requestId: '',
        liveMatchId: '',
        endedMatchId: '',
        concernId: '',
        links: { verify: {}, reset: {}, emailChange: {} } as World['links'],
      };
    });
    const { newcomer, sponsor } = w.members;
    const ask = async () => {
      const request = await t.request.post('/api/v1/match-requests').set(bearer(newcomer)).send({ kind: 'ongoing' });
      expect(request.status).to.equal(201);
      return request.body.id as string;
    };
    const makeMatch = async (requestId: string) => {
      const res = await t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId, sponsorId: sponsor.id });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id as string;
    };
    // A first match, withdrawn with its request (a withdrawn match leaves the pair free), then the live one.
    const first = await ask();
    w.endedMatchId = await makeMatch(first);
    expect((await t.request.delete(`/api/v1/match-requests/${first}`).set(bearer(newcomer))).status).to.equal(204);
    w.requestId = await ask();
    w.liveMatchId = await makeMatch(w.requestId);
    const concern = await t.request.post(`/api/v1/matches/${w.endedMatchId}/concerns`).set(bearer(newcomer)).send({ text: 'A concern for the matrix.' });
    expect(concern.status).to.equal(201);
    w.concernId = concern.body.id;
    const run = await t.request.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program: 'na' });
    expect(run.status).to.equal(201);
    w.runId = run.body.id;
    w.weights = (await t.request.get('/api/v1/programs/na/matching-weights').set(bearer(coordinator))).body;
    // One account per kind of caller and per link: an unconfirmed one's verification link, a reset link, a change of address asked for.
    await Promise.all(
      ACTORS.map(async (actor) => {
        const unconfirmed = await registerMember(t, {}, { verify: false });
        w.links.verify[actor] = (await mailedLink(t, unconfirmed.id, 'verify-email')).token;
        const forgetful = await registerMember(t);
        expect((await t.request.post('/api/v1/auth/password-reset').send({ email: forgetful.email })).status).to.equal(202);
        w.links.reset[actor] = (await mailedLink(t, forgetful.id, 'password-reset')).token;
        const moving = await registerMember(t);
        const asked = await t.request.put('/api/v1/me/email').set(bearer(moving)).send({ password: GOOD_PASSWORD, newEmail: registration().email });
        expect(asked.status, JSON.stringify(asked.body)).to.equal(202);
        w.links.emailChange[actor] = (await mailedLink(t, moving.id, 'email-change-confirm')).token;
      }),
    );
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
