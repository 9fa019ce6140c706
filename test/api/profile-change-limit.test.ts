import { expect } from 'chai';
import { pino } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app.ts';
import { signAccessToken } from '../../src/auth/tokens.ts';
import { createEmptyMatchHistory } from '../../src/matching/match-history.source.ts';
import { PROFILE_CHANGES_COLLECTION } from '../../src/profiles/profile-changes.repository.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSecondInstance, type SecondInstance } from '../support/second-instance.ts';
import { newcomerBody, registerMember, withNewcomer, type Member } from '../support/factories.ts';

// A newcomer may change what their proposals depend on (program, languages,
// location, preferences) 3 times in a rolling 24 h, on whichever instance:
// more would let them locate sponsors by comparing the answers (issue 9).

const HOUR = 3600_000;
const PATH = '/api/v1/me/newcomer-profile';

describe('newcomer profile: at most 3 changes of what proposals depend on in 24 h', () => {
  let t: TestApp;
  let second: SecondInstance;
  let secondApi: supertest.Agent;
  before(async () => {
    t = await startTestApp('profile-change-limit');
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

  // A token valid at the test clock's time: these tests move the clock by hours.
  const auth = (m: Member) => ({ Authorization: `Bearer ${signAccessToken(t.tokens, m.id, t.clock().getTime()).accessToken}` });
  const put = (api: supertest.Agent, m: Member, over: Record<string, unknown>) => api.put(PATH).set(auth(m)).send(newcomerBody(over));
  const stored = async (m: Member) => t.db.conn.collection('newcomer_profiles').findOne({ _id: m.id as never });
  const claims = async (m: Member) => (await t.db.conn.collection(PROFILE_CHANGES_COLLECTION).find({ entity: `profile-change:${m.id}` }).toArray()).map((c) => c._id as unknown as string).sort();

  // Four different changes, each of a limited field.
  const CHANGES: Array<Record<string, unknown>> = [
    { maxDistanceKm: 20 },
    { languages: ['en', 'es'] },
    { sponsorGenderPreference: 'any' },
    { preferredAgeBands: ['35-44'] },
    { location: { region: 'Brooklyn', lat: 40.68, lon: -73.94 } },
  ];

  it('when a newcomer makes a fourth change within 24 h, then 429 with Retry-After and nothing changed, on another instance too; 24 h after the first, one more is allowed', async () => {
    const start = t.clock();
    try {
      const m = await withNewcomer(t);
      for (const [i, change] of CHANGES.slice(0, 3).entries()) {
        if (i > 0) t.clock.advance(HOUR);
        expect((await put(t.request, m, change)).status, `change ${i + 1}`).to.equal(200);
      }
      t.clock.advance(HOUR); // 3 h after the first change

      const refused = await put(t.request, m, CHANGES[3]!);
      const refusedElsewhere = await put(secondApi, m, CHANGES[3]!);

      for (const res of [refused, refusedElsewhere]) {
        expect(res.status).to.equal(429);
        expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
        expect(res.headers['retry-after']).to.equal(String(21 * 3600));
        expect(res.body).to.include({ type: '/problems/profile-changes-limited', status: 429, instance: PATH });
        expect(res.body.detail).to.match(/three|3 times/);
        expect(res.body.detail).to.match(/private/);
      }
      expect((await stored(m))?.preferredAgeBands).to.equal(undefined);
      expect(await claims(m)).to.deep.equal([1, 2, 3].map((n) => `profile-change:${m.id}:${n}`));

      // 24 h after the first change its place is free again, on either instance.
      t.clock.set(new Date(start.getTime() + 24 * HOUR));
      const allowed = await put(secondApi, m, CHANGES[3]!);
      expect(allowed.status).to.equal(200);
      expect((await stored(m))?.preferredAgeBands).to.deep.equal(['35-44']);
      // And the next waits for the second change (made at 1 h) to be 24 h old.
      const next = await put(t.request, m, CHANGES[4]!);
      expect(next.status).to.equal(429);
      expect(next.headers['retry-after']).to.equal(String(3600));
    } finally {
      t.clock.set(start);
    }
  });

  it('when the profile is created, invalid PUTs are sent and PUTs leave the limited fields as they were, then none of them counts', async () => {
    const m = await registerMember(t);
    const base = { languages: ['en', 'es'] };
    const putWith = (over: Record<string, unknown>) => put(t.request, m, { ...base, ...over });
    expect((await putWith({})).status).to.equal(200); // created
    for (const invalid of [{ program: 'no-such-program' }, { maxDistanceKm: -1 }, { languages: [] }]) {
      expect((await putWith(invalid)).status, JSON.stringify(invalid)).to.equal(400);
    }
    // The same values again, a list reordered, and changes of fields that are not limited.
    expect((await putWith({})).status).to.equal(200);
    expect((await putWith({ languages: ['es', 'en'] })).status).to.equal(200);
    expect((await putWith({ contactModes: ['video', 'phone'] })).status).to.equal(200);
    expect((await putWith({ availability: [{ day: 'fri', start: '09:00', end: '12:00' }] })).status).to.equal(200);
    expect((await putWith({ experiences: ['opioids'], recoveryDate: '2026-09-15' })).status).to.equal(200);
    expect(await claims(m)).to.deep.equal([]);

    for (const km of [20, 30, 40]) expect((await putWith({ maxDistanceKm: km })).status, `${km} km`).to.equal(200);
    expect((await putWith({ maxDistanceKm: 50 })).status).to.equal(429);
  });

  it('when PUTs on two instances race for the third change, then exactly one succeeds and the other gets 429', async function () {
    this.timeout(60_000);
    for (let round = 0; round < 6; round++) {
      const m = await withNewcomer(t);
      for (const change of CHANGES.slice(0, 2)) expect((await put(t.request, m, change)).status).to.equal(200);
      const racing = [
        { api: t.request, change: { maxDistanceKm: 30 } },
        { api: secondApi, change: { maxDistanceKm: 40 } },
        { api: t.request, change: { maxDistanceKm: 50 } },
        { api: secondApi, change: { maxDistanceKm: 60 } },
      ];

      const responses = await Promise.all(racing.map(({ api, change }) => put(api, m, change)));

      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200), `round ${round}: ${statuses.join(',')}`).to.have.length(1);
      expect(statuses.filter((s) => s === 429), `round ${round}: ${statuses.join(',')}`).to.have.length(3);
      const winner = racing[statuses.indexOf(200)]!.change;
      expect((await stored(m))?.maxDistanceKm, `round ${round}`).to.equal(winner.maxDistanceKm);
      expect(await claims(m), `round ${round}`).to.deep.equal([1, 2, 3].map((n) => `profile-change:${m.id}:${n}`));
    }
  });
});
