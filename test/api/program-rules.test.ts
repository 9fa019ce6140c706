import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, makeCoordinator, newcomerBody, registerMember, sponsorBody, withNewcomer, withSponsor, type Member } from '../support/factories.ts';

// Small steps of the test clock: a member's token outlives them.
const STEP_MS = 60_000;
const paths = (res: { body: { errors?: Array<{ path: string }> } }) => (res.body.errors ?? []).map((e) => e.path);
const ruleNames = (explained: { failingRules?: Array<{ rule: string }> }) => (explained.failingRules ?? []).map((r) => r.rule);

// Program rules as the programs state them (src/programs/program-seed.ts and
// docs/program-rules-sources.md), and the sponsor's own limits, through the API.
describe('program rules: profiles a program or a sponsor limit rules out', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('program-rules-profiles');
  });
  after(async () => {
    await t.close();
  });

  const refused: Array<[string, 'newcomer' | 'sponsor', Record<string, unknown>, string, RegExp]> = [
    ['a man chooses Women for Sobriety (WFS: membership is for women)', 'newcomer', { program: 'wfs', gender: 'man', experiences: [] }, 'program', /memberGenders/],
    ['a man lists Women for Sobriety among the programs he accepts (WFS: membership is for women)', 'newcomer', { gender: 'man', acceptedPrograms: ['wfs'] }, 'acceptedPrograms.0', /Women for Sobriety.*memberGenders/],
    ['a man offers to mentor in Women for Sobriety (WFS: membership is for women)', 'sponsor', { program: 'wfs', gender: 'man', experiences: [], experiencesOnCard: [] }, 'program', /memberGenders/],
    ['an Al-Anon sponsor gives no date they came to Al-Anon (Al-Anon counts time in the program)', 'sponsor', { program: 'al-anon', experiences: [], experiencesOnCard: [], recoveryDate: undefined }, 'programSince', /time in the program/],
    ['an NA sponsor gives no recovery date', 'sponsor', { recoveryDate: undefined }, 'recoveryDate', /Required/],
    ['a sponsor would sponsor in a language they do not speak', 'sponsor', { languages: ['en-US'], languagesForSponsoring: ['fr'] }, 'languagesForSponsoring.0', /one of your languages/],
    ['a sponsor limits the genders they sponsor to none', 'sponsor', { sponsorsGenders: [] }, 'sponsorsGenders', /./],
    ['a sponsor names an age band that does not exist', 'sponsor', { newcomerAgeBands: ['12-17'] }, 'newcomerAgeBands.0', /./],
    ['a newcomer came to the program in the future', 'newcomer', { programSince: '2099-01-01' }, 'programSince', /after today/],
  ];
  for (const [when, kind, over, path, message] of refused) {
    it(`when ${when}, then 400 problem+json naming ${path} and nothing stored`, async () => {
      // Arrange
      const m = await registerMember(t);
      const body = kind === 'newcomer' ? newcomerBody(over) : sponsorBody(over);

      // Act
      const res = await t.request.put(`/api/v1/me/${kind}-profile`).set(bearer(m)).send(body);

      // Assert
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.type).to.equal('/problems/invalid-profile');
      expect(paths(res)).to.include(path);
      expect(res.body.errors.find((e: { path: string }) => e.path === path).message).to.match(message);
      expect(await t.db.conn.collection(`${kind}_profiles`).countDocuments({ _id: m.id as never })).to.equal(0);
    });
  }

  it('when a woman lists Women for Sobriety among the programs she accepts, then the profile is stored', async () => {
    const m = await registerMember(t);
    const res = await t.request.put('/api/v1/me/newcomer-profile').set(bearer(m)).send(newcomerBody({ acceptedPrograms: ['wfs'] }));
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ acceptsAsyncOnly: false });
  });

  it('when an Al-Anon sponsor gives the date they came and no recovery date, then it is stored with its limits', async () => {
    // Arrange
    const m = await registerMember(t);
    const body = sponsorBody({
      program: 'al-anon',
      recoveryDate: undefined,
      programSince: '2019-05-01',
      experiences: ['adult-child'],
      experiencesOnCard: [],
      languages: ['en-US', 'es'],
      languagesForSponsoring: ['es-MX'],
      sponsorsGenders: ['woman', 'non-binary'],
      newcomerAgeBands: ['25-34', '35-44'],
    });

    // Act
    const res = await t.request.put('/api/v1/me/sponsor-profile').set(bearer(m)).send(body);

    // Assert
    expect(res.status).to.equal(200);
    const stored = await t.db.conn.collection('sponsor_profiles').findOne({ _id: m.id as never });
    expect(stored).to.include({ programSince: '2019-05-01' });
    expect(stored).not.to.have.property('recoveryDate');
    expect(stored?.languagesForSponsoring).to.deep.equal(['es-MX']);
    expect(stored?.sponsorsGenders).to.deep.equal(['woman', 'non-binary']);
    expect(stored?.newcomerAgeBands).to.deep.equal(['25-34', '35-44']);
  });
});

describe('program rules: when a sponsor started taking newcomers (availableSince)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('program-rules-available-since');
  });
  after(async () => {
    await t.close();
  });

  it('when a sponsor opens, stays open, closes and reopens, then availableSince is set, kept, dropped and set again', async () => {
    // Arrange
    const m = await registerMember(t);
    const put = (over: Record<string, unknown>) => t.request.put('/api/v1/me/sponsor-profile').set(bearer(m)).send(sponsorBody(over));
    const opened = t.clock().toISOString();

    // Act and assert, step by step
    expect((await put({})).body.availableSince).to.equal(opened);
    t.clock.advance(STEP_MS);
    expect((await put({ capacity: 2 })).body.availableSince, 'kept while open').to.equal(opened);
    t.clock.advance(STEP_MS);
    const closed = await put({ acceptingNewcomers: false });
    expect(closed.body).not.to.have.property('availableSince');
    t.clock.advance(STEP_MS);
    const reopenedAt = t.clock().toISOString();
    expect((await put({})).body.availableSince, 'from the reopening').to.equal(reopenedAt);
    expect((await t.request.get('/api/v1/me/sponsor-profile').set(bearer(m))).body.availableSince).to.equal(reopenedAt);
  });

  it('when a sponsor tries to set availableSince, then 400 naming it', async () => {
    const m = await registerMember(t);
    const res = await t.request.put('/api/v1/me/sponsor-profile').set(bearer(m)).send(sponsorBody({ availableSince: '2000-01-01T00:00:00.000Z' }));
    expect(res.status).to.equal(400);
    expect(paths(res)).to.include('availableSince');
  });
});

describe('program rules: proposals and a coordinator\'s "why not"', () => {
  let t: TestApp;
  let coordinator: Member;
  before(async () => {
    t = await startTestApp('program-rules-proposals');
    coordinator = await makeCoordinator(t, ['na', 'celebrate-recovery', 'al-anon']);
  });
  after(async () => {
    await t.close();
  });

  const proposalsFor = async (newcomer: Member) => (await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(coordinator))).body;
  const whyNot = async (newcomer: Member, sponsor: Member) =>
    (await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals?sponsor=${sponsor.id}`).set(bearer(coordinator))).body;

  const limits: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
    ['sponsors only men', { sponsorsGenders: ['man'] }, {}, 'sponsor-genders-limit'],
    ['sponsors only newcomers aged 55-64', { newcomerAgeBands: ['55-64'] }, { ageBand: '25-34' }, 'sponsor-age-limit'],
    ['sponsors only in Spanish', { languages: ['en-US', 'es'], languagesForSponsoring: ['es'] }, {}, 'sponsor-languages-limit'],
  ];
  for (const [limit, sponsorOver, newcomerOver, rule] of limits) {
    it(`when the only sponsor ${limit}, then she is not proposed and explaining her names '${rule}'`, async () => {
      // Arrange
      const newcomer = await withNewcomer(t, { program: 'na', ...newcomerOver });
      const sponsor = await withSponsor(t, { program: 'na', ...sponsorOver });

      // Act
      const body = await proposalsFor(newcomer);
      const explained = await whyNot(newcomer, sponsor);

      // Assert
      expect(body.proposals.map((p: { sponsorId: string }) => p.sponsorId)).not.to.include(sponsor.id);
      expect(explained).to.deep.include({ sponsorId: sponsor.id, eligible: false });
      expect(ruleNames(explained)).to.include(rule);
    });
  }

  it('when a Celebrate Recovery sponsor has no sponsor of her own and 11 steps, then explaining her names both rules (CR Sponsor Training: prerequisites)', async () => {
    const newcomer = await withNewcomer(t, { program: 'celebrate-recovery', experiences: [] });
    const sponsor = await withSponsor(t, { program: 'celebrate-recovery', hasOwnSponsor: false, stepsCompleted: 11, experiences: [], experiencesOnCard: [] });
    const explained = await whyNot(newcomer, sponsor);
    expect(ruleNames(explained)).to.include.members(['no-own-sponsor', 'too-few-steps']);
  });

  it('when a Celebrate Recovery newcomer said any gender is fine and the sponsor is a man, then the program\'s same-gender rule still holds (CR Sponsor Training: "Must be same sex")', async () => {
    const newcomer = await withNewcomer(t, { program: 'celebrate-recovery', experiences: [], sponsorGenderPreference: 'any' });
    const sponsor = await withSponsor(t, { program: 'celebrate-recovery', gender: 'man', experiences: [], experiencesOnCard: [] });
    expect(ruleNames(await whyNot(newcomer, sponsor))).to.include('gender-rule');
  });

  it('when two Al-Anon sponsors came to Al-Anon at different dates and neither gave a recovery date, then both are proposed by time in the program (Al-Anon: no requirements)', async () => {
    const newcomer = await withNewcomer(t, { program: 'al-anon', experiences: [], recoveryDate: undefined, programSince: '2026-10-01' });
    const long = await withSponsor(t, { program: 'al-anon', recoveryDate: undefined, programSince: '2015-01-01', experiences: [], experiencesOnCard: [] });
    const recent = await withSponsor(t, { program: 'al-anon', recoveryDate: undefined, programSince: '2026-06-01', experiences: [], experiencesOnCard: [] });
    const ids = (await proposalsFor(newcomer)).proposals.map((p: { sponsorId: string }) => p.sponsorId);
    expect(ids).to.include.members([long.id, recent.id]);
  });

  it('when a sponsor has no hour in common and both text, then she is proposed only once the newcomer accepts asynchronous contact', async () => {
    // Arrange: the sponsor is free on Tuesday mornings, the newcomer on Monday and Wednesday evenings.
    const sponsor = await withSponsor(t, { program: 'na', availability: [{ day: 'tue', start: '08:00', end: '09:00' }], contactModes: ['text'] });
    const syncOnly = await withNewcomer(t, { program: 'na', contactModes: ['text'] });
    const asyncOk = await withNewcomer(t, { program: 'na', contactModes: ['text'], acceptsAsyncOnly: true });

    // Act
    const refused = await whyNot(syncOnly, sponsor);
    const accepted = await whyNot(asyncOk, sponsor);

    // Assert
    expect(ruleNames(refused)).to.include('no-availability-overlap');
    expect(accepted).to.include({ eligible: true });
  });

  it('when two sponsors score the same, then the one taking newcomers longer comes first, whatever their ids', async () => {
    // Arrange: the first sponsor (the smaller id) closes and reopens after the second opened.
    const newcomer = await withNewcomer(t, { program: 'na', languages: ['pt'] });
    const first = await withSponsor(t, { program: 'na', languages: ['pt'] });
    t.clock.advance(60_000);
    const second = await withSponsor(t, { program: 'na', languages: ['pt'] });
    t.clock.advance(60_000);
    for (const accepting of [false, true]) {
      const res = await t.request.put('/api/v1/me/sponsor-profile').set(bearer(first)).send(sponsorBody({ program: 'na', languages: ['pt'], acceptingNewcomers: accepting }));
      expect(res.status).to.equal(200);
    }

    // Act
    const proposals = (await proposalsFor(newcomer)).proposals as Array<{ sponsorId: string; score: number }>;

    // Assert
    expect(proposals.map((p) => p.sponsorId)).to.deep.equal([second.id, first.id]);
    expect(proposals[0]!.score).to.equal(proposals[1]!.score);
  });
});
