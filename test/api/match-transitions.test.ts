import { expect } from 'chai';
import type { Response } from 'supertest';
import { expireDue } from '../../src/matches/lifecycle.service.ts';
import type { MatchState } from '../../src/matches/transitions.ts';
import { bearer, makeAdmin, makeCoordinator, registerMember, withNewcomer, withSponsor, type Member } from '../support/factories.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Every state a match reaches through the API × every step × every kind of
 * caller, through HTTP on the real database. The match crosses programs: the
 * newcomer is in NA and accepts AA, the sponsor is in AA; NA's coordinators
 * act on it, AA's may only read it.
 */

const STEPS = ['approve', 'reject', 'accept', 'decline', 'pause', 'resume', 'end'] as const;
type Step = (typeof STEPS)[number];
const WITH_REASON: ReadonlySet<Step> = new Set(['reject', 'decline', 'end']);

const ACTORS = ['newcomer', 'sponsor', 'coordinator', 'reader', 'otherCoordinator', 'otherMember', 'admin'] as const;
type ActorName = (typeof ACTORS)[number];
const WHO: Record<ActorName, string> = {
  newcomer: 'the newcomer',
  sponsor: 'the sponsor',
  coordinator: "a coordinator of the newcomer's program (na)",
  reader: "a coordinator of the sponsor's program only (aa)",
  otherCoordinator: 'a coordinator of an unrelated program (smart)',
  otherMember: 'an unrelated member',
  admin: 'an admin',
};

type Role = 'newcomer' | 'sponsor' | 'coordinator';
const everyone = (next: MatchState) => ({ newcomer: next, sponsor: next, coordinator: next });

// Written out from the issue, not read from the code: who may take which step from which state, and where to.
const ALLOWED: Record<MatchState, Partial<Record<Step, Partial<Record<Role, MatchState>>>>> = {
  'pending-approval': { approve: { coordinator: 'awaiting-sponsor' }, reject: { coordinator: 'rejected' } },
  'awaiting-sponsor': { accept: { sponsor: 'awaiting-newcomer' }, decline: { sponsor: 'declined' } },
  'awaiting-newcomer': { accept: { newcomer: 'active' }, decline: { newcomer: 'declined' } },
  active: { pause: everyone('paused'), end: everyone('ended') },
  paused: { resume: everyone('active'), end: everyone('ended') },
  rejected: {},
  declined: {},
  expired: {},
  withdrawn: {},
  ended: {},
};
// The members of a live match may also block the other (the sponsor only once asked).
const MAY_BLOCK: Record<MatchState, readonly Role[]> = {
  'pending-approval': ['newcomer'],
  'awaiting-sponsor': ['newcomer', 'sponsor'],
  'awaiting-newcomer': ['newcomer', 'sponsor'],
  active: ['newcomer', 'sponsor'],
  paused: ['newcomer', 'sponsor'],
  rejected: [],
  declined: [],
  expired: [],
  withdrawn: [],
  ended: [],
};

const allowedTo = (state: MatchState, role: Role): string[] => [
  ...STEPS.filter((s) => ALLOWED[state][s]?.[role] !== undefined),
  ...(MAY_BLOCK[state].includes(role) ? ['block'] : []),
];

interface Scenario {
  state: MatchState;
  /** How it got there, when that changes who sees it. */
  how?: string;
  /** Whether the sponsor has been asked: until then the match is not theirs to see. */
  sponsorAsked: boolean;
  build: () => Promise<Built>;
}

interface Built {
  id: string;
  requestId: string;
  newcomer: Member;
  sponsor: Member;
  historyLength: number;
}

type Outcome =
  | { status: 200; next: MatchState }
  | { status: 409; slug: 'not-your-step' | 'illegal-transition'; allowed: string[] }
  | { status: 403 | 404; slug: 'not-coordinator-of-program' | 'match-not-found' };

const roleOf = (actor: ActorName): Role | undefined => (actor === 'admin' ? 'coordinator' : actor === 'newcomer' || actor === 'sponsor' || actor === 'coordinator' ? actor : undefined);

function expected(sc: Scenario, step: Step, actor: ActorName): Outcome {
  if (actor === 'otherMember') return { status: 404, slug: 'match-not-found' };
  if (actor === 'reader' || actor === 'otherCoordinator') return { status: 403, slug: 'not-coordinator-of-program' };
  if (actor === 'sponsor' && !sc.sponsorAsked) return { status: 404, slug: 'match-not-found' };
  const role = roleOf(actor)!;
  const who = ALLOWED[sc.state][step];
  const next = who?.[role];
  if (next) return { status: 200, next };
  // Not in the table for this caller: an illegal transition (409), named `not-your-step` when another role may take it.
  return { status: 409, slug: who ? 'not-your-step' : 'illegal-transition', allowed: allowedTo(sc.state, role) };
}

function expectedRead(sc: Scenario, actor: ActorName): { status: number; you?: string; allowed?: string[] } {
  switch (actor) {
    case 'otherMember':
      return { status: 404 };
    case 'otherCoordinator':
      return { status: 403 };
    case 'reader':
      return { status: 200, you: 'coordinator', allowed: [] };
    case 'sponsor':
      return sc.sponsorAsked ? { status: 200, you: 'sponsor', allowed: allowedTo(sc.state, 'sponsor') } : { status: 404 };
    default: {
      const role = roleOf(actor)!;
      return { status: 200, you: role, allowed: allowedTo(sc.state, role) };
    }
  }
}

const HOUR_MS = 3_600_000;
const aMatch = (sc: Scenario) => `${/^[aeiou]/.test(sc.state) ? 'an' : 'a'} ${sc.state} match${sc.how ? ` (${sc.how})` : ''}`;
const bodyFor = (step: Step) => (WITH_REASON.has(step) ? { reason: 'other' } : {});

describe('match transitions through the API: every state × step × caller', () => {
  let t: TestApp;
  let coordinator: Member;
  let reader: Member;
  let otherCoordinator: Member;
  let otherMember: Member;
  let admin: Member;
  const sponsors: Member[] = [];

  const actorOf = (m: Built, actor: ActorName): Member =>
    ({ newcomer: m.newcomer, sponsor: m.sponsor, coordinator, reader, otherCoordinator, otherMember, admin })[actor];
  const post = (by: Member, path: string, body: object = {}) => t.request.post(path).set(bearer(by)).send(body);
  const read = async (by: Member, id: string) => {
    const res = await t.request.get(`/api/v1/matches/${id}`).set(bearer(by));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };
  const expectProblem = (res: Response, status: number, slug: string) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ type: `/problems/${slug}`, status });
  };

  // ---- building a match in each state, each with a newcomer of its own ----

  async function openRequest() {
    const newcomer = await withNewcomer(t, { acceptedPrograms: ['aa'] }, { displayName: 'Noor' }, { request: false });
    const res = await post(newcomer, '/api/v1/match-requests', { kind: 'ongoing' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return { newcomer, requestId: res.body.id as string };
  }

  async function finish(id: string, requestId: string, newcomer: Member, state: MatchState): Promise<Built> {
    const view = await read(coordinator, id);
    expect(view.state).to.equal(state);
    expect(view.newcomer.program).to.equal('na');
    expect(view.sponsor.program, 'the match crosses programs').to.equal('aa');
    const sponsor = sponsors.find((s) => s.id === view.sponsor.userId);
    expect(sponsor, 'one of our sponsors').to.not.equal(undefined);
    return { id, requestId, newcomer, sponsor: sponsor!, historyLength: view.history.length };
  }

  /** The newcomer picks the first card of their own proposals: a match waiting for a coordinator. */
  async function chosen(): Promise<Built> {
    const { newcomer, requestId } = await openRequest();
    const cards = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer));
    expect(cards.status, JSON.stringify(cards.body)).to.equal(200);
    const handle = cards.body.proposals[0]?.sponsorId;
    expect(handle, 'a proposal for the newcomer').to.be.a('string');
    const res = await post(newcomer, `/api/v1/match-requests/${requestId}/choice`, { sponsorId: handle });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.state).to.equal('pending-approval');
    return finish(res.body.id, requestId, newcomer, 'pending-approval');
  }

  /** The coordinator makes the match with the first of the newcomer's proposals: the sponsor is asked at once. */
  async function madeByCoordinator(): Promise<Built> {
    const { newcomer, requestId } = await openRequest();
    const proposals = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(coordinator));
    expect(proposals.status, JSON.stringify(proposals.body)).to.equal(200);
    const sponsorId = proposals.body.proposals[0]?.sponsorId;
    expect(sponsorId, 'a sponsor with a free place').to.be.a('string');
    const res = await post(coordinator, '/api/v1/matches', { requestId, sponsorId });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.state).to.equal('awaiting-sponsor');
    return finish(res.body.id, requestId, newcomer, 'awaiting-sponsor');
  }

  async function then(m: Built, who: 'newcomer' | 'sponsor' | 'coordinator', step: Step, state: MatchState): Promise<Built> {
    const res = await post(who === 'coordinator' ? coordinator : m[who], `/api/v1/matches/${m.id}/${step}`, bodyFor(step));
    expect(res.status, `${who} ${step}: ${JSON.stringify(res.body)}`).to.equal(200);
    expect(res.body.state).to.equal(state);
    return finish(m.id, m.requestId, m.newcomer, state);
  }

  async function withdrawn(m: Built): Promise<Built> {
    const res = await t.request.delete(`/api/v1/match-requests/${m.requestId}`).set(bearer(m.newcomer));
    expect(res.status, JSON.stringify(res.body)).to.equal(204);
    return finish(m.id, m.requestId, m.newcomer, 'withdrawn');
  }

  async function expired(m: Built): Promise<Built> {
    const before = t.clock();
    t.clock.advance(t.config.lifecycle.responseHours * HOUR_MS + 60_000);
    try {
      expect((await expireDue(t.lifecycle)).expired).to.be.at.least(1);
    } finally {
      // Back to the hour the tokens were signed in.
      t.clock.set(before);
    }
    return finish(m.id, m.requestId, m.newcomer, 'expired');
  }

  const SCENARIOS: Scenario[] = [
    { state: 'pending-approval', how: 'the newcomer chose the sponsor', sponsorAsked: false, build: chosen },
    { state: 'awaiting-sponsor', sponsorAsked: true, build: madeByCoordinator },
    { state: 'awaiting-newcomer', sponsorAsked: true, build: async () => then(await madeByCoordinator(), 'sponsor', 'accept', 'awaiting-newcomer') },
    {
      state: 'active',
      sponsorAsked: true,
      build: async () => then(await then(await madeByCoordinator(), 'sponsor', 'accept', 'awaiting-newcomer'), 'newcomer', 'accept', 'active'),
    },
    {
      state: 'paused',
      sponsorAsked: true,
      build: async () => then(await then(await then(await madeByCoordinator(), 'sponsor', 'accept', 'awaiting-newcomer'), 'newcomer', 'accept', 'active'), 'newcomer', 'pause', 'paused'),
    },
    { state: 'rejected', how: 'before the sponsor was asked', sponsorAsked: false, build: async () => then(await chosen(), 'coordinator', 'reject', 'rejected') },
    { state: 'declined', how: 'by the sponsor', sponsorAsked: true, build: async () => then(await madeByCoordinator(), 'sponsor', 'decline', 'declined') },
    { state: 'expired', how: 'the sponsor did not answer', sponsorAsked: true, build: async () => expired(await madeByCoordinator()) },
    { state: 'withdrawn', how: 'the newcomer withdrew the request before the sponsor was asked', sponsorAsked: false, build: async () => withdrawn(await chosen()) },
    { state: 'withdrawn', how: 'the newcomer withdrew the request while the sponsor was asked', sponsorAsked: true, build: async () => withdrawn(await madeByCoordinator()) },
    {
      state: 'ended',
      sponsorAsked: true,
      build: async () => then(await then(await then(await madeByCoordinator(), 'sponsor', 'accept', 'awaiting-newcomer'), 'newcomer', 'accept', 'active'), 'sponsor', 'end', 'ended'),
    },
  ];

  before(async () => {
    t = await startTestApp('match_transitions');
    coordinator = await makeCoordinator(t, ['na'], { displayName: 'Casey' });
    reader = await makeCoordinator(t, ['aa'], { displayName: 'Ari' });
    otherCoordinator = await makeCoordinator(t, ['smart'], { displayName: 'Sol' });
    otherMember = await registerMember(t, { displayName: 'Pat' });
    admin = await makeAdmin(t, { displayName: 'Ada' });
    // Enough places for every match this file leaves holding one (about twenty at most).
    for (const name of ['Robin', 'Rene', 'Remy']) sponsors.push(await withSponsor(t, { program: 'aa', capacity: 10 }, { displayName: name }));
  });
  after(async () => {
    await t.close();
  });

  for (const sc of SCENARIOS) {
    describe(`${aMatch(sc)}`, () => {
      let shared: Built;
      before(async () => {
        shared = await sc.build();
      });

      for (const actor of ACTORS) {
        const exp = expectedRead(sc, actor);
        it(`when ${WHO[actor]} reads it, then ${exp.status}${exp.you ? ` as ${exp.you} with allowedActions [${exp.allowed!.join(', ')}]` : ''}`, async () => {
          const res = await t.request.get(`/api/v1/matches/${shared.id}`).set(bearer(actorOf(shared, actor)));
          expect(res.status, JSON.stringify(res.body)).to.equal(exp.status);
          if (exp.status !== 200) {
            expect(res.body).not.to.have.property('state');
            return;
          }
          expect(res.body).to.include({ id: shared.id, state: sc.state, you: exp.you });
          expect(res.body.allowedActions).to.have.members(exp.allowed!);
          expect(res.body.allowedActions).to.have.length(exp.allowed!.length);
        });
      }

      // The refusals first, all on the one match: none of them may change it.
      for (const step of STEPS) {
        for (const actor of ACTORS) {
          const exp = expected(sc, step, actor);
          if (exp.status === 200) continue;
          const outcome =
            exp.slug === 'not-your-step' || exp.slug === 'illegal-transition'
              ? `${exp.status} ${exp.slug} naming the state and the actions left to them [${exp.allowed.join(', ')}]`
              : `${exp.status} ${exp.slug}`;
          it(`when ${WHO[actor]} tries to ${step} it, then ${outcome}`, async () => {
            const res = await post(actorOf(shared, actor), `/api/v1/matches/${shared.id}/${step}`, bodyFor(step));
            expectProblem(res, exp.status, exp.slug);
            if (exp.slug === 'not-your-step' || exp.slug === 'illegal-transition') {
              expect(res.body.state).to.equal(sc.state);
              expect(res.body.allowedActions).to.have.members(exp.allowed);
              expect(res.body.allowedActions).to.have.length(exp.allowed.length);
            } else {
              // Nothing about the match in a denial.
              expect(res.body).not.to.have.property('state');
              expect(res.body).not.to.have.property('allowedActions');
            }
          });
        }
      }

      it('when every refused step has been tried, then the match is as it was (same state, no new version)', async () => {
        const view = await read(coordinator, shared.id);
        expect(view.state).to.equal(sc.state);
        expect(view.history).to.have.length(shared.historyLength);
      });

      // Each allowed step on a match of its own.
      for (const step of STEPS) {
        for (const actor of ACTORS) {
          const exp = expected(sc, step, actor);
          if (exp.status !== 200) continue;
          it(`when ${WHO[actor]} ${step}s ${aMatch(sc)}, then 200 and it is ${exp.next}`, async () => {
            const m = await sc.build();
            const by = actorOf(m, actor);
            const res = await post(by, `/api/v1/matches/${m.id}/${step}`, bodyFor(step));
            expect(res.status, JSON.stringify(res.body)).to.equal(200);
            expect(res.body).to.include({ id: m.id, state: exp.next, you: roleOf(actor) });
            const view = await read(coordinator, m.id);
            expect(view.state).to.equal(exp.next);
            expect(view.history).to.have.length(m.historyLength + 1);
            expect(view.history.at(-1)).to.include({ state: exp.next, action: step, role: roleOf(actor), by: by.id });
            if (WITH_REASON.has(step)) expect(view.history.at(-1)).to.include({ reason: 'other' });
          });
        }
      }
    });
  }

  describe('a step that needs a reason', () => {
    const activeMatch = () => SCENARIOS.find((s) => s.state === 'active')!.build();
    const cases: Array<[Step, string, object, () => Promise<Built>, (m: Built) => Member]> = [
      ['reject', "the newcomer's coordinator rejects a pending-approval match without a reason", {}, chosen, () => coordinator],
      ['decline', 'the sponsor declines an awaiting-sponsor match without a reason', { note: 'Too busy.' }, madeByCoordinator, (m) => m.sponsor],
      ['end', 'the newcomer ends an active match without a reason', {}, activeMatch, (m) => m.newcomer],
      ['end', 'the sponsor ends an active match with a reason not in the list', { reason: 'bored' }, activeMatch, (m) => m.sponsor],
    ];
    for (const [step, what, body, build, who] of cases) {
      it(`when ${what}, then 400 naming the reason, and the match is unchanged`, async () => {
        const m = await build();
        const state = (await read(coordinator, m.id)).state;
        const res = await post(who(m), `/api/v1/matches/${m.id}/${step}`, body);
        expectProblem(res, 400, 'invalid-request');
        expect(res.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['reason']);
        const view = await read(coordinator, m.id);
        expect(view.state).to.equal(state);
        expect(view.history).to.have.length(m.historyLength);
      });
    }
  });

  describe('the words of a refusal', () => {
    const PAST: Record<Step, string> = { approve: 'approved', reject: 'rejected', accept: 'accepted', decline: 'declined', pause: 'paused', resume: 'resumed', end: 'ended' };
    it('when each step is refused as illegal on an ended match, then the 409 detail spells the step right ("cannot be rejected now", not "rejectd")', async () => {
      const m = await SCENARIOS.find((s) => s.state === 'ended')!.build();
      const details: Record<string, string> = {};
      for (const step of STEPS) {
        const res = await post(coordinator, `/api/v1/matches/${m.id}/${step}`, bodyFor(step));
        expectProblem(res, 409, 'illegal-transition');
        details[step] = res.body.detail;
      }
      expect(details).to.deep.equal(Object.fromEntries(STEPS.map((s) => [s, `This match is ended: it cannot be ${PAST[s]} now.`])));
    });
  });
});
