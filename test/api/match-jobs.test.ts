import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { expireDue, reconcile, RECONCILE_GRACE_MS, takePlace } from '../../src/matches/lifecycle.service.ts';
import type { MatchSeed, MatchStatus } from '../../src/matches/lifecycle.repository.ts';
import type { TestApp } from '../support/test-app.ts';
import { matchWorld, type Person } from '../support/match-world.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;


/**
 * The scheduled work of the match lifecycle, run by hand against an injected
 * clock: expiry of unanswered steps, the term of temporary matches, and the
 * reconciler that repairs what a crash left half done (each crash simulated by
 * running the first steps of a change alone, through the service's own
 * functions and repository). What each person then reads goes through the API,
 * and the emails through a real SMTP server on loopback.
 */
describe('match jobs: expiry, the term of temporary matches, and reconciling after a crash', function () {
  this.timeout(30_000);
  const w = matchWorld('match_jobs');
  const { bearer, newcomer, sponsor, deliver, got, mark, openRequestOf, createMatch, step, read, proposed, whyNot } = w;
  let t: TestApp;
  let coordinator: Person;
  beforeEach(() => {
    t = w.t;
    coordinator = w.coordinator;
  });
  const holders = async (s: Person) => ((await t.lifecycle.repo.places(s.id))?.state.holders ?? []).map((h) => h.matchId);

  describe('expiry of an unanswered step (MATCH_RESPONSE_HOURS, 72 h by default)', () => {
    it('when the sponsor does not answer for 72 h, then the match expires, the request is open again, the coordinators get one notice, the place is free and the pair rests for a day', async () => {
      const sam = await newcomer('Sam');
      const robin = await sponsor('Robin');
      const matchId = await createMatch(sam, robin);
      expect(await holders(robin)).to.deep.equal([matchId]);
      const from = await mark();

      t.clock.advance(71 * HOUR);
      expect(await expireDue(t.lifecycle)).to.deep.equal({ expired: 0, termEnded: 0 });
      expect((await read(robin, matchId)).state).to.equal('awaiting-sponsor');

      t.clock.advance(2 * HOUR);
      expect(await expireDue(t.lifecycle)).to.deep.equal({ expired: 1, termEnded: 0 });

      const byCoordinator = await read(coordinator, matchId);
      expect(byCoordinator.state).to.equal('expired');
      expect(byCoordinator.history.at(-1)).to.include({ state: 'expired', action: 'expire', role: 'system' });
      const request = await openRequestOf(sam);
      expect(request.status).to.equal('open');
      expect(request).not.to.have.property('match');
      expect(await holders(robin)).to.deep.equal([]);
      await deliver();
      expect(got(coordinator, 'match-expired', from), 'the coordinators’ notice').to.have.length(1);
      // The newcomer who was waiting: their request is open again (no reason, no blame); the sponsor who did not answer: nothing.
      expect(got(sam, 'match-withdrawn-newcomer', from), 'the newcomer’s notice').to.have.length(1);
      expect(w.arrived.slice(from), 'nobody else is mailed about an expiry').to.have.length(2);

      // Run again (a second worker, a retry): nothing more happens.
      expect(await expireDue(t.lifecycle)).to.deep.equal({ expired: 0, termEnded: 0 });
      await deliver();
      expect(w.arrived.slice(from), 'no second notice').to.have.length(2);

      // The pair rests for a day after the expiry, then is proposed again.
      expect(await proposed(sam)).not.to.include(robin.id);
      expect(await whyNot(sam, robin)).to.include('pair-blocked');
      t.clock.advance(23 * HOUR);
      expect(await proposed(sam)).not.to.include(robin.id);
      t.clock.advance(2 * HOUR);
      expect(await proposed(sam)).to.include(robin.id);
    });

    it('when the newcomer does not answer for 72 h after the sponsor accepted, then the match expires the same way (counted from the sponsor’s yes)', async () => {
      const sam = await newcomer('Sam');
      const robin = await sponsor('Robin');
      const matchId = await createMatch(sam, robin);
      t.clock.advance(48 * HOUR);
      expect((await step(robin, matchId, 'accept')).state).to.equal('awaiting-newcomer');
      const from = await mark();

      // 119 h after the match was made, 71 h after the last step.
      t.clock.advance(71 * HOUR);
      expect(await expireDue(t.lifecycle)).to.deep.equal({ expired: 0, termEnded: 0 });
      expect((await read(sam, matchId)).state).to.equal('awaiting-newcomer');

      // Two workers run the job at once (Agenda may start it twice on FerretDB): one expiry between them.
      t.clock.advance(2 * HOUR);
      const runs = await Promise.all([expireDue(t.lifecycle), expireDue(t.lifecycle)]);
      expect(runs.map((r) => r.expired).reduce((a, b) => a + b)).to.equal(1);
      expect((await read(coordinator, matchId)).state).to.equal('expired');
      expect((await read(coordinator, matchId)).history.filter((h: { action: string }) => h.action === 'expire')).to.have.length(1);
      const request = await openRequestOf(sam);
      expect(request.status).to.equal('open');
      expect(request).not.to.have.property('match');
      expect(await holders(robin)).to.deep.equal([]);
      await deliver();
      expect(got(coordinator, 'match-expired', from)).to.have.length(1);
      // The sponsor who was waiting for the newcomer gets the neutral notice.
      expect(got(robin, 'match-closed', from)).to.have.length(1);
      expect(w.arrived.slice(from)).to.have.length(2);

      expect(await expireDue(t.lifecycle)).to.deep.equal({ expired: 0, termEnded: 0 });
      await deliver();
      expect(w.arrived.slice(from), 'no second notice').to.have.length(2);

      expect(await proposed(sam)).not.to.include(robin.id);
      t.clock.advance(DAY + HOUR);
      expect(await proposed(sam)).to.include(robin.id);
    });
  });

  describe('the term of a temporary match (TEMPORARY_MATCH_DAYS, 30 by default)', () => {
    it('when 30 days have passed since a temporary match became active, then expireDue ends it at its term, the pair may be proposed again and the newcomer can ask again', async () => {
      const sam = await newcomer('Sam', false);
      const robin = await sponsor('Robin');
      const asked = await t.request.post('/api/v1/match-requests').set(bearer(sam)).send({ kind: 'temporary' });
      expect(asked.status, JSON.stringify(asked.body)).to.equal(201);
      const matchId = await createMatch(sam, robin);
      await step(robin, matchId, 'accept');
      const active = await step(sam, matchId, 'accept');
      expect(active).to.include({ state: 'active', kind: 'temporary' });
      expect(new Date(active.endsAt).getTime() - new Date(active.activeSince).getTime()).to.equal(30 * DAY);
      expect((await openRequestOf(sam)).status).to.equal('closed');
      const from = await mark();

      t.clock.advance(30 * DAY - MINUTE);
      expect(await expireDue(t.lifecycle)).to.deep.equal({ expired: 0, termEnded: 0 });
      expect((await read(sam, matchId)).state).to.equal('active');

      t.clock.advance(MINUTE);
      expect(await expireDue(t.lifecycle)).to.deep.equal({ expired: 0, termEnded: 1 });
      const status = await t.lifecycle.repo.status(matchId);
      expect(status?.state).to.include({ status: 'ended', action: 'term-end', role: 'system', atTerm: true });
      expect(await holders(robin)).to.deep.equal([]);
      expect(await expireDue(t.lifecycle)).to.deep.equal({ expired: 0, termEnded: 0 });

      // Both hear the same neutral notice, once.
      await deliver();
      expect(got(sam, 'match-closed', from)).to.have.length(1);
      expect(got(robin, 'match-closed', from)).to.have.length(1);
      expect(w.arrived.slice(from)).to.have.length(2);
      expect((await read(sam, matchId)).notice).to.equal('This match has ended. You can ask for a new sponsor at any time.');

      // A match that ran to its term is not "ended" between the two: they may be proposed again.
      expect(await whyNot(sam, robin)).not.to.include('pair-blocked');
      expect(await proposed(sam)).to.include(robin.id);
      const again = await t.request.post('/api/v1/match-requests').set(bearer(sam)).send({ kind: 'ongoing' });
      expect(again.status, JSON.stringify(again.body)).to.equal(201);
      expect(again.body).to.include({ status: 'open', kind: 'ongoing' });
    });
  });

  describe('reconcile: what a crash left half done', () => {
    it('when a place was taken and the process died before the match was linked, then reconcile leaves it within the grace period and releases it after, so the sponsor can be matched up to capacity again', async () => {
      const sam = await newcomer('Sam');
      const alex = await newcomer('Alex');
      const robin = await sponsor('Robin', { capacity: 1 });
      const request = await openRequestOf(sam);
      const orphan = randomUUID();

      // The first step of linkMatch alone: then the crash.
      await takePlace(t.lifecycle, robin.id, { matchId: orphan, requestId: request.id }, 'test');
      expect(await holders(robin)).to.deep.equal([orphan]);
      const full = await t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId: (await openRequestOf(alex)).id, sponsorId: robin.id });
      expect(full.status, JSON.stringify(full.body)).to.equal(409);
      expect(full.body.type).to.equal('/problems/sponsor-at-capacity');

      t.clock.advance(RECONCILE_GRACE_MS - MINUTE);
      expect((await reconcile(t.lifecycle)).released).to.equal(0);
      expect(await holders(robin)).to.deep.equal([orphan]);

      t.clock.advance(2 * MINUTE);
      expect((await reconcile(t.lifecycle)).released).to.equal(1);
      expect(await holders(robin)).to.deep.equal([]);
      expect(await t.lifecycle.repo.match(orphan)).to.equal(undefined);
      expect((await reconcile(t.lifecycle)).released).to.equal(0);

      // The place is usable again: one match (the capacity), not two.
      const matchId = await createMatch(alex, robin);
      expect(await holders(robin)).to.deep.equal([matchId]);
      const second = await t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId: request.id, sponsorId: robin.id });
      expect(second.status).to.equal(409);
      expect(second.body.type).to.equal('/problems/sponsor-at-capacity');
    });

    /** linkMatch's first two steps alone (the place, the link in the request's chain), as if the process died before writing the match. */
    async function linkWithoutWriting(n: Person, s: Person): Promise<MatchSeed> {
      const request = await openRequestOf(n);
      const seed: MatchSeed = {
        matchId: randomUUID(),
        requestId: request.id,
        newcomerId: n.id,
        sponsorId: s.id,
        newcomerProgram: 'na',
        sponsorProgram: 'na',
        kind: 'ongoing',
        origin: 'coordinator',
        startState: 'awaiting-sponsor',
        createdBy: coordinator.id,
        createdRole: 'coordinator',
        createdAt: t.clock(),
      };
      await takePlace(t.lifecycle, s.id, { matchId: seed.matchId, requestId: seed.requestId }, coordinator.id);
      const current = await t.lifecycle.repo.requestState(request.id);
      await t.lifecycle.repo.appendRequest(request.id, current?.n ?? 0, { status: 'open', match: seed, change: 'linked' }, coordinator.id, t.clock());
      expect(await t.lifecycle.repo.match(seed.matchId)).to.equal(undefined);
      expect(await t.lifecycle.repo.status(seed.matchId)).to.equal(undefined);
      return seed;
    }

    it('when a match was linked to its request but never written, then reconcile writes it and makes its effects once, and its place stays held', async () => {
      const sam = await newcomer('Sam');
      const robin = await sponsor('Robin');
      const from = await mark();
      const seed = await linkWithoutWriting(sam, robin);

      await reconcile(t.lifecycle);
      const written = await t.lifecycle.repo.match(seed.matchId);
      expect(written).to.include({ _id: seed.matchId, newcomerId: sam.id, sponsorId: robin.id, requestId: seed.requestId });
      expect((await t.lifecycle.repo.status(seed.matchId))?.state).to.include({ status: 'awaiting-sponsor', action: 'create', sponsorAsked: true });
      expect((await read(robin, seed.matchId)).state).to.equal('awaiting-sponsor');
      expect((await openRequestOf(sam)).match).to.deep.equal({ id: seed.matchId, state: 'awaiting-sponsor' });

      // Past the grace period the place is still the live match's.
      t.clock.advance(RECONCILE_GRACE_MS + MINUTE);
      expect((await reconcile(t.lifecycle)).released).to.equal(0);
      expect(await holders(robin)).to.deep.equal([seed.matchId]);
      await deliver();
      expect(got(robin, 'match-asked', from), 'the sponsor is asked once').to.have.length(1);
      expect(w.arrived.slice(from)).to.have.length(1);
    });

    it('when a match was linked but never written and the newcomer reads their requests first, then the read writes it and reconcile makes its effects once', async () => {
      const sam = await newcomer('Sam');
      const robin = await sponsor('Robin');
      const from = await mark();
      const seed = await linkWithoutWriting(sam, robin);

      expect((await openRequestOf(sam)).match).to.deep.equal({ id: seed.matchId, state: 'awaiting-sponsor' });
      expect(await t.lifecycle.repo.match(seed.matchId)).to.include({ _id: seed.matchId });
      expect((await read(coordinator, seed.matchId)).state).to.equal('awaiting-sponsor');

      await reconcile(t.lifecycle);
      await reconcile(t.lifecycle);
      await deliver();
      expect(got(robin, 'match-asked', from)).to.have.length(1);
      expect(w.arrived.slice(from)).to.have.length(1);
      t.clock.advance(RECONCILE_GRACE_MS + MINUTE);
      expect((await reconcile(t.lifecycle)).released).to.equal(0);
      expect(await holders(robin)).to.deep.equal([seed.matchId]);
    });

    it('when a match’s terminal version was written but its effects were not, then reconcile releases the place, reopens the request and sends the neutral notice once', async () => {
      const sam = await newcomer('Sam');
      const alex = await newcomer('Alex');
      const robin = await sponsor('Robin', { capacity: 1 });
      const matchId = await createMatch(sam, robin);
      const from = await mark();

      // The sponsor declines, as step() writes it; then the crash, before settle().
      const current = (await t.lifecycle.repo.status(matchId))!;
      const declined: MatchStatus = { ...current.state, status: 'declined', action: 'decline', role: 'sponsor', reason: 'no-time' };
      await t.lifecycle.repo.appendStatus(matchId, current.n, declined, robin.id, t.clock());
      expect(await holders(robin)).to.deep.equal([matchId]);
      const requestId: string = (await openRequestOf(sam)).id;
      expect((await t.lifecycle.repo.requestState(requestId))?.state.change).to.equal('linked');

      // Two reconcilers at once (two workers): the repair is made once.
      t.clock.advance(RECONCILE_GRACE_MS + MINUTE);
      await Promise.all([reconcile(t.lifecycle), reconcile(t.lifecycle)]);
      expect(await holders(robin)).to.deep.equal([]);
      const reopenings = (await t.lifecycle.repo.requestHistory(requestId)).filter((v) => v.state.change === 'reopened');
      expect(reopenings).to.have.length(1);
      const request = await openRequestOf(sam);
      expect(request).to.include({ id: requestId, status: 'open' });
      expect(request).not.to.have.property('match');
      const state = await t.lifecycle.repo.requestState(request.id);
      expect(state?.state).to.deep.include({ status: 'open', change: 'reopened' });
      expect(state?.state).not.to.have.property('match');
      expect(await t.lifecycle.repo.openClaim(sam.id)).to.deep.equal({ requestId: request.id });

      await reconcile(t.lifecycle);
      await deliver();
      expect(got(sam, 'match-closed', from), 'the newcomer’s neutral notice').to.have.length(1);
      expect(w.arrived.slice(from)).to.have.length(1);
      expect(w.arrived.slice(from)[0]!.text).not.to.match(/declin|no-time|reason/i);
      const bySam = await read(sam, matchId);
      expect(bySam).to.include({ state: 'declined', notice: 'This match has ended. You can ask for a new sponsor at any time.' });
      expect(JSON.stringify(bySam)).not.to.include('no-time');

      // The released place takes the next match.
      const next = await createMatch(alex, robin);
      expect(await holders(robin)).to.deep.equal([next]);
    });
  });
});
