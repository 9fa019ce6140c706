import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, makeAdmin, makeCoordinator, withNewcomer, withSponsor } from '../support/factories.ts';
import { randomUUID } from 'node:crypto';
import { createAuditRepository, createPseudonymsRepository } from '../../src/audit/audit.repository.ts';

interface Entry {
  action: string;
  route: string;
  requestId: string;
  actor: { pseudonym: string; userId: string | null };
  subjects: Array<{ pseudonym: string; userId: string | null }>;
}

describe('audit log: who read or decided what about whom', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('audit');
  });
  after(async () => {
    await t.close();
  });

  const entriesAbout = async (admin: { token: string }, subject: string): Promise<Entry[]> => {
    const res = await t.request.get('/api/v1/admin/audit').query({ subject }).set(bearer(admin));
    expect(res.status).to.equal(200);
    return res.body.entries;
  };

  it("when a coordinator reads a newcomer's proposals, then one entry names the coordinator, the newcomer, the route and the request id, and holds no data", async () => {
    const newcomer = await withNewcomer(t, {}, { displayName: 'Harper' });
    await withSponsor(t);
    const coordinator = await makeCoordinator(t, ['na']);
    const admin = await makeAdmin(t);
    const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(coordinator));
    expect(res.status).to.equal(200);
    const entries = await entriesAbout(admin, newcomer.id);
    const reads = entries.filter((e) => e.action === 'read-proposals');
    expect(reads).to.have.length(1);
    expect(reads[0]!.actor.userId).to.equal(coordinator.id);
    expect(reads[0]!.subjects.map((s) => s.userId)).to.deep.equal([newcomer.id]);
    expect(reads[0]!.route).to.equal('GET /api/v1/newcomers/{userId}/proposals');
    expect(reads[0]!.requestId).to.equal(res.headers['x-request-id']);
    // Stored by pseudonym: the raw entry names nobody directly and holds no profile data.
    const raw = JSON.stringify(await t.db.conn.collection('audit_log').find().toArray());
    expect(raw).not.to.include(newcomer.id);
    expect(raw).not.to.include(coordinator.id);
    expect(raw).not.to.match(/Harper|@|recovery/i);
  });

  it('when the newcomer reads their own proposals, then nothing is logged', async () => {
    const newcomer = await withNewcomer(t);
    const admin = await makeAdmin(t);
    expect((await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer))).status).to.equal(200);
    expect(await entriesAbout(admin, newcomer.id)).to.deep.equal([]);
  });

  it('when a read is refused, then nothing is logged', async () => {
    const newcomer = await withNewcomer(t);
    const other = await makeCoordinator(t, ['smart']);
    const admin = await makeAdmin(t);
    expect((await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(other))).status).to.equal(403);
    expect(await entriesAbout(admin, newcomer.id)).to.deep.equal([]);
  });

  it('when an admin changes roles, a coordinator changes weights and runs the pool and reads the run, then each is one entry', async () => {
    const admin = await makeAdmin(t);
    const member = await withNewcomer(t);
    const coordinator = await makeCoordinator(t, ['na']);
    expect((await t.request.put(`/api/v1/admin/users/${member.id}/roles`).set(bearer(admin)).send({ coordinatorOf: ['aa'] })).status).to.equal(200);
    const roleEntries = (await entriesAbout(admin, member.id)).filter((e) => e.action === 'set-roles');
    expect(roleEntries.map((e) => e.actor.userId)).to.deep.equal([admin.id]);

    const weights = (await t.request.get('/api/v1/programs/na/matching-weights').set(bearer(coordinator))).body;
    expect((await t.request.put('/api/v1/programs/na/matching-weights').set(bearer(coordinator)).send(weights)).status).to.equal(200);
    const run = await t.request.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program: 'na' });
    expect(run.status).to.equal(201);
    expect((await t.request.get(`/api/v1/matching/runs/${run.body.id}`).set(bearer(coordinator))).status).to.equal(200);
    const byCoordinator = (await t.request.get('/api/v1/admin/audit').query({ actor: coordinator.id }).set(bearer(admin))).body.entries as Entry[];
    expect(byCoordinator.map((e) => e.action).sort()).to.deep.equal(['create-run', 'read-run', 'set-matching-weights']);
  });

  it('when the log is asked for a time range, then only entries in it come back, newest first', async () => {
    const admin = await makeAdmin(t);
    const newcomer = await withNewcomer(t);
    const coordinator = await makeCoordinator(t, ['na']);
    const before = t.clock().toISOString();
    t.clock.advance(60_000);
    await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(coordinator));
    t.clock.advance(60_000);
    await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(coordinator));
    const all = (await t.request.get('/api/v1/admin/audit').query({ subject: newcomer.id, from: before }).set(bearer(admin))).body.entries;
    expect(all).to.have.length(2);
    expect(all[0].id > all[1].id).to.equal(true);
    const to = new Date(t.clock().getTime() - 30_000).toISOString();
    const early = (await t.request.get('/api/v1/admin/audit').query({ subject: newcomer.id, from: before, to }).set(bearer(admin))).body.entries;
    expect(early).to.have.length(1);
  });

  it('when a non-admin asks for the log, then 403', async () => {
    const coordinator = await makeCoordinator(t, ['na']);
    expect((await t.request.get('/api/v1/admin/audit').set(bearer(coordinator))).status).to.equal(403);
  });

  it('when the repository is inspected, then it offers no way to change or remove an entry', () => {
    const repo = createAuditRepository(t.db.conn) as unknown as Record<string, unknown>;
    // Two reads (the admin's log, a member's export) and one append.
    expect(Object.keys(repo).sort()).to.deep.equal(['about', 'append', 'find']);
  });

  it('when pseudonyms for many members are asked for at once, even twice concurrently, then each member gets exactly one, and it maps back', async () => {
    const repo = createPseudonymsRepository(t.db.conn);
    const ids = Array.from({ length: 300 }, () => randomUUID());
    const already = await repo.of(ids[0]!);
    const [a, b] = await Promise.all([repo.ofMany(ids), repo.ofMany(ids.slice(100))]);
    expect(a.size).to.equal(300);
    expect(a.get(ids[0]!)).to.equal(already);
    for (const id of ids.slice(100)) expect(b.get(id)).to.equal(a.get(id));
    for (const id of [ids[0]!, ids[150]!, ids[299]!]) expect(await repo.userOf(a.get(id)!)).to.equal(id);
    expect(new Set(a.values()).size).to.equal(300);
    const again = await repo.ofMany(ids);
    expect([...again.entries()].sort()).to.deep.equal([...a.entries()].sort());
  });
});
