import { expect } from 'chai';
import { fanOut } from '../../src/checkins/checkins.service.ts';
import { newcomerBody, withNewcomer } from '../support/factories.ts';
import { matchWorld, PUBLIC_URL, type Person } from '../support/match-world.ts';

// A member's export (GET /api/v1/me/export) through HTTP, on the real database
// and a loopback SMTP server: a newcomer and a sponsor go through the whole
// lifecycle and two weeks of check-ins; each one's export holds every kind of
// record about them and nothing of the other (email, phone, exact date, words).
// The factories' newcomers live in New York and sponsors in Chicago; the test
// clock starts on Saturday 2026-11-21 12:00Z, so the first check-in slots are
// Sunday 18:00 local: 2026-11-22T23:00Z (newcomer) and 2026-11-23T00:00Z (sponsor).
const N_SLOT = Date.parse('2026-11-22T23:00:00.000Z');
const S_SLOT = Date.parse('2026-11-23T00:00:00.000Z');
const WEEK_MS = 7 * 86_400_000;
const CHECK_IN_SUBJECT = 'Your weekly check-in';

const NEWCOMER = {
  recoveryDate: '2026-08-14',
  phone: '+1 555 010 4477',
  requestNote: 'Evenings suit me best, Nora',
  acceptNote: 'Thank you, glad to start (Nora)',
  answers: ['Nora week one: a calm week', 'Nora week two: went to three meetings'],
  concern: 'Nora concern: calls came very late',
};
const SPONSOR = {
  recoveryDate: '2019-03-15',
  phone: '+1 555 020 9911',
  contactNote: 'Text first, Sam',
  acceptNote: 'Happy to sponsor you (Sam)',
  answers: ['Sam week one: a hard week for me', 'Sam week two: still finding time hard'],
  concern: 'Sam concern: missed two calls',
  endNote: 'Sam end note: moving away',
};
const THIRD_DATE = '2026-07-02';

describe('a member’s data export', function () {
  this.timeout(180_000);
  const world = matchWorld('export');

  const exportOf = async (p: Person) => {
    const res = await world.t.request.get('/api/v1/me/export').set(world.bearer(p));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res;
  };
  /** The check-in links of the latest check-in email a person got. */
  function noteLink(p: Person): string {
    const mails = world.arrived.filter((a) => a.to === p.email && a.subject === CHECK_IN_SUBJECT);
    expect(mails, `${p.name} has no check-in email`).to.not.have.length(0);
    const base = PUBLIC_URL.replace(/[.]/g, '\\.');
    const m = mails[mails.length - 1]!.text.match(new RegExp(`${base}/check-ins/note\\?token=([A-Za-z0-9._~%-]+)`));
    return m ? decodeURIComponent(m[1]!) : expect.fail(`no note link for ${p.name}`);
  }
  async function fanOutAt(ms: number) {
    world.t.clock.set(new Date(ms));
    const r = await fanOut(world.t.checkIns);
    expect(r.errors).to.equal(0);
    await world.deliver();
  }
  async function answer(p: Person, word: string, note: string, share = false) {
    const res = await world.t.request
      .post('/check-ins/note')
      .type('form')
      .send({ token: noteLink(p), answer: word, note, ...(share ? { share: 'on' } : {}) });
    expect(res.status, res.text).to.equal(200);
  }
  const pseudonymOf = async (id: string) => (await world.t.db.conn.collection<{ _id: string; value: string }>('pseudonyms').findOne({ _id: `user:${id}` }))?.value;

  /** A newcomer and a sponsor (both sharing a phone) through to an active match, two weeks of check-ins answered by both, concerns, and the sponsor ending it. */
  async function lifecycle() {
    const newcomerProfile = { recoveryDate: NEWCOMER.recoveryDate, contact: { email: true, phone: NEWCOMER.phone } };
    const n = await world.person('Nora', (acc) =>
      withNewcomer(world.t, newcomerProfile, acc, { request: false }),
    );
    const s = await world.sponsor('Sam', { contact: { email: true, phone: SPONSOR.phone, note: SPONSOR.contactNote } });
    // A coordinator's decision through the API (audited: an entry about the sponsor).
    const vet = await world.t.request.post(`/api/v1/sponsors/${s.id}/vet`).set(world.bearer(world.coordinator)).send({ approved: true, note: 'Casey vetting note: references checked' });
    expect(vet.status, JSON.stringify(vet.body)).to.equal(200);
    // A change the service counts (languages), beside the creation.
    const changed = await world.t.request
      .put('/api/v1/me/newcomer-profile')
      .set(world.bearer(n))
      .send(newcomerBody({ ...newcomerProfile, languages: ['en', 'es'] }));
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    // Consent given again through the API (registration recorded the first).
    world.t.clock.advance(60_000);
    const consent = await world.t.request.post('/api/v1/me/consent').set(world.bearer(n)).send({ termsVersion: world.t.config.termsVersion, healthData: true, adult: true });
    expect(consent.status, JSON.stringify(consent.body)).to.equal(200);

    const request = await world.t.request.post('/api/v1/match-requests').set(world.bearer(n)).send({ kind: 'ongoing', note: NEWCOMER.requestNote });
    expect(request.status, JSON.stringify(request.body)).to.equal(201);
    const id = await world.createMatch(n, s);
    await world.step(s, id, 'accept', { note: SPONSOR.acceptNote });
    expect((await world.step(n, id, 'accept', { note: NEWCOMER.acceptNote })).state).to.equal('active');
    await world.deliver();

    for (const week of [0, 1]) {
      await fanOutAt(N_SLOT + week * WEEK_MS + 60_000);
      await fanOutAt(S_SLOT + week * WEEK_MS + 60_000);
      // The newcomer shares theirs with the sponsor: the sponsor may read it in the service, and still it is not in the sponsor's export.
      await answer(n, 'well', NEWCOMER.answers[week]!, true);
      await answer(s, 'struggling', SPONSOR.answers[week]!);
    }
    // The sponsor's view does show the shared answers (what the export must still leave out).
    const seen = await world.t.request.get(`/api/v1/matches/${id}/check-ins`).set(world.bearer(s));
    expect(JSON.stringify(seen.body)).to.include(NEWCOMER.answers[0]);

    for (const [p, text] of [
      [n, NEWCOMER.concern],
      [s, SPONSOR.concern],
    ] as const) {
      const res = await world.t.request.post(`/api/v1/matches/${id}/concerns`).set(world.bearer(p)).send({ text });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    await world.step(s, id, 'end', { reason: 'moved', note: SPONSOR.endNote });
    await world.deliver();
    return { n, s, id, requestId: request.body.id as string };
  }

  /** What may never leave with someone else's export: the person's address, phone, exact date, ids and pseudonym, and their words. */
  async function secretsOf(p: Person, own: { recoveryDate: string; phone?: string; words?: string[] }) {
    const pseudonym = await pseudonymOf(p.id);
    return [p.email, p.id, own.recoveryDate, ...(own.phone ? [own.phone] : []), ...(pseudonym ? [pseudonym] : []), ...(own.words ?? [])];
  }
  function expectNone(text: string, secrets: readonly string[], whose: string) {
    for (const s of secrets) expect(text.includes(s), `${whose}: ${s}`).to.equal(false);
  }
  function expectNoPasswordHash(text: string) {
    expect(text).to.not.include('passwordHash');
    expect(text).to.not.include('$argon2');
    expect(text).to.not.match(/"\$2[aby]?\$/);
    expect(text).to.not.include('tokensNotBefore');
    expect(text).to.not.include('linkId');
  }

  it('when a member who went through the whole lifecycle and two weeks of check-ins exports their data, then every kind of record is in it and nothing of the other member', async () => {
    const { n, s, id, requestId } = await lifecycle();
    const third = await world.person('Olive', (acc) => withNewcomer(world.t, { recoveryDate: THIRD_DATE }, acc));
    world.t.clock.advance(3_600_000);
    const hashes = (await world.t.db.conn.collection('users').find({}).toArray()).map((u) => String(u.passwordHash));
    expect(hashes.every((h) => h.startsWith('$argon2'))).to.equal(true);

    // ---- the newcomer ----
    const res = await exportOf(n);
    const today = world.t.clock().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="recovery-match-export-${today}.json"`);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.headers['cache-control']).to.equal('no-store');
    const mine = res.body;
    expect(mine.generatedAt).to.equal(world.t.clock().toISOString());
    expect(mine.account).to.include({ id: n.id, email: n.email, displayName: 'Nora', emailVerified: true });
    expect(mine.account.roles).to.deep.equal({ admin: false, coordinatorOf: [] });
    expect(mine.account.createdAt).to.be.a('string');
    const terms = world.t.config.termsVersion;
    expect(mine.termsVersion).to.equal(terms);
    expect(mine.consent.current).to.include({ healthData: true, adult: true, termsVersion: terms });
    // Registration's consent and the one given again.
    expect(mine.consent.history.map((e: { action: string; termsVersion: string }) => [e.action, e.termsVersion])).to.deep.equal([
      ['given', terms],
      ['given', terms],
    ]);

    expect(mine.profiles.newcomer).to.include({ recoveryDate: NEWCOMER.recoveryDate, program: 'na', displayName: 'Nora' });
    expect(mine.profiles.newcomer.languages).to.deep.equal(['en', 'es']);
    expect(mine.profiles.newcomer.contact).to.deep.equal({ email: true, phone: NEWCOMER.phone });
    expect(mine.profiles.sponsor).to.equal(null);
    expect(mine.profiles.limitedChanges).to.have.length(1);
    expect(mine.profiles.vetting).to.deep.equal([]);

    expect(mine.requests).to.have.length(1);
    const request = mine.requests[0];
    expect(request).to.include({ id: requestId, kind: 'ongoing', note: NEWCOMER.requestNote });
    expect(request.history.map((v: { status: string; change: string; matchId?: string }) => [v.status, v.change, v.matchId ?? null])).to.deep.equal([
      ['open', 'linked', id],
      ['closed', 'closed', id],
    ]);

    expect(mine.matches).to.have.length(1);
    const match = mine.matches[0];
    expect(match).to.include({ id, you: 'newcomer', state: 'ended', kind: 'ongoing', origin: 'coordinator' });
    expect(match.sponsor).to.include({ displayName: 'Sam', program: 'na', yearsOfRecovery: 7 });
    expect(match.sponsor.handle).to.be.a('string');
    expect(match).to.not.have.property('newcomer');
    const steps = match.history.map((v: { step: string; by: string; state: string }) => [v.step, v.by, v.state]);
    expect(steps).to.deep.equal([
      ['create', 'a coordinator', 'awaiting-sponsor'],
      ['accept', 'the other member', 'awaiting-newcomer'],
      ['accept', 'you', 'active'],
      ['end', 'the other member', 'ended'],
    ]);
    expect(match.history[2].note).to.equal(NEWCOMER.acceptNote);
    // The other member's step stays, without their words.
    expect(match.history[1]).to.not.have.property('note');
    expect(match.history[3]).to.not.have.any.keys('note', 'reason');

    expect(mine.checkIns.settings).to.equal(null);
    expect(mine.checkIns.checkIns.map((c: { week: string; role: string; answer: string }) => [c.week, c.role, c.answer])).to.deep.equal([
      ['2026-W47', 'newcomer', 'well'],
      ['2026-W48', 'newcomer', 'well'],
    ]);
    expect(mine.checkIns.checkIns.flatMap((c: { responses: Array<{ note: string; shared: boolean }> }) => c.responses.map((r) => [r.note, r.shared]))).to.deep.equal([
      [NEWCOMER.answers[0], true],
      [NEWCOMER.answers[1], true],
    ]);
    expect(mine.concerns.map((c: { text: string; matchId: string; role: string }) => [c.text, c.matchId, c.role])).to.deep.equal([[NEWCOMER.concern, id, 'newcomer']]);

    const templates = mine.emails.map((e: { template: string }) => e.template);
    expect(templates).to.include.members(['verify-email', 'match-sponsor-accepted', 'match-introduction', 'checkin', 'match-closed']);
    expect(templates.filter((t: string) => t === 'checkin')).to.have.length(2);
    for (const e of mine.emails) expect(e).to.have.keys(['template', 'subject', 'createdAt', 'status', 'sentAt']);
    expect(mine.emails.find((e: { template: string }) => e.template === 'match-introduction')).to.include({ subject: 'Time to meet', status: 'sent' });

    expect(mine.audit.map((e: { action: string; actor: string; aboutYou: boolean }) => [e.action, e.actor, e.aboutYou])).to.deep.include(['create-match', 'someone else', true]);
    for (const e of mine.audit) expect(e).to.have.keys(['at', 'action', 'route', 'actor', 'aboutYou']);

    const text = JSON.stringify(mine);
    expectNoPasswordHash(text);
    // No link token from the mails, no word of the mails' bodies.
    expect(text).to.not.include('token=');
    expect(text).to.not.include(PUBLIC_URL);
    const sponsorSecrets = await secretsOf(s, {
      recoveryDate: SPONSOR.recoveryDate,
      phone: SPONSOR.phone,
      words: [SPONSOR.contactNote, SPONSOR.acceptNote, SPONSOR.concern, SPONSOR.endNote, ...SPONSOR.answers, 'struggling', '"moved"', 'Casey vetting note'],
    });
    expectNone(text, sponsorSecrets, "the newcomer's export holds the sponsor's");
    expectNone(text, [world.coordinator.id, world.coordinator.email, 'Casey', 'test-factory', ...(await secretsOf(third, { recoveryDate: THIRD_DATE }))], "the newcomer's export holds someone else's");

    // ---- the sponsor ----
    const theirs = (await exportOf(s)).body;
    expect(theirs.account).to.include({ id: s.id, email: s.email, displayName: 'Sam' });
    expect(theirs.consent.history.map((e: { action: string }) => e.action)).to.deep.equal(['given']);
    expect(theirs.profiles.newcomer).to.equal(null);
    expect(theirs.profiles.sponsor).to.include({ recoveryDate: SPONSOR.recoveryDate, capacity: 3 });
    expect(theirs.profiles.sponsor.contact).to.deep.equal({ email: true, phone: SPONSOR.phone, note: SPONSOR.contactNote });
    // The factory's approval and the coordinator's, by role only, without the coordinator's note.
    expect(theirs.profiles.vetting.map((v: { status: string; decidedBy: string }) => [v.status, v.decidedBy])).to.deep.equal([
      ['approved', 'a coordinator'],
      ['approved', 'a coordinator'],
    ]);
    expect(theirs.requests).to.deep.equal([]);
    expect(theirs.matches).to.have.length(1);
    const sponsored = theirs.matches[0];
    expect(sponsored).to.include({ id, you: 'sponsor', state: 'ended' });
    expect(sponsored.newcomer).to.include({ displayName: 'Nora', program: 'na', monthsOfRecovery: 3 });
    expect(sponsored).to.not.have.property('sponsor');
    expect(sponsored.history.map((v: { by: string }) => v.by)).to.deep.equal(['a coordinator', 'you', 'the other member', 'you']);
    expect(sponsored.history[1].note).to.equal(SPONSOR.acceptNote);
    expect(sponsored.history[3]).to.include({ reason: 'moved', note: SPONSOR.endNote });
    expect(sponsored.history[2]).to.not.have.property('note');
    expect(theirs.checkIns.checkIns.map((c: { role: string; answer: string }) => [c.role, c.answer])).to.deep.equal([
      ['sponsor', 'struggling'],
      ['sponsor', 'struggling'],
    ]);
    expect(theirs.checkIns.checkIns.flatMap((c: { responses: Array<{ note: string }> }) => c.responses.map((r) => r.note))).to.deep.equal(SPONSOR.answers);
    // Two "struggling" in a row: the alert raised about the sponsor is theirs to read.
    expect(theirs.checkIns.alerts.map((a: { kind: string }) => a.kind)).to.deep.equal(['struggling-twice']);
    expect(theirs.concerns.map((c: { text: string }) => c.text)).to.deep.equal([SPONSOR.concern]);
    expect(theirs.emails.map((e: { template: string }) => e.template)).to.include.members(['match-asked', 'match-introduction', 'checkin']);
    expect(theirs.audit.map((e: { action: string }) => e.action)).to.include.members(['create-match', 'vet-sponsor']);
    const theirText = JSON.stringify(theirs);
    expectNoPasswordHash(theirText);
    expect(theirText).to.not.include('token=');
    const newcomerSecrets = await secretsOf(n, {
      recoveryDate: NEWCOMER.recoveryDate,
      phone: NEWCOMER.phone,
      words: [NEWCOMER.requestNote, NEWCOMER.acceptNote, NEWCOMER.concern, ...NEWCOMER.answers, '"well"'],
    });
    expectNone(theirText, newcomerSecrets, "the sponsor's export holds the newcomer's");
    expectNone(theirText, [world.coordinator.id, world.coordinator.email, 'Casey', 'test-factory'], "the sponsor's export holds the coordinator's");

    // ---- a third member: their own data, and none of either ----
    const hers = (await exportOf(third)).body;
    expect(hers.account).to.include({ id: third.id, email: third.email });
    expect(hers.profiles.newcomer).to.include({ recoveryDate: THIRD_DATE });
    expect(hers.requests).to.have.length(1);
    expect(hers.matches).to.deep.equal([]);
    expect(hers.checkIns.checkIns).to.deep.equal([]);
    expect(hers.concerns).to.deep.equal([]);
    const hersText = JSON.stringify(hers);
    expectNoPasswordHash(hersText);
    expectNone(hersText, [...sponsorSecrets, ...newcomerSecrets, 'Nora', 'Sam'], "a third member's export holds the pair's");
    for (const h of hashes) for (const t of [text, theirText, hersText]) expect(t.includes(h)).to.equal(false);
  });

  it('when a member has withdrawn their health-data consent, then their data routes answer 403 and the export still answers, with the withdrawal in its history', async () => {
    const n = await world.newcomer('Nia');
    world.t.clock.advance(60_000);
    const withdrawn = await world.t.request.delete('/api/v1/me/consent/health-data').set(world.bearer(n));
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).to.equal(200);
    expect((await world.t.request.get('/api/v1/me/match-requests').set(world.bearer(n))).status).to.equal(403);
    const body = (await exportOf(n)).body;
    expect(body.consent.history.map((e: { action: string }) => e.action)).to.deep.equal(['given', 'health-data-withdrawn']);
    expect(body.consent.current.healthData).to.equal(false);
    expect(body.profiles.newcomer).to.equal(null);
    expect(body.requests[0].history.map((v: { status: string; by: string }) => [v.status, v.by])).to.deep.equal([['withdrawn', 'you']]);
  });

  it('when the export is asked for without a token, then 401; more than ten times in an hour by one account, then 429 for that account only', async () => {
    const none = await world.t.request.get('/api/v1/me/export');
    expect(none.status).to.equal(401);
    expect(none.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(none.headers['www-authenticate']).to.match(/^Bearer/);
    expect(none.headers).to.not.have.property('content-disposition');

    const a = await world.newcomer('Ada', false);
    const b = await world.newcomer('Ben', false);
    for (let i = 0; i < 10; i++) expect((await world.t.request.get('/api/v1/me/export').set(world.bearer(a))).status).to.equal(200);
    const limited = await world.t.request.get('/api/v1/me/export').set(world.bearer(a));
    expect(limited.status).to.equal(429);
    expect(limited.body.type).to.equal('/problems/too-many-requests');
    expect(limited.headers).to.not.have.property('content-disposition');
    expect((await world.t.request.get('/api/v1/me/export').set(world.bearer(b))).status).to.equal(200);
  });
});
