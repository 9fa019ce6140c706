import { expect } from 'chai';
import { SEED_PROGRAMS } from '../../src/programs/program-seed.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, makeAdmin, makeCoordinator, withNewcomer, withSponsor, type Member } from '../support/factories.ts';

const smartSeed = SEED_PROGRAMS.find((p) => p.key === 'smart')!;

// SMART Recovery FAQ: "There are no sponsors in SMART Recovery." A program with
// pairing none is proposed to no one, and its newcomers are told what it offers.
describe('programs without pairing: proposals and pool runs', () => {
  let t: TestApp;
  let smartNewcomer: Member;
  let naNewcomer: Member;
  let smartSponsor: Member;
  let naSponsor: Member;
  before(async () => {
    t = await startTestApp('program-pairing');
    smartNewcomer = await withNewcomer(t, { program: 'smart' }, { displayName: 'Sam' });
    naNewcomer = await withNewcomer(t, { acceptedPrograms: ['smart'] }, { displayName: 'Noor' });
    smartSponsor = await withSponsor(t, { program: 'smart', recoveryDate: '2010-01-01' }, { displayName: 'Sid' });
    naSponsor = await withSponsor(t, {}, { displayName: 'Nia' });
  });
  after(async () => {
    await t.close();
  });

  it('when a SMART Recovery newcomer asks for proposals, then 200 with no cards and what SMART Recovery offers instead (SMART Recovery FAQ: no sponsors)', async () => {
    const res = await t.request.get(`/api/v1/newcomers/${smartNewcomer.id}/proposals`).set(bearer(smartNewcomer));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      newcomerId: smartNewcomer.id,
      proposals: [],
      unavailable: {
        reason: "SMART Recovery doesn't pair members one to one, so there are no SMART Recovery sponsors to propose, and that is how the program is meant to work.",
        offers: smartSeed.offers,
      },
    });
  });

  it('when a coordinator of SMART Recovery asks for a SMART newcomer, then the same answer with no eligible sponsors, and explaining the SMART sponsor says the same', async () => {
    const c = await makeCoordinator(t, ['smart']);
    const res = await t.request.get(`/api/v1/newcomers/${smartNewcomer.id}/proposals`).set(bearer(c));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ newcomerId: smartNewcomer.id, newcomerName: 'Sam', proposals: [], eligibleCount: 0, excluded: [] });
    expect(res.body.unavailable.offers).to.equal(smartSeed.offers);
    const explain = await t.request.get(`/api/v1/newcomers/${smartNewcomer.id}/proposals?sponsor=${smartSponsor.id}`).set(bearer(c));
    expect(explain.status).to.equal(200);
    expect(explain.body).to.deep.include({ sponsorId: smartSponsor.id, eligible: false, failingRules: [] });
    expect(explain.body.unavailable.offers).to.equal(smartSeed.offers);
  });

  it('when a newcomer of a program with pairing accepts SMART Recovery too, then its sponsors are never proposed and explaining one is 404', async () => {
    const c = await makeCoordinator(t, ['na', 'smart']);
    const res = await t.request.get(`/api/v1/newcomers/${naNewcomer.id}/proposals`).set(bearer(c));
    expect(res.status).to.equal(200);
    expect(res.body.unavailable).to.equal(undefined);
    expect(res.body.proposals.map((p: { sponsorId: string }) => p.sponsorId)).to.deep.equal([naSponsor.id]);
    const explain = await t.request.get(`/api/v1/newcomers/${naNewcomer.id}/proposals?sponsor=${smartSponsor.id}`).set(bearer(c));
    expect(explain.status).to.equal(404);
  });

  it('when an admin runs the pool, then SMART newcomers are not in it and SMART sponsors are paired with no one', async () => {
    const admin = await makeAdmin(t);
    const res = await t.request.post('/api/v1/matching/runs').set(bearer(admin)).send({});
    expect(res.status).to.equal(201);
    const pairs = res.body.pairs as Array<{ newcomerId: string; sponsorId: string }>;
    const inRun = [...pairs.map((p) => p.newcomerId), ...res.body.unmatched.map((u: { newcomerId: string }) => u.newcomerId)];
    expect(inRun).not.to.include(smartNewcomer.id);
    expect(inRun).to.include(naNewcomer.id);
    expect(pairs.map((p) => p.sponsorId)).not.to.include(smartSponsor.id);
    const run = await t.request.post('/api/v1/matching/runs').set(bearer(admin)).send({ program: 'smart' });
    expect(run.status).to.equal(201);
    expect(run.body.pairs).to.deep.equal([]);
    expect(run.body.unmatched).to.deep.equal([]);
  });

  // Last: it changes the program for the tests after it.
  it('when an admin switches SMART Recovery to mentor pairing, then its newcomers get cards and its sponsors are proposed', async () => {
    const admin = await makeAdmin(t);
    const { key: _k, ...rules } = smartSeed;
    const put = await t.request.put('/api/v1/admin/programs/smart').set(bearer(admin)).send({ ...rules, pairing: 'mentor' });
    expect(put.status).to.equal(200);
    const c = await makeCoordinator(t, ['na', 'smart']);
    const res = await t.request.get(`/api/v1/newcomers/${naNewcomer.id}/proposals`).set(bearer(c));
    expect(res.body.proposals.map((p: { sponsorId: string }) => p.sponsorId)).to.have.members([naSponsor.id, smartSponsor.id]);
    const own = await t.request.get(`/api/v1/newcomers/${smartNewcomer.id}/proposals`).set(bearer(smartNewcomer));
    expect(own.status).to.equal(200);
    expect(own.body.unavailable).to.equal(undefined);
    expect(own.body.proposals.map((p: { displayName: string; roleWord: string }) => [p.displayName, p.roleWord])).to.deep.equal([['Sid', 'mentor']]);
  });
});

const WITHOUT_PAIRING: ReadonlyArray<{ key: string; name: string; source: string; over?: Record<string, unknown> }> = [
  { key: 'smart', name: 'SMART Recovery', source: 'SMART Recovery FAQ: "There are no sponsors in SMART Recovery"' },
  { key: 'lifering', name: 'LifeRing Secular Recovery', source: 'LifeRing FAQ: "there is no real role for a Program guide"' },
  { key: 'wfs', name: 'Women for Sobriety', source: 'WFS Community: meetings, online community and phone support' },
];

describe('programs without pairing: each seeded one tells its newcomers what it offers', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('program-pairing-table');
  });
  after(async () => {
    await t.close();
  });

  for (const row of WITHOUT_PAIRING) {
    it(`when a ${row.name} newcomer asks for proposals, then no cards and the program's own offers (${row.source})`, async () => {
      await withSponsor(t, { program: row.key, recoveryDate: '2010-01-01' });
      const newcomer = await withNewcomer(t, { program: row.key });
      const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer));
      expect(res.status).to.equal(200);
      expect(res.body.proposals).to.deep.equal([]);
      expect(res.body.unavailable.reason).to.contain(row.name);
      expect(res.body.unavailable.offers).to.equal(SEED_PROGRAMS.find((p) => p.key === row.key)!.offers);
    });
  }
});
