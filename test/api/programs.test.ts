import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { prepareDatabase } from '../../src/prepare.ts';
import { SEED_PROGRAMS, SEED_V1, SEED_VERSION } from '../../src/programs/program-seed.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, makeAdmin } from '../support/factories.ts';

interface ProgramBody {
  key: string;
  pairing: string;
  sources: Array<{ title: string; url: string }>;
  notes: string;
  offers?: string;
}

describe('programs: PUT /api/v1/admin/programs/{key}', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('programs');
  });
  after(async () => {
    await t.close();
  });

  const rules = (i: number) => ({
    name: `Racing Recovery ${i}`,
    family: 'secular',
    pairing: 'mentor',
    minRecoveryDays: 30 + i,
    minRecoveryGapDays: 0,
    genderRule: 'none',
    ownSponsor: 'none',
    completedStepsPreferred: false,
    timeCountedAs: 'recovery',
    requiresSponsorVetting: i % 2 === 0,
    experiences: ['alcohol'],
    sources: [{ title: `Racing literature ${i}`, url: `https://example.org/racing/${i}` }],
    notes: `Round rules ${i}`,
  });

  // A race is won or lost by timing, so the test runs several rounds, one new key each.
  it('when an admin fires 10 PUTs of one new program key at once, then all answer 200 and one of them is stored', async function () {
    this.timeout(60_000);
    const admin = await makeAdmin(t);
    for (let round = 0; round < 8; round++) {
      const key = `racing-${round}`;
      const bodies = Array.from({ length: 10 }, (_, i) => rules(i));
      const responses = await Promise.all(bodies.map((b) => t.request.put(`/api/v1/admin/programs/${key}`).set(bearer(admin)).send(b)));
      expect(responses.map((r) => r.status), `round ${round}`).to.deep.equal(Array(10).fill(200));
      const stored = await t.db.conn.collection('programs').find({ _id: key as never }).toArray();
      expect(stored).to.have.length(1);
      const { _id, updatedAt: _u, editedByAdmin, ...storedRules } = stored[0]!;
      expect(editedByAdmin).to.equal(true);
      expect(bodies).to.deep.include(storedRules);
      const listed = await t.request.get('/api/v1/programs').set(bearer(admin));
      expect(listed.body.programs.find((p: { key: string }) => p.key === key)).to.deep.equal({ key, ...storedRules });
    }
  });

  it('when an admin switches SMART Recovery to mentor pairing with sources and notes, then members read them back and the program counts as edited', async () => {
    const admin = await makeAdmin(t);
    const { key: _k, ...smart } = SEED_PROGRAMS.find((p) => p.key === 'smart')!;
    const body = { ...smart, pairing: 'mentor', notes: 'Our local group pairs experienced members with newer ones.', sources: [{ title: 'Local group minutes', url: 'https://example.org/minutes' }] };
    const put = await t.request.put('/api/v1/admin/programs/smart').set(bearer(admin)).send(body);
    expect(put.status).to.equal(200);
    expect(put.body).to.deep.equal({ key: 'smart', ...body });
    const listed = await t.request.get('/api/v1/programs').set(bearer(admin));
    expect(listed.body.programs.find((p: ProgramBody) => p.key === 'smart')).to.deep.equal({ key: 'smart', ...body });
    const stored = await t.db.conn.collection('programs').findOne({ _id: 'smart' as never });
    expect(stored).to.include({ editedByAdmin: true, seedVersion: SEED_VERSION, pairing: 'mentor' });
    expect(stored).not.to.have.property('roleWord');
  });

  it('when an admin PUTs a program with the older roleWord instead of pairing, then it is stored as that pairing', async () => {
    const admin = await makeAdmin(t);
    const body = { name: 'Older Client Anonymous', family: 'twelve-step', roleWord: 'sponsor', genderRule: 'none', requiresOwnSponsor: false, experiences: [] };
    const put = await t.request.put('/api/v1/admin/programs/older-client').set(bearer(admin)).send(body);
    expect(put.status).to.equal(200);
    expect(put.body).to.include({ key: 'older-client', pairing: 'sponsor', notes: '', ownSponsor: 'none', completedStepsPreferred: false, timeCountedAs: 'recovery', minRecoveryGapDays: 0 });
    expect(put.body).not.to.have.property('roleWord');
    expect(put.body).not.to.have.property('requiresOwnSponsor');
    expect(put.body.sources).to.deep.equal([]);
  });

  it('when an admin sets and then clears every per-program rule, then members read each state back and the index follows', async () => {
    // Arrange
    const admin = await makeAdmin(t);
    const ruled = {
      name: 'Springfield Women\'s Step Group',
      family: 'religious',
      pairing: 'sponsor',
      minRecoveryDays: 730,
      minRecoveryGapDays: 30,
      genderRule: 'same-required',
      ownSponsor: 'required',
      minStepsCompleted: 12,
      completedStepsPreferred: false,
      memberGenders: ['woman', 'non-binary'],
      timeCountedAs: 'program',
      requiresSponsorVetting: false,
      experiences: ['alcohol'],
      sources: [{ title: 'Group conscience minutes', url: 'https://example.org/minutes' }],
      notes: 'As our group conscience decided.',
    };
    const read = async () => (await t.request.get('/api/v1/programs').set(bearer(admin))).body.programs.find((p: ProgramBody) => p.key === 'springfield-women');

    // Act and assert: set
    const put = await t.request.put('/api/v1/admin/programs/springfield-women').set(bearer(admin)).send(ruled);
    expect(put.status).to.equal(200);
    expect(put.body).to.deep.equal({ key: 'springfield-women', ...ruled });
    expect(await read()).to.deep.equal({ key: 'springfield-women', ...ruled });
    expect(t.engine.programs().get('springfield-women')).to.include({ ownSponsor: 'required', minStepsCompleted: 12, timeCountedAs: 'program' });

    // Act and assert: clear the optional rules
    const { memberGenders: _m, minStepsCompleted: _s, ...cleared } = ruled;
    const plain = { ...cleared, genderRule: 'none', ownSponsor: 'preferred', completedStepsPreferred: true, timeCountedAs: 'recovery' };
    expect((await t.request.put('/api/v1/admin/programs/springfield-women').set(bearer(admin)).send(plain)).status).to.equal(200);
    expect(await read()).to.deep.equal({ key: 'springfield-women', ...plain });
    const stored = await t.db.conn.collection('programs').findOne({ _id: 'springfield-women' as never });
    expect(stored).not.to.have.any.keys('memberGenders', 'minStepsCompleted', 'requiresOwnSponsor');
  });

  const badRules: Array<[string, Record<string, unknown>, string]> = [
    ['neither ownSponsor nor requiresOwnSponsor', { ownSponsor: undefined }, 'ownSponsor'],
    ['an unknown gender rule', { genderRule: 'same-if-possible' }, 'genderRule'],
    ['an unknown own-sponsor rule', { ownSponsor: 'sometimes' }, 'ownSponsor'],
    ['13 steps', { minStepsCompleted: 13 }, 'minStepsCompleted'],
    ['an empty list of member genders', { memberGenders: [] }, 'memberGenders'],
    ['a member gender outside the list', { memberGenders: ['robot'] }, 'memberGenders.0'],
    ['time counted in an unknown way', { timeCountedAs: 'sobriety' }, 'timeCountedAs'],
  ];
  for (const [when, over, path] of badRules) {
    it(`when an admin PUTs a program with ${when}, then 400 problem+json naming ${path} and nothing stored`, async () => {
      const admin = await makeAdmin(t);
      const body = { name: 'Bad Rules', family: 'secular', pairing: 'mentor', genderRule: 'none', ownSponsor: 'none', experiences: [], ...over };
      const res = await t.request.put('/api/v1/admin/programs/bad-rules').set(bearer(admin)).send(body);
      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(path);
      expect(await t.db.conn.collection('programs').findOne({ _id: 'bad-rules' as never })).to.equal(null);
    });
  }

  it('when an admin PUTs a program with neither pairing nor roleWord, or a source that is not a web address, then 400 naming the field', async () => {
    const admin = await makeAdmin(t);
    const body = { name: 'Vague Anonymous', family: 'secular', genderRule: 'none', requiresOwnSponsor: false, experiences: [] };
    const none = await t.request.put('/api/v1/admin/programs/vague').set(bearer(admin)).send(body);
    expect(none.status).to.equal(400);
    expect(none.body.errors.map((e: { path: string }) => e.path)).to.include('pairing');
    const badUrl = await t.request.put('/api/v1/admin/programs/vague').set(bearer(admin)).send({ ...body, pairing: 'none', sources: [{ title: 'x', url: 'javascript:alert(1)' }] });
    expect(badUrl.status).to.equal(400);
    expect(badUrl.body.errors.map((e: { path: string }) => e.path)).to.include('sources.0.url');
    expect(await t.db.conn.collection('programs').findOne({ _id: 'vague' as never })).to.equal(null);
  });
});

// What each program's own literature says (docs/program-rules-sources.md), as the seed records it.
const PAIRING_BY_SOURCE: ReadonlyArray<{ key: string; name: string; pairing: string; source: string; url: string }> = [
  { key: 'aa', name: 'Alcoholics Anonymous', pairing: 'sponsor', source: 'A.A. pamphlet P-15, Questions & Answers on Sponsorship', url: 'aa.org' },
  { key: 'na', name: 'Narcotics Anonymous', pairing: 'sponsor', source: 'NA IP No. 11, Sponsorship, Revised', url: 'nachat.live' },
  { key: 'ca', name: 'Cocaine Anonymous', pairing: 'sponsor', source: 'C.A. pamphlet Choosing Your Sponsor', url: 'casandiego.org' },
  { key: 'cma', name: 'Crystal Meth Anonymous', pairing: 'sponsor', source: 'NYCMA, What is a Sponsor?', url: 'nycma.org' },
  { key: 'ma', name: 'Marijuana Anonymous', pairing: 'sponsor', source: 'MA World Services, About Sponsorship', url: 'marijuana-anonymous.org' },
  { key: 'ha', name: 'Heroin Anonymous', pairing: 'sponsor', source: 'HA World Services, What Is A Sponsor', url: 'heroinanonymous.org' },
  { key: 'smart', name: 'SMART Recovery', pairing: 'none', source: 'SMART Recovery FAQ: "There are no sponsors in SMART Recovery"', url: 'smartrecovery.org' },
  { key: 'lifering', name: 'LifeRing Secular Recovery', pairing: 'none', source: 'LifeRing FAQ: "no real role for a Program guide"', url: 'lifering' },
  { key: 'wfs', name: 'Women for Sobriety', pairing: 'none', source: 'WFS Community: meetings, online community, phone support', url: 'womenforsobriety.org' },
  { key: 'celebrate-recovery', name: 'Celebrate Recovery', pairing: 'sponsor', source: 'Celebrate Recovery Sponsor Training, prerequisites for sponsors', url: 'celebrate-recovery' },
  { key: 'recovery-dharma', name: 'Recovery Dharma', pairing: 'mentor', source: 'Recovery Dharma book, "Wise Friends and Mentors"', url: 'recoverydharma.org' },
  { key: 'refuge-recovery', name: 'Refuge Recovery', pairing: 'mentor', source: 'refugerecovery.org sangha spotlights on mentorship', url: 'refugerecovery.org' },
  { key: 'al-anon', name: 'Al-Anon Family Groups', pairing: 'sponsor', source: 'al-anon.org, "There are no requirements for Al-Anon sponsorship"', url: 'al-anon.org' },
  { key: 'nar-anon', name: 'Nar-Anon Family Groups', pairing: 'sponsor', source: 'Nar-Anon Midwest Region, Sponsorship', url: 'naranonmidwest.org' },
];

describe('programs: GET /api/v1/programs, as each program states its rules', () => {
  let t: TestApp;
  let listed: ProgramBody[];
  before(async () => {
    t = await startTestApp('programs-read');
    const admin = await makeAdmin(t);
    listed = (await t.request.get('/api/v1/programs').set(bearer(admin))).body.programs;
  });
  after(async () => {
    await t.close();
  });

  it('when the programs are read, then every seeded program is in the table below', () => {
    expect(PAIRING_BY_SOURCE.map((r) => r.key).sort()).to.deep.equal(SEED_PROGRAMS.map((p) => p.key).sort());
  });

  for (const row of PAIRING_BY_SOURCE) {
    it(`when the ${row.name} program is read, then pairing is ${row.pairing} with its source and notes (${row.source})`, () => {
      const p = listed.find((x) => x.key === row.key)!;
      expect(p).to.include({ pairing: row.pairing });
      expect(p).not.to.have.property('roleWord');
      expect(p.sources.length).to.be.greaterThan(0);
      expect(p.sources.some((s) => s.url.includes(row.url)), p.sources.map((s) => s.url).join(', ')).to.equal(true);
      for (const s of p.sources) expect(s.url).to.match(/^https?:\/\//);
      expect(p.notes.length).to.be.greaterThan(40);
      if (row.pairing === 'none') {
        expect(p.offers).to.be.a('string').and.match(/meetings/);
        expect(p.offers).to.contain(row.name.split(' ')[0]);
      }
    });
  }
});

// A database made by earlier code: the programs exactly as its seed wrote them
// (roleWord, no version, no sources or pairing), one of them edited by an admin.
describe('programs: the seed upgrades a database made by earlier code', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('programs-upgrade');
  });
  after(async () => {
    await t.close();
  });

  const seededAt = new Date('2026-01-01T00:00:00Z');
  const editedAt = new Date('2026-02-01T00:00:00Z');
  const adminSmart = {
    _id: 'smart',
    name: 'SMART Recovery (Springfield)',
    family: 'secular',
    roleWord: 'mentor',
    minRecoveryDays: 180,
    minRecoveryGapDays: 0,
    genderRule: 'none',
    requiresOwnSponsor: false,
    experiences: ['alcohol'],
    updatedAt: editedAt,
  };

  async function writeEarlierDatabase(): Promise<void> {
    const programs = t.db.conn.collection('programs');
    await programs.deleteMany({});
    await programs.insertMany(SEED_V1.map(({ key, ...rules }) => ({ _id: key as never, ...rules, updatedAt: seededAt })));
    // What the earlier admin PUT left: the rules replaced with $set, weights kept, nothing else.
    await programs.replaceOne({ _id: 'smart' as never }, adminSmart);
    await programs.updateOne({ _id: 'aa' as never }, { $set: { weights: { availability: 7 } } });
    await programs.insertOne({ ...adminSmart, _id: 'springfield-group' as never, name: 'Springfield Group', roleWord: 'sponsor' });
  }

  it('when the service starts on it, then unedited programs take the new rules and the edited one keeps its values and gains defaults', async () => {
    await writeEarlierDatabase();
    const now = new Date('2026-03-01T00:00:00Z');

    await prepareDatabase(t.db.conn, { buildIndexes: false, now });

    const docs = new Map((await t.db.conn.collection('programs').find().toArray()).map((d) => [String(d._id), d]));
    for (const seeded of SEED_PROGRAMS.filter((p) => p.key !== 'smart')) {
      const { key, ...rules } = seeded;
      const d = docs.get(key)!;
      expect(d, key).to.deep.include({ ...rules, seedVersion: SEED_VERSION, editedByAdmin: false });
      expect(d, key).not.to.have.property('roleWord');
      expect(d, key).not.to.have.property('requiresOwnSponsor');
    }
    expect(docs.get('aa')!.weights).to.deep.equal({ availability: 7 });
    const { roleWord: _r, requiresOwnSponsor: _o, ...adminValues } = adminSmart;
    expect(docs.get('smart')).to.deep.equal({
      ...adminValues,
      pairing: 'mentor',
      sources: [],
      notes: '',
      ownSponsor: 'none',
      completedStepsPreferred: false,
      timeCountedAs: 'recovery',
      requiresSponsorVetting: true,
      seedVersion: SEED_VERSION,
      editedByAdmin: true,
    });
    expect(docs.get('springfield-group')).to.deep.include({ name: 'Springfield Group', pairing: 'sponsor', sources: [], notes: '', minRecoveryDays: 180, ownSponsor: 'none' });
    expect(docs.get('springfield-group')).not.to.have.property('roleWord');
  });

  it('when two instances start on it at once and then again, then each program is written once and a second start changes nothing', async () => {
    await writeEarlierDatabase();
    const now = new Date('2026-03-01T00:00:00Z');

    await Promise.all([prepareDatabase(t.db.conn, { buildIndexes: false, now }), prepareDatabase(t.db.conn, { buildIndexes: false, now })]);
    const first = await t.db.conn.collection('programs').find().sort({ _id: 1 }).toArray();
    await prepareDatabase(t.db.conn, { buildIndexes: false, now: new Date('2026-04-01T00:00:00Z') });
    const second = await t.db.conn.collection('programs').find().sort({ _id: 1 }).toArray();

    expect(second).to.deep.equal(first);
    expect(first.find((d) => d._id === ('smart' as never))).to.include({ name: 'SMART Recovery (Springfield)', pairing: 'mentor', editedByAdmin: true });
    expect(first.find((d) => d._id === ('lifering' as never))).to.include({ pairing: 'none', editedByAdmin: false });
  });

  it('when the service starts on a fresh database, then every seeded program is written from the current seed version', async () => {
    await t.db.conn.collection('programs').deleteMany({});
    await prepareDatabase(t.db.conn, { buildIndexes: false, now: new Date('2026-03-01T00:00:00Z') });
    const docs = await t.db.conn.collection('programs').find().toArray();
    expect(docs.map((d) => String(d._id)).sort()).to.deep.equal(SEED_PROGRAMS.map((p) => p.key).sort());
    for (const d of docs) expect(d).to.include({ seedVersion: SEED_VERSION, editedByAdmin: false });
  });
});

// A database made by the code before this change (seed version 2), read from a
// fixture that code wrote (test/fixtures/programs-seed-v2.json: its SEED_PROGRAMS
// as its seed() inserted them), with one seeded program an admin edited and one
// program an admin added, each as that code's admin PUT stored them.
describe('programs: the seed upgrades a database made by seed version 2', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('programs-upgrade-v2');
  });
  after(async () => {
    await t.close();
  });

  const seededAt = new Date('2026-06-01T00:00:00Z');
  const editedAt = new Date('2026-07-01T00:00:00Z');

  async function writeVersion2Database(): Promise<void> {
    const v2 = JSON.parse(await readFile(new URL('../fixtures/programs-seed-v2.json', import.meta.url), 'utf8')) as Array<Record<string, unknown>>;
    const programs = t.db.conn.collection('programs');
    await programs.deleteMany({});
    await programs.insertMany(v2.map((d) => ({ ...d, _id: d._id as never, updatedAt: seededAt })));
    // The v2 admin PUT: $set of the rules, editedByAdmin true.
    await programs.updateOne({ _id: 'na' as never }, { $set: { minRecoveryDays: 730, requiresOwnSponsor: true, editedByAdmin: true, updatedAt: editedAt } });
    await programs.insertOne({
      _id: 'springfield-group' as never,
      name: 'Springfield Group',
      family: 'twelve-step',
      pairing: 'sponsor',
      minRecoveryDays: 180,
      minRecoveryGapDays: 365,
      genderRule: 'same-gender-by-default',
      requiresOwnSponsor: false,
      experiences: ['alcohol'],
      sources: [],
      notes: 'Ours',
      editedByAdmin: true,
      updatedAt: editedAt,
    });
  }

  it('when the service starts on it, then unedited programs take the version 3 rules, the edited one keeps its values with defaults for the new fields', async () => {
    // Arrange
    await writeVersion2Database();
    const v2 = new Map((await t.db.conn.collection('programs').find().toArray()).map((d) => [String(d._id), d]));
    expect(v2.get('aa')).to.include({ seedVersion: 2, minRecoveryGapDays: 365, requiresOwnSponsor: true });

    // Act
    await prepareDatabase(t.db.conn, { buildIndexes: false, now: new Date('2026-08-01T00:00:00Z') });

    // Assert: unedited programs equal the current seed (Celebrate Recovery's hard rules, Al-Anon's time in the program, WFS's members).
    const docs = new Map((await t.db.conn.collection('programs').find().toArray()).map((d) => [String(d._id), d]));
    for (const { key, ...rules } of SEED_PROGRAMS.filter((p) => p.key !== 'na')) {
      const { _id, updatedAt: _u, ...stored } = docs.get(key)!;
      expect(stored, key).to.deep.equal({ ...rules, seedVersion: SEED_VERSION, editedByAdmin: false });
    }
    expect(docs.get('celebrate-recovery')).to.include({ ownSponsor: 'required', minStepsCompleted: 12, genderRule: 'same-required', minRecoveryDays: 365 });
    expect(docs.get('al-anon')).to.include({ timeCountedAs: 'program', minRecoveryDays: 0, ownSponsor: 'none', genderRule: 'none' });
    expect(docs.get('wfs')!.memberGenders).to.deep.equal(['woman']);
    expect(docs.get('aa')).to.include({ minRecoveryGapDays: 0, ownSponsor: 'preferred', completedStepsPreferred: true });
    // The edited program: the admin's values stay, what they meant by requiresOwnSponsor becomes ownSponsor.
    const na = docs.get('na')!;
    expect(na).to.include({ minRecoveryDays: 730, minRecoveryGapDays: 365, ownSponsor: 'required', completedStepsPreferred: false, timeCountedAs: 'recovery', seedVersion: SEED_VERSION, editedByAdmin: true });
    expect(na.updatedAt).to.deep.equal(editedAt);
    expect(na).not.to.have.property('requiresOwnSponsor');
    expect(docs.get('springfield-group')).to.include({ ownSponsor: 'none', minRecoveryGapDays: 365, notes: 'Ours', timeCountedAs: 'recovery' });
    expect(docs.get('springfield-group')).not.to.have.property('requiresOwnSponsor');
  });

  it('when the upgraded programs are read through the API, then members see the new settings', async () => {
    // Arrange
    await writeVersion2Database();
    await prepareDatabase(t.db.conn, { buildIndexes: false, now: new Date('2026-08-01T00:00:00Z') });
    await t.engine.programsChanged('test');
    const admin = await makeAdmin(t);

    // Act
    const listed = (await t.request.get('/api/v1/programs').set(bearer(admin))).body.programs as Array<Record<string, unknown>>;

    // Assert
    const byKey = new Map(listed.map((p) => [p.key, p]));
    expect(byKey.get('celebrate-recovery')).to.include({ ownSponsor: 'required', minStepsCompleted: 12, genderRule: 'same-required' });
    expect(byKey.get('na')).to.include({ ownSponsor: 'required', minRecoveryDays: 730 });
    expect(byKey.get('springfield-group')).to.include({ ownSponsor: 'none' });
    for (const p of listed) expect(p).not.to.have.property('requiresOwnSponsor');
  });
});
