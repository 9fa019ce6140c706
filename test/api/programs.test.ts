import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, makeAdmin } from '../support/factories.ts';

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
    roleWord: 'mentor',
    minRecoveryDays: 30 + i,
    minRecoveryGapDays: 0,
    genderRule: 'none',
    requiresOwnSponsor: false,
    experiences: ['alcohol'],
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
      const { _id, updatedAt: _u, ...storedRules } = stored[0]!;
      expect(bodies).to.deep.include(storedRules);
      const listed = await t.request.get('/api/v1/programs').set(bearer(admin));
      expect(listed.body.programs.find((p: { key: string }) => p.key === key)).to.deep.equal({ key, ...storedRules });
    }
  });
});
