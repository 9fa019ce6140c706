import { expect } from 'chai';
import { pino } from 'pino';
import supertest from 'supertest';
import type { Actor } from '../../src/access/actor.ts';
import { createApp } from '../../src/app.ts';
import { createEmptyMatchHistory } from '../../src/matching/match-history.source.ts';
import * as matching from '../../src/matching/matching.service.ts';
import { createVettingRepository } from '../../src/vetting/vetting.repository.ts';
import { createRunsRepository } from '../../src/matching/runs.repository.ts';
import { createSponsorHandles, deriveHandleSecret } from '../../src/matching/sponsor-handles.ts';
import { createProfilesRepository } from '../../src/profiles/profiles.repository.ts';
import { createProgramsRepository } from '../../src/programs/programs.repository.ts';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/test-app.ts';
import { startSecondInstance, type SecondInstance } from '../support/second-instance.ts';
import { bearer, makeAdmin, makeCoordinator, withNewcomer, withSponsor, type Member } from '../support/factories.ts';

// A card that leaks nothing (issue 9): no score, no sponsor id, no browsing,
// and a coordinator's explanation only for sponsors this newcomer could get.

interface Card {
  sponsorId: string;
  displayName: string;
  score?: number;
}

const proposalsOf = (body: { proposals: Card[] }) => body.proposals;

describe('the newcomer card: no score, no sponsor id, at most 5', () => {
  const SPONSOR_NAMES = ['Ada', 'Bea', 'Cy', 'Dee', 'Eli', 'Fay', 'Gus'];
  let t: TestApp;
  let newcomer: Member;
  let sponsors: Member[];
  let coordinator: Member;
  before(async () => {
    t = await startTestApp('newcomer-card');
    newcomer = await withNewcomer(t, {}, { displayName: 'Jo' });
    sponsors = [];
    // Years of recovery that differ, so the ranking has a clear order.
    for (const [i, name] of SPONSOR_NAMES.entries()) sponsors.push(await withSponsor(t, { recoveryDate: `${2010 + i}-03-15` }, { displayName: name }));
    coordinator = await makeCoordinator(t, ['na']);
  });
  after(async () => {
    await t.close();
  });

  it('when the newcomer reads their proposals, then no card has a score and no sponsor id appears anywhere in the answer', async () => {
    const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer));

    expect(res.status).to.equal(200);
    const cards = proposalsOf(res.body);
    expect(cards.length).to.be.greaterThan(0);
    for (const card of cards) {
      expect(card).not.to.have.property('score');
      expect(card.sponsorId).to.match(/^[A-Za-z0-9_-]{43}$/);
    }
    const text = JSON.stringify(res.body);
    for (const s of sponsors) expect(text).not.to.include(s.id);
    // The only id in the answer is the newcomer's own.
    const uuids = text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [];
    expect(uuids.filter((u) => u !== newcomer.id)).to.deep.equal([]);
  });

  it('when a coordinator reads the same proposals, then they see the sponsors’ ids and scores, in the order the newcomer sees', async () => {
    const mine = proposalsOf((await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query({ limit: 5 }).set(bearer(newcomer))).body);
    const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query({ limit: 5 }).set(bearer(coordinator));

    expect(res.status).to.equal(200);
    const theirs = proposalsOf(res.body);
    expect(theirs.map((c) => c.displayName)).to.deep.equal(mine.map((c) => c.displayName));
    const ids = new Map(sponsors.map((s, i) => [SPONSOR_NAMES[i], s.id]));
    for (const card of theirs) {
      expect(card.sponsorId).to.equal(ids.get(card.displayName));
      expect(card.score).to.be.a('number');
    }
  });

  for (const limit of [6, 10, 50]) {
    it(`when the newcomer asks for ${limit} proposals, then they get 5 (clamped, not refused) and a coordinator gets all 7`, async () => {
      const own = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query({ limit }).set(bearer(newcomer));
      const coordinated = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query({ limit }).set(bearer(coordinator));

      expect(own.status).to.equal(200);
      expect(proposalsOf(own.body)).to.have.length(5);
      expect(coordinated.status).to.equal(200);
      expect(proposalsOf(coordinated.body)).to.have.length(Math.min(limit, 7));
    });
  }

  it('when the newcomer asks without a limit, then they get 5', async () => {
    const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer));
    expect(proposalsOf(res.body)).to.have.length(5);
  });

  it('when the OpenAPI document is read, then the card’s score is optional and for coordinators only, and the newcomer’s limit of 5 is stated', async () => {
    const res = await t.request.get('/api/v1/openapi.json');
    const proposals = res.body.components.schemas.Proposals;
    const card = proposals.properties.proposals.items;
    expect(card.required).not.to.include('score');
    expect(card.required).to.include('sponsorId');
    expect(card.properties.score.description).to.match(/Coordinators only/);
    expect(card.properties.sponsorId.description).to.match(/handle/);
    const limit = res.body.paths['/api/v1/newcomers/{userId}/proposals'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.description ?? limit.schema.description).to.match(/at most 5.*clamped/);
  });
});

describe('the newcomer card: sponsor handles', () => {
  let t: TestApp;
  let second: SecondInstance;
  let secondApi: supertest.Agent;
  let sponsor: Member;
  let newcomerA: Member;
  let newcomerB: Member;
  before(async () => {
    t = await startTestApp('newcomer-card-handles');
    sponsor = await withSponsor(t, {}, { displayName: 'Robin' });
    await withSponsor(t, { program: 'smart', spiritualOrientation: 'secular' }, { displayName: 'Lee' });
    newcomerA = await withNewcomer(t, {}, { displayName: 'Alex' });
    newcomerB = await withNewcomer(t, {}, { displayName: 'Bo' });
    // Another API instance on the same database, with its own engine, caches and handles.
    second = await startSecondInstance(t.db.conn, t.clock);
    const { app } = createApp({
      config: t.config,
      conn: t.db.conn,
      logger: pino({ level: 'silent' }),
      clock: t.clock,
      tokens: t.tokens,
      engine: second.engine,
      history: createEmptyMatchHistory(),
      access: second.access,
      feed: second.feed,
    });
    secondApi = supertest.agent(app);
  });
  after(async () => {
    await second.stop();
    await t.close();
  });

  const robinOn = async (api: supertest.Agent, m: Member) => {
    const res = await api.get(`/api/v1/newcomers/${m.id}/proposals`).set(bearer(m));
    expect(res.status).to.equal(200);
    const card = proposalsOf(res.body).find((c) => c.displayName === 'Robin');
    expect(card, 'Robin is proposed').not.to.equal(undefined);
    return card!.sponsorId;
  };

  it('when two API instances answer the same newcomer, then the sponsor has the same handle on both, request after request', async () => {
    const first = await robinOn(t.request, newcomerA);
    expect(await robinOn(t.request, newcomerA)).to.equal(first);
    expect(await robinOn(secondApi, newcomerA)).to.equal(first);
  });

  it('when two newcomers are shown the same sponsor, then each has a different handle for them', async () => {
    expect(await robinOn(t.request, newcomerA)).not.to.equal(await robinOn(t.request, newcomerB));
  });

  describe('resolveSponsorHandle', () => {
    const memberActor = (m: Member): Actor => ({ id: m.id, role: 'member', isAdmin: false, coordinatorOf: [] });
    const depsWith = (engine: typeof second.engine): matching.MatchingDeps => ({
      engine,
      profiles: createProfilesRepository(t.db.conn),
      programs: createProgramsRepository(t.db.conn),
      history: createEmptyMatchHistory(),
      runs: createRunsRepository(t.db.conn),
      // A fresh set each time: nothing handed out before is remembered.
      handles: createSponsorHandles(deriveHandleSecret(TEST_SECRET)),
      clock: t.clock,
      crisisLine: t.config.crisisLine,
      vetting: createVettingRepository(t.db.conn),
    });

    it('when a handle from the newcomer’s card is resolved, then it names the sponsor, remembered here and searched for on another instance', async () => {
      const issuing = depsWith(t.engine);
      const view = (await matching.getProposals(issuing, memberActor(newcomerA), newcomerA.id, { limit: 5 })) as { proposals: Card[] };
      const handle = view.proposals.find((c) => c.displayName === 'Robin')!.sponsorId;

      expect(await matching.resolveSponsorHandle(issuing, newcomerA.id, handle)).to.equal(sponsor.id);
      expect(await matching.resolveSponsorHandle(depsWith(second.engine), newcomerA.id, handle)).to.equal(sponsor.id);
      expect(await matching.resolveSponsorHandle(depsWith(t.engine), newcomerA.id, await robinOn(secondApi, newcomerA))).to.equal(sponsor.id);
    });

    it('when a handle is another newcomer’s, malformed, unknown, or for a sponsor outside the newcomer’s programs, then it resolves to nobody', async () => {
      const deps = depsWith(t.engine);
      const handlesB = await robinOn(t.request, newcomerB);
      const lee = [...t.engine.index.sponsors()].find((s) => s.displayName === 'Lee')!;

      expect(await matching.resolveSponsorHandle(deps, newcomerA.id, handlesB)).to.equal(undefined);
      expect(await matching.resolveSponsorHandle(deps, newcomerA.id, sponsor.id)).to.equal(undefined);
      expect(await matching.resolveSponsorHandle(deps, newcomerA.id, 'A'.repeat(43))).to.equal(undefined);
      expect(await matching.resolveSponsorHandle(deps, newcomerA.id, deps.handles.compute(newcomerA.id, lee.userId))).to.equal(undefined);
      expect(await matching.resolveSponsorHandle(deps, '00000000-0000-4000-8000-000000000000', handlesB)).to.equal(undefined);
    });
  });
});

describe("the newcomer card: explaining a sponsor stays within the newcomer's programs", () => {
  let t: TestApp;
  let newcomer: Member;
  let aaSponsor: Member;
  let naSponsor: Member;
  let smartSponsor: Member;
  let aaCoordinator: Member;
  before(async () => {
    t = await startTestApp('newcomer-card-explain');
    // An AA newcomer who also accepts NA; SMART is neither.
    newcomer = await withNewcomer(t, { program: 'aa', acceptedPrograms: ['na'], experiences: [] });
    aaSponsor = await withSponsor(t, { program: 'aa', experiences: [], experiencesOnCard: [] });
    naSponsor = await withSponsor(t);
    smartSponsor = await withSponsor(t, { program: 'smart', spiritualOrientation: 'secular', experiences: [], experiencesOnCard: [] });
    aaCoordinator = await makeCoordinator(t, ['aa']);
  });
  after(async () => {
    await t.close();
  });

  const explain = (caller: Member, sponsorId: string) =>
    t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query({ sponsor: sponsorId }).set(bearer(caller));

  it('when a coordinator asks about a sponsor of the newcomer’s program or of one they accept, then the explanation', async () => {
    for (const s of [aaSponsor, naSponsor]) {
      const res = await explain(aaCoordinator, s.id);
      expect(res.status).to.equal(200);
      expect(res.body.sponsorId).to.equal(s.id);
      expect(res.body).to.have.property('eligible');
    }
  });

  it('when a coordinator or an admin asks about a sponsor outside the newcomer’s programs, then 404 exactly as for an unknown id', async () => {
    const admin = await makeAdmin(t);
    for (const caller of [aaCoordinator, admin]) {
      const outside = await explain(caller, smartSponsor.id);
      const unknown = await explain(caller, '00000000-0000-4000-8000-000000000000');

      expect(outside.status).to.equal(404);
      expect(outside.headers['content-type']).to.match(/^application\/problem\+json/);
      const { requestId: _a, ...outsideProblem } = outside.body;
      const { requestId: _b, ...unknownProblem } = unknown.body;
      expect(outsideProblem).to.deep.equal(unknownProblem);
      expect(JSON.stringify(outside.body)).not.to.include(smartSponsor.id);
    }
  });
});
