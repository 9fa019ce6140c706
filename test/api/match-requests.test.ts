import { expect } from 'chai';
import { makeCoordinator, withNewcomer } from '../support/factories.ts';
import { matchWorld, type Person } from '../support/match-world.ts';
import type { TestApp } from '../support/test-app.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Asking for a sponsor, and the coordinators' queue: what a newcomer can ask
 * and withdraw, the clear 4xx answers to what they cannot, and the flags a
 * coordinator sees on each open request.
 */
describe('match requests and the coordinators’ queue', function () {
  this.timeout(60_000);
  const w = matchWorld('match_requests');
  const { bearer, newcomer, sponsor, openRequestOf, createMatch, step } = w;
  let t: TestApp;
  let coordinator: Person;
  beforeEach(() => {
    t = w.t;
    coordinator = w.coordinator;
  });

  const ask = (m: Person, body: object) => t.request.post('/api/v1/match-requests').set(bearer(m)).send(body);
  const queue = async (c: Person = coordinator) => {
    const res = await t.request.get('/api/v1/coordinator/queue').set(bearer(c));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.requests as Array<{ newcomerId: string; requestId: string; flags: string[]; kind: string; waitingHours: number; proposals: Array<{ sponsorId: string; score?: number }>; match?: { id: string; state: string } }>;
  };

  it('when a newcomer asks, lists and withdraws a request, then 201, their list shows it open, 204, and it shows withdrawn; withdrawing again is 409', async () => {
    const sam = await newcomer('Sam', false);
    const opened = await ask(sam, { kind: 'temporary', note: '  Evenings, please.  ' });
    expect(opened.status).to.equal(201);
    expect(opened.body).to.include({ kind: 'temporary', status: 'open', note: 'Evenings, please.' });
    const mine = await t.request.get('/api/v1/me/match-requests').set(bearer(sam));
    expect(mine.body.requests.map((r: { id: string; status: string }) => `${r.id}:${r.status}`)).to.deep.equal([`${opened.body.id}:open`]);
    expect((await t.request.delete(`/api/v1/match-requests/${opened.body.id}`).set(bearer(sam))).status).to.equal(204);
    expect((await openRequestOf(sam)).status).to.equal('withdrawn');
    const again = await t.request.delete(`/api/v1/match-requests/${opened.body.id}`).set(bearer(sam));
    expect(again.status).to.equal(409);
    expect(again.body).to.include({ type: '/problems/request-not-open', requestStatus: 'withdrawn' });
    // Asking again after withdrawing is a new request.
    expect((await ask(sam, { kind: 'ongoing' })).status).to.equal(201);
  });

  it('when a request is malformed, then 400 problem+json naming the field, and nothing is opened', async () => {
    const sam = await newcomer('Sam', false);
    for (const [body, path] of [
      [{}, 'kind'],
      [{ kind: 'forever' }, 'kind'],
      [{ kind: 'ongoing', note: 'x'.repeat(501) }, 'note'],
      [{ kind: 'ongoing', sponsor: 'someone' }, ''],
    ] as const) {
      const res = await ask(sam, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(path);
    }
    expect((await t.request.get('/api/v1/me/match-requests').set(bearer(sam))).body.requests).to.deep.equal([]);
  });

  it('when someone without a newcomer profile asks, then 409 newcomer-profile-required; in a program that pairs no one, then 409 program-has-no-pairing with what it offers', async () => {
    const robin = await sponsor('Robin');
    const noProfile = await ask(robin, { kind: 'ongoing' });
    expect(noProfile.status).to.equal(409);
    expect(noProfile.body.type).to.equal('/problems/newcomer-profile-required');
    const smart = { ...(await withNewcomer(t, { program: 'smart' }, { displayName: 'Lee' }, { request: false })), name: 'Lee' };
    const res = await ask(smart, { kind: 'ongoing' });
    expect(res.status).to.equal(409);
    expect(res.body.type).to.equal('/problems/program-has-no-pairing');
    expect(res.body.program).to.equal('smart');
    expect(res.body.offers).to.be.a('string').and.have.length.greaterThan(10);
  });

  it('when a newcomer chooses a handle that no card of theirs showed, or chooses for a request that is not theirs, then 409 in kind words, or 404', async () => {
    const sam = await newcomer('Sam');
    const lee = await newcomer('Lee');
    await sponsor('Robin');
    const request = await openRequestOf(sam);
    const unknown = await t.request.post(`/api/v1/match-requests/${request.id}/choice`).set(bearer(sam)).send({ sponsorId: 'A'.repeat(43) });
    expect(unknown.status).to.equal(409);
    expect(unknown.body.type).to.equal('/problems/sponsor-not-proposed');
    expect(unknown.body.detail).to.match(/no longer among your proposals/);
    const handle = (await t.request.get(`/api/v1/newcomers/${lee.id}/proposals`).set(bearer(lee))).body.proposals[0].sponsorId;
    const notTheirs = await t.request.post(`/api/v1/match-requests/${request.id}/choice`).set(bearer(lee)).send({ sponsorId: handle });
    expect(notTheirs.status).to.equal(404);
    // A handle from another newcomer's card names nobody on Sam's.
    const foreign = await t.request.post(`/api/v1/match-requests/${request.id}/choice`).set(bearer(sam)).send({ sponsorId: handle });
    expect(foreign.status).to.equal(409);
  });

  it('when requests wait, then the queue lists them oldest first with their three best proposals and flags: no eligible sponsor, waiting over 48 h, a choice pending approval over 48 h, a match ended in the last 30 days', async () => {
    const alone = await newcomer('Alone', false);
    // A Spanish-only newcomer: no sponsor here speaks Spanish.
    const lonely = { ...(await withNewcomer(t, { languages: ['es'] }, { displayName: 'Ana' }, { request: false })), name: 'Ana' };
    expect((await ask(alone, { kind: 'ongoing' })).status).to.equal(201);
    t.clock.advance(60_000);
    expect((await ask(lonely, { kind: 'ongoing' })).status).to.equal(201);
    // Each asks a minute after the one before: the queue is oldest first.
    t.clock.advance(60_000);
    const robin = await sponsor('Robin');
    const sam = await newcomer('Sam');
    t.clock.advance(60_000);
    // Sam chooses Robin (pending approval); Kim had a match that ended and asked again.
    const handle = (await t.request.get(`/api/v1/newcomers/${sam.id}/proposals`).set(bearer(sam))).body.proposals[0].sponsorId;
    expect((await t.request.post(`/api/v1/match-requests/${(await openRequestOf(sam)).id}/choice`).set(bearer(sam)).send({ sponsorId: handle })).status).to.equal(201);
    const kim = await newcomer('Kim');
    const jo = await sponsor('Jo');
    const kimMatch = await createMatch(kim, jo);
    await step(jo, kimMatch, 'accept');
    await step(kim, kimMatch, 'accept');
    await step(kim, kimMatch, 'end', { reason: 'not-a-good-fit' });
    expect((await ask(kim, { kind: 'ongoing' })).status).to.equal(201);

    let rows = await queue();
    const byId = () => new Map(rows.map((r) => [r.newcomerId, r]));
    expect(rows.map((r) => r.newcomerId)).to.deep.equal([alone.id, lonely.id, sam.id, kim.id]);
    expect(byId().get(lonely.id)!.flags).to.include('no-eligible-sponsor');
    expect(byId().get(alone.id)!.proposals.length).to.be.at.most(3);
    expect(byId().get(alone.id)!.proposals[0]).to.have.property('score');
    expect(byId().get(sam.id)!.match).to.include({ state: 'pending-approval' });
    expect(byId().get(sam.id)!.flags).not.to.include('no-eligible-sponsor');
    expect(byId().get(kim.id)!.flags).to.include('match-ended-recently');
    for (const r of rows) expect(r.flags).not.to.include('waiting-over-48h');

    t.clock.advance(49 * HOUR);
    rows = await queue();
    expect(byId().get(alone.id)!.flags).to.include('waiting-over-48h');
    expect(byId().get(alone.id)!.waitingHours).to.be.at.least(49);
    expect(byId().get(sam.id)!.flags).to.include('pending-approval-over-48h');
    t.clock.advance(30 * DAY);
    rows = await queue();
    expect(byId().get(kim.id)!.flags).not.to.include('match-ended-recently');
    // Robin was only chosen, never asked: no place taken.
    expect((await t.lifecycle.repo.places(robin.id))?.state.holders ?? []).to.deep.equal([]);
    // Another program's coordinator sees none of these.
    expect(await queue({ ...(await makeCoordinator(t, ['aa'])), name: 'Other' })).to.deep.equal([]);
  });

  it('when matches are listed, then a member gets their own, a coordinator their programs’, filtered by state and cut at limit; a bad limit is 400', async () => {
    const robin = await sponsor('Robin', { capacity: 5 });
    const sams = [await newcomer('Sam 1'), await newcomer('Sam 2'), await newcomer('Sam 3')];
    const ids = [];
    for (const n of sams) ids.push(await createMatch(n, robin));
    // The newest change first: the accept comes a minute later.
    t.clock.advance(60_000);
    await step(robin, ids[0]!, 'accept');
    const list = async (who: Person, query: Record<string, string> = {}) => {
      const res = await t.request.get('/api/v1/matches').query(query).set(bearer(who));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return (res.body.matches as Array<{ id: string; state: string; you: string }>).map((m) => `${m.id}:${m.state}:${m.you}`);
    };
    expect(await list(sams[1]!)).to.deep.equal([`${ids[1]}:awaiting-sponsor:newcomer`]);
    expect(await list(robin)).to.have.members([`${ids[0]}:awaiting-newcomer:sponsor`, `${ids[1]}:awaiting-sponsor:sponsor`, `${ids[2]}:awaiting-sponsor:sponsor`]);
    expect(await list(coordinator, { state: 'awaiting-newcomer' })).to.deep.equal([`${ids[0]}:awaiting-newcomer:coordinator`]);
    expect(await list(coordinator, { state: 'awaiting-sponsor' })).to.have.length(2);
    expect(await list(coordinator, { limit: '1' })).to.deep.equal([`${ids[0]}:awaiting-newcomer:coordinator`]);
    for (const limit of ['0', '201', 'many']) {
      const res = await t.request.get('/api/v1/matches').query({ limit }).set(bearer(coordinator));
      expect(res.status, limit).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    }
  });
});
