// Weekly check-ins' fan-out (issue #12): 10,000 members' check-ins delivered
// to an SMTP server on loopback by 2 worker processes (scripts/sim-worker.ts, the
// worker of the simulation tests: the jobs of `npm run worker` on a clock read
// from a file, the fan-out and the outbox every 100 ms of real time), on FerretDB
// with SQLite and on FerretDB with PostgreSQL. Aim: <= 60 s on 2 cores from the
// slot until every email has arrived, exactly once. Run alone with
// `npx tsx bench/checkins.bench.ts`; bench/run.ts calls benchCheckIns().
//
// The population: 7,500 newcomers and 2,500 sponsors with 3 newcomers each, so
// 7,500 active matches, 15,000 member-matches (claims) and 10,000 emails, a
// sponsor's listing their 3 matches. Written straight into the collections the
// service reads (users and login entries, profiles, check-in settings, matches
// with the first version of their status chain and its head hint), every match
// already active and settled a week before the slot. Everyone's slot is the same
// instant, Sunday 17 January 2027 23:00 UTC: 18:00 (the default) in four US
// Eastern zones, and 23:00 in London for every tenth member, who has check-in
// settings saying so. The workers start with the clock a step before the slot
// and wait until the jobs they run at start (match expiry and reconcile over the
// 7,500 matches) are done; then the clock file is set to a minute past the slot
// and the time runs.
//
// Measured: the time until every email has arrived, messages/s, the time until
// every claim was written (polled) and until the first fan-out after the slot
// finished (from the job's lock claims), the runs of each job, and the CPU of each
// process; proved: emails = distinct recipients = distinct Message-IDs = members,
// each Message-ID the one of that member's week, claims = member-matches, no
// message twice. Then, with the workers stopped, where the time goes: the same
// fan-out in this process with every repository call timed, once on the finished
// data (what each later run costs while the slot is in its window) and once from
// scratch, and a few delivery batches with the outbox's read and the SMTP sends
// timed apart.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Document, OptionalUnlessRequiredId } from 'mongodb';
import { pino } from 'pino';
import { checkInsCore, createMailOutbox, lifecycleCore, tokenConfigOf } from '../src/background.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { CHECKIN_COLLECTIONS, checkInIdFor, checkInMailIdFor, type SettingsDoc } from '../src/checkins/checkins.repository.ts';
import { fanOut, type CheckInDeps, type FanOutResult } from '../src/checkins/checkins.service.ts';
import { loadConfig } from '../src/config.ts';
import { BUILT_IN_TERMS_VERSION } from '../src/members/terms.ts';
import { versionId, type ChainVersion } from '../src/db/chain.ts';
import { createChangeFeed } from '../src/db/change-feed.ts';
import { messageIdFor, senderDomain } from '../src/mail/delivery.ts';
import { createOutbox } from '../src/mail/outbox.service.ts';
import { createOutboxRepository } from '../src/mail/outbox.repository.ts';
import { smtpTransport, type MailTransport } from '../src/mail/transport.ts';
import { LIFECYCLE_COLLECTIONS, type MatchDoc, type MatchStatus } from '../src/matches/lifecycle.repository.ts';
import { createProfilesRepository } from '../src/profiles/profiles.repository.ts';
import { prepareDatabase } from '../src/prepare.ts';
import { openTestDatabase, stopTestDatabase, type TestDatabase } from '../test/support/db.ts';
import { syntheticNewcomers, syntheticSponsors } from '../test/support/profile-factories.ts';
import { CHECKIN_SUBJECT, expectedSlots, killWorkers, recordArrivals, simClock, startSimWorker, STEP_MS, type Arrival, type SimWorker } from '../test/support/sim.ts';
import { startTestSmtp, type TestSmtp } from '../test/support/smtp.ts';
import { TEST_SECRET } from '../test/support/test-app.ts';
import { toStoredNewcomer, toStoredSponsor } from './http.bench.ts';

const PER_SPONSOR = 3;
/** BENCH_CHECKINS_SPONSORS shrinks the population for a quick try (the recorded runs use the default). */
const SPONSORS = Number(process.env.BENCH_CHECKINS_SPONSORS ?? 2_500);
const NEWCOMERS = PER_SPONSOR * SPONSORS;
const MEMBERS = NEWCOMERS + SPONSORS;
const MATCHES = NEWCOMERS;
const CLAIMS = 2 * MATCHES;
const WORKERS = 2;
const EVERY_MS = 100;
const TARGET_S = 60;
/** A run not finished by then is reported as it stands (BENCH_CHECKINS_CAP_S). */
const CAP_MS = Number(process.env.BENCH_CHECKINS_CAP_S ?? 600) * 1000;
/** Each timed in-process pass stops after this long (its calls fail fast from then on); the per-call means are what it is for. */
const PASS_CAP_MS = Number(process.env.BENCH_CHECKINS_PASS_CAP_S ?? 60) * 1000;
/** Delivery batches of 50 timed in-process. */
const SAMPLE_BATCHES = 4;
/** The workers' own cost with nothing to do (Agenda's scans every 50 ms, the empty fan-out and delivery runs), measured this long before the slot. */
const IDLE_MS = 10_000;
const BATCH = 2_500;
const PUBLIC_URL = 'https://match.example';
const WEEK = '2027-W02';
/** Sunday 17 January 2027, 23:00 UTC: 18:00 in New York (EST), 23:00 in London (GMT). */
const SLOT = Date.UTC(2027, 0, 17, 23, 0);
const START_AT = SLOT + 60_000;
const EASTERN = ['America/New_York', 'America/Toronto', 'America/Detroit', 'America/Indiana/Indianapolis'] as const;
const LONDON = { zone: 'Europe/London', hour: 23 } as const;

type Backend = 'sqlite' | 'postgresql' | 'given';

interface Member {
  id: string;
  email: string;
  role: 'newcomer' | 'sponsor';
  matches: number;
}

interface Cpu {
  /** CPU seconds per process over the measured window. */
  workers: number[];
  ferretdb: number;
  postgres: number;
  bench: number;
  /** The whole machine's busy share over the window, of all its cores. */
  machineBusy: number;
}

interface JobRuns {
  /** Runs started after the slot, per worker. */
  byWorker: Record<string, number>;
  starts: number[];
}

interface Verdict {
  checkInEmails: number;
  distinctIds: number;
  distinctRecipients: number;
  missing: number;
  unexpected: number;
  wrongId: number;
  dupIds: number;
  dupRecipients: number;
  claims: number;
  claimsExpectedFound: number;
  claimsSkipped: number;
  outboxCheckIns: number;
  outboxSent: number;
  /** Members with no check-in message in the outbox (lost, or not reached yet at the cap). */
  notRecorded: number;
  pendingLeft: number;
  otherEmails: number;
}

type Stats = Map<string, { n: number; ms: number }>;

interface Pass {
  label: string;
  wallMs: number;
  stats: Stats;
  result?: FanOutResult;
  cutOff: boolean;
  error?: string;
}

interface Delivery {
  /** The outbox's read of 50 due messages with the workers' whole outbox in the collection (sent or not, FerretDB reads every one). */
  fullDueMs: number[];
  fullOutbox: number;
  /** Messages in the outbox when the sample ran. */
  sampleOutbox: number;
  batches: number;
  sent: number;
  wallMs: number;
  dueMs: number[];
  sendMs: number;
}

interface RunResult {
  backend: Backend;
  engine: string;
  seedMs: number;
  startupMs: number;
  startJobsMs: number;
  idle: Cpu;
  doneMs?: number;
  claimsMs?: number;
  firstFanOutMs?: number;
  firstArrivalMs?: number;
  lastArrivalMs?: number;
  capped: boolean;
  arrived: number;
  claimsSeen: number;
  timeline: Array<{ s: number; claims: number; arrived: number }>;
  runs: Record<string, JobRuns>;
  cpu: Cpu;
  verdict: Verdict;
  workerWarnings: string[];
  passes: Pass[];
  delivery?: Delivery;
  lookups: Lookup[];
  /** A match's status as the expiry and reconcile jobs read it, once per live match per run. */
  statusMs?: number;
  loadStart: number[];
  loadEnd: number[];
}

const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
const s1 = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
const ms1 = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const load = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');

// ---- the population ----

/** Every tenth member in London with check-ins at 23:00 (settings of their own), the others at the default hour in a US Eastern zone. */
function memberZone(i: number): { timezone: string; hour?: number } {
  return i % 10 === 9 ? { timezone: LONDON.zone, hour: LONDON.hour } : { timezone: EASTERN[i % EASTERN.length]! };
}

async function seed(db: TestDatabase, now: Date): Promise<Member[]> {
  // Everyone's slot is SLOT, in the week WEEK, by the simulation's own oracle (not src/checkins/schedule.ts).
  for (const { zone, hour } of [...EASTERN.map((zone) => ({ zone, hour: 18 })), LONDON]) {
    const slots = expectedSlots(zone, 'sun', hour, SLOT - 7 * 86_400_000 + 1, START_AT);
    if (slots.length !== 1 || slots[0]!.at !== SLOT || slots[0]!.week !== WEEK) throw new Error(`the slot in ${zone} is not ${new Date(SLOT).toISOString()} (${WEEK})`);
  }
  const conn = db.conn;
  const activeSince = new Date(SLOT - 7 * 86_400_000);
  const passwordHash = await hashPassword('bench-password-not-common-42');
  const newcomers = syntheticNewcomers(NEWCOMERS, 20270117, now.getTime()).map((n, i) => ({ ...n, userId: `ci-${n.userId}`, displayName: `Newcomer ${i + 1}`, ...memberZone(i) }));
  const sponsors = syntheticSponsors(SPONSORS, 20270118, now.getTime()).map((s, i) => ({ ...s, userId: `ci-${s.userId}`, displayName: `Sponsor ${i + 1}`, capacity: PER_SPONSOR, ...memberZone(i) }));
  const members: Member[] = [
    ...newcomers.map((n) => ({ id: n.userId, email: `${n.userId}@example.org`, role: 'newcomer' as const, matches: 1 })),
    ...sponsors.map((s) => ({ id: s.userId, email: `${s.userId}@example.org`, role: 'sponsor' as const, matches: PER_SPONSOR })),
  ];
  const names = new Map([...newcomers, ...sponsors].map((p) => [p.userId, p.displayName]));

  const insert = async <T extends Document>(collection: string, docs: readonly T[]) => {
    for (let i = 0; i < docs.length; i += BATCH) await conn.collection<T>(collection).insertMany(docs.slice(i, i + BATCH) as OptionalUnlessRequiredId<T>[], { ordered: false });
  };
  await insert(
    'users',
    members.map((m) => ({
      _id: m.id,
      email: m.email,
      displayName: names.get(m.id)!,
      passwordHash,
      consent: { healthData: true, adult: true, termsVersion: BUILT_IN_TERMS_VERSION, at: activeSince },
      roles: { admin: false, coordinatorOf: [] },
      createdAt: activeSince,
    })),
  );
  await insert('logins', members.map((m) => ({ _id: m.email, userId: m.id })));
  const profiles = createProfilesRepository(conn);
  const newcomerDocs = newcomers.map(({ hour: _h, ...n }) => toStoredNewcomer(n, activeSince));
  const sponsorDocs = sponsors.map(({ hour: _h, ...s }) => toStoredSponsor(s, activeSince));
  for (let i = 0; i < newcomerDocs.length; i += BATCH) await profiles.insertNewcomers(newcomerDocs.slice(i, i + BATCH));
  for (let i = 0; i < sponsorDocs.length; i += BATCH) await profiles.insertSponsors(sponsorDocs.slice(i, i + BATCH));
  const settings: SettingsDoc[] = [...newcomers, ...sponsors]
    .filter((p) => p.hour !== undefined)
    .map((p) => ({ _id: p.userId, day: 'sun', hour: p.hour!, paused: false, updatedAt: activeSince }));
  await insert(CHECKIN_COLLECTIONS.settings, settings);

  // Each match as insertMatch writes it (its document, version 1 of its status chain, the chain's head hint),
  // made active and settled at once: the match-expiry and reconcile jobs find nothing to do but read.
  const matches: MatchDoc[] = [];
  const versions: Array<ChainVersion<MatchStatus>> = [];
  for (let k = 0; k < MATCHES; k++) {
    const n = newcomers[k]!;
    const s = sponsors[Math.floor(k / PER_SPONSOR)]!;
    const matchId = `ci-m${k + 1}`;
    matches.push({
      _id: matchId,
      matchId,
      requestId: `ci-r${k + 1}`,
      newcomerId: n.userId,
      sponsorId: s.userId,
      newcomerProgram: n.program,
      sponsorProgram: s.program,
      kind: 'ongoing',
      origin: 'coordinator',
      startState: 'awaiting-sponsor',
      createdBy: 'bench',
      createdRole: 'coordinator',
      createdAt: activeSince,
      state: 'active',
      n: 1,
      stateAt: activeSince,
      settled: 1,
    });
    versions.push({
      _id: versionId(matchId, 1),
      entity: matchId,
      n: 1,
      state: { status: 'active', action: 'create', role: 'coordinator', kind: 'ongoing', sponsorAsked: true, activeSince },
      at: activeSince,
      by: 'bench',
    });
  }
  await insert(LIFECYCLE_COLLECTIONS.matches, matches);
  await insert(LIFECYCLE_COLLECTIONS.statusChain, versions);
  await insert(`${LIFECYCLE_COLLECTIONS.statusChain}.heads`, matches.map((m) => ({ _id: m._id, head: 1 })));
  return members;
}

// ---- processes' CPU, from /proc ----

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  comm: string;
  ppid: number;
  ticks: number;
}

function procStat(pid: number | string): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const rest = s.slice(close + 2).split(' ');
    return { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

function allProcs(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(name);
    if (st) out.set(Number(name), st);
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const xs = line.trim().split(/\s+/).slice(1).map(Number);
  const total = xs.reduce((a, b) => a + b, 0);
  const idle = (xs[3] ?? 0) + (xs[4] ?? 0);
  return { busy: total - idle, total };
}

interface CpuMark {
  procs: Map<number, ProcStat>;
  machine: { busy: number; total: number };
  bench: NodeJS.CpuUsage;
}

const cpuMark = (): CpuMark => ({ procs: allProcs(), machine: machineTicks(), bench: process.cpuUsage() });

function cpuSince(start: CpuMark, workers: readonly SimWorker[]): Cpu {
  const end = cpuMark();
  const delta = (pid: number) => ((end.procs.get(pid)?.ticks ?? 0) - (start.procs.get(pid)?.ticks ?? 0)) / TICKS;
  const sumWhere = (ok: (p: ProcStat) => boolean) => [...end.procs].filter(([, p]) => ok(p)).reduce((s, [pid]) => s + delta(pid), 0);
  const bench = process.cpuUsage(start.bench);
  return {
    workers: workers.map((w) => (w.proc.pid === undefined ? 0 : delta(w.proc.pid))),
    ferretdb: sumWhere((p) => p.comm === 'ferretdb' && p.ppid === process.pid),
    postgres: sumWhere((p) => p.comm === 'postgres'),
    bench: (bench.user + bench.system) / 1e6,
    machineBusy: (end.machine.busy - start.machine.busy) / Math.max(1, end.machine.total - start.machine.total),
  };
}

// ---- PostgreSQL: a fresh database per run ----

const psql = (sql: string) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: ['ignore', 'pipe', 'pipe'] });

// ---- in-process passes with every call timed ----

/** A copy of `target` whose methods record their count and time in `stats` (sequential callers: the times add up to the wall time). */
function timed<T extends object>(target: T, label: string, stats: Stats, over: () => boolean): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    if (typeof value !== 'function') {
      out[key] = value;
      continue;
    }
    const name = `${label}.${key}`;
    out[key] = (...args: unknown[]) => {
      if (over()) throw new Error('bench pass cut off');
      const started = performance.now();
      const record = () => {
        const s = stats.get(name) ?? { n: 0, ms: 0 };
        s.n += 1;
        s.ms += performance.now() - started;
        stats.set(name, s);
      };
      const result = (value as (...a: unknown[]) => unknown).apply(target, args);
      if (result instanceof Promise) return result.finally(record);
      record();
      return result;
    };
  }
  return out as T;
}

async function timedFanOut(label: string, deps: CheckInDeps): Promise<Pass> {
  const stats: Stats = new Map();
  const started = performance.now();
  let cutOff = false;
  const over = () => {
    if (performance.now() - started > PASS_CAP_MS) cutOff = true;
    return cutOff;
  };
  const d: CheckInDeps = {
    ...deps,
    repo: timed(deps.repo, 'checkins', stats, over),
    matches: timed(deps.matches, 'matches', stats, over),
    profiles: timed(deps.profiles, 'profiles', stats, over),
    users: timed(deps.users, 'users', stats, over),
    outbox: timed(deps.outbox, 'outbox', stats, over),
  };
  try {
    const result = await fanOut(d);
    return { label, wallMs: performance.now() - started, stats, result, cutOff };
  } catch (err) {
    return { label, wallMs: performance.now() - started, stats, cutOff, error: err instanceof Error ? err.message : String(err) };
  }
}

interface Lookup {
  collection: string;
  docs: number;
  ms: number;
  /** The database's plan for it, as FerretDB's explain gives it (SQLite: SCAN or SEARCH; PostgreSQL: Seq Scan or Index Scan). */
  plan: string;
}

/** A findOne by `_id` (the service's "hot lookup") against collections of different sizes in the same database. */
async function timedLookups(db: TestDatabase, members: readonly Member[]): Promise<Lookup[]> {
  const newcomerIds = members.filter((m) => m.role === 'newcomer').map((m) => m.id);
  const targets: Array<[string, (i: number) => string]> = [
    [CHECKIN_COLLECTIONS.fanOut, () => 'last'],
    [CHECKIN_COLLECTIONS.settings, (i) => members[10 * (i % (members.length / 10)) + 9]!.id],
    ['users', (i) => members[(i * 7919) % members.length]!.id],
    ['newcomer_profiles', (i) => newcomerIds[(i * 7919) % newcomerIds.length]!],
    [LIFECYCLE_COLLECTIONS.statusChain, (i) => versionId(`ci-m${((i * 7919) % MATCHES) + 1}`, 1)],
  ];
  const out: Lookup[] = [];
  for (const [name, id] of targets) {
    const c = db.conn.collection<{ _id: string }>(name);
    const docs = await c.countDocuments({});
    const explained = (await db.conn.db!.command({ explain: { find: name, filter: { _id: id(0) }, limit: 1 } })) as { queryPlanner?: unknown };
    const plan = /SCAN [^"\\]*|SEARCH [^"\\]*|Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan/.exec(JSON.stringify(explained.queryPlanner ?? ''))?.[0]?.trim() ?? '?';
    const t = performance.now();
    for (let i = 0; i < 20; i++) await c.findOne({ _id: id(i) });
    out.push({ collection: name, docs, ms: (performance.now() - t) / 20, plan: plan.replace(/_[0-9a-f]{8}\b/g, '') });
  }
  return out;
}

async function timedDue(db: TestDatabase, clock: () => Date): Promise<number[]> {
  const repo = createOutboxRepository(db.conn);
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await repo.due(clock(), 50);
    out.push(performance.now() - t);
  }
  return out;
}

async function timedDelivery(db: TestDatabase, smtp: TestSmtp, from: string, clock: () => Date, full: { dueMs: number[]; outbox: number }): Promise<Delivery> {
  const inner = smtpTransport(smtp.url);
  let sendMs = 0;
  const transport: MailTransport = {
    async send(msg) {
      const t = performance.now();
      try {
        return await inner.send(msg);
      } finally {
        sendMs += performance.now() - t;
      }
    },
    close: () => inner.close(),
  };
  const outbox = createOutbox({ conn: db.conn, transport, clock, from, publicUrl: PUBLIC_URL, log: pino({ level: 'silent' }) });
  const repo = createOutboxRepository(db.conn);
  const dueMs: number[] = [];
  let sent = 0;
  let wallMs = 0;
  let batches = 0;
  try {
    for (; batches < SAMPLE_BATCHES; batches++) {
      let t = performance.now();
      await repo.due(clock(), 50);
      dueMs.push(performance.now() - t);
      t = performance.now();
      const r = await outbox.deliverDue();
      wallMs += performance.now() - t;
      sent += r.sent;
      if (r.sent === 0) break;
    }
  } finally {
    outbox.close();
  }
  return { fullDueMs: full.dueMs, fullOutbox: full.outbox, sampleOutbox: await db.conn.collection('outbox').countDocuments({}), batches, sent, wallMs, dueMs, sendMs };
}

// ---- one run ----

async function runOn(backend: Backend, log: (line: string) => void): Promise<RunResult> {
  const saved = { pg: process.env.LOCAL_DB_POSTGRESQL_URL, engine: process.env.LOCAL_DB_ENGINE };
  const pgName = `bench_checkins_${Date.now().toString(36)}_${process.pid}`;
  if (backend !== 'given') process.env.LOCAL_DB_ENGINE = 'ferretdb';
  if (backend === 'postgresql') {
    psql(`create database ${pgName}`);
    process.env.LOCAL_DB_POSTGRESQL_URL = `postgres://postgres@127.0.0.1:5432/${pgName}`;
  } else delete process.env.LOCAL_DB_POSTGRESQL_URL;
  const workers: SimWorker[] = [];
  // Stopped from outside (Ctrl-C, a timeout): the workers are children of this process and would run on.
  const onSignal = () => {
    for (const w of workers) w.proc.kill('SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let smtp: TestSmtp | undefined;
  let clock: ReturnType<typeof simClock> | undefined;
  let db: TestDatabase | undefined;
  try {
    db = await openTestDatabase(`bench_checkins_${backend}`);
    const engine = `${db.server.engine} ${db.server.version}${backend === 'given' ? ' (MONGODB_URI)' : ` on ${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL 15'}`}`;
    log(`${engine}: writing ${f0(MEMBERS)} members and ${f0(MATCHES)} active matches…`);
    const now = new Date(SLOT - STEP_MS);
    let t = performance.now();
    await prepareDatabase(db.conn, { buildIndexes: false, now });
    const members = await seed(db, now);
    const seedMs = performance.now() - t;
    log(`  written in ${s1(seedMs)}`);

    smtp = await startTestSmtp();
    const arrivals: Arrival[] = recordArrivals(smtp, () => performance.now());
    clock = simClock(SLOT - STEP_MS);
    const config = loadConfig({ ...process.env, NODE_ENV: 'test', MONGODB_URI: db.uri, MONGODB_DB_NAME: db.dbName, SMTP_URL: smtp.url, PUBLIC_URL, JWT_SECRET: TEST_SECRET });
    const domain = senderDomain(config.mail.from) ?? new URL(PUBLIC_URL).hostname;

    t = performance.now();
    const c = clock;
    const s = smtp;
    const d = db;
    workers.push(...(await Promise.all(Array.from({ length: WORKERS }, (_, i) => startSimWorker({ db: d, name: `w${i + 1}`, clock: c, smtpUrl: s.url, publicUrl: PUBLIC_URL, everyMs: EVERY_MS })))));
    const startupMs = performance.now() - t;
    // The jobs every worker runs at start (match expiry and reconcile read every live match): not part of a check-in round.
    t = performance.now();
    const jobs = db.conn.collection<{ name: string; lastRunAt?: Date | null; lastFinishedAt?: Date | null }>('agenda_jobs');
    const startJobs = ['match-expiry', 'match-reconcile', 'checkin-fanout'];
    const finished = new Set<string>();
    for (;;) {
      for (const j of await jobs.find({ name: { $in: startJobs } }).toArray()) {
        if (j.lastFinishedAt && !finished.has(j.name)) {
          finished.add(j.name);
          log(`  start-up job ${j.name} done after ${s1(performance.now() - t)}`);
        }
      }
      if (finished.size === startJobs.length) break;
      if (performance.now() - t > 120_000) {
        log('  the start-up jobs had not finished after 120 s; measuring anyway (they go on during the run)');
        break;
      }
      await sleep(250);
    }
    const startJobsMs = performance.now() - t;
    log(`  ${WORKERS} workers ready in ${s1(startupMs)}, their start-up jobs done ${s1(startJobsMs)} later`);
    const idle0 = cpuMark();
    await sleep(IDLE_MS);
    const idle = cpuSince(idle0, workers);
    log(`  idle for ${s1(IDLE_MS)}: workers ${idle.workers.map((x) => x.toFixed(1)).join(' + ')} CPU s, FerretDB ${idle.ferretdb.toFixed(1)}, PostgreSQL ${idle.postgres.toFixed(1)}; clock set to a minute past the slot`);

    const loadStart = os.loadavg();
    const cpu0 = cpuMark();
    const t0 = performance.now();
    const t0Wall = new Date();
    clock.set(START_AT);
    const checkins = db.conn.collection(CHECKIN_COLLECTIONS.checkIns);
    const timeline: RunResult['timeline'] = [];
    let claimsSeen = 0;
    let claimsMs: number | undefined;
    let doneMs: number | undefined;
    let lastSample = -Infinity;
    const arrivedCheckIns = () => arrivals.filter((a) => a.subject === CHECKIN_SUBJECT).length;
    // The fan-out job's starts and ends as Agenda records them (one run at a time: its lock), seen once a second.
    const runStarts = new Set<number>();
    const runEnds = new Set<number>();
    const fanOutJob = async () => {
      const j = await jobs.findOne({ name: 'checkin-fanout' }, { projection: { lastRunAt: 1, lastFinishedAt: 1 } });
      const at = (x: unknown) => (x instanceof Date ? x.getTime() : undefined);
      const start = at(j?.lastRunAt);
      const end = at(j?.lastFinishedAt);
      if (start !== undefined) runStarts.add(start);
      if (end !== undefined) runEnds.add(end);
    };
    while (performance.now() - t0 < CAP_MS) {
      await sleep(1_000);
      await fanOutJob();
      // A count reads every claim on FerretDB: every other second, and only until they are all there.
      if (claimsMs === undefined && Math.round((performance.now() - t0) / 1000) % 2 === 0) {
        claimsSeen = await checkins.countDocuments({});
        if (claimsSeen >= CLAIMS) claimsMs = performance.now() - t0;
      }
      const elapsed = performance.now() - t0;
      const arrived = arrivedCheckIns();
      if (elapsed - lastSample >= 10_000) {
        timeline.push({ s: elapsed / 1000, claims: claimsSeen, arrived });
        lastSample = elapsed;
        log(`  ${(elapsed / 1000).toFixed(0)} s: ${f0(claimsSeen)} claims, ${f0(arrived)} emails arrived`);
      }
      if (arrived >= MEMBERS && claimsMs !== undefined) {
        doneMs = Math.max(...arrivals.map((a) => a.simAt)) - t0;
        break;
      }
    }
    const capped = doneMs === undefined;
    const cpu = cpuSince(cpu0, workers);
    const loadEnd = os.loadavg();
    // A little longer, so that a second copy of any message still on its way is counted.
    for (let i = 0; i < 5; i++) {
      await sleep(1_000);
      await fanOutJob();
    }
    // Warnings up to here; a worker stopping mid-scan warns of its closed connection, which is not the fan-out's.
    const workerWarnings = workers.flatMap((w) => w.log.filter((l) => /"level":(40|50|60)/.test(l)).map((l) => `${w.name}: ${l}`));
    for (const w of workers) w.proc.kill('SIGTERM');
    await Promise.race([Promise.all(workers.map((w) => w.exited)), sleep(5_000)]);
    await killWorkers(workers);

    const checkInArrivals = arrivals.filter((a) => a.subject === CHECKIN_SUBJECT);
    const times = checkInArrivals.map((a) => a.simAt - t0);
    const arrived = checkInArrivals.length;
    if (capped) timeline.push({ s: (performance.now() - t0) / 1000, claims: claimsSeen, arrived });

    // Exactly once: by Message-ID and by recipient, against the members and their week.
    const byEmail = new Map(members.map((m) => [m.email, m]));
    const idCount = new Map<string, number>();
    const toCount = new Map<string, number>();
    let wrongId = 0;
    let unexpected = 0;
    for (const a of checkInArrivals) {
      idCount.set(a.messageId, (idCount.get(a.messageId) ?? 0) + 1);
      for (const to of a.envelope.to) {
        toCount.set(to, (toCount.get(to) ?? 0) + 1);
        const m = byEmail.get(to);
        if (!m) unexpected += 1;
        else if (a.messageId !== messageIdFor(checkInMailIdFor(m.id, WEEK), domain)) wrongId += 1;
      }
    }
    const claimIds = new Set((await checkins.find({}, { projection: { _id: 1 } }).toArray()).map((x) => String(x._id)));
    const skipped = await checkins.countDocuments({ status: 'skipped' });
    let claimsExpectedFound = 0;
    for (let k = 0; k < MATCHES; k++) {
      const n = members[k]!;
      const sp = members[NEWCOMERS + Math.floor(k / PER_SPONSOR)]!;
      const matchId = `ci-m${k + 1}`;
      if (claimIds.has(checkInIdFor(matchId, n.id, WEEK))) claimsExpectedFound += 1;
      if (claimIds.has(checkInIdFor(matchId, sp.id, WEEK))) claimsExpectedFound += 1;
    }
    const outboxDocs = await db.conn.collection('outbox').find({}, { projection: { _id: 1, status: 1, template: 1 } }).toArray();
    const checkInDocs = outboxDocs.filter((o) => o.template === 'checkin');
    const recorded = new Set(checkInDocs.map((o) => String(o._id)));
    const verdict: Verdict = {
      checkInEmails: arrived,
      distinctIds: idCount.size,
      distinctRecipients: toCount.size,
      missing: members.filter((m) => !toCount.has(m.email)).length,
      unexpected,
      wrongId,
      dupIds: [...idCount.values()].filter((x) => x > 1).length,
      dupRecipients: [...toCount.values()].filter((x) => x > 1).length,
      claims: claimIds.size,
      claimsExpectedFound,
      claimsSkipped: skipped,
      outboxCheckIns: checkInDocs.length,
      outboxSent: checkInDocs.filter((o) => o.status === 'sent').length,
      notRecorded: members.filter((m) => !recorded.has(checkInMailIdFor(m.id, WEEK))).length,
      pendingLeft: await db.conn.collection(CHECKIN_COLLECTIONS.pending).countDocuments({}),
      otherEmails: arrivals.length - arrived,
    };

    // The jobs' runs after the slot: each run is one lock claim (src/jobs/claim-lock.ts), by the worker that ran it.
    const locks = await db.conn.collection<{ _id: string; at: Date; job: string; by: string | null }>('agenda_locks').find({}).toArray();
    const runs: Record<string, JobRuns> = {};
    for (const l of locks) {
      if (l.at.getTime() < t0Wall.getTime()) continue;
      const r = (runs[l.job] ??= { byWorker: {}, starts: [] });
      r.byWorker[l.by ?? '?'] = (r.byWorker[l.by ?? '?'] ?? 0) + 1;
      r.starts.push(l.at.getTime() - t0Wall.getTime());
    }
    for (const r of Object.values(runs)) r.starts.sort((a, b) => a - b);
    // The first fan-out that started after the slot (Agenda's lastRunAt), and the first end after that start.
    const firstStart = [...runStarts].filter((x) => x >= t0Wall.getTime()).sort((a, b) => a - b)[0];
    const firstEnd = firstStart === undefined ? undefined : [...runEnds].filter((x) => x > firstStart).sort((a, b) => a - b)[0];
    const firstFanOutMs = firstEnd === undefined ? undefined : firstEnd - t0Wall.getTime();
    log(
      `  ${capped ? `CAPPED at ${s1(CAP_MS)}` : `all ${f0(MEMBERS)} emails in ${s1(doneMs)}`}: ${f0(arrived)} arrived, claims ${f0(verdict.claims)}, duplicates ${verdict.dupIds}/${verdict.dupRecipients}, missing ${verdict.missing}`,
    );

    // Where the time goes: the same code in this process, every call timed, nothing else running.
    const passes: Pass[] = [];
    let delivery: Delivery | undefined;
    let lookups: Lookup[] = [];
    let statusMs: number | undefined;
    if (process.env.BENCH_CHECKINS_BREAKDOWN !== '0') {
      const fixed = () => new Date(START_AT);
      const quiet = pino({ level: 'silent' });
      const feed = createChangeFeed(db.conn, { clock: fixed, log: quiet });
      const outbox = createMailOutbox({ config, conn: db.conn, clock: fixed, log: quiet });
      try {
        const lifecycle = lifecycleCore({ config, conn: db.conn, clock: fixed, log: quiet, outbox, feed });
        const deps = checkInsCore({ config, conn: db.conn, clock: fixed, log: quiet, outbox, tokens: tokenConfigOf(config), lifecycle });
        log('  timing lookups by _id and a match status read…');
        lookups = await timedLookups(db, members);
        const t1 = performance.now();
        for (let i = 0; i < 20; i++) await lifecycle.repo.status(`ci-m${((i * 7919) % MATCHES) + 1}`);
        statusMs = (performance.now() - t1) / 20;
        log('  timing a fan-out on the data the workers left (what every later run repeats)…');
        passes.push(await timedFanOut(capped ? 'again, on the data the workers left at the cap' : 'again, on the finished week (what every later run while the slot is in its window repeats)', deps));
        const full = { dueMs: await timedDue(db, fixed), outbox: await db.conn.collection('outbox').countDocuments({}) };
        for (const name of [CHECKIN_COLLECTIONS.checkIns, CHECKIN_COLLECTIONS.pending, CHECKIN_COLLECTIONS.fanOut, 'outbox', 'outbox_claims']) {
          await db.conn.collection(name).drop().catch(() => undefined);
        }
        log('  timing a fan-out from scratch, alone…');
        passes.push(await timedFanOut('first, from scratch, alone', deps));
        log(`  timing ${SAMPLE_BATCHES} delivery batches…`);
        delivery = await timedDelivery(db, smtp, config.mail.from, fixed, full);
      } finally {
        outbox.close();
        await feed.stop();
      }
    }

    return {
      backend,
      engine,
      seedMs,
      startupMs,
      startJobsMs,
      idle,
      ...(doneMs !== undefined ? { doneMs } : {}),
      ...(claimsMs !== undefined ? { claimsMs } : {}),
      ...(firstFanOutMs !== undefined ? { firstFanOutMs } : {}),
      ...(times.length ? { firstArrivalMs: Math.min(...times), lastArrivalMs: Math.max(...times) } : {}),
      capped,
      arrived,
      claimsSeen,
      timeline,
      runs,
      cpu,
      verdict,
      workerWarnings,
      passes,
      ...(delivery ? { delivery } : {}),
      lookups,
      ...(statusMs !== undefined ? { statusMs } : {}),
      loadStart,
      loadEnd,
    };
  } finally {
    await killWorkers(workers).catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await smtp?.close().catch(() => undefined);
    clock?.remove();
    await db?.drop().catch(() => undefined);
    await stopTestDatabase();
    if (backend === 'postgresql') {
      try {
        psql(`drop database if exists ${pgName} with (force)`);
      } catch (err) {
        log(`  could not drop the PostgreSQL database ${pgName}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const restore = (key: string, value: string | undefined) => {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    };
    restore('LOCAL_DB_POSTGRESQL_URL', saved.pg);
    restore('LOCAL_DB_ENGINE', saved.engine);
  }
}

// ---- the section ----

/** Nothing sent twice, to a stranger or under another identity (a capped run may still lack some). */
function noDuplicate(v: Verdict): boolean {
  return v.dupIds === 0 && v.dupRecipients === 0 && v.unexpected === 0 && v.wrongId === 0 && v.claims <= CLAIMS && v.claimsSkipped === 0 && v.outboxCheckIns <= MEMBERS;
}

/** A capped run: nothing doubled, and once a fan-out has finished, every claim and every member's message recorded (none lost). */
function cappedOk(r: RunResult): boolean {
  const v = r.verdict;
  return noDuplicate(v) && (r.firstFanOutMs === undefined || (v.claims === CLAIMS && v.notRecorded === 0));
}

function onceWord(r: RunResult): string {
  if (exactlyOnce(r.verdict)) return 'yes';
  if (r.capped && cappedOk(r)) return `none twice, none lost; ${f0(r.verdict.missing)} not yet delivered at the cap`;
  return '**NO**';
}

function exactlyOnce(v: Verdict): boolean {
  return (
    v.checkInEmails === MEMBERS &&
    v.distinctIds === MEMBERS &&
    v.distinctRecipients === MEMBERS &&
    v.missing === 0 &&
    v.unexpected === 0 &&
    v.wrongId === 0 &&
    v.dupIds === 0 &&
    v.dupRecipients === 0 &&
    v.claims === CLAIMS &&
    v.claimsExpectedFound === CLAIMS &&
    v.claimsSkipped === 0 &&
    v.outboxCheckIns === MEMBERS &&
    v.outboxSent === MEMBERS &&
    v.pendingLeft === 0
  );
}

const GROUPS: Array<[string, RegExp]> = [
  ['reads of the whole population (liveByHint, allSettings, timezones, allPending, unmailedAlerts)', /^(matches\.liveByHint|checkins\.(allSettings|allPending|unmailedAlerts|lastFanOut|setLastFanOut)|profiles\.timezones)$/],
  ['claims and markers (claimCheckIn, addPending, removePending)', /^checkins\.(claimCheckIn|addPending|removePending)$/],
  ['claims read back (checkIn: the email\'s list, the missed-check-in streak)', /^checkins\.checkIn$/],
  ['names and addresses (users.findById, getNewcomer/getSponsor)', /^(users\.findById|profiles\.get(Newcomer|Sponsor))$/],
  ['the email recorded (outbox.enqueueRendered)', /^outbox\.enqueueRendered$/],
];

/** A pass's time projected to the whole population: its whole-population reads, plus its mean per member times the members. */
function projectedFanOutMs(p: Pass | undefined): number | undefined {
  if (!p) return undefined;
  const whole = [...p.stats].filter(([k]) => GROUPS[0]![1].test(k)).reduce((sum, [, v]) => sum + v.ms, 0);
  const members = p.stats.get('outbox.enqueueRendered')?.n ?? 0;
  return members > 0 ? whole + ((p.wallMs - whole) / members) * MEMBERS : undefined;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** One delivering worker, back to back: a read of the due messages per 50 (on the full outbox) and each message's own cost. */
function projectedDeliveryMs(dl: Delivery | undefined): number | undefined {
  if (!dl || dl.sent === 0) return undefined;
  const perMsg = (dl.wallMs - mean(dl.dueMs) * dl.batches) / dl.sent;
  return (dueAtFullMs(dl) / 50 + perMsg) * MEMBERS;
}

/** The read of due messages with all the members' messages recorded: FerretDB reads (and decodes) every message for it, so it grows with the outbox. */
function dueAtFullMs(dl: Delivery): number {
  return (mean(dl.fullDueMs) * MEMBERS) / Math.max(1, dl.fullOutbox);
}

function passTable(p: Pass): string[] {
  const entries = [...p.stats].sort((a, b) => b[1].ms - a[1].ms);
  const accounted = entries.reduce((sum, [, v]) => sum + v.ms, 0);
  const share = (ms: number) => `${((100 * ms) / p.wallMs).toFixed(0)} %`;
  const groupMs = (re: RegExp) => entries.filter(([k]) => re.test(k)).reduce((sum, [, v]) => sum + v.ms, 0);
  const rows = entries.map(([k, v]) => `| \`${k}\` | ${f0(v.n)} | ${ms1(v.ms / v.n)} | ${s1(v.ms)} | ${share(v.ms)} |`);
  const groups = GROUPS.map(([label, re]) => `${label}: ${s1(groupMs(re))} (${share(groupMs(re))})`);
  // Members are taken one after another, newcomers and sponsors interleaved as their matches come: a prefix is representative.
  const members = p.stats.get('outbox.enqueueRendered')?.n ?? 0;
  const whole = groupMs(GROUPS[0]![1]);
  const perMember = members > 0 ? (p.wallMs - whole) / members : NaN;
  const r = p.result;
  return [
    `**${p.label}**: ${s1(p.wallMs)}${p.cutOff ? ` (**cut off** after ${s1(PASS_CAP_MS)}; every call from then on failed at once)` : ''}${p.error && !p.cutOff ? ` (ended by: ${p.error})` : ''}${
      r ? `; ${f0(r.checkIns)} claims written, ${f0(r.mails)} emails recorded, ${r.recovered} recovered, ${r.errors} errors` : ''
    }. ${f0(members)} members reached their email: ${ms1(perMember)} a member besides the whole-population reads (${s1(whole)}), so **${s1(projectedFanOutMs(p))} for ${f0(MEMBERS)} members** in one process.`,
    '',
    '| call | calls | mean | total | of the pass |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    `| in JavaScript between the calls (tokens, rendering, slots) | | | ${s1(p.wallMs - accounted)} | ${share(p.wallMs - accounted)} |`,
    '',
    ...groups.map((g) => `- ${g}`),
    '',
  ];
}

function runMarkdown(r: RunResult): string[] {
  const v = r.verdict;
  const rate = r.firstArrivalMs !== undefined && r.lastArrivalMs !== undefined && r.lastArrivalMs > r.firstArrivalMs ? (r.arrived - 1) / ((r.lastArrivalMs - r.firstArrivalMs) / 1000) : undefined;
  const overall = r.doneMs !== undefined ? MEMBERS / (r.doneMs / 1000) : r.arrived / (CAP_MS / 1000);
  const runsOf = (job: string) => {
    const x = r.runs[job];
    if (!x) return '0';
    return `${f0(x.starts.length)} (${Object.entries(x.byWorker).sort().map(([w, n]) => `${w}: ${n}`).join(', ')})`;
  };
  const lines = [
    `### ${r.engine}`,
    '',
    `Load average ${load(r.loadStart)} at the slot, ${load(r.loadEnd)} at the end. Data written in ${s1(r.seedMs)}; the workers ready in ${s1(r.startupMs)}, their start-up jobs (match expiry, reconcile, a fan-out before the slot) done ${s1(r.startJobsMs)} later. With nothing to do, over ${s1(IDLE_MS)} before the slot (Agenda's scans every 50 ms, empty fan-out and delivery runs), the workers used ${r.idle.workers.map((x) => x.toFixed(1)).join(' + ')} CPU s, FerretDB ${r.idle.ferretdb.toFixed(1)} and PostgreSQL ${r.idle.postgres.toFixed(1)}.`,
    '',
    '| | |',
    '| --- | ---: |',
    `| **every email arrived** | **${r.capped ? `not within ${s1(CAP_MS)} (capped)` : s1(r.doneMs)}** |`,
    `| every claim written (polled each second) | ${r.claimsMs !== undefined ? s1(r.claimsMs) : `${f0(r.claimsSeen)} of ${f0(CLAIMS)} at the cap`} |`,
    `| the first fan-out after the slot finished (all emails recorded) | ${s1(r.firstFanOutMs)} |`,
    `| first / last email at the SMTP server | ${s1(r.firstArrivalMs)} / ${s1(r.lastArrivalMs)} |`,
    `| messages/s, slot to last email | ${overall.toFixed(1)} |`,
    `| messages/s, first to last email (delivery alone) | ${rate === undefined ? '–' : rate.toFixed(1)} |`,
    `| fan-out runs after the slot | ${runsOf('checkin-fanout')} |`,
    `| delivery runs after the slot | ${runsOf('outbox-deliver')} |`,
    `| match expiry / reconcile runs after the slot (every 5 minutes, each reads every live match's status chain) | ${runsOf('match-expiry')} / ${runsOf('match-reconcile')} |`,
    `| CPU seconds: workers / FerretDB / PostgreSQL / bench (SMTP server) | ${r.cpu.workers.map((x) => x.toFixed(0)).join(' + ')} / ${r.cpu.ferretdb.toFixed(0)} / ${r.cpu.postgres.toFixed(0)} / ${r.cpu.bench.toFixed(0)} |`,
    `| machine busy over the window (all ${os.cpus().length} cores) | ${(100 * r.cpu.machineBusy).toFixed(0)} % |`,
    '',
    `Exactly once: **${onceWord(r)}**. Check-in emails received ${f0(v.checkInEmails)}, distinct Message-IDs ${f0(v.distinctIds)}, distinct recipients ${f0(v.distinctRecipients)} (expected ${f0(MEMBERS)} each); Message-ID or recipient counted twice: ${v.dupIds} / ${v.dupRecipients}; members without an email ${v.missing}; to an unknown address ${v.unexpected}; with another Message-ID than the member's week's ${v.wrongId}. Claims ${f0(v.claims)} (expected ${f0(CLAIMS)} member-matches, ${f0(v.claimsExpectedFound)} of them found by id, ${v.claimsSkipped} skipped); outbox check-in messages ${f0(v.outboxCheckIns)}, sent ${f0(v.outboxSent)}, members without one ${f0(v.notRecorded)}; markers left in checkin_pending ${v.pendingLeft}; other emails ${v.otherEmails}.${
      r.workerWarnings.length ? ` Workers' warnings: ${r.workerWarnings.length} (first: \`${r.workerWarnings[0]!.slice(0, 200)}\`).` : ' No warning from the workers.'
    }`,
    '',
    '| s after the slot | claims | emails arrived |',
    '| ---: | ---: | ---: |',
    ...r.timeline.map((x) => `| ${x.s.toFixed(0)} | ${f0(x.claims)} | ${f0(x.arrived)} |`),
    '',
  ];
  if (r.passes.length || r.delivery) {
    lines.push('#### Where the time goes (the workers stopped; the same code in the bench process, every call timed)', '');
    if (r.lookups.length) {
      lines.push(
        'A lookup by `_id`, the service\'s hot path (DATABASE.md, rule 1), 20 of each, in this database:',
        '',
        '| collection | documents | findOne by `_id` | plan (FerretDB\'s explain) |',
        '| --- | ---: | ---: | --- |',
        ...r.lookups.map((l) => `| ${l.collection} | ${f0(l.docs)} | ${ms1(l.ms)} | ${l.plan} |`),
        '',
        ...(r.statusMs !== undefined
          ? [
              `A match's status as match expiry and reconcile read it for every live match (the chain's head hint, that version, a probe of the next: three lookups by \`_id\`): ${ms1(r.statusMs)}, so ${s1(r.statusMs * MATCHES)} for the ${f0(MATCHES)} matches in each run of each of the two jobs (every 5 minutes).`,
              '',
            ]
          : []),
      );
    }
    for (const p of r.passes) lines.push(...passTable(p));
    const dl = r.delivery;
    if (dl) {
      const due = mean(dl.dueMs);
      const perMsg = dl.sent > 0 ? (dl.wallMs - due * dl.batches) / dl.sent : NaN;
      const send = dl.sent > 0 ? dl.sendMs / dl.sent : NaN;
      const fullDue = mean(dl.fullDueMs);
      lines.push(
        `**Delivery.** Reading the 50 due messages (\`due\`: FerretDB reads and decodes every message for its filter and sort, sent ones included, so its cost grows with the outbox) with the workers' ${f0(dl.fullOutbox)} messages in the outbox: ${ms1(fullDue)} a batch; scaled to all ${f0(MEMBERS)} recorded, ${ms1(dueAtFullMs(dl))} a batch and ${s1((dueAtFullMs(dl) * MEMBERS) / 50)} over the ${f0(MEMBERS / 50)} batches. ` +
          `Then ${dl.batches} calls of deliverDue in this process (${f0(dl.sent)} messages, ${f0(dl.sampleOutbox)} in the outbox): ${s1(dl.wallMs)}, ${(dl.sent / (dl.wallMs / 1000)).toFixed(1)} messages/s back to back; \`due\` ${ms1(due)} a batch; per message ${ms1(perMsg)}, of which the SMTP send ${ms1(send)} (a new connection each: the loopback server, smtp-server, greets 100 ms after it accepts, to catch clients that talk too early) and the attempt's claim, the sent record and the status update ${ms1(perMsg - send)}. ` +
          `At that rate one delivering worker needs ${s1(projectedDeliveryMs(dl))} for ${f0(MEMBERS)} messages.`,
        '',
      );
    }
  }
  return lines;
}

export async function benchCheckIns(log: (line: string) => void = () => {}): Promise<{ markdown: string; ok: boolean }> {
  const backends: Backend[] = process.env.MONGODB_URI ? ['given'] : ((process.env.BENCH_CHECKINS_BACKENDS?.split(',').map((x) => x.trim()) as Backend[] | undefined) ?? ['sqlite', 'postgresql']);
  const results: RunResult[] = [];
  const failures: string[] = [];
  for (const b of backends) {
    try {
      results.push(await runOn(b, log));
    } catch (err) {
      log(`  ${b} run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      failures.push(`${b}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  // Pass: nothing doubled or lost; a run that the cap cut short is reported, and fails only if it doubled something.
  const ok = failures.length === 0 && results.every((r) => (r.capped ? cappedOk(r) : exactlyOnce(r.verdict)));
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
  const summary = results.map((r) => {
    const end = r.doneMs ?? CAP_MS;
    const scratch = r.passes.find((p) => p.label.startsWith('first'));
    return `| ${r.engine} | ${r.capped ? `**capped at ${s1(CAP_MS)}**` : s1(r.doneMs)} | ${f0(r.arrived)} / ${f0(r.claimsMs !== undefined ? CLAIMS : r.claimsSeen)} | ${(r.arrived / (end / 1000)).toFixed(1)} | ${s1(r.claimsMs)} | ${s1(r.firstFanOutMs)} | ${s1(projectedFanOutMs(scratch))} | ${s1(projectedDeliveryMs(r.delivery))} | ${onceWord(r)} | ${r.doneMs !== undefined && r.doneMs <= TARGET_S * 1000 ? 'met' : 'missed'} |`;
  });
  const markdown = [
    '## Weekly check-ins fan-out (src/checkins/, src/mail/, 2 worker processes)',
    '',
    `Measured ${new Date().toISOString()} on ${os.cpus().length} × ${cpu}, Node ${process.version}. ${f0(NEWCOMERS)} newcomers and ${f0(SPONSORS)} sponsors with ${PER_SPONSOR} newcomers each: ${f0(MATCHES)} active matches, ${f0(CLAIMS)} claims and ${f0(MEMBERS)} emails (a sponsor's lists 3 matches), every slot at ${new Date(SLOT).toISOString()}; ${WORKERS} scripts/sim-worker.ts processes running the fan-out and the outbox every ${EVERY_MS} ms, an SMTP server on loopback in the bench process. What is measured and how: bench/README.md.`,
    '',
    '| database | every email arrived | emails / claims at the end | messages/s | every claim written | first fan-out done | fan-out alone, projected | delivery alone, projected | exactly once | ≤ 60 s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...summary,
    ...failures.map((f) => `| ${f} | **FAILED** | | | | | | | | |`),
    '',
    `"Projected": from the timed passes below (the workers stopped): one process's fan-out from scratch over ${f0(MEMBERS)} members, and one worker delivering ${f0(MEMBERS)} messages back to back.`,
    '',
    `Pass: exactly once (every email within the cap, none twice); a run cut off by the cap passes if nothing was doubled or lost (once its first fan-out has finished, every claim and every member's message must be recorded), and says how far it got. The aim of ≤ ${TARGET_S} s is reported, not required.`,
    '',
    ...results.flatMap(runMarkdown),
  ].join('\n');
  return { markdown, ok };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchCheckIns((l) => console.error(l)).then(
    ({ markdown, ok }) => {
      console.log(markdown);
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      console.error('check-ins benchmark failed:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
