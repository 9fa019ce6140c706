import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { signCheckInLink } from '../../src/auth/tokens.ts';
import { fanOut, type CheckInDeps } from '../../src/checkins/checkins.service.ts';
import { CHECKIN_COLLECTIONS } from '../../src/checkins/checkins.repository.ts';
import { makeAdmin, withNewcomer, withSponsor } from '../support/factories.ts';
import { matchWorld, PUBLIC_URL, type Person } from '../support/match-world.ts';

// Weekly check-ins through HTTP, on the real database and a loopback SMTP
// server. The factories' newcomers live in New York and sponsors in Chicago;
// the test clock starts on Saturday 2026-11-21 12:00Z, so with the default
// (Sunday 18:00) the newcomer's first slot is 2026-11-22T23:00Z (EST) and the
// sponsor's 2026-11-23T00:00Z (CST).
const N_SLOT = '2026-11-22T23:00:00.000Z';
const S_SLOT = '2026-11-23T00:00:00.000Z';
const WEEK_MS = 7 * 86_400_000;
const SUBJECT = 'Your weekly check-in';

interface Link {
  path: 'respond' | 'note' | 'pause' | 'concern';
  token: string;
  answer?: string;
}

function linksIn(text: string): Link[] {
  const out: Link[] = [];
  const base = PUBLIC_URL.replace(/[.]/g, '\\.');
  for (const m of text.matchAll(new RegExp(`${base}/check-ins/(respond|note|pause|concern)\\?token=([A-Za-z0-9._~%-]+)`, 'g'))) {
    const token = decodeURIComponent(m[2]!);
    const payload = jwt.decode(token) as { ans?: string } | null;
    out.push({ path: m[1] as Link['path'], token, ...(payload?.ans ? { answer: payload.ans } : {}) });
  }
  return out;
}

describe('weekly check-ins through HTTP', function () {
  this.timeout(60_000);
  const world = matchWorld('checkins');
  const at = (iso: string | number) => world.t.clock.set(new Date(iso));
  const run = (deps: CheckInDeps = world.t.checkIns) => fanOut(deps);
  const checkInMails = (p: Person) => world.arrived.filter((a) => a.to === p.email && a.subject === SUBJECT);
  /** The links of the latest check-in email a person got. */
  function latestLinks(p: Person): Link[] {
    const mails = checkInMails(p);
    expect(mails, `${p.name} has no check-in email`).to.not.have.length(0);
    return linksIn(mails[mails.length - 1]!.text);
  }
  const linkFor = (p: Person, path: Link['path'], answer?: string) => {
    const l = latestLinks(p).find((x) => x.path === path && (answer === undefined || x.answer === answer));
    return l ?? expect.fail(`no ${path} ${answer ?? ''} link for ${p.name}`);
  };
  const post = (path: string, form: Record<string, string>) => world.t.request.post(`/check-ins/${path}`).type('form').send(form);
  const get = (path: string, token: string) => world.t.request.get(`/check-ins/${path}`).query({ token });
  async function checkInsOf(p: Person, matchId: string) {
    const res = await world.t.request.get(`/api/v1/matches/${matchId}/check-ins`).set(world.bearer(p));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { checkIns: Array<{ id: string; memberId: string; week: string; answer?: string; status: string; responses: Array<{ answer?: string; note?: string; shared: boolean }> }>; alerts?: Array<{ id: string; kind: string; memberId: string }> };
  }
  async function pair() {
    const n = await world.newcomer('Nora');
    const s = await world.sponsor('Sam');
    const id = await world.activeMatch(n, s);
    await world.deliver();
    return { n, s, id };
  }
  /** Runs the fan-out at `iso` and delivers what it wrote. */
  async function fanOutAt(iso: string | number) {
    at(iso);
    const r = await run();
    await world.deliver();
    return r;
  }
  const alertMails = () => world.arrived.filter((a) => a.subject === 'Someone may need your support');

  it('when a member’s local hour comes, then they get one check-in email about their match, and another fan-out sends nothing more', async () => {
    const { n, s } = await pair();
    const before = await fanOutAt(Date.parse(N_SLOT) - 60_000);
    expect(before.mails).to.equal(0);
    const first = await fanOutAt(Date.parse(N_SLOT) + 5 * 60_000);
    expect(first).to.include({ checkIns: 1, mails: 1, errors: 0 });
    expect(checkInMails(n)).to.have.length(1);
    expect(checkInMails(s)).to.have.length(0);
    const mail = checkInMails(n)[0]!;
    expect(mail.text).to.include('Sam');
    expect(linksIn(mail.text).map((l) => l.answer ?? l.path).sort()).to.deep.equal(['help', 'note', 'pause', 'struggling', 'well']);
    // The crisis resources are in every check-in.
    expect(mail.text).to.include('988').and.to.include('1-800-662-4357');

    expect((await fanOutAt(Date.parse(N_SLOT) + 10 * 60_000)).mails).to.equal(0);
    const sponsors = await fanOutAt(Date.parse(S_SLOT) + 60_000);
    expect(sponsors).to.include({ checkIns: 1, mails: 1 });
    expect(checkInMails(n)).to.have.length(1);
    expect(checkInMails(s)).to.have.length(1);
    // The sponsor is asked about sponsoring, with a link to report a concern.
    expect(linksIn(checkInMails(s)[0]!.text).map((l) => l.path)).to.include('concern');
  });

  it('when a sponsor has two sponsees, then one email a week asks about each', async () => {
    const s = await world.sponsor('Sam', { capacity: 3 });
    const a = await world.newcomer('Ana');
    const b = await world.newcomer('Ben');
    await world.activeMatch(a, s);
    await world.activeMatch(b, s);
    await fanOutAt(Date.parse(S_SLOT) + 60_000);
    const mails = checkInMails(s);
    expect(mails).to.have.length(1);
    expect(mails[0]!.text).to.include('Ana').and.to.include('Ben');
    expect(linksIn(mails[0]!.text).filter((l) => l.path === 'respond')).to.have.length(6);
    expect(linksIn(mails[0]!.text).filter((l) => l.path === 'pause')).to.have.length(1);
  });

  it('when the link is opened (GET), then nothing is recorded; the button (POST) records it; answering again changes the answer and keeps both', async () => {
    const { n, id } = await pair();
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    const well = linkFor(n, 'respond', 'well');
    const page = await get('respond', well.token);
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.match(/text\/html/);
    expect(page.headers['cache-control']).to.equal('no-store');
    expect(page.text).to.match(/<form[^>]*method="post"/i);
    expect(page.text).to.not.match(/<script/i);
    // A mail scanner fetching the link twice changes nothing.
    await get('respond', well.token);
    expect((await checkInsOf(n, id)).checkIns[0]!).to.not.have.property('answer');

    const recorded = await post('respond', { token: well.token });
    expect(recorded.status).to.equal(200);
    let mine = (await checkInsOf(n, id)).checkIns[0]!;
    expect(mine.answer).to.equal('well');
    expect(mine.responses).to.have.length(1);

    const struggling = linkFor(n, 'respond', 'struggling');
    world.t.clock.advance(60_000);
    const confirm = await get('respond', struggling.token);
    expect(confirm.text).to.match(/chang/i);
    const changed = await post('respond', { token: struggling.token });
    expect(changed.status).to.equal(200);
    expect(changed.text).to.match(/chang/i);
    mine = (await checkInsOf(n, id)).checkIns[0]!;
    expect(mine.answer).to.equal('struggling');
    expect(mine.responses.map((r) => r.answer)).to.deep.equal(['well', 'struggling']);
  });

  it('when a link is expired, tampered, of another purpose, not a check-in link, or names a check-in that is not its member’s, then a friendly page answers 4xx and nothing is recorded', async () => {
    const { n, s, id } = await pair();
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    await fanOutAt(Date.parse(S_SLOT) + 60_000);
    const well = linkFor(n, 'respond', 'well');
    const [head, payload, sig] = well.token.split('.');
    const tampered = `${head}.${payload}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`;
    // A payload edited to another answer keeps the old signature.
    const edited = `${head}.${Buffer.from(JSON.stringify({ ...(jwt.decode(well.token) as object), ans: 'help' })).toString('base64url')}.${sig}`;
    const sponsorsCheckIn = (jwt.decode(linkFor(s, 'respond', 'well').token) as { cid: string }).cid;
    // Signed with the right key, for the sponsor's check-in, but naming the newcomer.
    const foreign = signCheckInLink(world.t.tokens, { memberId: n.id, checkInId: sponsorsCheckIn, purpose: 'answer', answer: 'well' }, Math.floor(world.t.clock().getTime() / 1000));
    const bad = [tampered, edited, foreign, linkFor(n, 'pause').token, linkFor(n, 'note').token, n.token, 'not-a-token', ''];
    for (const token of bad) {
      for (const res of [await get('respond', token), await post('respond', { token })]) {
        expect(res.status, token).to.equal(400);
        expect(res.headers['content-type']).to.match(/text\/html/);
        expect(res.text).to.match(/expired or (is )?not valid|not valid/i);
        expect(res.text).to.not.match(/stack|Error:|"type":/);
      }
    }
    expect((await world.t.request.post('/check-ins/respond').type('form').send({})).status).to.equal(400);

    // Fifteen days later the real link has expired too.
    at(Date.parse(N_SLOT) + 15 * 86_400_000);
    const late = await post('respond', { token: well.token });
    expect(late.status).to.equal(400);
    const views = await checkInsOf(n, id);
    expect(views.checkIns.every((c) => c.responses.length === 0)).to.equal(true);
    expect(await world.t.db.conn.collection(CHECKIN_COLLECTIONS.responses).countDocuments({})).to.equal(0);
  });

  it('when a week’s link is used a week later, then it answers its own week, not the newer one', async () => {
    const { n, id } = await pair();
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    const firstWeek = linkFor(n, 'respond', 'well');
    await fanOutAt(Date.parse(N_SLOT) + WEEK_MS + 60_000);
    expect(checkInMails(n)).to.have.length(2);
    expect((await post('respond', { token: firstWeek.token })).status).to.equal(200);
    const rows = (await checkInsOf(n, id)).checkIns.filter((c) => c.memberId === n.id);
    expect(rows.map((r) => [r.week, r.answer ?? null])).to.deep.equal([
      ['2026-W47', 'well'],
      ['2026-W48', null],
    ]);
  });

  it('when a member pauses by the link, then no check-in comes; when they resume, the next slot comes and the missed ones are not sent', async () => {
    const { n } = await pair();
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    const pause = linkFor(n, 'pause');
    const confirm = await get('pause', pause.token);
    expect(confirm.status).to.equal(200);
    expect((await world.t.request.get('/api/v1/me/check-in-settings').set(world.bearer(n))).body.paused).to.equal(false);
    expect((await post('pause', { token: pause.token })).status).to.equal(200);
    const settings = await world.t.request.get('/api/v1/me/check-in-settings').set(world.bearer(n));
    expect(settings.body).to.include({ paused: true, day: 'sun', hour: 18 });
    expect(settings.body).to.not.have.property('nextCheckInAt');

    await fanOutAt(Date.parse(N_SLOT) + WEEK_MS + 60_000);
    expect(checkInMails(n)).to.have.length(1);
    // Resumed two hours after that week's slot (within the catch-up window): that week is not sent.
    at(Date.parse(N_SLOT) + WEEK_MS + 2 * 3_600_000);
    const resumed = await world.t.request.put('/api/v1/me/check-in-settings').set(world.bearer(n)).send({ day: 'sun', hour: 18, paused: false });
    expect(resumed.status).to.equal(200);
    expect(resumed.body.nextCheckInAt).to.equal(new Date(Date.parse(N_SLOT) + 2 * WEEK_MS).toISOString());
    await fanOutAt(Date.parse(N_SLOT) + WEEK_MS + 3 * 3_600_000);
    expect(checkInMails(n)).to.have.length(1);
    await fanOutAt(Date.parse(N_SLOT) + 2 * WEEK_MS + 60_000);
    expect(checkInMails(n)).to.have.length(2);
  });

  it('when a match becomes active a few hours after a member’s slot, then their first check-in comes at the next run', async () => {
    // The job runs every quarter hour before and after: the window is not only "since the last run".
    await fanOutAt(Date.parse(N_SLOT) + 105 * 60_000);
    at(Date.parse(N_SLOT) + 2 * 3_600_000);
    const { n, s } = await pair();
    const r = await fanOutAt(Date.parse(N_SLOT) + 2 * 3_600_000 + 5 * 60_000);
    expect(r).to.include({ checkIns: 2, mails: 2 });
    expect(checkInMails(n)).to.have.length(1);
    expect(checkInMails(s)).to.have.length(1);
  });

  it('when a member moves their check-in to an hour already past today, then the next run sends this week’s, and moving it again sends no second', async () => {
    const { n } = await pair();
    // Wednesday 2026-11-25, 12:00Z = 07:00 in New York; a run has just happened.
    await fanOutAt('2026-11-25T12:00:00Z');
    at('2026-11-25T12:05:00Z');
    const put = (hour: number) => world.t.request.put('/api/v1/me/check-in-settings').set(world.bearer(n)).send({ day: 'wed', hour, paused: false });
    expect((await put(6)).status).to.equal(200);
    expect((await fanOutAt('2026-11-25T12:10:00Z')).mails).to.equal(1);
    expect(checkInMails(n)).to.have.length(1);
    at('2026-11-25T12:20:00Z');
    expect((await put(5)).status).to.equal(200);
    expect((await fanOutAt('2026-11-25T12:25:00Z')).mails).to.equal(0);
    expect(checkInMails(n)).to.have.length(1);
  });

  it('when a match is paused or ended, then its check-ins stop; resumed, they start at the next slot', async () => {
    const { n, s, id } = await pair();
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    at(Date.parse(N_SLOT) + 86_400_000);
    await world.step(n, id, 'pause');
    await fanOutAt(Date.parse(N_SLOT) + WEEK_MS + 60_000);
    await fanOutAt(Date.parse(S_SLOT) + WEEK_MS + 60_000);
    expect(checkInMails(n)).to.have.length(1);
    expect(checkInMails(s)).to.have.length(0);
    at(Date.parse(N_SLOT) + WEEK_MS + 3_600_000);
    await world.step(s, id, 'resume');
    await fanOutAt(Date.parse(S_SLOT) + WEEK_MS + 2 * 3_600_000);
    expect(checkInMails(s)).to.have.length(0);
    await fanOutAt(Date.parse(N_SLOT) + 2 * WEEK_MS + 60_000);
    expect(checkInMails(n)).to.have.length(2);
    at(Date.parse(N_SLOT) + 2 * WEEK_MS + 3_600_000);
    await world.step(n, id, 'end', { reason: 'other' });
    await fanOutAt(Date.parse(N_SLOT) + 3 * WEEK_MS + 60_000);
    await fanOutAt(Date.parse(S_SLOT) + 3 * WEEK_MS + 60_000);
    expect(checkInMails(n)).to.have.length(2);
    expect(checkInMails(s)).to.have.length(0);
  });

  it('when a newcomer answers "need help now", then the page shows the crisis resources first and the coordinator gets an alert email at once, listed and acknowledged (audited)', async () => {
    const { n, id } = await pair();
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    const help = linkFor(n, 'respond', 'help');
    const confirm = await get('respond', help.token);
    /** The crisis resources open the page: the first thing in <main>, before any other heading or paragraph. */
    const crisisFirst = (html: string) => {
      const main = html.slice(html.indexOf('<main'));
      const crisis = main.slice(0, main.indexOf('</section>'));
      expect(main).to.match(/^<main>\s*<section class="crisis"/);
      expect(crisis).to.include('988').and.to.include('1-800-662-4357');
    };
    crisisFirst(confirm.text);
    const before = alertMails().length;
    const done = await post('respond', { token: help.token });
    expect(done.status).to.equal(200);
    crisisFirst(done.text);
    await world.deliver();
    const alerts = alertMails().slice(before);
    expect(alerts.map((a) => a.to)).to.deep.equal([world.coordinator.email]);
    // It names nobody and no health matter: the coordinator reads the rest in the service.
    expect(alerts[0]!.text).to.not.include('Nora');

    const list = await world.t.request.get('/api/v1/coordinator/alerts').set(world.bearer(world.coordinator));
    expect(list.status).to.equal(200);
    expect(list.body.alerts).to.have.length(1);
    const alert = list.body.alerts[0];
    expect(alert).to.include({ kind: 'need-help', matchId: id, memberId: n.id, role: 'newcomer', program: 'na' });
    expect((await world.t.request.get('/api/v1/coordinator/alerts').set(world.bearer(n))).status).to.equal(403);
    const ack = await world.t.request.post(`/api/v1/coordinator/alerts/${encodeURIComponent(alert.id)}/ack`).set(world.bearer(world.coordinator));
    expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
    expect(ack.body.acknowledged.by).to.equal(world.coordinator.id);
    expect((await world.t.request.get('/api/v1/coordinator/alerts?open=true').set(world.bearer(world.coordinator))).body.alerts).to.have.length(0);
    const audited = await world.t.db.conn.collection('audit_log').find({ action: { $in: ['ack-alert', 'read-alerts'] } }).toArray();
    expect(audited.map((a) => a.action).sort()).to.include.members(['ack-alert', 'read-alerts']);
    // Answering "help" again raises no second alert.
    await post('respond', { token: help.token });
    await world.deliver();
    expect(alertMails().slice(before)).to.have.length(1);
    expect((await world.t.request.post('/api/v1/coordinator/alerts/need-help:checkin:nope/ack').set(world.bearer(world.coordinator))).status).to.equal(404);
    expect((await world.t.request.post('/api/v1/coordinator/alerts/bogus/ack').set(world.bearer(world.coordinator))).status).to.equal(400);
  });

  it('when a program has no coordinator, then its admins get the alert', async () => {
    const admin = await world.person('Ada', (acc) => makeAdmin(world.t, acc));
    const n = await world.person('Nia', (acc) => withNewcomer(world.t, { program: 'aa' }, acc));
    const s = await world.person('Sol', (acc) => withSponsor(world.t, { program: 'aa' }, acc));
    const request = await world.openRequestOf(n);
    const created = await world.t.request.post('/api/v1/matches').set(world.bearer(admin)).send({ requestId: request.id, sponsorId: s.id });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    await world.step(s, created.body.id, 'accept');
    await world.step(n, created.body.id, 'accept');
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    const before = alertMails().length;
    expect((await post('respond', { token: linkFor(n, 'respond', 'help').token })).status).to.equal(200);
    await world.deliver();
    expect(alertMails().slice(before).map((a) => a.to)).to.deep.equal([admin.email]);
  });

  it('when a member answers "struggling" two weeks in a row, or leaves two check-ins unanswered, then the coordinators are alerted once', async () => {
    const { n, s, id } = await pair();
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    await fanOutAt(Date.parse(S_SLOT) + 60_000);
    await post('respond', { token: linkFor(n, 'respond', 'struggling').token });
    await fanOutAt(Date.parse(N_SLOT) + WEEK_MS + 60_000);
    await fanOutAt(Date.parse(S_SLOT) + WEEK_MS + 60_000);
    const before = alertMails().length;
    await post('respond', { token: linkFor(n, 'respond', 'struggling').token });
    await world.deliver();
    expect(alertMails().slice(before)).to.have.length(1);
    // The sponsor has not answered two check-ins: the third one alerts, the fourth does not again.
    await fanOutAt(Date.parse(S_SLOT) + 2 * WEEK_MS + 60_000);
    await fanOutAt(Date.parse(S_SLOT) + 3 * WEEK_MS + 60_000);
    const kinds = (await checkInsOf(world.coordinator, id)).alerts!.map((a) => `${a.kind}:${a.memberId === s.id ? 'sponsor' : 'newcomer'}`);
    expect(kinds.sort()).to.deep.equal(['missed-check-ins:sponsor', 'struggling-twice:newcomer']);
  });

  it('when a newcomer shares an answer and note with their sponsor, then the sponsor reads only that; coordinators read everything; strangers get 404', async () => {
    const { n, s, id } = await pair();
    await fanOutAt(Date.parse(N_SLOT) + 60_000);
    await post('respond', { token: linkFor(n, 'respond', 'struggling').token });
    expect((await checkInsOf(s, id)).checkIns).to.have.length(0);
    const notePage = await get('note', linkFor(n, 'note').token);
    expect(notePage.status).to.equal(200);
    expect(notePage.text).to.include('name="share"');
    world.t.clock.advance(60_000);
    const shared = await post('note', { token: linkFor(n, 'note').token, answer: 'well', note: 'A better week, thanks.', share: 'on' });
    expect(shared.status).to.equal(200);
    const sponsorView = await checkInsOf(s, id);
    expect(sponsorView.checkIns).to.have.length(1);
    expect(sponsorView.checkIns[0]!.responses.map(({ answer, note, shared }) => ({ answer, note, shared }))).to.deep.equal([{ answer: 'well', note: 'A better week, thanks.', shared: true }]);
    expect(sponsorView).to.not.have.property('alerts');
    const own = await checkInsOf(n, id);
    expect(own.checkIns[0]!.responses.map((r) => r.answer)).to.deep.equal(['struggling', 'well']);
    const coordinator = await checkInsOf(world.coordinator, id);
    expect(coordinator.checkIns[0]!.responses).to.have.length(2);
    expect(coordinator).to.have.property('alerts');
    const stranger = await world.newcomer('Zed', false);
    expect((await world.t.request.get(`/api/v1/matches/${id}/check-ins`).set(world.bearer(stranger))).status).to.equal(404);
    // Bad forms get a friendly page, and record nothing.
    const tooLong = await post('note', { token: linkFor(n, 'note').token, note: 'x'.repeat(1001) });
    expect(tooLong.status).to.equal(400);
    const unknown = await post('note', { token: linkFor(n, 'note').token, answer: 'fine' });
    expect(unknown.status).to.equal(400);
    expect((await checkInsOf(n, id)).checkIns[0]!.responses).to.have.length(2);
  });

  it('when a sponsor reports a concern through the check-in link, then the coordinators get it and the newcomer is not told', async () => {
    const { n, s } = await pair();
    await fanOutAt(Date.parse(S_SLOT) + 60_000);
    const concern = linkFor(s, 'concern');
    expect((await get('concern', concern.token)).status).to.equal(200);
    expect((await post('concern', { token: concern.token, text: '   ' })).status).to.equal(400);
    const before = world.mailsTo(n, 0).length;
    expect((await post('concern', { token: concern.token, text: 'Calls at 3 a.m. every night.' })).status).to.equal(200);
    const list = await world.t.request.get('/api/v1/coordinator/concerns').set(world.bearer(world.coordinator));
    expect(list.body.concerns.map((c: { text: string; reportedBy: string }) => [c.text, c.reportedBy])).to.deep.equal([['Calls at 3 a.m. every night.', s.id]]);
    await world.deliver();
    expect(world.mailsTo(n, 0)).to.have.length(before);
  });

  it('when every worker missed a slot, then one at most 12 hours late is sent and an older one is skipped and counted, not sent', async () => {
    const { n, s } = await pair();
    // A fan-out before the slots, then none until 11 hours after the newcomer's slot: still sent.
    await fanOutAt(Date.parse(N_SLOT) - 3_600_000);
    const late = await fanOutAt(Date.parse(N_SLOT) + 11 * 3_600_000);
    expect(late.mails).to.equal(2);
    expect(checkInMails(n)).to.have.length(1);
    // The next week nobody runs until 13 hours after the newcomer's slot (12 after the sponsor's):
    // the newcomer's is skipped; the sponsor's is sent.
    await fanOutAt(Date.parse(N_SLOT) + WEEK_MS - 3_600_000);
    const missed = await fanOutAt(Date.parse(N_SLOT) + WEEK_MS + 13 * 3_600_000);
    expect(missed).to.include({ skipped: 1, mails: 1 });
    expect(checkInMails(n)).to.have.length(1);
    expect(checkInMails(s)).to.have.length(2);
    const claims = await world.t.db.conn.collection(CHECKIN_COLLECTIONS.checkIns).find({ memberId: n.id }).sort({ slotAt: 1 }).toArray();
    expect(claims.map((c) => c.status)).to.deep.equal(['due', 'skipped']);
  });

  it('when a fan-out fails between the claims and the email, then the next one sends it, once', async () => {
    const { n } = await pair();
    at(Date.parse(N_SLOT) + 60_000);
    const failing: CheckInDeps = {
      ...world.t.checkIns,
      outbox: { ...world.t.checkIns.outbox, enqueueRendered: () => Promise.reject(new Error('the worker died here')) },
    };
    const broken = await run(failing);
    expect(broken).to.include({ checkIns: 1, mails: 0, errors: 1 });
    expect(await world.t.db.conn.collection(CHECKIN_COLLECTIONS.pending).countDocuments({})).to.equal(1);
    const next = await fanOutAt(Date.parse(N_SLOT) + 16 * 60_000);
    expect(next).to.include({ checkIns: 0, mails: 1, recovered: 1, errors: 0 });
    expect(checkInMails(n)).to.have.length(1);
    expect(await world.t.db.conn.collection(CHECKIN_COLLECTIONS.pending).countDocuments({})).to.equal(0);
    expect((await fanOutAt(Date.parse(N_SLOT) + 31 * 60_000)).mails).to.equal(0);
  });

  it('when one address posts to the check-in pages more than 30 times in ten minutes, then a friendly 429 page answers', async () => {
    for (let i = 0; i < 30; i += 1) expect((await post('respond', { token: 'x' })).status).to.equal(400);
    const limited = await post('respond', { token: 'x' });
    expect(limited.status).to.equal(429);
    expect(limited.headers['content-type']).to.match(/text\/html/);
    expect(limited.text).to.include('988');
    // Opening links is counted apart.
    expect((await get('respond', 'x')).status).to.equal(400);
  });

  it('when a fan-out failed before the email and no run came for more than 12 hours, then that week is skipped: no email, and its check-ins are not counted as unanswered', async () => {
    const { n } = await pair();
    at(Date.parse(N_SLOT) + 60_000);
    const failing: CheckInDeps = {
      ...world.t.checkIns,
      outbox: { ...world.t.checkIns.outbox, enqueueRendered: () => Promise.reject(new Error('the worker died here')) },
    };
    expect(await run(failing)).to.include({ checkIns: 1, errors: 1 });
    // 14 hours: past the catch-up window of the sponsor's slot (an hour later) too.
    const late = await fanOutAt(Date.parse(N_SLOT) + 14 * 3_600_000);
    expect(late).to.include({ mails: 0, skipped: 1, errors: 0 });
    expect(checkInMails(n)).to.have.length(0);
    expect(await world.t.db.conn.collection(CHECKIN_COLLECTIONS.pending).countDocuments({})).to.equal(0);
    const claims = await world.t.db.conn.collection(CHECKIN_COLLECTIONS.checkIns).find({ memberId: n.id }).toArray();
    expect(claims.map((c) => c.status)).to.deep.equal(['skipped']);
  });

  it('settings: defaults, validation as problem+json, and the next check-in at the local hour across a daylight-saving change', async () => {
    const n = await world.newcomer('Nora');
    at('2026-10-30T12:00:00Z');
    const defaults = await world.t.request.get('/api/v1/me/check-in-settings').set(world.bearer(n));
    expect(defaults.status).to.equal(200);
    // New York leaves daylight time on 2026-11-01: 18:00 that Sunday is 23:00Z (it was 22:00Z the week before).
    expect(defaults.body).to.deep.equal({ day: 'sun', hour: 18, paused: false, timezone: 'America/New_York', nextCheckInAt: '2026-11-01T23:00:00.000Z' });
    for (const body of [{ day: 'sunday', hour: 18, paused: false }, { day: 'sun', hour: 24, paused: false }, { day: 'sun', hour: 1.5, paused: false }, { day: 'sun', hour: 18 }, { day: 'sun', hour: 18, paused: 'no' }, { day: 'sun', hour: 18, paused: false, zone: 'UTC' }]) {
      const res = await world.t.request.put('/api/v1/me/check-in-settings').set(world.bearer(n)).send(body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.headers['content-type']).to.match(/application\/problem\+json/);
    }
    const set = await world.t.request.put('/api/v1/me/check-in-settings').set(world.bearer(n)).send({ day: 'sat', hour: 9, paused: false });
    expect(set.body).to.deep.equal({ day: 'sat', hour: 9, paused: false, timezone: 'America/New_York', nextCheckInAt: '2026-10-31T13:00:00.000Z' });
    expect((await world.t.request.get('/api/v1/me/check-in-settings')).status).to.equal(401);
  });
});
