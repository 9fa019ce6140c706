// The proposals endpoint over HTTP with 100,000 sponsors loaded, measured with
// autocannon on loopback (10 connections, 10 s), beside an Express hello-world
// measured the same way in the same run; then the same load again while
// coordinators' pool runs (5,000 newcomers x 1,700 sponsors) follow one another.
// Target: >= 300 requests/s with p99 <= 50 ms and no non-2xx answers (without a
// run); during runs, no non-2xx answers and every run answered 201.
// Run alone with `npx tsx bench/http.bench.ts`; bench/run.ts calls benchHttp().
//
// The real stack: the database server the tests use (test/support/db.ts), the
// sponsors inserted BEFORE the matching engine starts (so it builds its index
// from the database, as `npm start` does), then prepareDatabase,
// startMatchingEngine and createApp as test/support/test-app.ts wires them.
// Every request is authenticated (JWT, then the access cache: revocations and the user, read by _id once),
// reads the newcomer's profile, and ranks the 100,000 sponsors in memory.
// The load rotates over 1,000 newcomers: real accounts (a users document and its
// login entry, through the users repository) with real signed tokens, written
// straight into the database with one shared argon2 hash, since 1,000 argon2
// registrations would take minutes; their profiles are inserted like the sponsors.
// The pool of a run is in a seeded program the synthetic population does not use
// (Marijuana Anonymous), so a run is exactly 5,000 x 1,700.
// autocannon, and the client that starts the runs, run in child processes so that
// the API process does only the server's work (the machine has few cores; server
// and load share them).

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import express from 'express';
import { pino } from 'pino';
import { createApp } from '../src/app.ts';
import { SLICE_MS } from '../src/lib/slices.ts';
import { createPseudonymsRepository } from '../src/audit/audit.repository.ts';
import { startAccessCache } from '../src/auth/access-cache.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { signAccessToken } from '../src/auth/tokens.ts';
import { loadConfig } from '../src/config.ts';
import { prepareDatabase } from '../src/prepare.ts';
import { createUsersRepository, type User } from '../src/auth/users.repository.ts';
import { assignColumns } from '../src/matching/assign.ts';
import { toNewcomerProfile } from '../src/matching/matching-engine.ts';
import { createEmptyMatchHistory } from '../src/matching/match-history.source.ts';
import { startMatchingEngine } from '../src/matching/matching-engine.ts';
import { createChangeFeed } from '../src/db/change-feed.ts';
import type { NewcomerProfile, SponsorProfile } from '../src/matching/types.ts';
import { createProfilesRepository, type StoredNewcomer, type StoredSponsor } from '../src/profiles/profiles.repository.ts';
import { createVettingRepository } from '../src/vetting/vetting.repository.ts';
import { SEED_PROGRAMS } from '../src/programs/program-seed.ts';
import { openTestDatabase, stopTestDatabase } from '../test/support/db.ts';
import { syntheticNewcomers, syntheticSponsors } from '../test/support/profile-factories.ts';
import { createLifecycleRepository, openRequestDocs } from '../src/matches/lifecycle.repository.ts';

const SPONSORS = 100_000;
const NEWCOMERS = 1_000;
const POOL_PROGRAM = 'ma';
const POOL_NEWCOMERS = 5_000;
const POOL_SPONSORS = 1_700;
/** Newcomers whose request costs are timed in-process (REPEAT calls each). */
const TIMED = 8;
const CONNECTIONS = 10;
const DURATION_S = 10;
const WARMUP_S = 3;
const BATCH = 5_000;
const TARGET_RPS = 300;
const TARGET_P99_MS = 50;
const REPEAT = 25;
const SECRET = 'bench-secret-0123456789-abcdefghijklmnop-XYZ';

// The synthetic population uses the seeded programs' keys; its experiences are
// kept to those each seeded program lists, so the profiles pass validation.
const experiencesOf = (program: string, list: readonly string[] | undefined) => {
  const allowed = SEED_PROGRAMS.find((p) => p.key === program)?.experiences ?? [];
  return (list ?? []).filter((e) => allowed.includes(e));
};

export function toStoredSponsor(s: SponsorProfile, now: Date): StoredSponsor {
  const { userId, ...rest } = s;
  const program = s.program;
  const experiences = experiencesOf(program, s.experiences);
  return {
    ...rest,
    _id: userId,
    program,
    experiences,
    experiencesOnCard: experiencesOf(program, s.experiencesOnCard).filter((e) => experiences.includes(e)),
    updatedAt: now,
  };
}

/** A synthetic newcomer's profile as the API would store it. */
export function toStoredNewcomer(n: NewcomerProfile, now: Date): StoredNewcomer {
  const { userId, ...rest } = n;
  return {
    ...rest,
    _id: userId,
    acceptedPrograms: [...new Set(n.acceptedPrograms.filter((p) => p !== n.program))],
    ...(n.experiences ? { experiences: experiencesOf(n.program, n.experiences) } : {}),
    updatedAt: now,
  };
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i] as T, i);
      }
    }),
  );
}

interface Cannon {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

// autocannon in a child process (in a worker thread it skips its percentiles);
// the targets (path + token) rotate per request.
const LOADER = `
const workerData = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const autocannon = require(workerData.autocannon);
const { url, connections, duration, targets } = workerData;
let i = 0;
const opts = { url, connections, duration, pipelining: 1 };
if (targets.length) {
  opts.requests = [{
    method: 'GET',
    setupRequest: (req) => {
      const t = targets[i++ % targets.length];
      return { ...req, path: t.path, headers: { ...req.headers, authorization: 'Bearer ' + t.token } };
    },
  }];
}
autocannon(opts, (err, r) => {
  if (err) process.stdout.write(JSON.stringify({ error: String(err && err.message || err) }));
  else process.stdout.write(JSON.stringify({ result: {
    requests: { average: r.requests.average, total: r.requests.total },
    latency: { p50: r.latency.p50, p99: r.latency.p99, average: r.latency.average, max: r.latency.max },
    non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, duration: r.duration,
  } }));
});
`;

// Starts pool runs one after another for `duration` seconds (at least one), then
// reports each run's status and time: the coordinator's side of a run.
const RUNNER = `
const http = require('node:http');
const { url, token, body, duration } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
// node:http rather than fetch: a first run can take minutes, longer than fetch waits for headers.
const post = () => new Promise((resolve, reject) => {
  const payload = JSON.stringify(body);
  const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: 'Bearer ' + token } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', reject);
  });
  req.on('error', reject);
  req.end(payload);
});
const runs = [];
const end = performance.now() + duration * 1000;
(async () => {
  do {
    const t = performance.now();
    const res = await post();
    runs.push({ status: res.status, ms: performance.now() - t, pairs: res.status === 201 ? JSON.parse(res.text).pairs.length : 0 });
  } while (performance.now() < end);
  process.stdout.write(JSON.stringify({ result: runs }));
})().catch((err) => process.stdout.write(JSON.stringify({ error: String((err && err.message) || err) })));
`;

interface RunTiming {
  status: number;
  ms: number;
  pairs: number;
}

/** Runs `script` in a child Node process with `input` on stdin; resolves with its `{ result }`. */
function child<T>(script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => (out += d));
    proc.once('error', reject);
    proc.once('close', (code) => {
      let m: { error?: string; result?: T } = {};
      try {
        m = JSON.parse(out) as typeof m;
      } catch {
        m = { error: `child exited with ${code} and no result` };
      }
      if (m.result !== undefined) resolve(m.result);
      else reject(new Error(m.error ?? 'child failed'));
    });
    proc.stdin.end(JSON.stringify(input));
  });
}

function cannon(url: string, duration: number, targets: Array<{ path: string; token: string }> = []): Promise<Cannon> {
  const autocannon = createRequire(import.meta.url).resolve('autocannon');
  return child<Cannon>(LOADER, { autocannon, url, connections: CONNECTIONS, duration, targets });
}

function poolRuns(url: string, token: string, duration: number): Promise<RunTiming[]> {
  return child<RunTiming[]>(RUNNER, { url: `${url}/api/v1/matching/runs`, token, body: { program: POOL_PROGRAM }, duration });
}

/**
 * With BENCH_CPU_PROFILE=<dir>, records a CPU profile of this process (the API)
 * while `work` runs, as <dir>/<name>.cpuprofile (open it in Chrome's DevTools);
 * with BENCH_HEAP_PROFILE=<dir>, a sampling profile of what it allocates, as
 * <dir>/<name>.heapprofile (garbage included: where the collector's work comes from).
 */
async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const cpuDir = process.env.BENCH_CPU_PROFILE;
  const heapDir = process.env.BENCH_HEAP_PROFILE;
  if (!cpuDir && !heapDir) return work();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  if (cpuDir) {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
  }
  if (heapDir) {
    await post('HeapProfiler.enable');
    // Objects collected by minor and major GCs are kept in the profile: the garbage is the point.
    await post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  try {
    return await work();
  } finally {
    if (cpuDir) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      mkdirSync(cpuDir, { recursive: true });
      writeFileSync(join(cpuDir, `${name}.cpuprofile`), JSON.stringify(profile));
    }
    if (heapDir) {
      const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
      mkdirSync(heapDir, { recursive: true });
      writeFileSync(join(heapDir, `${name}.heapprofile`), JSON.stringify(profile));
    }
    session.disconnect();
  }
}

/** Runs `work` with the event loop's delay recorded: the longest and the p99 stall, in ms. */
async function withLoopDelay<T>(work: () => Promise<T>): Promise<{ result: T; maxMs: number; p99Ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  try {
    const result = await work();
    return { result, maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6 };
  } finally {
    h.disable();
  }
}

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function proposalsOf(res: Response): Promise<unknown[]> {
  const body = (await res.json().catch(() => undefined)) as { proposals?: unknown[] } | undefined;
  if (!res.ok || !Array.isArray(body?.proposals)) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body.proposals;
}

const f0 = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
const f1 = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const f2 = (x: number) => x.toFixed(2);
const median = (xs: number[]) => percentile(xs, 0.5);
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function benchHttp(log: (line: string) => void = () => {}): Promise<{ markdown: string; ok: boolean }> {
  const db = await openTestDatabase('bench_http');
  const closers: Array<() => Promise<void>> = [];
  try {
    const now = new Date();
    const clock = () => new Date();
    const loadAtStart = os.loadavg();

    // 1. 100,000 sponsors, and the pool's 1,700, into the database before the engine starts.
    // The generated documents live only inside this step: the API runs in this
    // process, and 100,000 objects the service never holds would make every
    // garbage collection of its heap slower than in production.
    let t = performance.now();
    const poolSponsors = syntheticSponsors(POOL_SPONSORS, 20250315, now.getTime()).map((s) =>
      toStoredSponsor({ ...s, userId: `pool-${s.userId}`, program: POOL_PROGRAM }, now),
    );
    const profiles = createProfilesRepository(db.conn);
    const vetting = createVettingRepository(db.conn);
    // Every sponsor approved by a coordinator of their program, as proposed sponsors are (not timed: setup).
    const approve = (batch: readonly StoredSponsor[]) =>
      vetting.insertFirst(batch.map((s) => ({ sponsorId: s._id, decision: { program: s.program, status: 'approved' as const } })), 'bench', now);
    const { generateMs, insertMs } = await (async () => {
      const sponsors = syntheticSponsors(SPONSORS, 20250312, now.getTime()).map((s) => toStoredSponsor(s, now));
      const generated = performance.now() - t;
      t = performance.now();
      for (let i = 0; i < sponsors.length; i += BATCH) {
        await profiles.insertSponsors(sponsors.slice(i, i + BATCH));
        if ((i / BATCH) % 4 === 3) log(`  inserted ${f0(i + BATCH)} sponsors (${secs(performance.now() - t)})`);
      }
      const inserted = performance.now() - t;
      for (let i = 0; i < sponsors.length; i += BATCH) await approve(sponsors.slice(i, i + BATCH));
      return { generateMs: generated, insertMs: inserted };
    })();
    await profiles.insertSponsors(poolSponsors);
    await approve(poolSponsors);
    log(`inserted ${f0(SPONSORS)} sponsors in ${secs(insertMs)} (${db.server.engine} ${db.server.version}), and the pool's ${f0(POOL_SPONSORS)}`);

    // 2. The app, wired as test/support/test-app.ts does; the engine reads every sponsor at start.
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET, REGISTRATIONS_PER_IP_PER_HOUR: '10000', LOG_LEVEL: 'silent' });
    await prepareDatabase(db.conn, { buildIndexes: false, now });
    const logger = pino({ level: 'silent' });
    const history = createEmptyMatchHistory();
    t = performance.now();
    const feed = createChangeFeed(db.conn, { clock });
    closers.push(() => feed.stop());
    const engine = await startMatchingEngine({ conn: db.conn, feed, clock, logger, history, pairCooldownDays: config.matching.pairCooldownDays, termsVersion: config.termsVersion });
    const engineMs = performance.now() - t;
    closers.push(() => engine.stop());
    log(`candidate index built from the database in ${secs(engineMs)}: ${f0(engine.index.size)} sponsors`);
    const tokens = { secret: SECRET, issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: 3600 };
    const users = createUsersRepository(db.conn, feed);
    const access = await startAccessCache({ users, feed, clock });
    closers.push(() => access.stop());
    const { app } = createApp({ config, conn: db.conn, logger, clock, tokens, engine, history, access, feed });
    const api = await listen(app);
    closers.push(() => close(api.server));

    // 3. 1,000 newcomers with accounts and profiles, a coordinator of the pool's
    // program, and the pool's 5,000 newcomers (profiles only: a run needs no account).
    t = performance.now();
    const passwordHash = await hashPassword('bench-password-not-common-42');
    const stamp = Date.now();
    const account = (k: number, coordinatorOf: string[]): User => ({
      _id: randomUUID(),
      email: `bench-${k}-${stamp}@example.org`,
      displayName: coordinatorOf.length ? 'Coordinator' : `Newcomer ${k}`,
      passwordHash,
      consent: { healthData: true, adult: true, termsVersion: config.termsVersion, at: now },
      roles: { admin: false, coordinatorOf },
      createdAt: now,
    });
    const members = Array.from({ length: NEWCOMERS }, (_, k) => account(k + 1, []));
    const coordinator = account(0, [POOL_PROGRAM]);
    await eachLimited([coordinator, ...members], 16, async (u) => {
      if (!(await users.create(u))) throw new Error(`bench account ${u.email} already exists`);
    });
    const seeking = syntheticNewcomers(NEWCOMERS, 20250314, now.getTime()).map((n, k) => ({ ...n, userId: members[k]!._id, displayName: members[k]!.displayName }));
    const pool = syntheticNewcomers(POOL_NEWCOMERS, 20250316, now.getTime()).map((n) => ({ ...n, userId: `pool-${n.userId}`, program: POOL_PROGRAM, acceptedPrograms: [] }));
    const newcomerDocs = [...seeking, ...pool].map((n) => toStoredNewcomer(n, now));
    for (let i = 0; i < newcomerDocs.length; i += BATCH) await profiles.insertNewcomers(newcomerDocs.slice(i, i + BATCH));
    // Each has asked for a sponsor: pool runs take the newcomers with an open request.
    const lifecycleRepo = createLifecycleRepository(db.conn);
    for (let i = 0; i < newcomerDocs.length; i += BATCH) await lifecycleRepo.insertOpenRequests(openRequestDocs(newcomerDocs.slice(i, i + BATCH), now));
    const nowMs = clock().getTime();
    const targets = members.map((m) => ({ path: `/api/v1/newcomers/${m._id}/proposals?limit=10`, token: signAccessToken(tokens, m._id, nowMs).accessToken }));
    const coordinatorToken = signAccessToken(tokens, coordinator._id, nowMs).accessToken;
    const seedMs = performance.now() - t;
    // The audit log's pseudonyms for everyone a run names, as for members it has seen
    // before: a run's audit entry creates the missing ones all at once, which on
    // FerretDB made a first run of this size take over ten minutes (bench/README.md).
    t = performance.now();
    const pseudonyms = createPseudonymsRepository(db.conn);
    await eachLimited([...pool.map((n) => n.userId), ...poolSponsors.map((s) => s._id)], 16, async (id) => {
      await pseudonyms.of(id);
    });
    const pseudonymsMs = performance.now() - t;
    // Each newcomer's first answer: every token works, and the caches hold every account and profile.
    let proposalsSeen = 0;
    await eachLimited(targets, CONNECTIONS, async (target) => {
      const proposals = await proposalsOf(await fetch(`${api.url}${target.path}`, { headers: { authorization: `Bearer ${target.token}` } }));
      proposalsSeen += proposals.length;
    });
    log(`${f0(NEWCOMERS)} newcomers with accounts and ${f0(POOL_NEWCOMERS)} in the pool written in ${secs(seedMs)}; ${f0(proposalsSeen)} proposals in the first answers`);

    // Where a request's time goes, measured in-process (median of REPEAT calls for each of TIMED newcomers):
    // what three reads by _id would cost (the request now takes them from the
    // access cache and the engine's newcomer cache instead), and the ranking itself.
    const rankTimes: number[] = [];
    const lookupTimes: number[] = [];
    for (const m of members.slice(0, TIMED)) {
      const newcomer = toNewcomerProfile((await profiles.getNewcomer(m._id))!);
      for (let r = 0; r < REPEAT; r++) {
        let s0 = performance.now();
        await Promise.all([users.isTokenRevoked('none'), users.findById(m._id)]);
        await profiles.getNewcomer(m._id);
        lookupTimes.push(performance.now() - s0);
        s0 = performance.now();
        engine.propose(newcomer, 10, { now: clock(), history: new Map() });
        rankTimes.push(performance.now() - s0);
      }
    }

    // 4. Warm-up (not counted), then the measured runs.
    await cannon(api.url, WARMUP_S, targets);
    log(`proposals endpoint: ${DURATION_S} s, ${CONNECTIONS} connections…`);
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const proposals = await profiled('proposals', () => cannon(api.url, DURATION_S, targets));
    const cpu = process.cpuUsage(cpu0);
    const serverCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);

    const hello = express();
    hello.disable('x-powered-by');
    hello.get('/', (_req, res) => {
      res.send('Hello World!');
    });
    const helloServer = await listen(hello);
    closers.push(() => close(helloServer.server));
    await cannon(helloServer.url, WARMUP_S);
    log(`hello-world: ${DURATION_S} s, ${CONNECTIONS} connections…`);
    const baseline = await cannon(helloServer.url, DURATION_S);

    // 5. A pool run's parts in-process, on the pool as a run reads it: the ranking
    // (in slices), the solver (one synchronous call) and the chosen pairs' reasons.
    const poolNewcomers = (await profiles.allNewcomers())
      .filter((d) => d.seeking !== false && d.program === POOL_PROGRAM)
      .map(toNewcomerProfile)
      .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    t = performance.now();
    const ranked = await withLoopDelay(() => engine.eligiblePairs(poolNewcomers, poolNewcomers.map(() => new Map()), clock()));
    const poolRankMs = performance.now() - t;
    const eligible = ranked.result;
    const assignTimes: number[] = [];
    const columns = { newcomers: poolNewcomers.length, capacities: eligible.capacities, edgeNewcomer: eligible.edges.newcomer, edgeSponsor: eligible.edges.sponsor, edgeScore: eligible.edges.score };
    const pairsOf = (sponsorOf: Int32Array) => [...sponsorOf].flatMap((j, i) => (j >= 0 ? [[i, j] as [number, number]] : []));
    let solved = assignColumns(columns, 'participation');
    for (let r = 0; r < 5; r++) {
      const s0 = performance.now();
      solved = assignColumns(columns, 'participation');
      assignTimes.push(performance.now() - s0);
    }
    t = performance.now();
    const explained = await withLoopDelay(() => eligible.explainPairs(pairsOf(solved.sponsorOf)));
    const explainMs = performance.now() - t;
    eligible.release();
    log(`pool in-process: ranking ${secs(poolRankMs)} (longest slice ${f0(ranked.maxMs)} ms), assign ${f1(median(assignTimes))} ms, reasons ${secs(explainMs)}`);

    log(`a first pool run (${f0(POOL_NEWCOMERS)} × ${f0(POOL_SPONSORS)})…`);
    // 6. Pool runs over HTTP: a first one alone (the caches of the audit log and of
    // names are cold), then runs one after another under the proposals load.
    const firstRun = await withLoopDelay(() => poolRuns(api.url, coordinatorToken, 0));
    log(`proposals during pool runs: ${DURATION_S} s, ${CONNECTIONS} connections…`);
    const cpu1 = process.cpuUsage();
    const wall1 = performance.now();
    const during = await withLoopDelay(() => Promise.all([cannon(api.url, DURATION_S, targets), poolRuns(api.url, coordinatorToken, DURATION_S)]));
    const cpuDuring = process.cpuUsage(cpu1);
    const serverCpuDuring = (cpuDuring.user + cpuDuring.system) / 1000 / (performance.now() - wall1);
    const [withRuns, runs] = during.result;
    const runsOk = [...firstRun.result, ...runs].every((r) => r.status === 201);
    const loadAtEnd = os.loadavg();

    const failures = proposals.non2xx + proposals.errors + proposals.timeouts;
    const failuresDuring = withRuns.non2xx + withRuns.errors + withRuns.timeouts;
    const rpsOk = proposals.requests.average >= TARGET_RPS;
    const p99Ok = proposals.latency.p99 <= TARGET_P99_MS;
    const ok = rpsOk && p99Ok && failures === 0 && failuresDuring === 0 && runsOk;
    const row = (name: string, r: Cannon) =>
      `| ${name} | ${f0(r.requests.average)} | ${f1(r.latency.p50)} | ${f1(r.latency.p99)} | ${f1(r.latency.max)} | ${f0(r.requests.total)} | ${r.non2xx} | ${r.errors + r.timeouts} |`;
    const cpuModel = os.cpus()[0]?.model.trim() ?? 'unknown';
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
    const runMs = runs.map((r) => r.ms);
    const markdown = [
      '## Proposals over HTTP (GET /api/v1/newcomers/{id}/proposals?limit=10)',
      '',
      `Measured ${now.toISOString()}${process.env.BENCH_CODE_VERSION ? ` (code ${process.env.BENCH_CODE_VERSION})` : ''} on ${os.cpus().length} × ${cpuModel}, Node ${process.version}; load average (1, 5, 15 min) ${load(loadAtStart)} at the start and ${load(loadAtEnd)} at the end ` +
        '(other processes on the same cores change these numbers: compare runs made at a low load).',
      '',
      `${f0(SPONSORS)} sponsors in the database (${db.server.engine} ${db.server.version}), the real app on 127.0.0.1, ` +
        `autocannon with ${CONNECTIONS} connections for ${DURATION_S} s each (after a ${WARMUP_S} s warm-up), ` +
        `rotating over ${f0(NEWCOMERS)} newcomers' accounts and bearer tokens; load generator in a child process on the same machine.`,
      '',
      '| server | req/s (mean) | p50 ms | p99 ms | max ms | requests | non-2xx | errors + timeouts |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('proposals endpoint', proposals),
      row('Express hello-world', baseline),
      row('proposals endpoint during pool runs', withRuns),
      '',
      `Target: ≥ ${TARGET_RPS} req/s (${rpsOk ? 'met' : '**NOT met**'}), p99 ≤ ${TARGET_P99_MS} ms (${p99Ok ? 'met' : '**NOT met**'}), ` +
        `no non-2xx or errors (${failures === 0 ? 'met' : `**NOT met: ${failures}**`}); during pool runs, no non-2xx or errors ` +
        `(${failuresDuring === 0 ? 'met' : `**NOT met: ${failuresDuring}**`}) and every run answered 201 (${runsOk ? 'met' : '**NOT met**'}). ` +
        `Against hello-world in the same run: ${((proposals.requests.average / baseline.requests.average) * 100).toFixed(0)} % of its throughput, ` +
        `p99 ${f1(proposals.latency.p99)} ms against its ${f1(baseline.latency.p99)} ms.`,
      '',
      `Where the time goes (in-process, median of ${REPEAT} calls for each of ${TIMED} newcomers, no load): ` +
        `three reads by \`_id\` (revoked token ∥ user, then newcomer profile; the request takes these from memory after its first call) ${f2(median(lookupTimes))} ms, ` +
        `ranking ${f0(engine.index.size)} sponsors (engine.propose) ${f2(median(rankTimes))} ms (p95 ${f2(percentile(rankTimes, 0.95))} ms). ` +
        `During the measured run the API process (Node, one thread, plus the driver) used ${f0(serverCpu * 100)} % of one core; ` +
        `the database server (${db.server.engine}) and autocannon are separate processes on the same ${os.cpus().length} cores.`,
      '',
      `### During pool runs (${f0(POOL_NEWCOMERS)} newcomers × ${f0(POOL_SPONSORS)} sponsors)`,
      '',
      `The third row above: the same proposals load while a coordinator's client (a child process) started pool runs of ${f0(POOL_NEWCOMERS)} newcomers × ${f0(POOL_SPONSORS)} sponsors ` +
        `one after another for the whole ${DURATION_S} s: ${runs.length} run(s), ${f1(median(runMs) / 1000)} s each (median; the slowest ${f1(Math.max(...runMs) / 1000)} s), ` +
        `${f0(runs[0]?.pairs ?? 0)} pairs per run. p99 during runs ${f1(withRuns.latency.p99)} ms against ${f1(proposals.latency.p99)} ms without. ` +
        `In the API process the event loop's longest stall in that window was ${f0(during.maxMs)} ms (p99 of the loop delay ${f0(during.p99Ms)} ms); the process used ${f0(serverCpuDuring * 100)} % of one core.`,
      '',
      '| a pool run, part by part (in-process, no other load) | time |',
      '| --- | ---: |',
      `| rank every newcomer against the pool (engine.eligiblePairs, slices of ${SLICE_MS} ms on a snapshot of the index) | ${secs(poolRankMs)} wall; longest stall ${f0(ranked.maxMs)} ms; ${f0(eligible.edges.length)} eligible pairs |`,
      `| assignColumns() (one synchronous call, on a worker thread in the service; participation mode; median of ${assignTimes.length} after a first call) | **${f1(median(assignTimes))} ms** (fastest ${f1(Math.min(...assignTimes))}, slowest ${f1(Math.max(...assignTimes))}); ${f0(solved.matched)} matched |`,
      `| reasons for the ${f0(solved.matched)} chosen pairs (in slices) | ${secs(explainMs)}; longest stall ${f0(explained.maxMs)} ms |`,
      `| the first run over HTTP, alone (the service's caches of pseudonyms and names still cold) | ${secs(firstRun.result[0]?.ms ?? NaN)}; longest stall ${f0(firstRun.maxMs)} ms |`,
      '',
      '| setup | time |',
      '| --- | ---: |',
      `| generate ${f0(SPONSORS)} synthetic sponsors | ${secs(generateMs)} |`,
      `| insert them (insertSponsors, batches of ${f0(BATCH)}) | ${secs(insertMs)} (${f0(SPONSORS / (insertMs / 1000))} docs/s) |`,
      `| start the matching engine: read all ${f0(engine.index.size)} sponsors and build the index | ${secs(engineMs)} |`,
      `| write ${f0(NEWCOMERS + 1)} accounts (one argon2 hash shared) and ${f0(NEWCOMERS + POOL_NEWCOMERS)} newcomer profiles | ${secs(seedMs)} |`,
      `| the audit log's pseudonyms for the pool's ${f0(POOL_NEWCOMERS + POOL_SPONSORS)} members (16 at a time) | ${secs(pseudonymsMs)} |`,
      '',
      'Each request verifies the JWT, checks the revocation list and the user in the access cache, takes the newcomer profile from the matching engine (each read from the database by `_id` once), ' +
        'ranks the in-memory index and returns 10 anonymised cards. The accounts are written through the users repository (the user, then its login entry) and the tokens signed as a sign-in signs them; ' +
        'every newcomer is asked for once before the measurement, so the caches hold them all.',
      '',
    ].join('\n');
    return { markdown, ok };
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await stopTestDatabase();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchHttp((l) => console.error(l)).then(
    ({ markdown, ok }) => {
      console.log(markdown);
      if (!ok) console.error('http benchmark: a target was NOT met');
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      console.error('http benchmark failed:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
