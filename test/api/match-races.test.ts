import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AssertionError, expect } from 'chai';
import type { Response } from 'supertest';
import { signAccessToken } from '../../src/auth/tokens.ts';
import { expireDue } from '../../src/matches/lifecycle.service.ts';
import { holdsPlace, type MatchState } from '../../src/matches/transitions.ts';
import { bearer, makeCoordinator, withNewcomer, withSponsor, type Member } from '../support/factories.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// The races of the match lifecycle (DATABASE.md: the places chain, the match's
// status chain, the request's chain and the open-request claim hold the
// invariants). Each race runs ROUNDS times in a row, its contenders started at
// once: supertest requests that the app serves concurrently against the real
// database server (and, in one round, from a second API instance in another OS
// process). Where one contender always wins when both start at the same
// instant, the other starts a few ms later, a lag swept over the rounds. A
// round that breaks an invariant is recorded and the other rounds still run,
// so a failure says how often the race is lost.

const ROUNDS = 20;
const HOUR_MS = 3_600_000;
const problem = (slug: string) => `/problems/${slug}`;

interface Seeker extends Member {
  requestId: string;
}

/** Runs the rounds one after another; fails at the end with every round that broke an invariant. */
async function inRounds(rounds: number, round: (r: number) => Promise<void>): Promise<void> {
  const failed: string[] = [];
  for (let r = 0; r < rounds; r++) {
    try {
      await round(r);
    } catch (err) {
      if (!(err instanceof AssertionError)) throw err;
      failed.push(`round ${r + 1}: ${err.message}`);
    }
  }
  expect(failed, `${failed.length} of ${rounds} rounds broke the invariant:\n  ${failed.join('\n  ')}\n`).to.deep.equal([]);
}

/** Newcomers who have each asked for a sponsor (an open ongoing request), made a few at a time. */
async function seekers(t: TestApp, count: number, label: string): Promise<Seeker[]> {
  const out: Seeker[] = [];
  for (let k = 0; k < count; k += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - k) }, async (_, i) => {
        const m = await withNewcomer(t, {}, { displayName: `${label} ${k + i}` });
        const claim = await t.lifecycle.repo.openClaim(m.id);
        if (!claim) throw new Error(`no open request for ${m.id}`);
        return { ...m, requestId: claim.requestId };
      }),
    );
    out.push(...batch);
  }
  return out;
}

/** The match ids holding one of the sponsor's places now. */
async function holders(t: TestApp, sponsorId: string): Promise<string[]> {
  return ((await t.lifecycle.repo.places(sponsorId))?.state.holders ?? []).map((h) => h.matchId).sort();
}

/** The handle on this newcomer's proposal card of the sponsor called `displayName`. */
async function handleOnCard(t: TestApp, newcomer: Member, displayName: string): Promise<string> {
  const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer));
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  const card = (res.body.proposals as Array<{ sponsorId: string; displayName: string }>).find((p) => p.displayName === displayName);
  if (!card) throw new Error(`${displayName} is not among the proposals of ${newcomer.id}: ${JSON.stringify(res.body.proposals)}`);
  return card.sponsorId;
}

async function choose(t: TestApp, newcomer: Seeker, sponsorName: string): Promise<string> {
  const handle = await handleOnCard(t, newcomer, sponsorName);
  const res = await t.request.post(`/api/v1/match-requests/${newcomer.requestId}/choice`).set(bearer(newcomer)).send({ sponsorId: handle });
  if (res.status !== 201) throw new Error(`choice failed: ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body.state).to.equal('pending-approval');
  return res.body.id;
}

/**
 * Starts `first`, then `second` `lagMs` later, and waits for both; says when `first` answered, so that a
 * round can check that the two were in flight together. A lag swept over the rounds gives each contender
 * its turn to win where one of them always does more work before its write.
 */
async function staggered<A, B>(first: () => Promise<A>, second: () => Promise<B>, lagMs: number): Promise<[A, B, number]> {
  const started = Date.now();
  let firstAnsweredAfter = Infinity;
  const [a, b] = await Promise.all([
    first().then((x) => {
      firstAnsweredAfter = Date.now() - started;
      return x;
    }),
    new Promise((resolve) => setTimeout(resolve, lagMs)).then(second),
  ]);
  return [a, b, firstAnsweredAfter];
}

const statuses = (responses: readonly Response[]) => responses.map((r) => r.status).sort((a, b) => a - b);
const twoOf = (a: number, b: number, n: number) => [...Array<number>(2).fill(a), ...Array<number>(n - 2).fill(b)];

/** Another API instance in its own OS process (match-race-worker.ts), ready to send its share of a race. */
function startWorker(t: TestApp) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/api/match-race-worker.ts', t.db.uri, t.db.dbName, t.clock().toISOString()], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const lines = createInterface({ input: child.stdout });
  const out: string[] = [];
  let onLine: (() => void) | undefined;
  lines.on('line', (l) => {
    out.push(l);
    onLine?.();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const nextLine = (n: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (out.length >= n) resolve(out[n - 1]!);
      };
      onLine = check;
      check();
      void exited.then((code) => {
        if (out.length < n) reject(new Error(`match-race-worker exited ${code}: ${stderr}`));
      });
    });
  return {
    ready: nextLine(1).then((l) => expect(l).to.equal('ready')),
    race(job: { token: string; posts: Array<{ path: string; body: object }> }): Promise<Array<{ status: number; type?: string; id?: string }>> {
      child.stdin.end(`${JSON.stringify(job)}\n`);
      return nextLine(2).then((l) => JSON.parse(l));
    },
    exited,
    /** Lets a worker that never got its job go (it exits when its stdin closes). */
    release() {
      if (!child.stdin.writableEnded) child.stdin.end();
    },
  };
}

describe('match races: a sponsor with capacity 2 and 20 approvals at once', function () {
  this.timeout(180_000);
  let t: TestApp;
  let coordinator: Member;
  before(async () => {
    t = await startTestApp('match_races_capacity');
    coordinator = await makeCoordinator(t, ['na']);
  });
  after(async () => {
    await t.close();
  });

  const create = (requestId: string, sponsorId: string) => t.request.post('/api/v1/matches').set(bearer(coordinator)).send({ requestId, sponsorId });

  it('when 20 coordinator matches for one sponsor of capacity 2 are made at once, then 2 × 201, 18 × 409 sponsor-at-capacity, and the places chain holds exactly those 2 (20 rounds)', async () => {
    // The 18 who lost a round still have an open request with no match: they race again with 2 newcomers new to it.
    let pool: Seeker[] = [];
    await inRounds(ROUNDS, async (r) => {
      pool = [...pool, ...(await seekers(t, 20 - pool.length, `Create ${r}`))];
      const sponsor = await withSponsor(t, { capacity: 2 });
      const contenders = pool;

      const res = await Promise.all(contenders.map((n) => create(n.requestId, sponsor.id)));
      pool = contenders.filter((_, i) => res[i]!.status !== 201);

      expect(statuses(res), JSON.stringify(res.filter((x) => ![201, 409].includes(x.status)).map((x) => x.body))).to.deep.equal(twoOf(201, 409, 20));
      const created = res.filter((x) => x.status === 201);
      for (const c of created) expect(c.body).to.include({ state: 'awaiting-sponsor' });
      for (const x of res.filter((y) => y.status === 409)) expect(x.body.type, JSON.stringify(x.body)).to.equal(problem('sponsor-at-capacity'));
      expect(await holders(t, sponsor.id)).to.deep.equal(created.map((c) => c.body.id as string).sort());
    });
  });

  it('when the 20 matches come at once from two OS processes (two API instances on one database), then still 2 × 201 and 18 × 409 sponsor-at-capacity', async () => {
    const contenders = await seekers(t, 20, 'Processes');
    const sponsor = await withSponsor(t, { capacity: 2 });
    const worker = startWorker(t);
    const [mine, theirs] = [contenders.slice(0, 10), contenders.slice(10)];
    let local: Response[];
    let remote: Awaited<ReturnType<typeof worker.race>>;
    try {
      await worker.ready;
      [local, remote] = await Promise.all([
        Promise.all(mine.map((n) => create(n.requestId, sponsor.id))),
        worker.race({ token: coordinator.token, posts: theirs.map((n) => ({ path: '/api/v1/matches', body: { requestId: n.requestId, sponsorId: sponsor.id } })) }),
      ]);
    } finally {
      worker.release();
    }
    expect(await worker.exited).to.equal(0);

    const all = [...local.map((x) => ({ status: x.status, type: x.body.type as string | undefined, id: x.body.id as string | undefined })), ...remote];
    expect(all.map((x) => x.status).sort((a, b) => a - b), JSON.stringify(all)).to.deep.equal(twoOf(201, 409, 20));
    for (const x of all.filter((y) => y.status === 409)) expect(x.type).to.equal(problem('sponsor-at-capacity'));
    expect(await holders(t, sponsor.id)).to.deep.equal(all.filter((x) => x.status === 201).map((x) => x.id!).sort());
  });
});

describe('match races: 20 approvals at once of choices of a sponsor with capacity 2', function () {
  this.timeout(180_000);
  let t: TestApp;
  let coordinator: Member;
  let sponsor: Member;
  const SPONSOR_NAME = 'Sponsor with two places';
  before(async () => {
    t = await startTestApp('match_races_approve');
    coordinator = await makeCoordinator(t, ['na']);
    sponsor = await withSponsor(t, { capacity: 2 }, { displayName: SPONSOR_NAME });
  });
  after(async () => {
    await t.close();
  });

  it('when 20 pending-approval choices of one sponsor of capacity 2 are approved at once, then 2 × 200, 18 × 409 sponsor-at-capacity that stay pending-approval (20 rounds)', async () => {
    // The 18 refused choices wait for a coordinator again in the next round, beside the choices of 2 newcomers new
    // to it; the sponsor declines the 2 approved matches between rounds, which gives their 2 places back.
    let pending: string[] = [];
    let approved: string[] = [];
    await inRounds(ROUNDS, async () => {
      const freed = await Promise.all(approved.map((id) => t.request.post(`/api/v1/matches/${id}/decline`).set(bearer(sponsor)).send({ reason: 'no-time' })));
      for (const x of freed) expect(x.status, JSON.stringify(x.body)).to.equal(200);
      // Choosing takes no place.
      const newcomers = await seekers(t, 20 - pending.length, 'Chooser');
      const contenders = [...pending, ...(await Promise.all(newcomers.map((n) => choose(t, n, SPONSOR_NAME))))];
      expect(await holders(t, sponsor.id)).to.deep.equal([]);

      const res = await Promise.all(contenders.map((id) => t.request.post(`/api/v1/matches/${id}/approve`).set(bearer(coordinator)).send({})));
      approved = contenders.filter((_, i) => res[i]!.status === 200);
      pending = contenders.filter((_, i) => res[i]!.status !== 200);

      expect(statuses(res), JSON.stringify(res.filter((x) => ![200, 409].includes(x.status)).map((x) => x.body))).to.deep.equal(twoOf(200, 409, 20));
      for (const x of res.filter((y) => y.status === 200)) expect(x.body).to.include({ state: 'awaiting-sponsor' });
      for (const x of res.filter((y) => y.status === 409)) expect(x.body.type, JSON.stringify(x.body)).to.equal(problem('sponsor-at-capacity'));
      expect(await holders(t, sponsor.id)).to.deep.equal([...approved].sort());
      const refused = await Promise.all(pending.map((id) => t.lifecycle.repo.statusHistory(id)));
      for (const h of refused) expect(h.map((v) => `${v.state.action}→${v.state.status}`)).to.deep.equal(['create→pending-approval']);
    });
  });
});

describe('match races: approve against reject on one pending-approval match', function () {
  this.timeout(120_000);
  let t: TestApp;
  let approver: Member;
  let rejecter: Member;
  let sponsors: Member[];
  let pending: Array<{ id: string; sponsorId: string }>;
  before(async () => {
    t = await startTestApp('match_races_approve_reject');
    approver = await makeCoordinator(t, ['na']);
    rejecter = await makeCoordinator(t, ['na']);
    sponsors = await Promise.all(['A', 'B'].map((x) => withSponsor(t, { capacity: 10 }, { displayName: `Sponsor ${x}` })));
    const newcomers = await seekers(t, ROUNDS, 'Approve or reject');
    pending = await Promise.all(
      newcomers.map(async (n, i) => {
        const s = i % 2;
        return { id: await choose(t, n, `Sponsor ${['A', 'B'][s]}`), sponsorId: sponsors[s]!.id };
      }),
    );
  });
  after(async () => {
    await t.close();
  });

  // The step that loses the race for the next version does not decide again on the winner's state (409), and a
  // coordinator decides only at pending-approval: a reject after the approval is refused too.
  it('when one coordinator approves a pending-approval match while another rejects it, then one 200, one 409 illegal-transition, and the history holds one step after create (20 rounds)', async () => {
    await inRounds(ROUNDS, async (r) => {
      const match = pending[r]!;
      // An approval takes the sponsor's place before its step, so a reject sent at the very same instant always
      // wins: the reject starts 0 to 38 ms after the approval (which answers after 60 ms or more), sweeping the
      // window in which the approval's step is written while the reject is in flight.
      const lag = 2 * r;
      const [a, j, approveAnsweredAt] = await staggered(
        () => t.request.post(`/api/v1/matches/${match.id}/approve`).set(bearer(approver)).send({}),
        () => t.request.post(`/api/v1/matches/${match.id}/reject`).set(bearer(rejecter)).send({ reason: 'other' }),
        lag,
      );

      const view = await t.request.get(`/api/v1/matches/${match.id}`).set(bearer(approver));
      const steps = view.body.history.map((h: { action: string; state: string }) => `${h.action}→${h.state}`);
      const outcome = `reject ${lag} ms after: approve ${a.status} (answered at ${approveAnsweredAt} ms), reject ${j.status}; history ${steps.join(', ')}`;
      expect(approveAnsweredAt, `${outcome}: the two were not in flight together`).to.be.greaterThan(lag);
      expect([a.status, j.status].sort(), outcome).to.deep.equal([200, 409]);
      const [won, lost] = a.status === 200 ? (['approve', j] as const) : (['reject', a] as const);
      expect(lost.body.type, outcome).to.equal(problem('illegal-transition'));
      expect(view.body.history, outcome).to.have.length(2);
      expect(view.body.history[1], outcome).to.include({ action: won, state: won === 'approve' ? 'awaiting-sponsor' : 'rejected' });
      expect(view.body.state).to.equal(won === 'approve' ? 'awaiting-sponsor' : 'rejected');
      // A lost approval gave its place back.
      expect((await holders(t, match.sponsorId)).includes(match.id), outcome).to.equal(won === 'approve');
    });
  });
});

describe('match races: two requests from one member at once', function () {
  this.timeout(120_000);
  let t: TestApp;
  let members: Member[];
  before(async () => {
    t = await startTestApp('match_races_requests');
    members = [];
    for (let k = 0; k < ROUNDS; k += 10) {
      members.push(...(await Promise.all(Array.from({ length: 10 }, () => withNewcomer(t, {}, {}, { request: false })))));
    }
  });
  after(async () => {
    await t.close();
  });

  it('when a member posts two requests at once, then one 201, one 409 request-already-open, and one open request is listed (20 rounds)', async () => {
    await inRounds(ROUNDS, async (r) => {
      const m = members[r]!;
      const ask = (note: string) => t.request.post('/api/v1/match-requests').set(bearer(m)).send({ kind: 'ongoing', note });
      const res = await Promise.all([ask('first'), ask('second')]);

      expect(statuses(res), JSON.stringify(res.map((x) => x.body))).to.deep.equal([201, 409]);
      const opened = res.find((x) => x.status === 201)!;
      const refused = res.find((x) => x.status === 409)!;
      expect(refused.body.type).to.equal(problem('request-already-open'));
      const mine = await t.request.get('/api/v1/me/match-requests').set(bearer(m));
      expect(mine.status).to.equal(200);
      expect(mine.body.requests.map((q: { id: string; status: string }) => `${q.id}:${q.status}`)).to.deep.equal([`${opened.body.id}:open`]);
      expect(await t.lifecycle.repo.openClaim(m.id)).to.deep.equal({ requestId: opened.body.id });
    });
  });

  // The problem's own `requestId` is the HTTP request's (X-Request-Id): the open request is `openRequestId`.
  it('when a member who has an open request asks again, then the 409 request-already-open names the open request, not the X-Request-Id', async () => {
    const m = await withNewcomer(t);
    const open = await t.lifecycle.repo.openClaim(m.id);

    const res = await t.request.post('/api/v1/match-requests').set(bearer(m)).send({ kind: 'ongoing' });

    expect(res.status).to.equal(409);
    expect(res.body).to.include({ type: problem('request-already-open'), openRequestId: open!.requestId });
    expect(res.body.requestId).to.equal(res.headers['x-request-id']);
  });
});

describe("match races: a newcomer's choice against a run approval for the same request", function () {
  this.timeout(120_000);
  let t: TestApp;
  let coordinator: Member;
  let sponsors: Member[];
  before(async () => {
    t = await startTestApp('match_races_choice_run');
    coordinator = await makeCoordinator(t, ['na']);
    sponsors = await Promise.all(['A', 'B', 'C'].map((x) => withSponsor(t, { capacity: 10 }, { displayName: `Sponsor ${x}` })));
  });
  after(async () => {
    await t.close();
  });

  it('when the newcomer chooses a sponsor while a coordinator approves their run pair, then exactly one match is live for the request and no place is held by the loser (20 rounds)', async () => {
    await inRounds(ROUNDS, async (r) => {
      const [newcomer] = await seekers(t, 1, `Chooser ${r}`);
      const n = newcomer!;
      const run = await t.request.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program: 'na' });
      expect(run.status, JSON.stringify(run.body)).to.equal(201);
      const pair = (run.body.pairs as Array<{ newcomerId: string; sponsorId: string }>).find((p) => p.newcomerId === n.id);
      if (!pair) throw new Error(`the run did not pair ${n.id}: ${JSON.stringify(run.body)}`);
      const proposals = await t.request.get(`/api/v1/newcomers/${n.id}/proposals`).set(bearer(n));
      const handle: string = proposals.body.proposals[0].sponsorId;

      // The run's approval takes the sponsor's place before it links the match, so a choice sent at the very
      // same instant always wins: the choice starts 0 to 38 ms after the approval, sweeping that window (a choice
      // that starts after the approval answered must lose the same way).
      const lag = 2 * r;
      const [approval, choice, approvalAnsweredAt] = await staggered(
        () => t.request.post(`/api/v1/matching/runs/${run.body.id}/approve`).set(bearer(coordinator)).send({ pairs: [{ newcomerId: n.id, sponsorId: pair.sponsorId }] }),
        () => t.request.post(`/api/v1/match-requests/${n.requestId}/choice`).set(bearer(n)).send({ sponsorId: handle }),
        lag,
      );

      expect(approval.status, JSON.stringify(approval.body)).to.equal(200);
      const result = approval.body.results[0];
      const outcome = `choice ${lag} ms after: choice ${choice.status} ${choice.body.type ?? choice.body.state}, run ${result.result} (answered at ${approvalAnsweredAt} ms)`;
      expect([choice.status === 201, result.result === 'created'].filter(Boolean), outcome).to.have.length(1);
      if (choice.status !== 201) expect(choice.status, outcome).to.equal(409);
      const winner: string = choice.status === 201 ? choice.body.id : result.matchId;

      const mine = await t.request.get('/api/v1/me/match-requests').set(bearer(n));
      expect(mine.body.requests, outcome).to.have.length(1);
      expect(mine.body.requests[0], outcome).to.deep.include({ status: 'open', match: { id: winner, state: choice.status === 201 ? 'pending-approval' : 'awaiting-sponsor' } });
      const matches = await t.request.get('/api/v1/matches').set(bearer(n));
      expect(matches.body.matches.map((m: { id: string }) => m.id), outcome).to.deep.equal([winner]);
      // Places: held by the run's match if it won, by nobody for this request if the choice won (a choice holds none).
      for (const s of sponsors) {
        const places = (await t.lifecycle.repo.places(s.id))?.state.holders ?? [];
        const forRequest = places.filter((h) => h.requestId === n.requestId).map((h) => h.matchId);
        expect(forRequest, `${outcome}: places of ${s.id}`).to.deep.equal(s.id === pair.sponsorId && result.result === 'created' ? [winner] : []);
      }
    });
  });
});

describe('match races: accept against expiry', function () {
  this.timeout(180_000);
  let t: TestApp;
  let coordinator: Member;
  let sponsors: Member[];
  // Tokens live an hour; the clock moves 73 hours a round: each request gets one signed now.
  const now = (m: Member) => ({ Authorization: `Bearer ${signAccessToken(t.tokens, m.id, t.clock().getTime()).accessToken}` });
  before(async () => {
    t = await startTestApp('match_races_expiry');
    coordinator = await makeCoordinator(t, ['na']);
    sponsors = await Promise.all(['A', 'B', 'C'].map((x) => withSponsor(t, { capacity: 10 }, { displayName: `Sponsor ${x}` })));
  });
  after(async () => {
    await t.close();
  });

  // Expiry holds only for the wait whose deadline passed: a sponsor's accept that wins opens a new wait
  // (awaiting-newcomer), which the same expiry run must not expire.
  it('when a member accepts as the expiry job runs past the deadline, then exactly one of them moves the match, once, and the place is held iff it is live (20 rounds: awaiting-newcomer, awaiting-sponsor)', async () => {
    await inRounds(ROUNDS, async (r) => {
      const waitsFor = r % 2 === 0 ? 'newcomer' : 'sponsor';
      const [n] = await seekers(t, 1, `Expiring ${r}`);
      const sponsor = sponsors[r % sponsors.length]!;
      const created = await t.request.post('/api/v1/matches').set(now(coordinator)).send({ requestId: n!.requestId, sponsorId: sponsor.id });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const id: string = created.body.id;
      if (waitsFor === 'newcomer') {
        const accepted = await t.request.post(`/api/v1/matches/${id}/accept`).set(now(sponsor)).send({});
        expect(accepted.body.state, JSON.stringify(accepted.body)).to.equal('awaiting-newcomer');
      }
      const awaiting: MatchState = `awaiting-${waitsFor}`;
      t.clock.advance(73 * HOUR_MS);

      const actor = waitsFor === 'newcomer' ? n! : sponsor;
      const [accept, job] = await Promise.all([t.request.post(`/api/v1/matches/${id}/accept`).set(now(actor)).send({}), expireDue(t.lifecycle)]);

      const view = await t.request.get(`/api/v1/matches/${id}`).set(now(coordinator));
      const history = view.body.history as Array<{ action: string; state: string }>;
      const outcome = `${waitsFor} accept ${accept.status}, job ${JSON.stringify(job)}; history ${history.map((h) => `${h.action}→${h.state}`).join(', ')}`;
      const after = history.slice(history.findIndex((h) => h.state === awaiting) + 1);
      expect(after, outcome).to.have.length(1);
      if (accept.status === 200) {
        expect(after[0], outcome).to.include({ action: 'accept', state: waitsFor === 'newcomer' ? 'active' : 'awaiting-newcomer' });
      } else {
        expect(accept.status, outcome).to.equal(409);
        expect(accept.body.type, outcome).to.equal(problem('illegal-transition'));
        expect(after[0], outcome).to.include({ action: 'expire', state: 'expired' });
      }
      expect(view.body.state, outcome).to.equal(after[0]!.state);
      expect((await holders(t, sponsor.id)).includes(id), `${outcome}: place held`).to.equal(holdsPlace(view.body.state as MatchState));
    });
  });
});
