import { expect } from 'chai';
import { mentionsHealth } from '../../src/mail/templates.ts';
import { parseMail, startTestSmtp, type TestSmtp } from '../support/smtp.ts';
import { bearer, makeCoordinator, withNewcomer, withSponsor, type Member } from '../support/factories.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Arrived {
  to: string;
  subject: string;
  text: string;
}

/**
 * The whole way of one match, through the API only: the request, the
 * coordinator's approval of a run pair, both consents, the introductions at
 * the loopback SMTP server, pause, resume and end; at each step what each
 * person can read, and which emails went out.
 */
describe('match lifecycle: from a request to an ended match, as each person sees it', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let newcomer: Member;
  let sponsor: Member;
  let coordinator: Member;
  const arrived: Arrived[] = [];

  const deliver = async () => {
    await t.outbox.deliverDue();
    while (arrived.length < smtp.received.length) {
      const raw = smtp.received[arrived.length]!;
      const mail = await parseMail(raw.raw);
      arrived.push({ to: raw.envelope.to[0]!, subject: mail.subject ?? '', text: mail.text ?? '' });
    }
  };
  const mailsTo = (m: Member) => arrived.filter((a) => a.to === m.email);
  const read = async (m: Member, id: string) => {
    const res = await t.request.get(`/api/v1/matches/${id}`).set(bearer(m));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };
  const step = async (m: Member, id: string, action: string, body: object = {}) => {
    const res = await t.request.post(`/api/v1/matches/${id}/${action}`).set(bearer(m)).send(body);
    expect(res.status, `${action}: ${JSON.stringify(res.body)}`).to.equal(200);
    return res.body;
  };

  before(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('match_lifecycle', { SMTP_URL: smtp.url, PUBLIC_URL: 'https://match.example' });
    coordinator = await makeCoordinator(t, ['na'], { displayName: 'Casey' });
    sponsor = await withSponsor(t, { contact: { email: true, phone: '+1 555 010 0200', note: 'Evenings are best.' } }, { displayName: 'Robin' });
    newcomer = await withNewcomer(t, { contact: { email: false, phone: '+1 555 010 0300' } }, { displayName: 'Sam' }, { request: false });
    await deliver(); // the welcome emails
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('walks request → proposals → a run pair approved → the sponsor accepts → the newcomer accepts → introductions → pause → resume → end', async () => {
    // The newcomer asks.
    const request = await t.request.post('/api/v1/match-requests').set(bearer(newcomer)).send({ kind: 'ongoing', note: 'Evenings suit me.' });
    expect(request.status, JSON.stringify(request.body)).to.equal(201);
    expect(request.body).to.include({ kind: 'ongoing', status: 'open' });
    const mine = await t.request.get('/api/v1/me/match-requests').set(bearer(newcomer));
    expect(mine.body.requests.map((r: { id: string }) => r.id)).to.deep.equal([request.body.id]);

    // Proposals: the sponsor is there, on an anonymous card.
    const proposals = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer));
    expect(proposals.body.proposals).to.have.length(1);

    // The coordinator sees the request in the queue, runs the pool and approves the pair.
    const queue = await t.request.get('/api/v1/coordinator/queue').set(bearer(coordinator));
    expect(queue.status).to.equal(200);
    expect(queue.body.requests).to.have.length(1);
    expect(queue.body.requests[0]).to.include({ requestId: request.body.id, newcomerId: newcomer.id, kind: 'ongoing' });
    expect(queue.body.requests[0].proposals[0].sponsorId).to.equal(sponsor.id);
    const run = await t.request.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program: 'na' });
    expect(run.status).to.equal(201);
    expect(run.body.pairs).to.deep.include.members([{ ...run.body.pairs[0], newcomerId: newcomer.id, sponsorId: sponsor.id }]);
    const approval = await t.request.post(`/api/v1/matching/runs/${run.body.id}/approve`).set(bearer(coordinator)).send({});
    expect(approval.status, JSON.stringify(approval.body)).to.equal(200);
    expect(approval.body.results).to.have.length(1);
    expect(approval.body.results[0]).to.include({ newcomerId: newcomer.id, sponsorId: sponsor.id, result: 'created' });
    const matchId: string = approval.body.results[0].matchId;

    // Awaiting the sponsor: each sees the other's card only.
    const bySponsor = await read(sponsor, matchId);
    expect(bySponsor).to.include({ state: 'awaiting-sponsor', you: 'sponsor' });
    expect(bySponsor.allowedActions).to.include.members(['accept', 'decline']);
    expect(bySponsor.newcomer).to.include({ displayName: 'Sam' });
    const byNewcomer = await read(newcomer, matchId);
    expect(byNewcomer).to.include({ state: 'awaiting-sponsor', you: 'newcomer' });
    expect(byNewcomer.sponsor).to.include({ displayName: 'Robin' });
    expect(byNewcomer.sponsor.handle).to.be.a('string').and.not.equal(sponsor.id);
    for (const [body, other] of [
      [bySponsor, newcomer],
      [byNewcomer, sponsor],
    ] as const) {
      const text = JSON.stringify(body);
      expect(text).not.to.include(other.email);
      expect(text).not.to.include('555');
      expect(text).not.to.match(/\d{4}-\d{2}-\d{2}(?!T)/); // no date of recovery (timestamps of the steps only)
      expect(body).not.to.have.property('contact');
      expect(body).not.to.have.property('history');
    }
    await deliver();
    expect(mailsTo(sponsor).map((m) => m.subject)).to.include('Someone would like to connect');

    // The sponsor accepts: the newcomer is asked.
    expect(await step(sponsor, matchId, 'accept')).to.include({ state: 'awaiting-newcomer' });
    await deliver();
    expect(mailsTo(newcomer)).to.have.length.greaterThan(0);
    for (const [viewer, other] of [
      [newcomer, sponsor],
      [sponsor, newcomer],
    ] as const) {
      const beforeActive = await read(viewer, matchId);
      expect(beforeActive).to.include({ state: 'awaiting-newcomer' });
      expect(beforeActive).not.to.have.property('contact');
      const text = JSON.stringify(beforeActive);
      expect(text).not.to.include(other.email);
      expect(text).not.to.include('555');
      expect(text).not.to.match(/\d{4}-\d{2}-\d{2}(?!T)/);
    }

    // The newcomer accepts: active, and both are introduced.
    expect(await step(newcomer, matchId, 'accept')).to.include({ state: 'active' });
    await deliver();
    const introToNewcomer = mailsTo(newcomer).find((m) => m.subject === 'Time to meet');
    const introToSponsor = mailsTo(sponsor).find((m) => m.subject === 'Time to meet');
    expect(introToNewcomer, 'the newcomer’s introduction').to.not.equal(undefined);
    expect(introToSponsor, 'the sponsor’s introduction').to.not.equal(undefined);
    expect(introToNewcomer!.text).to.include(sponsor.email).and.include('+1 555 010 0200').and.include('Evenings are best.');
    // The newcomer shared a phone, not the email.
    expect(introToSponsor!.text).to.include('+1 555 010 0300').and.not.include(newcomer.email);
    const active = await read(newcomer, matchId);
    expect(active.contact).to.include({ email: sponsor.email, phone: '+1 555 010 0200' });
    expect((await read(sponsor, matchId)).contact).to.include({ phone: '+1 555 010 0300' }).and.not.have.property('email');
    // The request is closed by the active match.
    const closed = await t.request.get('/api/v1/me/match-requests').set(bearer(newcomer));
    expect(closed.body.requests[0]).to.include({ status: 'closed' });

    // Pause, resume, end.
    expect(await step(sponsor, matchId, 'pause')).to.include({ state: 'paused' });
    expect(await step(newcomer, matchId, 'resume')).to.include({ state: 'active' });
    const ended = await step(newcomer, matchId, 'end', { reason: 'moved', note: 'I am moving away.' });
    expect(ended).to.include({ state: 'ended' });
    const seenBySponsor = await read(sponsor, matchId);
    expect(seenBySponsor.notice).to.equal('This match has ended. You can ask for a new sponsor at any time.');
    expect(JSON.stringify(seenBySponsor)).not.to.include('moved').and.not.include('moving away');
    const seenByCoordinator = await read(coordinator, matchId);
    expect(seenByCoordinator.history.map((h: { state: string }) => h.state)).to.deep.equal(['awaiting-sponsor', 'awaiting-newcomer', 'active', 'paused', 'active', 'ended']);
    expect(seenByCoordinator.history.at(-1)).to.include({ reason: 'moved', role: 'newcomer' });
    await deliver();
    expect(mailsTo(sponsor).filter((m) => m.text.includes('This match has ended.'))).to.have.length(1);

    // Every email once, none with a health word in its subject.
    const keys = arrived.map((a) => `${a.to}|${a.subject}|${a.text}`);
    expect(new Set(keys).size, 'an email went out twice').to.equal(keys.length);
    for (const a of arrived) expect(mentionsHealth(a.subject), a.subject).to.equal(false);
    await deliver();
    expect(smtp.received.length).to.equal(arrived.length);

    // The place is free again, and the pair is never proposed again.
    const after = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(coordinator));
    expect(after.body.proposals.map((p: { sponsorId: string }) => p.sponsorId)).not.to.include(sponsor.id);
  });
});
