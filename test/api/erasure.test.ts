import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fanOut } from '../../src/checkins/checkins.service.ts';
import { ERASURES_COLLECTION } from '../../src/members/erasure.repository.ts';
import { GOOD_PASSWORD, makeAdmin, registration, withNewcomer } from '../support/factories.ts';
import { matchWorld, PUBLIC_URL, type Person } from '../support/match-world.ts';
import { scanDatabase } from '../support/scan.ts';
import { startSecondApi } from '../support/second-instance.ts';
import { until } from '../support/sim.ts';
import { signAccessToken } from '../../src/auth/tokens.ts';

// Erasure (GDPR art. 17) through HTTP, on the real database: after DELETE
// /api/v1/me, a scan of every document of every collection finds none of the
// member's identifiers or words. The newcomer's first check-in slot is
// 2026-11-22T23:00Z and the sponsor's 2026-11-23T00:00Z (see checkins.test.ts).
const N_SLOT = Date.parse('2026-11-22T23:00:00.000Z');
const S_SLOT = Date.parse('2026-11-23T00:00:00.000Z');
const WEEK_MS = 7 * 86_400_000;

const tokensIn = (text: string, path: string) =>
  [...text.matchAll(new RegExp(`${PUBLIC_URL.replace(/[.]/g, '\\.')}/check-ins/${path}\\?token=([A-Za-z0-9._~%-]+)`, 'g'))].map((m) => decodeURIComponent(m[1]!));

describe('erasing a member (DELETE /api/v1/me, DELETE /api/v1/admin/users/{id})', function () {
  this.timeout(120_000);
  const world = matchWorld('erasure');
  const tag = () => randomUUID().slice(0, 6);

  /** A newcomer and a sponsor through the whole lifecycle and two weeks of check-ins, with every kind of record. */
  async function lived() {
    const t = world.t;
    const words = {
      newcomerName: `Zebulon${tag()}`,
      sponsorName: `Quillon${tag()}`,
      newcomerPhone: '+1 555 013 4471',
      sponsorPhone: '+1 555 018 2290',
      contactNote: `Evenings best, ask for the blue door ${tag()}`,
      requestNote: `Looking for someone who knows night shifts ${tag()}`,
      concernText: `The calls keep getting cancelled ${tag()}`,
      checkInNote: `Rough week at the warehouse ${tag()}`,
      sponsorNote: `Glad we talked on Tuesday ${tag()}`,
    };
    const nm = await withNewcomer(t, { contact: { email: true, phone: words.newcomerPhone, note: words.contactNote } }, { displayName: words.newcomerName }, { request: false });
    const n: Person = { ...nm, name: words.newcomerName };
    const req = await t.request.post('/api/v1/match-requests').set(world.bearer(n)).send({ kind: 'ongoing', note: words.requestNote });
    expect(req.status, JSON.stringify(req.body)).to.equal(201);
    const s = await world.sponsor(words.sponsorName, { contact: { email: true, phone: words.sponsorPhone } });
    const matchId = await world.activeMatch(n, s);
    const concern = await t.request.post(`/api/v1/matches/${matchId}/concerns`).set(world.bearer(n)).send({ text: words.concernText });
    expect(concern.status, JSON.stringify(concern.body)).to.be.oneOf([200, 201]);
    // Two weeks of check-ins, answered by both.
    for (const week of [0, 1]) {
      for (const slot of [N_SLOT, S_SLOT]) {
        t.clock.set(new Date(slot + week * WEEK_MS + 60_000));
        await fanOut(t.checkIns);
      }
      const from = world.arrived.length;
      await world.deliver();
      const mine = world.arrived.slice(from);
      const toN = mine.find((a) => a.to === n.email && a.subject === 'Your weekly check-in');
      const toS = mine.find((a) => a.to === s.email && a.subject === 'Your weekly check-in');
      expect(toN, 'a check-in for the newcomer').to.not.equal(undefined);
      expect(toS, 'a check-in for the sponsor').to.not.equal(undefined);
      const r1 = await t.request.post('/check-ins/note').type('form').send({ token: tokensIn(toN!.text, 'note')[0], answer: 'struggling', note: words.checkInNote, share: 'on' });
      expect(r1.status).to.equal(200);
      const r2 = await t.request.post('/check-ins/note').type('form').send({ token: tokensIn(toS!.text, 'note')[0], answer: 'well', note: words.sponsorNote });
      expect(r2.status).to.equal(200);
    }
    await world.deliver();
    return { n, s, matchId, words };
  }

  const erasureDone = async (id: string) => (await world.t.db.conn.db!.collection(ERASURES_COLLECTION).countDocuments({ _id: id as never })) === 0;

  it('when a newcomer deletes their account, then it is gone at once (tokens here and on another instance, the address free), and then no collection holds their id, address, names, phone or words; the sponsor is told neutrally and their history still reads', async () => {
    const t = world.t;
    const { n, s, matchId, words } = await lived();
    const second = await startSecondApi(t);
    try {
      // Both instances know the member.
      expect((await t.request.get('/api/v1/me').set(world.bearer(n))).status).to.equal(200);
      expect((await second.api.get('/api/v1/me').set(world.bearer(n))).status).to.equal(200);

      const wrong = await t.request.delete('/api/v1/me').set(world.bearer(n)).send({ password: 'not the password at all' });
      expect(wrong.status).to.equal(401);
      expect(wrong.headers['content-type']).to.match(/problem\+json/);
      expect((await t.request.delete('/api/v1/me').set(world.bearer(n)).send({})).status).to.equal(400);

      const mark = world.arrived.length;
      const gone = await t.request.delete('/api/v1/me').set(world.bearer(n)).send({ password: GOOD_PASSWORD });
      expect(gone.status, JSON.stringify(gone.body)).to.equal(204);
      // At once on this instance; within the feed's delay on the other.
      expect((await t.request.get('/api/v1/me').set(world.bearer(n))).status).to.equal(401);
      await until('the other instance refuses the token', async () => (await second.api.get('/api/v1/me').set(world.bearer(n))).status === 401, 10_000, 100);
      // The address is free at once.
      const again = await t.request.post('/api/v1/auth/register').send(registration({ email: n.email, displayName: 'Another person' }));
      expect(again.status, JSON.stringify(again.body)).to.equal(201);
      const newId = again.body.user.id as string;
      expect(newId).to.not.equal(n.id);

      await until('the erasure completes', () => erasureDone(n.id), 30_000, 200);
      await world.deliver();

      // The sponsor: the neutral notice (no reason, no health word), and the match's history still reads.
      const notices = world.arrived.slice(mark).filter((a) => a.to === s.email);
      expect(notices.map((a) => a.text).join('\n')).to.not.include(words.newcomerName);
      expect(world.got(s, 'match-closed', mark)).to.have.length(1);
      const history = await t.request.get(`/api/v1/matches/${matchId}`).set(world.bearer(s));
      expect(history.status, JSON.stringify(history.body)).to.equal(200);
      expect(history.body.state).to.equal('ended');
      const listed = await t.request.get('/api/v1/matches').set(world.bearer(s));
      expect(listed.status).to.equal(200);
      expect(JSON.stringify(listed.body)).to.include(matchId);
      // The coordinator's view keeps the history with an opaque id in the member's place.
      const coordinatorView = await t.request.get(`/api/v1/matches/${matchId}`).set(world.bearer(world.coordinator));
      expect(coordinatorView.status).to.equal(200);
      expect(coordinatorView.body.newcomer.userId).to.match(/^erased-/);
      expect(coordinatorView.body.history.length).to.be.greaterThan(2);

      // The new account registered with the freed address while the erasure ran: its mail went out untouched.
      expect(world.arrived.slice(mark).filter((a) => a.to === n.email)).to.have.length(1);

      // The scan: every document of every collection. The only exemptions are the new account's own
      // documents (its user, login entry, consent, verification mail), by their keys — nothing else.
      const needles = [n.id, n.email, words.newcomerName, words.newcomerPhone, words.contactNote, words.requestNote, words.concernText, words.checkInNote];
      const ownedByNew = (c: string, json: string) => {
        const d = JSON.parse(json) as { _id: string; userId?: string; recipientId?: string };
        return (c === 'users' && d._id === newId) || (c === 'logins' && d.userId === newId) || (c === 'consent_history' && d.userId === newId) || (c === 'outbox' && d.recipientId === newId);
      };
      const findings = await scanDatabase(t.db.conn, needles, ownedByNew);
      expect(findings, JSON.stringify(findings, null, 1)).to.deep.equal([]);
      // The sponsor's own records are still there (a scan that finds nothing at all would prove nothing).
      const sponsorFindings = await scanDatabase(t.db.conn, [s.id, words.sponsorNote]);
      expect(sponsorFindings.map((f) => f.collection)).to.include.members(['users', 'sponsor_profiles', 'checkin_responses', 'matches']);
      // Their outbox messages and jobs are gone (the scan covers outbox, outbox_claims, agenda_jobs); the audit entries stay, pointing at nobody.
      const audit = await t.db.conn.db!.collection('audit_log').find({ action: 'erase-account' }).toArray();
      expect(audit).to.have.length(1);
      expect(await t.db.conn.db!.collection('pseudonyms').countDocuments({ _id: `pseudonym:${audit[0]!.actor}` as never })).to.equal(0);
    } finally {
      await second.stop();
    }
  });

  it('when an admin deletes a sponsor with a reason, then the audit keeps the reason and points at nobody, the newcomer is told neutrally and can ask again, and nothing of the sponsor is left', async () => {
    const t = world.t;
    const { n, s, matchId, words } = await lived();
    const admin = await makeAdmin(t);
    expect((await t.request.delete(`/api/v1/admin/users/${s.id}`).set(world.bearer(n)).send({ reason: 'asked by email' })).status).to.equal(403);
    const noReason = await t.request.delete(`/api/v1/admin/users/${s.id}`).set(world.bearer(admin)).send({});
    expect(noReason.status).to.equal(400);
    expect(noReason.body.errors[0].path).to.equal('reason');
    expect((await t.request.delete(`/api/v1/admin/users/${randomUUID()}`).set(world.bearer(admin)).send({ reason: 'asked by email' })).status).to.equal(404);
    expect((await t.request.delete(`/api/v1/admin/users/${admin.id}`).set(world.bearer(admin)).send({ reason: 'testing' })).status).to.equal(400);

    const other = await world.newcomer(`Other${tag()}`);
    expect(await world.proposed(other)).to.include(s.id);

    const mark = world.arrived.length;
    const res = await t.request.delete(`/api/v1/admin/users/${s.id}`).set(world.bearer(admin)).send({ reason: `Asked by phone to be removed (${words.sponsorName}, ${s.email})` });
    expect(res.status, JSON.stringify(res.body)).to.equal(204);
    expect((await t.request.get('/api/v1/me').set(world.bearer(s))).status).to.equal(401);
    // Out of the candidate index (this instance's at once; others' through the feed).
    await until('the sponsor leaves the proposals', async () => !(await world.proposed(other)).includes(s.id), 10_000, 100);
    await until('the erasure completes', () => erasureDone(s.id), 30_000, 200);
    await world.deliver();
    expect(world.got(n, 'match-closed', mark)).to.have.length(1);

    const log = await t.request.get('/api/v1/admin/audit').query({ limit: 5 }).set(world.bearer(admin));
    expect(log.status, JSON.stringify(log.body)).to.equal(200);
    const entry = (log.body.entries as Array<{ action: string; note?: string; subjects: Array<{ userId: string | null }> }>).find((e) => e.action === 'erase-user');
    expect(entry, JSON.stringify(log.body)).to.not.equal(undefined);
    // The reason stays; what it quoted of the member does not.
    expect(entry!.note).to.equal('Asked by phone to be removed ([erased], [erased])');
    expect(entry!.subjects[0]!.userId).to.equal(null);

    // The newcomer's match reads, and they may ask for a sponsor again.
    expect((await t.request.get(`/api/v1/matches/${matchId}`).set(world.bearer(n))).body.state).to.equal('ended');
    const ask = await t.request.post('/api/v1/match-requests').set(world.bearer(n)).send({ kind: 'ongoing' });
    expect(ask.status, JSON.stringify(ask.body)).to.equal(201);

    const findings = await scanDatabase(t.db.conn, [s.id, s.email, words.sponsorName, words.sponsorPhone, words.sponsorNote]);
    expect(findings, JSON.stringify(findings, null, 1)).to.deep.equal([]);
    expect((await scanDatabase(t.db.conn, [n.id, words.checkInNote])).length).to.be.greaterThan(0);
  });

  it('when the two members share a first name and one deletes their account, then the one who stays still gets the neutral notice', async () => {
    const t = world.t;
    const name = `Sam${tag()}`;
    const n = await world.newcomer(name);
    const s = await world.sponsor(name);
    const matchId = await world.activeMatch(n, s);
    await world.deliver();
    const mark = world.arrived.length;
    expect((await t.request.delete('/api/v1/me').set(world.bearer(n)).send({ password: GOOD_PASSWORD })).status).to.equal(204);
    await until('the erasure completes', () => erasureDone(n.id), 30_000, 200);
    await world.deliver();
    expect(world.got(s, 'match-closed', mark)).to.have.length(1);
    expect((await world.read(s, matchId)).state).to.equal('ended');
  });

  it('when a member withdraws their health-data consent, then a check-in link mailed before records nothing and they cannot ask again until they consent', async () => {
    const t = world.t;
    const { n, s, words } = await lived();
    const before = await t.db.conn.db!.collection('checkin_responses').countDocuments({ memberId: n.id });
    t.clock.set(new Date(N_SLOT + 2 * WEEK_MS + 60_000));
    await fanOut(t.checkIns);
    const from = world.arrived.length;
    await world.deliver();
    const mail = world.arrived.slice(from).find((a) => a.to === n.email && a.subject === 'Your weekly check-in');
    expect(mail, 'a third check-in').to.not.equal(undefined);
    const withdrawn = await t.request.delete('/api/v1/me/consent/health-data').set(world.bearer(n));
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).to.be.oneOf([200, 204]);
    const page = await t.request.post('/check-ins/note').type('form').send({ token: tokensIn(mail!.text, 'note')[0], answer: 'help', note: words.checkInNote });
    expect(page.status).to.equal(400);
    expect(await t.db.conn.db!.collection('checkin_responses').countDocuments({ memberId: n.id })).to.equal(before);
    // Their request was withdrawn; a new one is refused by the gate.
    expect((await t.request.post('/api/v1/match-requests').set(world.bearer(n)).send({ kind: 'ongoing' })).status).to.equal(403);
    expect((await t.request.get('/api/v1/matches').set(world.bearer(s))).status).to.equal(200);
  });

  it('when a newcomer with an open request has consented only to older terms, then a coordinator cannot match them (409 consent-required) until they consent again', async () => {
    const t = world.t;
    const n = await world.newcomer(`Nell${tag()}`);
    const s = await world.sponsor(`Sol${tag()}`);
    const request = await world.openRequestOf(n);
    // Their consent, as a member who registered under the terms before these (the data, not the API: the gate would refuse them anything else).
    await t.db.conn.db!.collection('users').updateOne({ _id: n.id as never }, { $set: { 'consent.termsVersion': '2025-01' } });
    const refused = await t.request.post('/api/v1/matches').set(world.bearer(world.coordinator)).send({ requestId: request.id, sponsorId: s.id });
    expect(refused.status, JSON.stringify(refused.body)).to.equal(409);
    expect(refused.body).to.include({ type: '/problems/consent-required', consentRequired: 'newcomer' });
    await t.db.conn.db!.collection('users').updateOne({ _id: n.id as never }, { $set: { 'consent.termsVersion': t.config.termsVersion } });
    const made = await t.request.post('/api/v1/matches').set(world.bearer(world.coordinator)).send({ requestId: request.id, sponsorId: s.id });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
  });

  /** A child process, and every line it prints. */
  function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; lines: string[] } {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    return { child, lines };
  }
  const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r())));

  it('when the process erasing a member is killed (SIGKILL) half-way, then the erasure completes when the service next starts (npm start), and nothing of the member is left', async function () {
    this.timeout(300_000);
    const t = world.t;
    const { n, words } = await lived();
    const uri = t.db.uri;
    const crashing = start(['test/api/erasure-crash-worker.ts', uri, t.db.dbName, t.clock().toISOString(), 'check-ins']);
    let service: ChildProcess | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'erasure-restart-'));
    try {
      await until('the worker is ready', () => crashing.lines.includes('ready'), 60_000, 50);
      const token = signAccessToken(t.tokens, n.id, t.clock().getTime()).accessToken;
      crashing.child.stdin!.write(`${JSON.stringify({ token, password: GOOD_PASSWORD })}\n`);
      await until('the erasure reaches its check-ins step', () => crashing.lines.includes('paused check-ins'), 60_000, 50);
      expect(crashing.lines).to.include('answered 204');
      crashing.child.kill('SIGKILL');
      await exited(crashing.child);

      // Half-way: the record stands with the steps made so far; the account is gone, the mail to them is not yet.
      const rec = await t.db.conn.db!.collection(ERASURES_COLLECTION).findOne({ _id: n.id as never });
      expect(rec?.done).to.deep.equal(['account', 'matches', 'profiles', 'notes', 'check-ins']);
      expect(await t.db.conn.db!.collection('users').countDocuments({ _id: n.id as never })).to.equal(0);
      expect(await t.db.conn.db!.collection('outbox').countDocuments({ recipientId: n.id })).to.be.greaterThan(0);

      // The service starts again (as npm start does), on the same database.
      service = start(['src/main.ts'], {
        MONGODB_URI: uri,
        MONGODB_DB_NAME: t.db.dbName,
        PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'development',
      }).child;
      await until('the erasure completes after the restart', () => erasureDone(n.id), 120_000, 250);

      const needles = [n.id, n.email, words.newcomerName, words.newcomerPhone, words.contactNote, words.requestNote, words.concernText, words.checkInNote];
      const findings = await scanDatabase(t.db.conn, needles);
      expect(findings, JSON.stringify(findings, null, 1)).to.deep.equal([]);
    } finally {
      if (crashing.child.exitCode === null && crashing.child.signalCode === null) crashing.child.kill('SIGKILL');
      if (service) {
        service.kill('SIGTERM');
        await exited(service);
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
