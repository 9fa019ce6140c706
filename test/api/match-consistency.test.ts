import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { reconcile } from '../../src/matches/lifecycle.service.ts';
import type { MatchStatus } from '../../src/matches/lifecycle.repository.ts';
import { makeCoordinator, newcomerBody } from '../support/factories.ts';
import { matchWorld, type Person } from '../support/match-world.ts';
import type { TestApp } from '../support/test-app.ts';

const ROUNDS = 20;

/**
 * What must hold whatever the order of two people's steps, and after a crash
 * between a step and its effects: a live match always holds its place; a
 * withdrawn request never keeps a live match; a match that was active keeps
 * its request closed; a request that was never claimed never gets a match;
 * and a newcomer who moved program belongs to the new program's coordinators.
 */
describe('match consistency: double steps, a withdrawal racing an answer, crashes, and a newcomer who moved', function () {
  this.timeout(120_000);
  const w = matchWorld('match_consistency');
  const { bearer, newcomer, sponsor, openRequestOf, createMatch, step, deliver } = w;
  let t: TestApp;
  let coordinator: Person;
  beforeEach(() => {
    t = w.t;
    coordinator = w.coordinator;
  });

  const holders = async (s: Person) => ((await t.lifecycle.repo.places(s.id))?.state.holders ?? []).map((h) => h.matchId);
  const stateOf = async (id: string) => (await t.lifecycle.repo.status(id))!.state.status;
  const handleFor = async (n: Person) => {
    const res = await t.request.get(`/api/v1/newcomers/${n.id}/proposals`).set(bearer(n));
    return res.body.proposals[0].sponsorId as string;
  };

  it('when two coordinators approve one pending match at once, then one 200, one 409, and the match holds its place (20 rounds)', async () => {
    const other = await makeCoordinator(t, ['na']);
    for (let r = 0; r < ROUNDS; r++) {
      // A sponsor with one place each round: the only one the newcomer is proposed (the earlier ones are full).
      const robin = await sponsor(`Robin ${r}`, { capacity: 1 });
      const n = await newcomer(`Sam ${r}`);
      const chosen = await t.request
        .post(`/api/v1/match-requests/${(await openRequestOf(n)).id}/choice`)
        .set(bearer(n))
        .send({ sponsorId: await handleFor(n) });
      expect(chosen.status, JSON.stringify(chosen.body)).to.equal(201);
      const id = chosen.body.id as string;
      const res = await Promise.all([coordinator, other].map((c) => t.request.post(`/api/v1/matches/${id}/approve`).set(bearer(c)).send({})));
      expect(res.map((x) => x.status).sort(), `round ${r}`).to.deep.equal([200, 409]);
      expect(await stateOf(id)).to.equal('awaiting-sponsor');
      expect(await holders(robin), `round ${r}: the approved match holds its place`).to.deep.equal([id]);
    }
  });

  it('when a newcomer withdraws their request while the sponsor accepts, then the match is never live on a withdrawn request (20 rounds)', async () => {
    const robin = await sponsor('Robin', { capacity: 10 });
    for (let r = 0; r < ROUNDS; r++) {
      const n = await newcomer(`Sam ${r}`);
      const request = await openRequestOf(n);
      const id = await createMatch(n, robin);
      const [withdrawn, accepted] = await Promise.all([
        t.request.delete(`/api/v1/match-requests/${request.id}`).set(bearer(n)),
        t.request.post(`/api/v1/matches/${id}/accept`).set(bearer(robin)).send({}),
      ]);
      expect(withdrawn.status, `round ${r}: ${JSON.stringify(withdrawn.body)}`).to.be.oneOf([204, 409]);
      expect(accepted.status, `round ${r}: ${JSON.stringify(accepted.body)}`).to.be.oneOf([200, 409]);
      const requestState = (await t.lifecycle.repo.requestState(request.id))?.state.status ?? 'open';
      const matchState = await stateOf(id);
      if (requestState === 'withdrawn') expect(matchState, `round ${r}`).to.equal('withdrawn');
      else expect(matchState, `round ${r}`).to.equal('awaiting-newcomer');
      expect((await holders(robin)).includes(id), `round ${r}: a place iff live`).to.equal(matchState !== 'withdrawn');
    }
  });

  it('when a match was active and ended before its effects were made (a crash), then the reconciler closes its request instead of reopening it', async () => {
    const n = await newcomer('Sam');
    const robin = await sponsor('Robin');
    const request = await openRequestOf(n);
    const id = await createMatch(n, robin);
    await step(robin, id, 'accept');
    // The newcomer's accept and then an end, each written as `step` writes it, with no settling after either.
    const v = (await t.lifecycle.repo.status(id))!;
    const at = t.clock();
    const active: MatchStatus = { ...v.state, status: 'active', action: 'accept', role: 'newcomer', activeSince: at };
    await t.lifecycle.repo.appendStatus(id, v.n, active, n.id, at);
    await t.lifecycle.repo.appendStatus(id, v.n + 1, { ...active, status: 'ended', action: 'end', role: 'sponsor', reason: 'moved' }, robin.id, at);
    await reconcile(t.lifecycle);
    expect((await t.lifecycle.repo.requestState(request.id))?.state.status).to.equal('closed');
    expect(await t.lifecycle.repo.openClaim(n.id)).to.equal(undefined);
    expect(await holders(robin)).to.deep.equal([]);
    // Asking again is a new request.
    expect((await t.request.post('/api/v1/match-requests').set(bearer(n)).send({ kind: 'ongoing' })).status).to.equal(201);
  });

  it('when a request was written but its claim never was (a crash at its creation), then no match can be linked to it', async () => {
    const n = await newcomer('Sam', false);
    const robin = await sponsor('Robin');
    const requestId = randomUUID();
    await t.lifecycle.repo.insertRequest({ _id: requestId, userId: n.id, kind: 'ongoing', program: 'na', createdAt: t.clock() });
    const res = await t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId, sponsorId: robin.id });
    expect(res.status).to.equal(409);
    expect(res.body.type).to.equal('/problems/no-open-request');
    expect(await holders(robin)).to.deep.equal([]);
    // Its own view says it is not open, and a real request can be made.
    expect((await t.request.get('/api/v1/me/match-requests').set(bearer(n))).body.requests[0]).to.include({ id: requestId, status: 'withdrawn' });
    expect((await t.request.post('/api/v1/match-requests').set(bearer(n)).send({ kind: 'ongoing' })).status).to.equal(201);
  });

  it('when a newcomer with an open request moves to another program, then the old program’s queue still answers (without them) and the new program’s coordinators have them', async () => {
    const n = await newcomer('Sam');
    const aa = await makeCoordinator(t, ['aa']);
    expect((await t.request.get('/api/v1/coordinator/queue').set(bearer(coordinator))).body.requests.map((q: { newcomerId: string }) => q.newcomerId)).to.include(n.id);
    const moved = await t.request.put('/api/v1/me/newcomer-profile').set(bearer(n)).send(newcomerBody({ program: 'aa' }));
    expect(moved.status).to.equal(200);
    const old = await t.request.get('/api/v1/coordinator/queue').set(bearer(coordinator));
    expect(old.status).to.equal(200);
    expect(old.body.requests.map((q: { newcomerId: string }) => q.newcomerId)).not.to.include(n.id);
    const now = await t.request.get('/api/v1/coordinator/queue').set(bearer(aa));
    expect(now.body.requests.map((q: { newcomerId: string; program: string }) => `${q.newcomerId}:${q.program}`)).to.include(`${n.id}:aa`);
    // The old program's coordinator can no longer make a match for them.
    const robin = await sponsor('Robin');
    const made = await t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId: (await openRequestOf(n)).id, sponsorId: robin.id });
    expect(made.status).to.equal(403);
    await deliver();
  });
});
