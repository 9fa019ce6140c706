import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, newcomerBody, registerMember, sponsorBody, type Member } from '../support/factories.ts';

describe('profiles: /api/v1/me/newcomer-profile and /api/v1/me/sponsor-profile', () => {
  let t: TestApp;
  let m: Member;
  before(async () => {
    t = await startTestApp('profiles');
    m = await registerMember(t, { displayName: 'Robin' });
  });
  after(async () => {
    await t.close();
  });

  it('when a newcomer PUTs a profile, then GET returns it with windows merged, coordinates rounded and defaults filled', async () => {
    const body = newcomerBody({
      availability: [
        { day: 'mon', start: '18:00', end: '19:30' },
        { day: 'mon', start: '19:00', end: '21:00' },
        { day: 'mon', start: '21:00', end: '22:00' },
        { day: 'sun', start: '08:00', end: '09:00' },
        { day: 'fri', start: '22:00', end: '24:00' },
      ],
      location: { region: 'Brooklyn', lat: 40.678178, lon: -73.944158 },
      languages: ['EN-gb', 'es'],
      timezone: 'america/new_york',
    });
    const put = await t.request.put('/api/v1/me/newcomer-profile').set(bearer(m)).send(body);
    expect(put.status).to.equal(200);
    const get = await t.request.get('/api/v1/me/newcomer-profile').set(bearer(m));
    expect(get.status).to.equal(200);
    expect(get.body.availability).to.deep.equal([
      { day: 'mon', start: '18:00', end: '22:00' },
      { day: 'fri', start: '22:00', end: '24:00' },
      { day: 'sun', start: '08:00', end: '09:00' },
    ]);
    expect(get.body.location).to.deep.equal({ region: 'Brooklyn', lat: 40.68, lon: -73.94 });
    expect(get.body.languages).to.deep.equal(['en-GB', 'es']);
    expect(get.body.timezone).to.equal('America/New_York');
    expect(get.body).to.include({ userId: m.id, displayName: 'Robin', seeking: true, orientationMustMatch: true, wantsLgbtqAffirming: false });
    const stored = await t.db.conn.collection('newcomer_profiles').findOne({ _id: m.id as never });
    expect(stored?.availability).to.have.length(3);
  });

  it('when a member has no sponsor profile yet, then GET is 404 problem+json', async () => {
    const other = await registerMember(t);
    const res = await t.request.get('/api/v1/me/sponsor-profile').set(bearer(other));
    expect(res.status).to.equal(404);
    expect(res.body.type).to.equal('/problems/sponsor-profile-not-found');
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['an end before the start', { availability: [{ day: 'mon', start: '20:00', end: '19:00' }] }, 'availability.0.end'],
    ['an end equal to the start', { availability: [{ day: 'tue', start: '20:00', end: '20:00' }] }, 'availability.0.end'],
    ['a time past 24:00', { availability: [{ day: 'tue', start: '23:00', end: '24:30' }] }, 'availability.0.end'],
    ['an unknown day', { availability: [{ day: 'someday', start: '10:00', end: '11:00' }] }, 'availability.0.day'],
    ['a future recovery date', { recoveryDate: '2026-12-25' }, 'recoveryDate'],
    ['an impossible date', { recoveryDate: '2026-02-30' }, 'recoveryDate'],
    ['an unknown language code', { languages: ['xq'] }, 'languages.0'],
    ['a malformed language tag', { languages: ['not a tag'] }, 'languages.0'],
    ['no language', { languages: [] }, 'languages'],
    ['an unknown field', { favouriteColour: 'blue' }, 'favouriteColour'],
    ['an unknown nested field', { location: { region: 'X', lat: 1, lon: 2, street: 'Main St' } }, 'location.street'],
    ['an unknown nested window field', { availability: [{ day: 'mon', start: '10:00', end: '11:00', note: 'x' }] }, 'availability.0.note'],
    ['an unknown program', { program: 'no-such-program' }, 'program'],
    ['an unknown accepted program', { acceptedPrograms: ['aa', 'zzz'] }, 'acceptedPrograms.1'],
    ['an experience the program does not list', { experiences: ['astronaut'] }, 'experiences.0'],
    ['a gender outside the list', { gender: 'robot' }, 'gender'],
    ['a latitude out of range', { location: { region: 'X', lat: 91, lon: 0 } }, 'location.lat'],
  ];
  for (const [name, over, path] of invalid) {
    it(`when a newcomer profile has ${name}, then 400 problem+json naming ${path} and nothing stored`, async () => {
      const fresh = await registerMember(t);
      const res = await t.request.put('/api/v1/me/newcomer-profile').set(bearer(fresh)).send(newcomerBody(over));
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(path);
      expect(await t.db.conn.collection('newcomer_profiles').countDocuments({ _id: fresh.id as never })).to.equal(0);
    });
  }

  it('when a newcomer profile leaves out required fields, then 400 whose errors say "Required" for each of them', async () => {
    const fresh = await registerMember(t);
    const res = await t.request
      .put('/api/v1/me/newcomer-profile')
      .set(bearer(fresh))
      .send(newcomerBody({ timezone: undefined, gender: undefined, availability: undefined }));
    expect(res.status).to.equal(400);
    expect(res.body.errors).to.deep.include.members([
      { path: 'timezone', message: 'Required' },
      { path: 'gender', message: 'Required' },
      { path: 'availability', message: 'Required' },
    ]);
  });

  it('when a sponsor profile leaves out its capacity, then 400 whose error says "Required"', async () => {
    const fresh = await registerMember(t);
    const res = await t.request.put('/api/v1/me/sponsor-profile').set(bearer(fresh)).send(sponsorBody({ capacity: undefined }));
    expect(res.status).to.equal(400);
    expect(res.body.errors).to.deep.equal([{ path: 'capacity', message: 'Required' }]);
  });

  const emptyAvailability: Array<[string, string, (over: Record<string, unknown>) => Record<string, unknown>, string]> = [
    ['newcomer', '/api/v1/me/newcomer-profile', newcomerBody, 'newcomer_profiles'],
    ['sponsor', '/api/v1/me/sponsor-profile', sponsorBody, 'sponsor_profiles'],
  ];
  for (const [kind, path, body, collection] of emptyAvailability) {
    it(`when a ${kind} profile has no availability window, then 400 asking for one and nothing stored`, async () => {
      const fresh = await registerMember(t);
      const res = await t.request.put(path).set(bearer(fresh)).send(body({ availability: [] }));
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.errors).to.deep.equal([{ path: 'availability', message: 'Add at least one weekly window when you are free.' }]);
      expect(await t.db.conn.collection(collection).countDocuments({ _id: fresh.id as never })).to.equal(0);
    });
  }

  const abbreviatedZones: Array<[string, string, string]> = [
    ['EST', '/api/v1/me/newcomer-profile', 'Use a place-based zone such as America/New_York (not EST).'],
    ['pst', '/api/v1/me/newcomer-profile', 'Use a place-based zone such as America/Los_Angeles (not PST).'],
    ['CET', '/api/v1/me/sponsor-profile', 'Use a place-based zone such as Europe/Paris (not CET).'],
    ['GMT+5', '/api/v1/me/sponsor-profile', 'Use a place-based zone such as Asia/Karachi (not a UTC offset, which misses daylight-saving changes).'],
    ['US/Eastern', '/api/v1/me/newcomer-profile', 'Use the place-based name America/New_York.'],
  ];
  for (const [zone, path, message] of abbreviatedZones) {
    it(`when a profile gives the time zone ${zone}, then 400 suggesting a place-based zone and nothing stored`, async () => {
      const fresh = await registerMember(t);
      const body = path.endsWith('newcomer-profile') ? newcomerBody({ timezone: zone }) : sponsorBody({ timezone: zone });
      const res = await t.request.put(path).set(bearer(fresh)).send(body);
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.deep.equal([{ path: 'timezone', message }]);
      const collection = path.endsWith('newcomer-profile') ? 'newcomer_profiles' : 'sponsor_profiles';
      expect(await t.db.conn.collection(collection).countDocuments({ _id: fresh.id as never })).to.equal(0);
    });
  }

  for (const [zone, stored] of [['UTC', 'UTC'], ['Etc/UTC', 'UTC'], ['europe/london', 'Europe/London']]) {
    it(`when a profile gives the time zone ${zone}, then it is stored as ${stored}`, async () => {
      const fresh = await registerMember(t);
      const res = await t.request.put('/api/v1/me/sponsor-profile').set(bearer(fresh)).send(sponsorBody({ timezone: zone }));
      expect(res.status).to.equal(200);
      expect(res.body.timezone).to.equal(stored);
      const doc = await t.db.conn.collection('sponsor_profiles').findOne({ _id: fresh.id as never });
      expect(doc?.timezone).to.equal(stored);
    });
  }

  const mixedErrors: Array<[string, string, Record<string, unknown>, string[]]> = [
    ['a newcomer profile has a bad time zone and an unknown program', '/api/v1/me/newcomer-profile', { timezone: 'EST', program: 'no-such-program' }, ['timezone', 'program']],
    ['a newcomer profile has a bad gender, an unknown accepted program and an experience its program does not list', '/api/v1/me/newcomer-profile', { gender: 'robot', acceptedPrograms: ['zzz'], experiences: ['astronaut'] }, ['gender', 'acceptedPrograms.0', 'experiences.0']],
    ['a sponsor profile has no language, an unknown field and a future recovery date', '/api/v1/me/sponsor-profile', { languages: [], role: 'admin', recoveryDate: '2027-01-01' }, ['languages', 'role', 'recoveryDate']],
  ];
  for (const [name, path, over, paths] of mixedErrors) {
    it(`when ${name}, then one 400 names all of ${paths.join(', ')}`, async () => {
      const fresh = await registerMember(t);
      const body = path.endsWith('newcomer-profile') ? newcomerBody(over) : sponsorBody(over);
      const res = await t.request.put(path).set(bearer(fresh)).send(body);
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.have.members(paths);
      expect(res.body.type).to.equal('/problems/invalid-profile');
    });
  }

  it('when the recovery date is today in the member\'s zone but tomorrow in UTC, then it is accepted', async () => {
    t.clock.set('2026-11-22T03:00:00Z'); // still 2026-11-21 in New York
    const fresh = await registerMember(t);
    const res = await t.request.put('/api/v1/me/newcomer-profile').set(bearer(fresh)).send(newcomerBody({ recoveryDate: '2026-11-21' }));
    expect(res.status).to.equal(200);
    const tooSoon = await t.request
      .put('/api/v1/me/newcomer-profile')
      .set(bearer(fresh))
      .send(newcomerBody({ recoveryDate: '2026-11-22', timezone: 'America/Los_Angeles' }));
    expect(tooSoon.status).to.equal(400);
    t.clock.set('2026-11-21T12:00:00Z');
  });

  const invalidSponsor: Array<[string, Record<string, unknown>, string]> = [
    ['a capacity of 0', { capacity: 0 }, 'capacity'],
    ['a capacity of 11', { capacity: 11 }, 'capacity'],
    ['no recovery date', { recoveryDate: undefined }, 'recoveryDate'],
    ['13 steps', { stepsCompleted: 13 }, 'stepsCompleted'],
    ['a bio over 500 characters', { bio: 'x'.repeat(501) }, 'bio'],
    ['a card experience they do not have', { experiencesOnCard: ['veteran'] }, 'experiencesOnCard.0'],
    ['an unknown time zone', { timezone: 'Europe/Atlantis' }, 'timezone'],
    ['an end before the start', { availability: [{ day: 'fri', start: '10:00', end: '09:30' }] }, 'availability.0.end'],
    ['a future recovery date', { recoveryDate: '2027-01-01' }, 'recoveryDate'],
    ['an unknown language code', { languages: ['en', 'qq'] }, 'languages.1'],
    ['an unknown field', { role: 'admin' }, 'role'],
  ];
  for (const [name, over, path] of invalidSponsor) {
    it(`when a sponsor profile has ${name}, then 400 naming ${path}`, async () => {
      const fresh = await registerMember(t);
      const res = await t.request.put('/api/v1/me/sponsor-profile').set(bearer(fresh)).send(sponsorBody(over));
      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(path);
    });
  }

  const earliestDates: Array<[string, string, (over: Record<string, unknown>) => Record<string, unknown>, string]> = [
    ['sponsor', '/api/v1/me/sponsor-profile', sponsorBody, 'sponsor_profiles'],
    ['newcomer', '/api/v1/me/newcomer-profile', newcomerBody, 'newcomer_profiles'],
  ];
  for (const [kind, path, body, collection] of earliestDates) {
    for (const recoveryDate of ['1000-01-01', '1929-12-31', '0050-06-01']) {
      it(`when a ${kind} profile has the recovery date ${recoveryDate}, then 400 naming recoveryDate and nothing stored`, async () => {
        const fresh = await registerMember(t);
        const res = await t.request.put(path).set(bearer(fresh)).send(body({ recoveryDate }));
        expect(res.status).to.equal(400);
        expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
        expect(res.body.errors).to.deep.include({ path: 'recoveryDate', message: 'Must be on or after 1930-01-01.' });
        expect(await t.db.conn.collection(collection).countDocuments({ _id: fresh.id as never })).to.equal(0);
      });
    }

    it(`when a ${kind} profile has the recovery date 1930-01-01, then it is stored`, async () => {
      const fresh = await registerMember(t);
      const res = await t.request.put(path).set(bearer(fresh)).send(body({ recoveryDate: '1930-01-01' }));
      expect(res.status).to.equal(200);
      expect(res.body.recoveryDate).to.equal('1930-01-01');
      const stored = await t.db.conn.collection(collection).findOne({ _id: fresh.id as never });
      expect(stored?.recoveryDate).to.equal('1930-01-01');
    });
  }

  it('when a member is both sponsor and newcomer, then both profiles are kept apart', async () => {
    const both = await registerMember(t);
    expect((await t.request.put('/api/v1/me/sponsor-profile').set(bearer(both)).send(sponsorBody())).status).to.equal(200);
    expect((await t.request.put('/api/v1/me/newcomer-profile').set(bearer(both)).send(newcomerBody({ program: 'aa' }))).status).to.equal(200);
    expect((await t.request.get('/api/v1/me/sponsor-profile').set(bearer(both))).body.program).to.equal('na');
    expect((await t.request.get('/api/v1/me/newcomer-profile').set(bearer(both))).body.program).to.equal('aa');
  });

  // FerretDB (and MongoDB under contention) can let two upserts of one new _id
  // both try the insert; the loser must retry as a replace, not answer 409.
  // A race is won or lost by timing, so each test runs several rounds.
  const firstPuts: Array<[string, string, (over: Record<string, unknown>) => Record<string, unknown>, string]> = [
    ['sponsor', '/api/v1/me/sponsor-profile', sponsorBody, 'sponsor_profiles'],
    ['newcomer', '/api/v1/me/newcomer-profile', newcomerBody, 'newcomer_profiles'],
  ];
  for (const [kind, path, body, collection] of firstPuts) {
    it(`when one member fires 10 first-time ${kind} profile PUTs at once, then all answer 200 and one of them is stored`, async function () {
      this.timeout(60_000);
      for (let round = 0; round < 8; round++) {
        const fresh = await registerMember(t);
        const bodies = Array.from({ length: 10 }, (_, i) => body({ availability: [{ day: 'tue', start: `${String(10 + i).padStart(2, '0')}:00`, end: '22:00' }] }));
        const responses = await Promise.all(bodies.map((b) => t.request.put(path).set(bearer(fresh)).send(b)));
        expect(responses.map((r) => r.status), `round ${round}`).to.deep.equal(Array(10).fill(200));
        const stored = await t.db.conn.collection(collection).find({ _id: fresh.id as never }).toArray();
        expect(stored).to.have.length(1);
        const starts = bodies.map((b) => (b.availability as Array<{ start: string }>)[0]!.start);
        expect(starts).to.include(stored[0]!.availability[0].start);
        const get = await t.request.get(path).set(bearer(fresh));
        expect(get.body.availability).to.deep.equal(stored[0]!.availability);
      }
    });
  }

  it('when the OpenAPI document is fetched, then the profile schemas carry the formats, patterns and examples of time zone, date, time and language', async () => {
    const res = await t.request.get('/api/v1/openapi.json');
    expect(res.status).to.equal(200);
    const schemas = res.body.components.schemas as Record<string, { properties: Record<string, Record<string, unknown> & { items?: Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> } }> }>;
    for (const id of ['NewcomerProfileInput', 'SponsorProfileInput']) {
      const p = schemas[id]!.properties;
      expect(p.timezone, id).to.include({ example: 'America/New_York' });
      expect(p.timezone!.description, id).to.match(/IANA/);
      expect(p.recoveryDate, id).to.include({ format: 'date', example: '2024-03-15' });
      for (const end of ['start', 'end']) {
        const time = p.availability!.items!.properties![end]!;
        expect(time, `${id} ${end}`).to.include({ example: '18:30' });
        expect(time.description, `${id} ${end}`).to.match(/HH:MM/);
        const pattern = new RegExp(time.pattern as string);
        expect(['00:00', '18:30', '24:00'].every((v) => pattern.test(v)), `${id} ${end}`).to.equal(true);
        expect(['7:30', '24:30', '18:60', '18:30:00'].some((v) => pattern.test(v)), `${id} ${end}`).to.equal(false);
      }
      expect(p.languages!.items, id).to.include({ example: 'en-US' });
      expect(p.languages!.items!.description, id).to.match(/BCP 47/);
    }
  });

  it('when a profile is written without a token, then 401', async () => {
    const res = await t.request.put('/api/v1/me/newcomer-profile').send(newcomerBody());
    expect(res.status).to.equal(401);
  });
});
