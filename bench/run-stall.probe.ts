// Where a pool run blocks the event loop: the pool of bench/http.bench.ts alone
// (5,000 newcomers x 1,700 sponsors), the real app in this process, runs started
// over HTTP by a child process, and every stretch of the loop longer than
// STALL_MS printed with the garbage collections and `performance.mark`s that
// fell inside it. A diagnostic, not a benchmark: `npx tsx bench/run-stall.probe.ts`.

import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createApp } from '../src/app.ts';
import { createPseudonymsRepository } from '../src/audit/audit.repository.ts';
import { startAccessCache } from '../src/auth/access-cache.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { signAccessToken } from '../src/auth/tokens.ts';
import { createUsersRepository } from '../src/auth/users.repository.ts';
import { loadConfig } from '../src/config.ts';
import { createChangeFeed } from '../src/db/change-feed.ts';
import { createEmptyMatchHistory } from '../src/matching/match-history.source.ts';
import { startMatchingEngine } from '../src/matching/matching-engine.ts';
import { prepareDatabase } from '../src/prepare.ts';
import { createProfilesRepository } from '../src/profiles/profiles.repository.ts';
import { createVettingRepository } from '../src/vetting/vetting.repository.ts';
import { openTestDatabase, stopTestDatabase } from '../test/support/db.ts';
import { syntheticNewcomers, syntheticSponsors } from '../test/support/profile-factories.ts';
import { eachLimited, toStoredNewcomer, toStoredSponsor } from './http.bench.ts';
import { createLifecycleRepository, openRequestDocs } from '../src/matches/lifecycle.repository.ts';

const STALL_MS = Number(process.env.STALL_MS ?? 40);
const RUNS = Number(process.env.RUNS ?? 3);
const SECRET = 'bench-secret-0123456789-abcdefghijklmnop-XYZ';

interface Event {
  at: number;
  end: number;
  what: string;
}
const events: Event[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.entryType === 'gc') events.push({ at: e.startTime, end: e.startTime + e.duration, what: `gc ${(e as { detail?: { kind?: number } }).detail?.kind} ${e.duration.toFixed(1)} ms` });
    else events.push({ at: e.startTime, end: e.startTime, what: `mark ${e.name}` });
  }
}).observe({ entryTypes: ['gc', 'mark'] });

const stalls: Array<{ from: number; to: number }> = [];
let watching = false;
function watch() {
  watching = true;
  let last = performance.now();
  const tick = () => {
    const t = performance.now();
    if (t - last > STALL_MS) stalls.push({ from: last, to: t });
    last = t;
    if (watching) setImmediate(tick);
  };
  setImmediate(tick);
}

async function main() {
  const db = await openTestDatabase('probe_stall');
  const now = new Date();
  const clock = () => new Date();
  const profiles = createProfilesRepository(db.conn);
  const poolSponsors = syntheticSponsors(1_700, 20250315, now.getTime()).map((s) => toStoredSponsor({ ...s, userId: `pool-${s.userId}`, program: 'ma' }, now));
  await profiles.insertSponsors(poolSponsors);
  // Approved by a coordinator, as sponsors in a run must be.
  await createVettingRepository(db.conn).insertFirst(poolSponsors.map((s) => ({ sponsorId: s._id, decision: { program: 'ma', status: 'approved' } })), 'bench', now);
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET, LOG_LEVEL: 'silent' });
  await prepareDatabase(db.conn, { buildIndexes: false, now });
  const logger = pino({ level: 'silent' });
  const history = createEmptyMatchHistory();
  const feed = createChangeFeed(db.conn, { clock });
  const engine = await startMatchingEngine({ conn: db.conn, feed, clock, logger, history, pairCooldownDays: config.matching.pairCooldownDays, termsVersion: config.termsVersion });
  const users = createUsersRepository(db.conn, feed);
  const access = await startAccessCache({ users, feed, clock });
  const tokens = { secret: SECRET, issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: 3600 };
  const { app } = createApp({ config, conn: db.conn, logger, clock, tokens, engine, history, access, feed });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const passwordHash = await hashPassword('bench-password-not-common-42');
  const coordinator = {
    _id: 'probe-coordinator',
    email: `probe-${Date.now()}@example.org`,
    displayName: 'Coordinator',
    passwordHash,
    consent: { healthData: true, adult: true, termsVersion: config.termsVersion, at: now },
    roles: { admin: false, coordinatorOf: ['ma'] },
    createdAt: now,
  };
  await users.create(coordinator);
  const pool = syntheticNewcomers(5_000, 20250316, now.getTime()).map((n) => ({ ...n, userId: `pool-${n.userId}`, program: 'ma', acceptedPrograms: [] }));
  const docs = pool.map((n) => toStoredNewcomer(n, now));
  await profiles.insertNewcomers(docs);
  // Each has asked for a sponsor: pool runs take the newcomers with an open request.
  await createLifecycleRepository(db.conn).insertOpenRequests(openRequestDocs(docs, now));
  const pseudonyms = createPseudonymsRepository(db.conn);
  if (process.env.WARM_PSEUDONYMS !== '0') {
    await eachLimited([...pool.map((n) => n.userId), ...poolSponsors.map((s) => s._id)], 16, async (id) => {
      await pseudonyms.of(id);
    });
  }
  const token = signAccessToken(tokens, coordinator._id, Date.now()).accessToken;
  console.error('setup done; runs follow');

  for (let r = 0; r < RUNS; r++) {
    events.length = 0;
    stalls.length = 0;
    watch();
    const t0 = performance.now();
    const status = await new Promise<string>((resolve, reject) => {
      const proc = spawn(
        process.execPath,
        ['-e', `fetch(${JSON.stringify(`${url}/api/v1/matching/runs`)}, {method:'POST', headers:{'content-type':'application/json', authorization:'Bearer ${token}'}, body: JSON.stringify({program:'ma'})}).then(async r => { const t = await r.text(); console.log(r.status, r.status === 201 ? "" : t) })`],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.once('exit', () => resolve(out.trim()));
      proc.once('error', reject);
    });
    watching = false;
    const t1 = performance.now();
    console.log(`\nrun ${r + 1}: ${status} in ${(t1 - t0).toFixed(0)} ms; stalls > ${STALL_MS} ms: ${stalls.length}`);
    const marks = events.filter((e) => e.at >= t0 && e.at <= t1).sort((a, b) => a.at - b.at);
    for (const m of marks.filter((e) => e.what.startsWith('mark'))) console.log(`  ${(m.at - t0).toFixed(0).padStart(7)} ms  ${m.what}`);
    for (const s of stalls) {
      const inside = events.filter((e) => e.end >= s.from && e.at <= s.to).map((e) => e.what);
      console.log(`  stall ${(s.to - s.from).toFixed(0).padStart(5)} ms at ${(s.from - t0).toFixed(0)} ms: ${inside.join(', ')}`);
    }
  }
  server.close();
  server.closeAllConnections();
  await access.stop();
  await engine.stop();
  await feed.stop();
  await db.drop();
  await stopTestDatabase();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
