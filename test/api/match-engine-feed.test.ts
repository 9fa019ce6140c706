import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { bearer, GOOD_PASSWORD, makeCoordinator, withNewcomer, withSponsor, type Member } from '../support/factories.ts';
import { startSecondInstance, type SecondInstance } from '../support/second-instance.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The lifecycle feeds the matching engine: places in use come from the
 * sponsors' places chains, on this instance at once and on every other through
 * the change feed; ended pairs are never proposed again, declined ones not
 * within the cooldown.
 */
describe('match lifecycle feeds the matching engine, on every instance', () => {
  let t: TestApp;
  let second: SecondInstance;
  let coordinator: Member;

  before(async () => {
    t = await startTestApp('match_engine_feed');
    second = await startSecondInstance(t.db.conn, t.clock);
    coordinator = await makeCoordinator(t, ['na']);
  });
  after(async () => {
    await second.stop();
    await t.close();
  });

  async function until(what: string, ok: () => boolean) {
    for (let i = 0; i < 100 && !ok(); i++) await sleep(50);
    expect(ok(), what).to.equal(true);
  }
  // After the clock moves on by days, the coordinator's token has expired: a fresh one.
  const later = async (ms: number) => {
    t.clock.advance(ms);
    const login = await t.request.post('/api/v1/auth/login').send({ email: coordinator.email, password: GOOD_PASSWORD });
    expect(login.status).to.equal(200);
    coordinator = { ...coordinator, token: login.body.accessToken };
  };
  const requestOf = async (m: Member) => (await t.request.get('/api/v1/me/match-requests').set(bearer(m))).body.requests[0].id as string;
  const propose = async (m: Member) =>
    ((await t.request.get(`/api/v1/newcomers/${m.id}/proposals`).set(bearer(coordinator))).body.proposals as Array<{ sponsorId: string }>).map((p) => p.sponsorId);

  it('when a match takes a sponsor’s last place, then no instance proposes them; when it ends, both do again, except to the pair that ended', async () => {
    const sponsor = await withSponsor(t, { capacity: 1 });
    const [first, other] = [await withNewcomer(t), await withNewcomer(t)];
    expect(t.engine.index.usedPlaces(sponsor.id)).to.equal(0);
    expect(await propose(other)).to.include(sponsor.id);

    const created = await t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId: await requestOf(first), sponsorId: sponsor.id });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    // This instance at once; the other through the feed.
    expect(t.engine.index.usedPlaces(sponsor.id)).to.equal(1);
    await until('the second instance sees the place taken', () => second.engine.index.usedPlaces(sponsor.id) === 1);
    expect(await propose(other)).not.to.include(sponsor.id);

    const id = created.body.id as string;
    for (const [m, action] of [
      [sponsor, 'accept'],
      [first, 'accept'],
    ] as const) {
      expect((await t.request.post(`/api/v1/matches/${id}/${action}`).set(bearer(m)).send({})).status).to.equal(200);
    }
    expect((await t.request.post(`/api/v1/matches/${id}/end`).set(bearer(first)).send({ reason: 'not-a-good-fit' })).status).to.equal(200);
    expect(t.engine.index.usedPlaces(sponsor.id)).to.equal(0);
    await until('the second instance sees the place free', () => second.engine.index.usedPlaces(sponsor.id) === 0);
    expect(await propose(other)).to.include(sponsor.id);
    // The pair that ended: never again (the first newcomer has a new request meanwhile).
    expect((await t.request.post('/api/v1/match-requests').set(bearer(first)).send({ kind: 'ongoing' })).status).to.equal(201);
    expect(await propose(first)).not.to.include(sponsor.id);
    await later(400 * 24 * 3600_000);
    expect(await propose(first)).not.to.include(sponsor.id);
  });

  it('when a sponsor declines, then the pair is not proposed within PAIR_COOLDOWN_DAYS and is after it', async () => {
    const sponsor = await withSponsor(t, { capacity: 2 });
    const newcomer = await withNewcomer(t);
    const created = await t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId: await requestOf(newcomer), sponsorId: sponsor.id });
    expect(created.status).to.equal(201);
    expect((await t.request.post(`/api/v1/matches/${created.body.id}/decline`).set(bearer(sponsor)).send({ reason: 'no-time' })).status).to.equal(200);
    expect(t.engine.index.usedPlaces(sponsor.id)).to.equal(0);
    expect(await propose(newcomer)).not.to.include(sponsor.id);
    await later(89 * 24 * 3600_000);
    expect(await propose(newcomer)).not.to.include(sponsor.id);
    await later(2 * 24 * 3600_000);
    expect(await propose(newcomer)).to.include(sponsor.id);
  });
});
