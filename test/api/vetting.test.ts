import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { text } from '../../src/matching/texts.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSecondInstance } from '../support/second-instance.ts';
import { bearer, makeAdmin, makeCoordinator, registerMember, sponsorBody, withNewcomer, withSponsor, type Member } from '../support/factories.ts';

const names = (body: { proposals?: Array<{ displayName: string }> }) => (body.proposals ?? []).map((p) => p.displayName);

interface AuditEntry {
  action: string;
  route: string;
  actor: { userId: string | null };
  subjects: Array<{ userId: string | null }>;
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sponsor vetting: coordinators approve or refuse sponsors before they are proposed', () => {
  let t: TestApp;
  let newcomer: Member;
  let coordinator: Member;
  let otherCoordinator: Member;
  let admin: Member;
  before(async () => {
    t = await startTestApp('vetting');
    newcomer = await withNewcomer(t, {}, { displayName: 'Jo' });
    coordinator = await makeCoordinator(t, ['na']);
    otherCoordinator = await makeCoordinator(t, ['aa']);
    admin = await makeAdmin(t);
  });
  after(async () => {
    await t.close();
  });

  const proposedNames = async (who: Member = newcomer) =>
    names((await t.request.get(`/api/v1/newcomers/${who.id}/proposals`).query({ limit: 50 }).set(bearer(coordinator))).body);
  const vet = (by: Member, sponsor: Member, body: object) => t.request.post(`/api/v1/sponsors/${sponsor.id}/vet`).set(bearer(by)).send(body);
  const ownVetting = async (sponsor: Member) => {
    const res = await t.request.get('/api/v1/me/sponsor-profile').set(bearer(sponsor));
    expect(res.status).to.equal(200);
    return res.body.vetting as { status: string; message: string };
  };
  const makeCoordinatorOf = (m: Member, programs: string[]) => createUsersRepository(t.db.conn, t.feed).setCoordinatorOf(m.id, programs);
  const auditAbout = async (subject: string): Promise<AuditEntry[]> =>
    (await t.request.get('/api/v1/admin/audit').query({ subject }).set(bearer(admin))).body.entries;

  it('when a sponsor is not vetted yet, then they are not proposed and are told kindly that a coordinator will look; once approved, the very next request proposes them', async () => {
    const robin = await withSponsor(t, {}, { displayName: 'Robin' }, { vetted: false });
    expect(await proposedNames()).not.to.include('Robin');
    expect(t.engine.index.getSponsor(robin.id)).to.equal(undefined);
    const pending = await ownVetting(robin);
    expect(pending.status).to.equal('pending');
    expect(pending.message).to.match(/coordinator of Narcotics Anonymous will look at your profile/);
    expect(pending.message).not.to.match(/refus|reject|denied|fail/i);

    const res = await vet(coordinator, robin, { approved: true });

    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      sponsorId: robin.id,
      program: 'na',
      status: 'approved',
      required: true,
      decidedAt: t.clock().toISOString(),
      decidedBy: coordinator.id,
    });
    expect(await proposedNames()).to.include('Robin');
    const approved = await ownVetting(robin);
    expect(approved.status).to.equal('approved');
    expect(approved.message).not.to.match(/refus|reject|denied|fail|not /i);
  });

  it('when a coordinator asks why an unvetted sponsor is not proposed, then the answer says they await approval (or were not approved), not 404', async () => {
    const kit = await withSponsor(t, {}, { displayName: 'Kit' }, { vetted: false });
    const explain = () => t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query({ sponsor: kit.id }).set(bearer(coordinator));
    const pending = await explain();
    expect(pending.status).to.equal(200);
    expect(pending.body).to.include({ sponsorId: kit.id, eligible: false });
    expect(pending.body.failingRules).to.deep.equal([{ rule: 'not-vetted-pending', text: text('vetting.pending') }]);

    expect((await vet(coordinator, kit, { approved: false, note: 'not yet' })).status).to.equal(200);
    expect((await explain()).body.failingRules).to.deep.equal([{ rule: 'not-vetted-refused', text: text('vetting.refused') }]);

    expect((await vet(coordinator, kit, { approved: true })).status).to.equal(200);
    const approved = await explain();
    expect(approved.status).to.equal(200);
    expect(approved.body).to.include({ sponsorId: kit.id });
    expect(approved.body.failingRules?.map((r: { rule: string }) => r.rule) ?? []).not.to.include('not-vetted-pending');
    // A sponsor who does not exist is still 404, like one outside the newcomer's programs.
    expect((await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query({ sponsor: randomUUID() }).set(bearer(coordinator))).status).to.equal(404);
  });

  it('when a coordinator refuses a sponsor with a note, then the sponsor is no longer proposed and is told kindly, without the note; coordinators read the note', async () => {
    const sam = await withSponsor(t, {}, { displayName: 'Sasha' });
    expect(await proposedNames()).to.include('Sasha');
    const note = 'Spoke with the group: wants to wait until after the spring retreat (XQ-17).';

    const res = await vet(coordinator, sam, { approved: false, note });

    expect(res.status).to.equal(200);
    expect(res.body).to.include({ status: 'refused', note });
    expect(await proposedNames()).not.to.include('Sasha');
    const own = await t.request.get('/api/v1/me/sponsor-profile').set(bearer(sam));
    expect(own.body.vetting.status).to.equal('refused');
    expect(own.body.vetting.message).to.match(/Thank you/);
    expect(own.body.vetting.message).to.match(/not a judgement of your recovery/);
    expect(JSON.stringify(own.body)).not.to.include('XQ-17');
    expect(JSON.stringify(own.body)).not.to.include(coordinator.id);
    const detail = await t.request.get(`/api/v1/coordinator/sponsors/${sam.id}`).set(bearer(coordinator));
    expect(detail.status).to.equal(200);
    expect(detail.body).to.include({ userId: sam.id, displayName: 'Sasha', program: 'na' });
    expect(detail.body.vetting).to.include({ status: 'refused', required: true, note, decidedBy: coordinator.id });
    expect(detail.body.vetting.history.map((h: { status: string }) => h.status)).to.deep.equal(['approved', 'refused']);
    // The note is stored with the decision only: never in the audit log.
    expect(JSON.stringify(await t.db.conn.collection('audit_log').find().toArray())).not.to.include('XQ-17');
  });

  it('when a vetted sponsor edits their profile, then the approval stays; when they change program, then it is pending again until a coordinator of the new program approves', async () => {
    const ash = await withSponsor(t, {}, { displayName: 'Ashley' });
    const aaNewcomer = await withNewcomer(t, { program: 'aa' }, { displayName: 'Kit' });
    expect((await t.request.put('/api/v1/me/sponsor-profile').set(bearer(ash)).send(sponsorBody({ capacity: 2, bio: 'Evenings are best.' }))).status).to.equal(200);
    expect(await proposedNames()).to.include('Ashley');
    expect((await ownVetting(ash)).status).to.equal('approved');

    expect((await t.request.put('/api/v1/me/sponsor-profile').set(bearer(ash)).send(sponsorBody({ program: 'aa' }))).status).to.equal(200);

    expect((await ownVetting(ash)).status).to.equal('pending');
    expect((await ownVetting(ash)).message).to.match(/Alcoholics Anonymous/);
    const aaProposals = await t.request.get(`/api/v1/newcomers/${aaNewcomer.id}/proposals`).set(bearer(otherCoordinator));
    expect(names(aaProposals.body)).not.to.include('Ashley');
    // The NA coordinator's approval was for NA: the AA coordinator sees them waiting, the NA coordinator cannot decide.
    const waiting = await t.request.get('/api/v1/coordinator/sponsors').query({ vetting: 'pending' }).set(bearer(otherCoordinator));
    expect(waiting.body.sponsors.map((s: { userId: string }) => s.userId)).to.include(ash.id);
    expect((await vet(coordinator, ash, { approved: true })).status).to.equal(403);
    expect((await vet(otherCoordinator, ash, { approved: true })).status).to.equal(200);
    const after = await t.request.get(`/api/v1/newcomers/${aaNewcomer.id}/proposals`).set(bearer(otherCoordinator));
    expect(names(after.body)).to.include('Ashley');
  });

  it('when coordinators list sponsors by vetting status, then each sees those of their programs only, an admin sees all, and a program not theirs is 403', async () => {
    const waitingNa = await withSponsor(t, {}, { displayName: 'Noor' }, { vetted: false });
    const waitingAa = await withSponsor(t, { program: 'aa' }, { displayName: 'Ode' }, { vetted: false });
    const ids = (body: { sponsors: Array<{ userId: string }> }) => body.sponsors.map((s) => s.userId);

    const na = await t.request.get('/api/v1/coordinator/sponsors').query({ vetting: 'pending' }).set(bearer(coordinator));
    const all = await t.request.get('/api/v1/coordinator/sponsors').query({ vetting: 'pending' }).set(bearer(admin));
    const approved = await t.request.get('/api/v1/coordinator/sponsors').query({ vetting: 'approved' }).set(bearer(coordinator));
    const notTheirs = await t.request.get('/api/v1/coordinator/sponsors').query({ program: 'aa' }).set(bearer(coordinator));

    expect(na.status).to.equal(200);
    expect(ids(na.body)).to.include(waitingNa.id).and.not.include(waitingAa.id);
    for (const s of na.body.sponsors) expect(s).to.deep.include({ program: 'na', vetting: { status: 'pending' } });
    expect(na.body.total).to.equal(na.body.sponsors.length);
    expect(ids(all.body)).to.include.members([waitingNa.id, waitingAa.id]);
    expect(ids(approved.body)).not.to.include(waitingNa.id);
    for (const s of approved.body.sponsors) expect(s.vetting.status).to.equal('approved');
    expect(notTheirs.status).to.equal(403);
    expect(notTheirs.body.type).to.equal('/problems/not-coordinator-of-program');
  });

  it('when the vetting routes get bad input or the wrong caller, then a clear problem: 400 naming the field, 404 for an unknown sponsor, 403 for another program or a member', async () => {
    const kim = await withSponsor(t, {}, { displayName: 'Kim' }, { vetted: false });
    const member = await registerMember(t);
    const coordinatorSponsor = await withSponsor(t, {}, { displayName: 'Cy' }, { vetted: false });
    await makeCoordinatorOf(coordinatorSponsor, ['na']);
    // The role reaches the access cache through the change feed.
    for (let i = 0; i < 100 && (await t.request.get('/api/v1/programs/na/matching-weights').set(bearer(coordinatorSponsor))).status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const cases: Array<[string, () => Promise<{ status: number; body: { type: string; errors?: Array<{ path: string }> } }>, number, string, string[]?]> = [
      ['no body', () => vet(coordinator, kim, {}), 400, '/problems/invalid-request', ['approved']],
      ['approved not a boolean, an unknown field', () => vet(coordinator, kim, { approved: 'yes', score: 3 }), 400, '/problems/invalid-request', ['approved', 'score']],
      ['a note over 500 characters', () => vet(coordinator, kim, { approved: false, note: 'x'.repeat(501) }), 400, '/problems/invalid-request', ['note']],
      ['an id that is not a user id', () => t.request.post('/api/v1/sponsors/not-an-id/vet').set(bearer(coordinator)).send({ approved: true }), 400, '/problems/invalid-request', ['id']],
      ['an unknown sponsor', () => t.request.post('/api/v1/sponsors/00000000-0000-4000-8000-000000000000/vet').set(bearer(coordinator)).send({ approved: true }), 404, '/problems/sponsor-profile-not-found'],
      ['an unknown sponsor, read', () => t.request.get('/api/v1/coordinator/sponsors/00000000-0000-4000-8000-000000000000').set(bearer(coordinator)), 404, '/problems/sponsor-profile-not-found'],
      ['a coordinator of another program', () => vet(otherCoordinator, kim, { approved: true }), 403, '/problems/not-coordinator-of-program'],
      ['a coordinator of another program, read', () => t.request.get(`/api/v1/coordinator/sponsors/${kim.id}`).set(bearer(otherCoordinator)), 403, '/problems/not-coordinator-of-program'],
      ['a member', () => vet(member, kim, { approved: true }), 403, '/problems/forbidden'],
      ['the sponsor themself', () => vet(kim, kim, { approved: true }), 403, '/problems/forbidden'],
      ['a coordinator who is the sponsor', () => vet(coordinatorSponsor, coordinatorSponsor, { approved: true }), 403, '/problems/cannot-vet-self'],
      ['a bad status filter', () => t.request.get('/api/v1/coordinator/sponsors').query({ vetting: 'maybe' }).set(bearer(coordinator)), 400, '/problems/invalid-request', ['vetting']],
    ];
    for (const [what, call, status, type, paths] of cases) {
      const res = await call();
      expect(res.status, what).to.equal(status);
      expect(res.body.type, what).to.equal(type);
      if (paths) expect((res.body.errors ?? []).map((e) => e.path).sort(), what).to.deep.equal([...paths].sort());
      const { instance: _path, ...rest } = res.body as Record<string, unknown>;
      expect(JSON.stringify(rest), what).not.to.include(kim.id);
    }
    // Nothing was decided, nothing proposed, nothing audited about Kim.
    expect(await proposedNames()).not.to.include('Kim');
    expect((await t.request.get(`/api/v1/coordinator/sponsors/${kim.id}`).set(bearer(coordinator))).body.vetting.history).to.deep.equal([]);
    expect((await auditAbout(kim.id)).map((e) => e.action)).to.deep.equal(['read-sponsor-profile']);
    expect((await t.request.get(`/api/v1/coordinator/sponsors/${coordinatorSponsor.id}`).set(bearer(coordinator))).body.vetting.status).to.equal('pending');
  });

  it("when a coordinator lists sponsors, reads one and decides, then each is one audit entry naming the coordinator and the sponsor", async () => {
    const lee = await withSponsor(t, {}, { displayName: 'Lee' }, { vetted: false });
    const listed = await t.request.get('/api/v1/coordinator/sponsors').query({ vetting: 'pending' }).set(bearer(coordinator));
    expect(listed.body.sponsors.map((s: { userId: string }) => s.userId)).to.include(lee.id);
    expect((await t.request.get(`/api/v1/coordinator/sponsors/${lee.id}`).set(bearer(coordinator))).status).to.equal(200);
    expect((await vet(coordinator, lee, { approved: true, note: 'Met at the Tuesday meeting.' })).status).to.equal(200);

    const entries = await auditAbout(lee.id);

    expect(entries.map((e) => e.action).sort()).to.deep.equal(['list-sponsors', 'read-sponsor-profile', 'vet-sponsor']);
    for (const e of entries) expect(e.actor.userId).to.equal(coordinator.id);
    const decision = entries.find((e) => e.action === 'vet-sponsor')!;
    expect(decision.route).to.equal('POST /api/v1/sponsors/{id}/vet');
    expect(decision.subjects.map((s) => s.userId)).to.deep.equal([lee.id]);
    expect(JSON.stringify(entries)).not.to.include('Tuesday');
  });

  it('when several coordinators decide on one sponsor at the same moment, then every decision is kept in order, the last one holds, and the index follows it', async () => {
    const ray = await withSponsor(t, {}, { displayName: 'Ray' }, { vetted: false });
    const second = await makeCoordinator(t, ['na']);
    const decisions = [true, false, true, false, true, false];

    const answers = await Promise.all(decisions.map((approved, i) => vet(i % 2 ? second : coordinator, ray, { approved, note: `decision ${i}` })));

    expect(answers.map((a) => a.status)).to.deep.equal(decisions.map(() => 200));
    const versions = await t.db.conn.collection('sponsor_vetting').find({ entity: ray.id }).sort({ n: 1 }).toArray();
    expect(versions.map((v) => v.n)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(versions.map((v) => v._id)).to.deep.equal(versions.map((v) => `${ray.id}:${v.n}`));
    expect(versions.map((v) => v.state.note).sort()).to.deep.equal(decisions.map((_, i) => `decision ${i}`).sort());
    const detail = await t.request.get(`/api/v1/coordinator/sponsors/${ray.id}`).set(bearer(coordinator));
    const last = versions.at(-1)!;
    expect(detail.body.vetting).to.include({ status: last.state.status, note: last.state.note });
    expect(detail.body.vetting.history).to.have.length(6);
    expect(t.engine.index.getSponsor(ray.id) !== undefined).to.equal(last.state.status === 'approved');
  });
});

describe('sponsor vetting: pool runs and other instances', () => {
  let t: TestApp;
  let coordinator: Member;
  before(async () => {
    t = await startTestApp('vetting-runs');
    coordinator = await makeCoordinator(t, ['na']);
  });
  after(async () => {
    await t.close();
  });

  it('when another API instance follows the feed, then it keeps an unvetted sponsor out of its index and takes them in within 5 seconds of the approval', async () => {
    const sky = await withSponsor(t, {}, { displayName: 'Sky' }, { vetted: false });
    const second = await startSecondInstance(t.db.conn, t.clock, { intervalMs: 100 });
    try {
      expect(second.engine.index.getSponsor(sky.id)).to.equal(undefined);
      expect((await t.request.post(`/api/v1/sponsors/${sky.id}/vet`).set(bearer(coordinator)).send({ approved: true })).status).to.equal(200);
      await until('the second instance indexes the approved sponsor', () => second.engine.index.getSponsor(sky.id) !== undefined);
      expect((await t.request.post(`/api/v1/sponsors/${sky.id}/vet`).set(bearer(coordinator)).send({ approved: false })).status).to.equal(200);
      await until('the second instance drops the refused sponsor', () => second.engine.index.getSponsor(sky.id) === undefined);
    } finally {
      await second.stop();
    }
  });

  it('when a pool run is made, then an unvetted sponsor is in no pair; after the approval, the next run pairs them', async () => {
    const newcomer = await withNewcomer(t, { program: 'ca' });
    const river = await withSponsor(t, { program: 'ca' }, { displayName: 'River' }, { vetted: false });
    const caCoordinator = await makeCoordinator(t, ['ca']);

    const before = await t.request.post('/api/v1/matching/runs').set(bearer(caCoordinator)).send({ program: 'ca' });

    expect(before.status).to.equal(201);
    expect(before.body.pairs).to.deep.equal([]);
    expect(before.body.unmatched.map((u: { newcomerId: string }) => u.newcomerId)).to.deep.equal([newcomer.id]);
    expect((await t.request.post(`/api/v1/sponsors/${river.id}/vet`).set(bearer(caCoordinator)).send({ approved: true })).status).to.equal(200);
    const after = await t.request.post('/api/v1/matching/runs').set(bearer(caCoordinator)).send({ program: 'ca' });
    expect(after.body.pairs.map((p: { newcomerId: string; sponsorId: string }) => [p.newcomerId, p.sponsorId])).to.deep.equal([[newcomer.id, river.id]]);
  });

  it('when a program does not ask for vetting (requiresSponsorVetting: false), then its unvetted sponsors are proposed and told no review is needed; turning it back on takes them out', async () => {
    const newcomer = await withNewcomer(t, { program: 'cma' });
    const cmaCoordinator = await makeCoordinator(t, ['cma']);
    const rue = await withSponsor(t, { program: 'cma' }, { displayName: 'Rue' }, { vetted: false });
    const admin = await makeAdmin(t);
    const proposed = async () => names((await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(cmaCoordinator))).body);
    expect(await proposed()).to.deep.equal([]);

    // An admin's edit of the program, through the API: the flag shows in the program list and applies at once.
    const setVetting = async (on: boolean) => {
      const listed = (await t.request.get('/api/v1/programs').set(bearer(admin))).body.programs as Array<Record<string, unknown>>;
      const { key: _k, roleWord: _r, ...current } = listed.find((p) => p.key === 'cma')!;
      const res = await t.request.put('/api/v1/admin/programs/cma').set(bearer(admin)).send({ ...current, requiresSponsorVetting: on });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.requiresSponsorVetting).to.equal(on);
    };
    const seeded = (await t.request.get('/api/v1/programs').set(bearer(admin))).body.programs as Array<{ key: string; requiresSponsorVetting: boolean }>;
    expect(seeded.every((p) => p.requiresSponsorVetting)).to.equal(true);
    await setVetting(false);

    expect(await proposed()).to.deep.equal(['Rue']);
    const own = (await t.request.get('/api/v1/me/sponsor-profile').set(bearer(rue))).body.vetting;
    expect(own.status).to.equal('not-required');
    expect(own.message).to.match(/newcomers can be proposed to you/);

    await setVetting(true);
    expect(await proposed()).to.deep.equal([]);
  });
});
