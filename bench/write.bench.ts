// Profile writes from 1 client and from 16 concurrent clients, and where their
// time goes. No target: a measurement and an explanation (issue: "16
// concurrent sponsor PUTs took as long as 16 sequential ones").
// Run alone with `npx tsx bench/write.bench.ts`; bench/run.ts calls benchWrites().
// BENCH_LABEL names the run in RESULTS.md (e.g. "after the feed change");
// BENCH_CODE_VERSION overrides the code version read from git.
//
// The API is the real composition root, src/main.ts, in its own process
// (NODE_ENV=production, MONGODB_URI pointing at the database server the tests
// use: FerretDB on SQLite on these machines), so the bench follows whatever
// main.ts wires. bench/write.probe.ts is loaded into that process to record each
// request's database commands (command monitoring, attributed to the request
// by AsyncLocalStorage) and argon2 calls; src/ is not touched. The clients are
// in this process: keep-alive HTTP on 127.0.0.1, each concurrent client with
// members of its own.
//
// 1. HTTP: PUT /api/v1/me/sponsor-profile and /newcomer-profile, REQUESTS each
//    from 1 client (one after another) and from 16 clients. Members register
//    (argon2) and create both profiles before anything is measured.
// 2. Where a PUT's time goes, from the probe: the server time split into
//    consecutive phases by the commands issued (auth and parsing before the
//    first command; the checks; the save; the reload; the change feed, up to
//    the response), the round trip of each kind of command, lost races for the
//    feed's next version, and the CPU of the API and of the database server.
// 3. The pieces alone, from this process on the same database (the API
//    stopped): a profile upsert, a read by _id, a feed publish and a feed
//    announce, each sequential and from 16 concurrent callers; argon2 for scale.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mongoose, { type Connection } from 'mongoose';
import { hashPassword } from '../src/auth/passwords.ts';
import { createChangeFeed, type ChangeEvent } from '../src/db/change-feed.ts';
import { describeServer } from '../src/db/connect.ts';
import { createProfilesRepository, type StoredSponsor } from '../src/profiles/profiles.repository.ts';
import { createVettingRepository } from '../src/vetting/vetting.repository.ts';
import { stopTestDatabase, testDatabaseUri } from '../test/support/db.ts';
import type { ProbeCommand, ProbeMessage, ProbeReport, ProbeRequest } from './write.probe.ts';
import { BUILT_IN_TERMS_VERSION } from '../src/members/terms.ts';

const MEMBERS = 64;
const CONCURRENT = 16;
const REQUESTS = 240;
const PIECE_OPS = 160;
const ARGON2_OPS = 16;
// Bounds on a contended run (a busy machine makes lost races slower still): no new request after this.
const RUN_LIMIT_MS = 30_000;
const PIECE_LIMIT_MS = 15_000;
const SECRET = 'bench-secret-0123456789-abcdefghijklmnop-XYZ';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const ENDPOINTS = [
  { name: 'sponsor', path: '/api/v1/me/sponsor-profile', body: sponsorBody },
  { name: 'newcomer', path: '/api/v1/me/newcomer-profile', body: newcomerBody },
] as const;

// Valid bodies (as test/support/factories.ts makes them); the bio changes with every PUT.
function sponsorBody(i: number) {
  return {
    program: 'na',
    recoveryDate: '2019-03-15',
    timezone: 'America/Chicago',
    availability: [
      { day: 'mon', start: '17:00', end: '20:00' },
      { day: 'wed', start: '17:00', end: '20:00' },
    ],
    contactModes: ['phone', 'text'],
    languages: ['en-US'],
    gender: 'woman',
    lgbtqAffirming: true,
    spiritualOrientation: 'spiritual',
    experiences: ['opioids', 'parent', 'justice-involved'],
    experiencesOnCard: ['opioids'],
    capacity: 3,
    acceptingNewcomers: true,
    hasOwnSponsor: true,
    stepsCompleted: 12,
    bio: `Sober since 2019. Happy to talk most evenings. (${i})`,
  };
}

function newcomerBody(i: number) {
  return {
    program: 'na',
    acceptedPrograms: [],
    recoveryDate: '2026-09-01',
    timezone: 'America/New_York',
    availability: [
      { day: 'mon', start: '18:00', end: '21:00' },
      { day: i % 2 ? 'wed' : 'thu', start: '18:00', end: '21:00' },
    ],
    contactModes: ['phone', 'video'],
    languages: ['en'],
    gender: 'woman',
    wantsLgbtqAffirming: false,
    spiritualOrientation: 'spiritual',
    experiences: ['opioids', 'parent'],
  };
}

// ---------------------------------------------------------------- numbers

const f0 = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
const mean = (xs: readonly number[]) => (xs.length ? sum(xs) / xs.length : NaN);
function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}
const median = (xs: readonly number[]) => percentile(xs, 0.5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- CPU, from /proc

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout?.trim()) || 100;
})();

/** CPU time of one process (user + system), in ms; NaN when it cannot be read. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000;
  } catch {
    return NaN;
  }
}

/** The database server this process started (test/support/db.ts), if it is a child of ours. */
function databaseServerPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && (comm === 'ferretdb' || comm === 'mongod')) return Number(entry);
    } catch {
      // gone in the meantime
    }
  }
  return undefined;
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = sum(v.slice(0, 8));
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

interface CpuSnapshot {
  api: number;
  db: number;
  machine: { busy: number; total: number };
}

// ---------------------------------------------------------------- the API process

interface Api {
  port: number;
  take(): Promise<ProbeReport>;
  /** Warnings and errors the API logged since the last call, counted by message. */
  logged(): Map<string, number>;
  pid: number | undefined;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startApi(uri: string, dbName: string): Promise<Api> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', pathToFileURL(fileURLToPath(new URL('./write.probe.ts', import.meta.url))).href, 'src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        MONGODB_URI: uri,
        MONGODB_DB_NAME: dbName,
        JWT_SECRET: SECRET,
        // Production requires its own secret for the newcomers' sponsor handles.
        HANDLE_SECRET: `${SECRET}-handles`,
        REGISTRATIONS_PER_IP_PER_HOUR: '10000',
        LOG_LEVEL: 'warn',
        DOCS_ENABLED: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const tail: string[] = [];
  let logged = new Map<string, number>();
  const onLine = (line: string) => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    let msg = line.slice(0, 120);
    try {
      const parsed = JSON.parse(line) as { msg?: string };
      if (parsed.msg) msg = parsed.msg;
    } catch {
      // not JSON: keep the line itself
    }
    logged.set(msg, (logged.get(msg) ?? 0) + 1);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      lines.forEach(onLine);
    });
  }
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), resolve())));

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`the API exited with ${exited} before answering:\n${tail.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the API did not answer /health within 120 s:\n${tail.join('\n')}`);
    }
    const ok = await call(port, 'GET', '/health').then((r) => r.status === 200, () => false);
    if (ok) break;
    await sleep(200);
  }
  logged = new Map();

  return {
    port,
    pid: child.pid,
    take: () =>
      new Promise<ProbeReport>((resolve, reject) => {
        const onMessage = (m: ProbeMessage) => {
          if (m.type !== 'report') return;
          child.off('message', onMessage);
          resolve(m.report);
        };
        child.on('message', onMessage);
        if (!child.send({ type: 'take' } satisfies ProbeMessage)) reject(new Error('the API process is gone'));
      }),
    logged() {
      const out = logged;
      logged = new Map();
      return out;
    },
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Answer {
  status: number;
  text: string;
  ms: number;
}

function call(port: number, method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Member {
  id: string;
  token: string;
}

async function register(port: number, k: number): Promise<Member> {
  const r = await call(port, 'POST', '/api/v1/auth/register', {
    email: `bench-writer-${k}-${Date.now()}@example.org`,
    password: 'bench-password-not-common-42',
    displayName: `Writer ${k}`,
    consent: { healthData: true, adult: true, termsVersion: BUILT_IN_TERMS_VERSION },
  });
  if (r.status !== 201) throw new Error(`registration answered ${r.status}: ${r.text.slice(0, 300)}`);
  const body = JSON.parse(r.text) as { user: { id: string }; accessToken: string };
  return { id: body.user.id, token: body.accessToken };
}

/** Runs `total` tasks from `clients` concurrent loops (task i goes to loop i % clients); none starts after `deadline`. */
async function fromClients(
  clients: number,
  total: number,
  task: (i: number, client: number) => Promise<void>,
  deadline = Infinity,
): Promise<void> {
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = c; i < total && performance.now() < deadline; i += clients) await task(i, c);
    }),
  );
}

// ---------------------------------------------------------------- phases of a request

type Phase = 'checks' | 'save' | 'reload' | 'feed';
const PHASES: readonly Phase[] = ['checks', 'save', 'reload', 'feed'];

// By collection, so that new collections of the feed (pending announcements, …) land in 'feed'.
function phaseOf(c: ProbeCommand): Phase {
  if (/feed|announce|pending/i.test(c.collection)) return 'feed';
  if (/_profiles$/.test(c.collection)) return c.name === 'find' ? 'reload' : 'save';
  return 'checks';
}

/**
 * The request's server time split into consecutive segments: before its first
 * command (authentication, parsing, validation), then each phase from its
 * first command to the next phase's first command (so a phase includes the
 * Node work and the waits that follow its commands), the last one up to the
 * response.
 */
function segments(r: ProbeRequest): Record<Phase | 'before', number> {
  const out: Record<Phase | 'before', number> = { before: 0, checks: 0, save: 0, reload: 0, feed: 0 };
  const firsts = new Map<Phase, number>();
  for (const c of r.commands) {
    const p = phaseOf(c);
    firsts.set(p, Math.min(firsts.get(p) ?? Infinity, c.start));
  }
  const ordered = [...firsts.entries()].sort((a, b) => a[1] - b[1]);
  out.before = (ordered[0]?.[1] ?? r.finish) - r.start;
  ordered.forEach(([p, t], i) => {
    out[p] = (ordered[i + 1]?.[1] ?? r.finish) - t;
  });
  return out;
}

const kindOf = (c: ProbeCommand) => `${c.name} ${c.collection || '(admin)'}`;

// ---------------------------------------------------------------- one HTTP configuration

interface RunResult {
  endpoint: string;
  clients: number;
  latencies: number[];
  wallMs: number;
  non2xx: number;
  statuses: Map<number, number>;
  server: ProbeRequest[];
  background: ProbeCommand[];
  argon2: ProbeReport['argon2'];
  elu: number;
  cpu: { apiMs: number; dbMs: number; machineBusy: number };
  feedVersions: number;
  logged: Map<string, number>;
}

function cpuNow(api: Api, dbPid: number | undefined): CpuSnapshot {
  return { api: processCpuMs(api.pid), db: processCpuMs(dbPid), machine: machineTicks() };
}

async function runPuts(
  api: Api,
  members: Member[],
  endpoint: (typeof ENDPOINTS)[number],
  clients: number,
  feedHead: () => Promise<number>,
  dbPid: number | undefined,
  counter: { next: number },
): Promise<RunResult> {
  await api.take();
  api.logged();
  const head0 = await feedHead();
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const cpu0 = cpuNow(api, dbPid);
  const wall0 = performance.now();
  await fromClients(clients, REQUESTS, async (i, c) => {
    // Client c owns members c, c + clients, c + 2·clients, …; one client rotates over all of them.
    const mine = members.filter((_, k) => k % clients === c);
    const m = mine[Math.floor(i / clients) % mine.length]!;
    const r = await call(api.port, 'PUT', endpoint.path, endpoint.body(counter.next++), m.token);
    latencies.push(r.ms);
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  }, wall0 + RUN_LIMIT_MS);
  const wallMs = performance.now() - wall0;
  const cpu1 = cpuNow(api, dbPid);
  const report = await api.take();
  // Let announcements that are retried in the background land before counting them.
  await sleep(1_500);
  const feedVersions = (await feedHead()) - head0;
  const ticks = { busy: cpu1.machine.busy - cpu0.machine.busy, total: cpu1.machine.total - cpu0.machine.total };
  return {
    endpoint: endpoint.name,
    clients,
    latencies,
    wallMs,
    non2xx: sum([...statuses].filter(([s]) => s < 200 || s > 299).map(([, n]) => n)),
    statuses,
    server: report.requests.filter((r) => r.method === 'PUT' && r.path === endpoint.path),
    background: report.background,
    argon2: report.argon2,
    elu: report.eventLoopUtilisation,
    cpu: {
      apiMs: cpu1.api - cpu0.api,
      dbMs: cpu1.db - cpu0.db,
      machineBusy: (ticks.busy / ticks.total) * os.cpus().length,
    },
    feedVersions,
    logged: api.logged(),
  };
}

// ---------------------------------------------------------------- the pieces alone

/** What the pieces use of the change feed; both before and after its batching change. */
interface FeedPieces {
  publish(event: ChangeEvent, by: string): Promise<number>;
  announce(event: ChangeEvent, by: string): Promise<void>;
  head(): Promise<number>;
  stop?(): Promise<void>;
}

// createChangeFeed(conn, clock) became createChangeFeed(conn, { clock, log }):
// a clock that also carries itself as `clock` serves both. Drop this once one stays.
function openFeed(conn: Connection): FeedPieces {
  const clock = () => new Date();
  const open = createChangeFeed as unknown as (conn: Connection, deps: unknown) => FeedPieces;
  return open(conn, Object.assign(clock, { clock }));
}

interface Tally {
  commands: Map<string, { n: number; duplicates: number; ms: number }>;
}

function monitor(conn: Connection): { start(): void; stop(): Tally } {
  let tally: Tally | undefined;
  const started = new Map<string, number>();
  const client = conn.getClient();
  const key = (e: { connectionId?: unknown; requestId: number }) => `${String(e.connectionId)}:${e.requestId}`;
  client.on('commandStarted', (e) => {
    if (tally) started.set(key(e), performance.now());
  });
  const done = (e: { connectionId?: unknown; requestId: number; commandName: string }, reply: unknown) => {
    const t0 = started.get(key(e));
    started.delete(key(e));
    if (!tally || t0 === undefined) return;
    const name = `${e.commandName}`;
    const entry = tally.commands.get(name) ?? { n: 0, duplicates: 0, ms: 0 };
    entry.n += 1;
    entry.ms += performance.now() - t0;
    const writeErrors = (reply as { writeErrors?: Array<{ code?: number }> } | undefined)?.writeErrors ?? [];
    if (writeErrors.some((w) => w.code === 11000)) entry.duplicates += 1;
    tally.commands.set(name, entry);
  };
  client.on('commandSucceeded', (e) => done(e, e.reply));
  client.on('commandFailed', (e) => done(e, undefined));
  return {
    start() {
      tally = { commands: new Map() };
    },
    stop() {
      const t = tally ?? { commands: new Map() };
      tally = undefined;
      return t;
    },
  };
}

interface PieceRun {
  latencies: number[];
  wallMs: number;
  failures: number;
  failure?: string;
  tally: Tally;
}

interface PieceResult {
  name: string;
  ops: number;
  sequential: PieceRun;
  concurrent: PieceRun;
}

async function piece(
  name: string,
  ops: number,
  mon: ReturnType<typeof monitor>,
  op: (i: number) => Promise<unknown>,
  log: (line: string) => void,
): Promise<PieceResult> {
  const runOnce = async (callers: number): Promise<PieceRun> => {
    const latencies: number[] = [];
    let failures = 0;
    let failure: string | undefined;
    mon.start();
    const wall0 = performance.now();
    await fromClients(callers, ops, async (i) => {
      const t0 = performance.now();
      try {
        await op(i);
      } catch (err) {
        failures += 1;
        failure ??= err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      latencies.push(performance.now() - t0);
    }, wall0 + PIECE_LIMIT_MS);
    const wallMs = performance.now() - wall0;
    return { latencies, wallMs, failures, ...(failure ? { failure } : {}), tally: mon.stop() };
  };
  const sequential = await runOnce(1);
  const concurrent = await runOnce(CONCURRENT);
  log(`  ${name}: ${f1(median(sequential.latencies))} ms sequential, ${f1(median(concurrent.latencies))} ms from ${CONCURRENT} callers (median)`);
  return { name, ops, sequential, concurrent };
}

async function measurePieces(uri: string, dbName: string, log: (line: string) => void): Promise<PieceResult[]> {
  const conn = mongoose.createConnection(uri, { dbName, monitorCommands: true, autoIndex: false, serverSelectionTimeoutMS: 10_000 });
  await conn.asPromise();
  const mon = monitor(conn);
  const profiles = createProfilesRepository(conn);
  const feed = openFeed(conn);
  try {
    const ids = Array.from({ length: CONCURRENT }, (_, k) => `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`);
    const sponsorDoc = (i: number) =>
      ({ ...sponsorBody(i), _id: ids[i % ids.length]!, displayName: `Piece ${i % ids.length}`, updatedAt: new Date() }) as unknown as StoredSponsor;
    for (let k = 0; k < ids.length; k++) await profiles.putSponsor(sponsorDoc(k));
    const out: PieceResult[] = [];
    out.push(await piece('profile upsert (replaceOne by _id, upsert: the save)', PIECE_OPS, mon, (i) => profiles.putSponsor(sponsorDoc(i)), log));
    out.push(await piece('profile read by _id (the reload)', PIECE_OPS * 2, mon, (i) => profiles.getSponsor(ids[i % ids.length]!), log));
    out.push(await piece('change feed publish (append one version)', PIECE_OPS, mon, (i) => feed.publish({ kind: 'newcomer', id: `piece-${i}` }, 'bench'), log));
    out.push(await piece('change feed announce (what a PUT awaits)', PIECE_OPS, mon, (i) => feed.announce({ kind: 'newcomer', id: `piece-a-${i}` }, 'bench'), log));
    out.push(await piece('argon2id hash (register; for scale)', ARGON2_OPS, mon, () => hashPassword('bench-password-not-common-42'), log));
    return out;
  } finally {
    await feed.stop?.().catch(() => undefined);
    await conn.close();
  }
}

// ---------------------------------------------------------------- report

function codeVersion(): string {
  if (process.env.BENCH_CODE_VERSION) return process.env.BENCH_CODE_VERSION;
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = git('status', '--porcelain', '--', 'src').stdout.trim();
  return `commit ${head.stdout.trim()}${dirty ? ' + uncommitted changes in src/' : ''}`;
}

function httpTable(runs: RunResult[]): string[] {
  const rows = runs.map((r) => {
    const n = r.latencies.length;
    return (
      `| ${r.endpoint} | ${r.clients} | ${n} | ${(r.wallMs / 1000).toFixed(2)} s | **${f0(n / (r.wallMs / 1000))}** | ${f1(median(r.latencies))} | ${f1(percentile(r.latencies, 0.99))} | ` +
      `${f1(Math.max(...r.latencies))} | ${r.non2xx} | ${f1(r.cpu.apiMs / n)} | ${f1(r.cpu.dbMs / n)} | ${f2(r.cpu.machineBusy)} of ${os.cpus().length} | ${f0(r.elu * 100)} % | ${f2(r.feedVersions / n)} |`
    );
  });
  return [
    '| PUT profile | clients | requests | wall | req/s | median ms | p99 ms | max ms | non-2xx | API CPU ms/req | DB server CPU ms/req | machine CPU busy (cores) | API event loop busy | feed versions/req |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ];
}

function phaseTable(runs: RunResult[]): string[] {
  const rows = runs.map((r) => {
    const segs = r.server.map(segments);
    const total = mean(r.server.map((s) => s.finish - s.start));
    const cell = (p: Phase | 'before') => {
      const m = mean(segs.map((s) => s[p]));
      return m > 0.005 ? `${f1(m)} (${f0((m / total) * 100)} %)` : '–';
    };
    const cmds = mean(r.server.map((s) => s.commands.length));
    const feedInserts = r.server.map((s) => s.commands.filter((c) => phaseOf(c) === 'feed' && c.name === 'insert' && /^change_feed$/.test(c.collection)));
    const lost = mean(feedInserts.map((c) => c.filter((x) => x.duplicateKey).length));
    return `| ${r.endpoint} | ${r.clients} | ${f1(total)} | ${cell('before')} | ${PHASES.map(cell).join(' | ')} | ${f1(cmds)} | ${f2(mean(feedInserts.map((c) => c.length)))} (${f2(lost)} lost) |`;
  });
  return [
    '| PUT profile | clients | server ms (mean) | auth, parse, validate | checks (programs, user) | save (upsert) | reload (sponsor by _id) | change feed, to the response | DB commands/req | feed-version inserts/req (lost races) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ];
}

function commandTable(seq: RunResult, conc: RunResult): string[] {
  const stats = (r: RunResult) => {
    const m = new Map<string, number[]>();
    for (const req of r.server) for (const c of req.commands) m.set(kindOf(c), [...(m.get(kindOf(c)) ?? []), c.end - c.start]);
    return m;
  };
  const a = stats(seq);
  const b = stats(conc);
  const kinds = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (b.get(y)?.length ?? 0) - (b.get(x)?.length ?? 0));
  const side = (m: Map<string, number[]>, k: string, n: number) => {
    const xs = m.get(k) ?? [];
    return `${f2(xs.length / n)} | ${f2(median(xs))} | ${f2(percentile(xs, 0.99))}`;
  };
  return [
    `| command (${seq.endpoint} PUT) | per req, 1 client | median ms | p99 ms | per req, ${conc.clients} clients | median ms | p99 ms |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...kinds.map((k) => `| \`${k}\` | ${side(a, k, seq.server.length)} | ${side(b, k, conc.server.length)} |`),
  ];
}

function pieceTable(pieces: PieceResult[]): string[] {
  const rate = (r: PieceRun) => r.latencies.length / (r.wallMs / 1000);
  const cells = (r: PieceRun) => `${f2(median(r.latencies))} | ${f2(percentile(r.latencies, 0.99))} | ${f0(rate(r))}`;
  const ops = (p: PieceResult) =>
    p.sequential.latencies.length === p.ops && p.concurrent.latencies.length === p.ops ? String(p.ops) : `${p.sequential.latencies.length} / ${p.concurrent.latencies.length}`;
  const note = (p: PieceResult) => {
    const parts: string[] = [];
    for (const [label, r] of [['1', p.sequential], [String(CONCURRENT), p.concurrent]] as const) {
      const inserts = r.tally.commands.get('insert');
      const finds = r.tally.commands.get('find');
      const n = r.latencies.length;
      if (/feed/.test(p.name) && inserts) {
        parts.push(`${label}: ${f2(inserts.n / n)} inserts/op (${f2(inserts.duplicates / n)} lost), ${f2((finds?.n ?? 0) / n)} finds/op`);
      }
      if (r.failures) parts.push(`${label}: **${r.failures} failed** (${r.failure ?? ''})`);
    }
    return parts.join('; ');
  };
  return [
    `| piece (this process, same database, API stopped) | ops | 1 caller: median ms | p99 ms | ops/s | ${CONCURRENT} callers: median ms | p99 ms | ops/s | throughput ×  | database commands |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...pieces.map(
      (p) =>
        `| ${p.name} | ${ops(p)} | ${cells(p.sequential)} | ${cells(p.concurrent)} | ${f2(rate(p.concurrent) / rate(p.sequential))} | ${note(p)} |`,
    ),
  ];
}

export interface WriteBench {
  markdown: string;
  ok: boolean;
  /** Identifies the measured code and label: RESULTS.md keeps earlier runs with another id. */
  id: string;
}

export async function benchWrites(log: (line: string) => void = () => {}): Promise<WriteBench> {
  const started = new Date();
  const load0 = os.loadavg();
  const version = codeVersion();
  const label = process.env.BENCH_LABEL?.trim() ?? '';
  const uri = await testDatabaseUri();
  const dbName = `bench_write_${Date.now().toString(36)}`;
  let api: Api | undefined;
  const conn = mongoose.createConnection(uri, { dbName, autoIndex: false, serverSelectionTimeoutMS: 10_000 });
  try {
    await conn.asPromise();
    const server = await describeServer(conn);
    const feed = openFeed(conn);
    const dbPid = databaseServerPid();

    let t = performance.now();
    api = await startApi(uri, dbName);
    const apiStartMs = performance.now() - t;
    log(`API (src/main.ts) up in ${(apiStartMs / 1000).toFixed(1)} s on 127.0.0.1:${api.port}, ${server.engine} ${server.version}`);

    // Setup, not measured: register (argon2), then each member creates both profiles.
    t = performance.now();
    const members: Member[] = [];
    await fromClients(2, MEMBERS, async (k) => {
      members[k] = await register(api!.port, k);
    });
    const registerMs = performance.now() - t;
    const registration = await api.take();
    // Approved by a coordinator, as a proposed sponsor is: each sponsor reload reads the approval.
    await createVettingRepository(conn).insertFirst(members.map((m) => ({ sponsorId: m.id, decision: { program: 'na', status: 'approved' } })), 'bench', new Date());
    const counter = { next: 0 };
    await fromClients(4, MEMBERS * 2, async (i) => {
      const endpoint = ENDPOINTS[i % 2]!;
      const r = await call(api!.port, 'PUT', endpoint.path, endpoint.body(counter.next++), members[Math.floor(i / 2)]!.token);
      if (r.status !== 200) throw new Error(`warm-up ${endpoint.name} PUT answered ${r.status}: ${r.text.slice(0, 300)}`);
    });
    await sleep(1_500);
    log(`${MEMBERS} members registered in ${(registerMs / 1000).toFixed(1)} s (argon2: ${registration.argon2.hash} hashes) and their profiles created`);

    const runs: RunResult[] = [];
    for (const endpoint of ENDPOINTS) {
      for (const clients of [1, CONCURRENT]) {
        const r = await runPuts(api, members, endpoint, clients, () => feed.head(), dbPid, counter);
        runs.push(r);
        log(
          `PUT ${endpoint.name} from ${clients} client(s): ${r.latencies.length} in ${(r.wallMs / 1000).toFixed(2)} s, ` +
            `${f0(r.latencies.length / (r.wallMs / 1000))} req/s, median ${f1(median(r.latencies))} ms, p99 ${f1(percentile(r.latencies, 0.99))} ms`,
        );
      }
    }
    await api.stop();
    api = undefined;
    await feed.stop?.().catch(() => undefined);

    log('the pieces alone…');
    const pieces = await measurePieces(uri, dbName, log);
    const load1 = os.loadavg();
    const seconds = (Date.now() - started.getTime()) / 1000;

    const non2xx = sum(runs.map((r) => r.non2xx));
    const argon2OnPuts = sum(runs.map((r) => r.argon2.hash + r.argon2.verify));
    const loggedDuringRuns = new Map<string, number>();
    for (const r of runs) for (const [m, n] of r.logged) loggedDuringRuns.set(m, (loggedDuringRuns.get(m) ?? 0) + n);
    const byKey = (endpoint: string, clients: number) => runs.find((r) => r.endpoint === endpoint && r.clients === clients)!;
    const speedups = ENDPOINTS.map((e) => {
      const a = byKey(e.name, 1);
      const b = byKey(e.name, CONCURRENT);
      return `${e.name} ${f2(b.latencies.length / b.wallMs / (a.latencies.length / a.wallMs))}×`;
    });
    const ceilings = ENDPOINTS.map((e) => {
      const r = byKey(e.name, 1);
      const cpuPerPut = (r.cpu.apiMs + r.cpu.dbMs) / r.latencies.length;
      return `${e.name} ${f1(cpuPerPut)} ms → ≈ ${f0((os.cpus().length * 1000) / cpuPerPut)} req/s`;
    });
    const background = runs.map((r) => {
      const kinds = new Map<string, number>();
      for (const c of r.background) kinds.set(kindOf(c), (kinds.get(kindOf(c)) ?? 0) + 1);
      return `${r.endpoint}/${r.clients}: ${[...kinds].map(([k, n]) => `${f2(n / r.latencies.length)} \`${k}\``).join(', ') || 'none'}`;
    });
    const heading = `### ${label ? `${label} — ` : ''}${version}, ${started.toISOString()}`;
    const id = `${version} | ${label}`;
    const markdown = [
      `<!-- write-run ${id} -->`,
      heading,
      '',
      `Code measured: **${version}**${label ? ` (${label})` : ''}. Load average (1/5/15 min) at start ${load0.map(f2).join(' / ')}, at the end ${load1.map(f2).join(' / ')}; ` +
        `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}. ${(seconds).toFixed(0)} s in all.`,
      '',
      `The API is \`src/main.ts\` in its own process (NODE_ENV=production, LOG_LEVEL=warn) on 127.0.0.1, against ${server.engine} ${server.version} ` +
        `(a throwaway data directory, a fresh database); the clients are in the bench process, keep-alive HTTP, ${REQUESTS} PUTs per row ` +
        `(fewer if the row reached ${RUN_LIMIT_MS / 1000} s; the pieces stop at ${PIECE_LIMIT_MS / 1000} s); ` +
        `with ${CONCURRENT} clients each has ${MEMBERS / CONCURRENT} members of its own, 1 client rotates over all ${MEMBERS}. ` +
        `Every member registered and created both profiles before anything was measured, so every PUT replaces a profile.`,
      '',
      ...httpTable(runs),
      '',
      `Throughput of ${CONCURRENT} clients over 1 client: ${speedups.join(', ')}. ` +
        `Non-2xx answers: ${non2xx}. argon2 calls during the measured PUTs: ${argon2OnPuts} (during the ${MEMBERS} registrations: ${registration.argon2.hash} hashes). ` +
        `"feed versions/req": versions appended to the change feed per PUT, counted 1.5 s after the row. ` +
        `CPU is read from /proc; machine CPU busy counts every process (API, database server, clients, anything else running). ` +
        `At the 1-client CPU cost of a PUT (API + database server), the ${os.cpus().length} cores cap the throughput whatever the concurrency: ${ceilings.join(', ')}.`,
      '',
      '#### Where a PUT spends its time (in the API process)',
      '',
      'Mean ms per request and share of the server time. Each phase runs from its first database command to the first command of the next phase ' +
        '(so it includes the Node work and the waiting that follow its commands); the change feed runs up to the response.',
      '',
      ...phaseTable(runs),
      '',
      ...commandTable(byKey('sponsor', 1), byKey('sponsor', CONCURRENT)),
      '',
      `Round trips as the driver in the API saw them (queueing in the pool and in the database server included). ` +
        `Commands outside any request per PUT (the change-feed followers of the matching engine and the access cache): ${background.join('; ')}.` +
        (loggedDuringRuns.size ? ` The API logged during the runs: ${[...loggedDuringRuns].map(([m, n]) => `${n} × "${m}"`).join('; ')}.` : ' The API logged no warnings or errors during the runs.'),
      '',
      '#### The pieces alone',
      '',
      ...pieceTable(pieces),
      '',
      `ops/s is ops / wall time; "throughput ×" is the ${CONCURRENT}-caller ops/s over the 1-caller ops/s (1 = no gain from concurrency). ` +
        `The feed pieces append events nobody follows (the API is stopped). ${PIECE_OPS} ops per row (reads ${PIECE_OPS * 2}, argon2 ${ARGON2_OPS}); "a / b" when a row stopped at ${PIECE_LIMIT_MS / 1000} s.`,
      '<!-- /write-run -->',
    ].join('\n');
    return { markdown, ok: non2xx === 0, id };
  } finally {
    await api?.stop().catch(() => undefined);
    await conn.dropDatabase().catch(() => undefined);
    await conn.close().catch(() => undefined);
    agent.destroy();
    await stopTestDatabase();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchWrites((l) => console.error(l)).then(
    ({ markdown, ok }) => {
      console.log(markdown);
      if (!ok) console.error('write benchmark: some PUTs were not answered 2xx');
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      console.error('write benchmark failed:', err instanceof Error ? (err.stack ?? err.message) : err);
      process.exitCode = 1;
    },
  );
}
