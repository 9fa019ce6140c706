import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type supertest from 'supertest';
import { loadConfig } from '../../src/config.ts';
import { CHECKIN_COLLECTIONS } from '../../src/checkins/checkins.repository.ts';
import { fanOut } from '../../src/checkins/checkins.service.ts';
import { BUILT_IN_TERMS_VERSION } from '../../src/members/terms.ts';
import { bearer, GOOD_PASSWORD, makeCoordinator, registerMember, registration, withNewcomer, withSponsor, type Member } from '../support/factories.ts';
import { matchWorld } from '../support/match-world.ts';
import { until } from '../support/sim.ts';
import { startSecondApi } from '../support/second-instance.ts';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/test-app.ts';

const NEW_VERSION = '2027-01';
const NEW_TEXT = 'Terms of use, version 2027-01: what we keep, who sees it, and your rights.';
const consentTo = (termsVersion: string) => ({ termsVersion, healthData: true, adult: true });

describe('consent to the terms', function () {
  this.timeout(60_000);

  describe('the terms, registration and the consent history', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp('consent');
    });
    after(async () => {
      await t.close();
    });

    it('when anyone asks for the terms, then they get the configured version and its text, without signing in', async () => {
      const res = await t.request.get('/api/v1/terms');

      expect(res.status).to.equal(200);
      expect(res.body.termsVersion).to.equal(BUILT_IN_TERMS_VERSION);
      expect(res.body.text).to.be.a('string').and.to.include('health data').and.to.include('Delete your account');
    });

    it('when someone registers with another terms version, then 400 terms-version-mismatch names the current one and no account is made', async () => {
      const body = registration({ consent: consentTo('2025-01') });

      const res = await t.request.post('/api/v1/auth/register').send(body);

      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ type: '/problems/terms-version-mismatch', status: 400, termsVersion: BUILT_IN_TERMS_VERSION });
      expect(await t.db.conn.collection('users').countDocuments({ email: body.email })).to.equal(0);
      expect(await t.db.conn.collection('logins').countDocuments({ _id: body.email as never })).to.equal(0);
    });

    it('when someone registers, then the first consent entry is recorded and their consent view shows it as up to date', async () => {
      const m = await registerMember(t);

      const res = await t.request.get('/api/v1/me/consent').set(bearer(m));

      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ currentTermsVersion: BUILT_IN_TERMS_VERSION, upToDate: true });
      expect(res.body.current).to.include({ termsVersion: BUILT_IN_TERMS_VERSION, healthData: true, adult: true });
      expect(res.body.history).to.have.length(1);
      expect(res.body.history[0]).to.deep.equal({ ...consentTo(BUILT_IN_TERMS_VERSION), action: 'given', at: res.body.current.at });
      const stored = await t.db.conn.collection('consent_history').find({ userId: m.id }).toArray();
      expect(stored).to.have.length(1);
      expect(stored[0]).to.include({ userId: m.id, termsVersion: BUILT_IN_TERMS_VERSION, healthData: true, adult: true, action: 'given' });
    });

    it('when consent is given without health data or adulthood, then 400 names the fields and nothing is recorded', async () => {
      const m = await registerMember(t);

      const res = await t.request.post('/api/v1/me/consent').set(bearer(m)).send({ termsVersion: BUILT_IN_TERMS_VERSION, healthData: false, adult: false });

      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.have.members(['healthData', 'adult']);
      expect(await t.db.conn.collection('consent_history').countDocuments({ userId: m.id })).to.equal(1);
    });
  });

  describe('a change of TERMS_VERSION', () => {
    let t: TestApp;
    let dir: string;
    let api: supertest.Agent;
    let stopSecond: () => Promise<void>;
    let newcomer: Member;
    let sponsor: Member;
    let coordinator: Member;
    let other: Member;

    before(async function () {
      this.timeout(120_000);
      t = await startTestApp('consent-change');
      coordinator = await makeCoordinator(t, ['na']);
      newcomer = await withNewcomer(t);
      sponsor = await withSponsor(t);
      other = await registerMember(t);
      // The same database served by an instance started with new terms (a deployment that changed TERMS_VERSION).
      dir = mkdtempSync(join(tmpdir(), 'terms-'));
      const termsFile = join(dir, 'terms.txt');
      writeFileSync(termsFile, NEW_TEXT);
      const config = loadConfig({
        NODE_ENV: 'test',
        JWT_SECRET: TEST_SECRET,
        REGISTRATIONS_PER_IP_PER_HOUR: '10000',
        ACCOUNT_REQUESTS_PER_IP_PER_15_MIN: '100000',
        TERMS_VERSION: NEW_VERSION,
        TERMS_FILE: termsFile,
      });
      const second = await startSecondApi({ db: t.db, clock: t.clock, tokens: t.tokens, config });
      api = second.api;
      stopSecond = () => second.stop();
    });
    after(async () => {
      await stopSecond();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    function expectConsentRequired(res: supertest.Response, what: string) {
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).to.equal(403);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ type: '/problems/consent-required', status: 403, termsVersion: NEW_VERSION });
    }
    const proposedBy = async (c: Member, n: Member) => {
      const res = await api.get(`/api/v1/newcomers/${n.id}/proposals`).set(bearer(c));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body.proposals.map((p: { sponsorId: string }) => p.sponsorId) as string[];
    };

    it('when the terms changed, then the new ones are served, data routes answer 403 consent-required naming the version, and the exempt routes keep working', async () => {
      const terms = await api.get('/api/v1/terms');
      expect(terms.status).to.equal(200);
      expect(terms.body).to.deep.equal({ termsVersion: NEW_VERSION, text: NEW_TEXT });

      expectConsentRequired(await api.get('/api/v1/me/newcomer-profile').set(bearer(newcomer)), 'newcomer profile');
      expectConsentRequired(await api.put('/api/v1/me/newcomer-profile').set(bearer(newcomer)).send({}), 'newcomer profile write');
      expectConsentRequired(await api.get('/api/v1/me/sponsor-profile').set(bearer(sponsor)), 'sponsor profile');
      expectConsentRequired(await api.get('/api/v1/me/match-requests').set(bearer(newcomer)), 'match requests');
      expectConsentRequired(await api.post('/api/v1/match-requests').set(bearer(newcomer)).send({ kind: 'ongoing' }), 'new match request');
      expectConsentRequired(await api.get('/api/v1/matches').set(bearer(sponsor)), 'matches');
      expectConsentRequired(await api.get('/api/v1/me/check-in-settings').set(bearer(newcomer)), 'check-in settings');
      expectConsentRequired(await api.get('/api/v1/programs').set(bearer(other)), 'programs');
      expectConsentRequired(await api.get('/api/v1/coordinator/queue').set(bearer(coordinator)), 'coordinator queue');
      expectConsentRequired(await api.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program: 'na' }), 'pool run');
      // The old instance, still on the old terms, is not affected.
      expect((await t.request.get('/api/v1/me/newcomer-profile').set(bearer(newcomer))).status).to.equal(200);

      const me = await api.get('/api/v1/me').set(bearer(newcomer));
      expect(me.status).to.equal(200);
      expect(me.body.consent.termsVersion).to.equal(BUILT_IN_TERMS_VERSION);
      const consent = await api.get('/api/v1/me/consent').set(bearer(newcomer));
      expect(consent.status).to.equal(200);
      expect(consent.body).to.deep.include({ currentTermsVersion: NEW_VERSION, upToDate: false });
      expect((await api.get('/api/v1/me/export').set(bearer(other))).status).to.equal(200);
      expect((await api.post('/api/v1/auth/resend-verification').set(bearer(other))).status).to.equal(409); // reached: already confirmed
      expect((await api.put('/api/v1/me/email').set(bearer(other)).send({ password: GOOD_PASSWORD, newEmail: registration().email })).status).to.equal(202);
      const login = await api.post('/api/v1/auth/login').send({ email: other.email, password: GOOD_PASSWORD });
      expect(login.status).to.equal(200);
      const fresh = { token: login.body.accessToken as string };
      const newPassword = 'another quiet river at dusk 43';
      expect((await api.put('/api/v1/me/password').set(bearer(fresh)).send({ currentPassword: GOOD_PASSWORD, newPassword })).status).to.equal(204);
      expect((await api.post('/api/v1/auth/logout-all').set(bearer(fresh))).status).to.equal(204);
      const again = await api.post('/api/v1/auth/login').send({ email: other.email, password: newPassword });
      expect(again.status).to.equal(200);
      expect((await api.post('/api/v1/auth/logout').set(bearer({ token: again.body.accessToken as string }))).status).to.equal(204);
    });

    it('when a member consents with the old version, then 400 names the new one; with the new one, then their data routes answer again and the history holds both', async () => {
      const old = await api.post('/api/v1/me/consent').set(bearer(newcomer)).send(consentTo(BUILT_IN_TERMS_VERSION));
      expect(old.status).to.equal(400);
      expect(old.body).to.include({ type: '/problems/terms-version-mismatch', termsVersion: NEW_VERSION });
      expectConsentRequired(await api.get('/api/v1/me/newcomer-profile').set(bearer(newcomer)), 'after a refused consent');

      t.clock.advance(60_000);
      const res = await api.post('/api/v1/me/consent').set(bearer(newcomer)).send(consentTo(NEW_VERSION));

      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.include({ currentTermsVersion: NEW_VERSION, upToDate: true });
      expect(res.body.current).to.include(consentTo(NEW_VERSION));
      expect(res.body.history.map((e: { termsVersion: string; action: string }) => [e.termsVersion, e.action])).to.deep.equal([
        [BUILT_IN_TERMS_VERSION, 'given'],
        [NEW_VERSION, 'given'],
      ]);
      expect((await api.get('/api/v1/me/newcomer-profile').set(bearer(newcomer))).status).to.equal(200);
      expect((await api.get('/api/v1/me/match-requests').set(bearer(newcomer))).status).to.equal(200);
      expect((await api.get('/api/v1/me/check-in-settings').set(bearer(newcomer))).status).to.equal(200);
      const read = await api.get('/api/v1/me/consent').set(bearer(newcomer));
      expect(read.body).to.deep.equal(res.body);
      const stored = await t.db.conn.collection('users').findOne({ _id: newcomer.id as never });
      expect(stored?.consent).to.include(consentTo(NEW_VERSION));
      const audit = await t.db.conn.collection('audit_log').find({ action: 'consent-given', route: 'POST /api/v1/me/consent' }).toArray();
      expect(audit).to.have.length(1);
      // Now on terms the old instance does not know: there the gate closes for them (once the change feed brings the change).
      await until('the old instance gates the member', async () => (await t.request.get('/api/v1/me/newcomer-profile').set(bearer(newcomer))).status === 403, 5000);
    });

    it('when a sponsor has not consented to the new terms, then they are not proposed, and after their consent they are', async () => {
      // On the old terms (the first instance) the sponsor is proposed.
      const onOld = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(coordinator));
      expect(onOld.status, JSON.stringify(onOld.body)).to.equal(200);
      expect(onOld.body.proposals.map((p: { sponsorId: string }) => p.sponsorId)).to.include(sponsor.id);
      expect((await api.post('/api/v1/me/consent').set(bearer(coordinator)).send(consentTo(NEW_VERSION))).status).to.equal(200);
      expect((await api.get('/api/v1/coordinator/queue').set(bearer(coordinator))).status).to.equal(200);
      expect(await proposedBy(coordinator, newcomer)).not.to.include(sponsor.id);

      expect((await api.post('/api/v1/me/consent').set(bearer(sponsor)).send(consentTo(NEW_VERSION))).status).to.equal(200);

      expect(await proposedBy(coordinator, newcomer)).to.include(sponsor.id);
      expect((await api.get('/api/v1/matches').set(bearer(sponsor))).status).to.equal(200);
    });

    it('when a newcomer has not consented to the new terms, then a pool run leaves them out', async () => {
      // Registered (and asked for a sponsor) under the old terms.
      const late = await withNewcomer(t);

      const run = await api.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program: 'na' });

      expect(run.status, JSON.stringify(run.body)).to.equal(201);
      const ids = [...run.body.pairs.map((p: { newcomerId: string }) => p.newcomerId), ...run.body.unmatched.map((u: { newcomerId: string }) => u.newcomerId)];
      expect(ids).to.include(newcomer.id);
      expect(ids).not.to.include(late.id);
    });
  });

  describe('withdrawing health-data consent, and check-ins', () => {
    const world = matchWorld('consent-withdraw');
    const scanProfiles = async (id: string) => {
      const found: string[] = [];
      for (const name of ['newcomer_profiles', 'sponsor_profiles']) {
        for (const doc of await world.t.db.conn.collection(name).find({}).toArray()) if (String(doc._id) === id || JSON.stringify(doc).includes(id)) found.push(name);
      }
      return found;
    };

    it('when a sponsor in an active match withdraws it, then both profiles go, the open request is withdrawn, the match ends with a neutral notice, data routes answer 403 until consent is given again', async () => {
      const n = await world.newcomer('Nora');
      const s = await world.sponsor('Robin');
      const matchId = await world.activeMatch(n, s);
      // Robin is also a newcomer with an open request of their own (another program).
      const asNewcomer = await world.t.request.put('/api/v1/me/newcomer-profile').set(world.bearer(s)).send({
        program: 'aa', acceptedPrograms: [], recoveryDate: '2026-09-01', timezone: 'America/Chicago', availability: [{ day: 'mon', start: '18:00', end: '21:00' }],
        contactModes: ['phone'], languages: ['en'], gender: 'woman', wantsLgbtqAffirming: false, spiritualOrientation: 'spiritual', experiences: ['opioids'],
      });
      expect(asNewcomer.status, JSON.stringify(asNewcomer.body)).to.equal(200);
      const request = await world.t.request.post('/api/v1/match-requests').set(world.bearer(s)).send({ kind: 'ongoing' });
      expect(request.status, JSON.stringify(request.body)).to.equal(201);
      expect(await scanProfiles(s.id)).to.have.members(['newcomer_profiles', 'sponsor_profiles']);
      const from = await world.mark();

      world.t.clock.advance(60_000);
      const res = await world.t.request.delete('/api/v1/me/consent/health-data').set(world.bearer(s));

      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.include({ upToDate: false, currentTermsVersion: BUILT_IN_TERMS_VERSION });
      expect(res.body.current).to.include({ termsVersion: BUILT_IN_TERMS_VERSION, healthData: false });
      expect(res.body.history.map((e: { action: string; healthData: boolean }) => [e.action, e.healthData])).to.deep.equal([
        ['given', true],
        ['health-data-withdrawn', false],
      ]);
      expect(await scanProfiles(s.id)).to.deep.equal([]);
      expect(world.t.engine.sponsor(s.id)).to.equal(undefined);
      expect((await world.read(n, matchId)).state).to.equal('ended');
      const requests = await world.t.request.get('/api/v1/me/match-requests').set(world.bearer(s));
      expect(requests.status).to.equal(403);
      expect(requests.body).to.include({ type: '/problems/consent-required', termsVersion: BUILT_IN_TERMS_VERSION });
      await world.deliver();
      expect(world.got(n, 'match-closed', from)).to.have.length(1);
      for (const mail of world.mailsTo(n, from)) expect(mail.text.toLowerCase()).not.to.match(/consent|health|withdr|robin/);
      expect(world.mailsTo(s, from)).to.have.length(0);
      const audit = await world.t.db.conn.collection('audit_log').find({ action: 'health-data-consent-withdrawn' }).toArray();
      expect(audit).to.have.length(1);

      // The account remains: it signs in and reads itself, and nothing else until consent is given again.
      const login = await world.t.request.post('/api/v1/auth/login').send({ email: s.email, password: GOOD_PASSWORD });
      expect(login.status).to.equal(200);
      expect((await world.t.request.get('/api/v1/me').set(world.bearer(s))).status).to.equal(200);
      expect((await world.t.request.get('/api/v1/me/sponsor-profile').set(world.bearer(s))).status).to.equal(403);
      // Withdrawing twice records nothing more.
      expect((await world.t.request.delete('/api/v1/me/consent/health-data').set(world.bearer(s))).body.history).to.have.length(2);

      world.t.clock.advance(60_000);
      const again = await world.t.request.post('/api/v1/me/consent').set(world.bearer(s)).send(consentTo(BUILT_IN_TERMS_VERSION));
      expect(again.status).to.equal(200);
      expect(again.body.upToDate).to.equal(true);
      expect(again.body.history.map((e: { action: string }) => e.action)).to.deep.equal(['given', 'health-data-withdrawn', 'given']);
      // Access again, but the profiles are gone: they are built anew.
      expect((await world.t.request.get('/api/v1/me/sponsor-profile').set(world.bearer(s))).status).to.equal(404);
      expect((await world.t.request.get('/api/v1/me/newcomer-profile').set(world.bearer(s))).status).to.equal(404);
      const mine = await world.t.request.get('/api/v1/me/match-requests').set(world.bearer(s));
      expect(mine.status).to.equal(200);
      expect(mine.body.requests.map((r: { status: string }) => r.status)).to.deep.equal(['withdrawn']);
    });

    it('when a newcomer withdraws it, then their open request is withdrawn and they are not in the next pool run', async () => {
      const n = await world.newcomer('Nia');
      await world.sponsor('Sam');
      const before = await world.openRequestOf(n);
      expect(before.status).to.equal('open');

      expect((await world.t.request.delete('/api/v1/me/consent/health-data').set(world.bearer(n))).status).to.equal(200);

      const run = await world.t.request.post('/api/v1/matching/runs').set(world.bearer(world.coordinator)).send({ program: 'na' });
      expect(run.status).to.equal(201);
      const ids = [...run.body.pairs.map((p: { newcomerId: string }) => p.newcomerId), ...run.body.unmatched.map((u: { newcomerId: string }) => u.newcomerId)];
      expect(ids).not.to.include(n.id);
      expect(await scanProfiles(n.id)).to.deep.equal([]);
      // Consent again: the request stays withdrawn (asking again is theirs to do).
      expect((await world.t.request.post('/api/v1/me/consent').set(world.bearer(n)).send(consentTo(BUILT_IN_TERMS_VERSION))).status).to.equal(200);
      const mine = await world.t.request.get('/api/v1/me/match-requests').set(world.bearer(n));
      expect(mine.status).to.equal(200);
      expect(mine.body.requests.map((r: { status: string }) => r.status)).to.deep.equal(['withdrawn']);
    });

    it('when a member’s consent is to older terms, then their weekly check-in is not sent nor counted, and after consent it is', async () => {
      // The newcomer's slot is 2026-11-22T23:00Z (New York), the sponsor's an hour later (Chicago): both due at S_SLOT + 5 min.
      const S_SLOT = Date.parse('2026-11-23T00:00:00.000Z');
      const WEEK_MS = 7 * 86_400_000;
      const n = await world.newcomer('Nell');
      const s = await world.sponsor('Sky');
      const matchId = await world.activeMatch(n, s);
      await world.t.db.conn.collection('users').updateOne({ _id: s.id as never }, { $set: { 'consent.termsVersion': '2025-01' } });
      const checkIns = () => world.t.db.conn.collection(CHECKIN_COLLECTIONS.checkIns).find({ matchId }).toArray();

      world.t.clock.set(new Date(S_SLOT + 5 * 60_000));
      const first = await fanOut(world.t.checkIns);

      expect(first).to.include({ checkIns: 1, mails: 1, skipped: 0, errors: 0 });
      expect((await checkIns()).map((c) => c.memberId)).to.deep.equal([n.id]);

      // The fan-out runs on through the week (every 15 minutes in service; here past the catch-up window, and before the next slot).
      world.t.clock.set(new Date(S_SLOT + 13 * 3_600_000));
      expect(await fanOut(world.t.checkIns)).to.include({ checkIns: 0, skipped: 0, errors: 0 });
      expect((await world.t.request.post('/api/v1/me/consent').set(world.bearer(s)).send(consentTo(BUILT_IN_TERMS_VERSION))).status).to.equal(200);
      world.t.clock.set(new Date(S_SLOT + WEEK_MS - 2 * 3_600_000));
      expect(await fanOut(world.t.checkIns)).to.include({ checkIns: 0, skipped: 0, errors: 0 });
      world.t.clock.set(new Date(S_SLOT + WEEK_MS + 5 * 60_000));
      const next = await fanOut(world.t.checkIns);

      expect(next).to.include({ checkIns: 2, errors: 0 });
      const after = await checkIns();
      expect(after.filter((c) => c.memberId === s.id)).to.have.length(1);
      expect(after.filter((c) => c.memberId === s.id && c.status === 'skipped')).to.have.length(0);
    });
  });
});
