import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageIdFor } from '../../src/mail/delivery.ts';
import type { TestDatabase } from './db.ts';
import type { ReceivedMail, TestSmtp } from './smtp.ts';
import { TEST_SECRET } from './test-app.ts';

// The simulated clock of scripts/sim-worker.ts, the worker processes that read
// it, and an oracle of check-in slots that shares no code with the service:
// the wall clock as Intl reads it, searched on the simulation's own grid.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const STEP_MS = 15 * MINUTE_MS;
export const WEEK_MS = 7 * 24 * HOUR_MS;

export const CHECKIN_SUBJECT = 'Your weekly check-in';

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const SHORT_DAYS: Readonly<Record<string, Day>> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

/** The time file the workers read on every clock call; written whole and renamed, so no reader sees half a number. */
export interface SimClock {
  readonly file: string;
  now(): number;
  set(ms: number): void;
  remove(): void;
}

export function simClock(startMs: number): SimClock {
  const dir = mkdtempSync(join(tmpdir(), 'sim-clock-'));
  const file = join(dir, 'now');
  let now = startMs;
  let n = 0;
  const write = () => {
    const tmp = `${file}.${n++}`;
    writeFileSync(tmp, String(now));
    renameSync(tmp, file);
  };
  write();
  return {
    file,
    now: () => now,
    set(ms) {
      now = ms;
      write();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface SimWorker {
  name: string;
  proc: ChildProcess;
  /** Its log (pino writes to stdout) and stderr, for a failure's message. */
  log: string[];
  exited: Promise<number | null>;
}

export function startSimWorker(opts: {
  db: TestDatabase;
  name: string;
  clock: SimClock;
  smtpUrl: string;
  publicUrl: string;
  everyMs?: number;
  env?: Record<string, string>;
}): Promise<SimWorker> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/sim-worker.ts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MONGODB_URI: opts.db.uri,
      MONGODB_DB_NAME: opts.db.dbName,
      SMTP_URL: opts.smtpUrl,
      PUBLIC_URL: opts.publicUrl,
      JWT_SECRET: TEST_SECRET,
      SIM_CLOCK_FILE: opts.clock.file,
      SIM_EVERY_MS: String(opts.everyMs ?? 100),
      SIM_WORKER_NAME: opts.name,
      ...opts.env,
    },
  });
  const out: string[] = [];
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => log.push(...d.split('\n').filter(Boolean)));
  return new Promise((resolve, reject) => {
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      const lines = d.split('\n').filter(Boolean);
      out.push(...lines);
      log.push(...lines.filter((l) => l !== 'ready'));
      if (out.includes('ready')) resolve({ name: opts.name, proc, log, exited });
    });
    proc.once('exit', (code) => reject(new Error(`sim worker ${opts.name} exited ${code} before it was ready:\n${log.join('\n')}`)));
  });
}

export const isAlive = (w: SimWorker) => w.proc.exitCode === null && w.proc.signalCode === null;

/** Kills what is still running and waits for every exit. */
export async function killWorkers(workers: SimWorker[]): Promise<void> {
  for (const w of workers) if (isAlive(w)) w.proc.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}

/** Polls `ok` every `everyMs` until it holds; on FerretDB a count reads every document, so not too often. */
export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await ok())) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---- the oracle ----

export interface Wall {
  year: number;
  month: number;
  date: number;
  day: Day;
  hour: number;
  minute: number;
}

const readers = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `zone` at `ms`, as Intl reads it. */
export function wallClock(ms: number, zone: string): Wall {
  let reader = readers.get(zone);
  if (!reader) {
    reader = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    readers.set(zone, reader);
  }
  const p = Object.fromEntries(reader.formatToParts(ms).map((x) => [x.type, x.value]));
  const day = SHORT_DAYS[p.weekday ?? ''];
  if (!day) throw new Error(`no weekday read for ${ms} in ${zone}`);
  return { year: Number(p.year), month: Number(p.month), date: Number(p.day), day, hour: Number(p.hour), minute: Number(p.minute) };
}

/** The ISO 8601 week of a calendar date, e.g. 2027-W10: the week belongs to the year of its Thursday. */
export function isoWeekOfDate(year: number, month: number, date: number): string {
  const d = new Date(Date.UTC(year, month - 1, date));
  const dow = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(d.getTime() + (3 - dow) * 86_400_000);
  const y = thursday.getUTCFullYear();
  const jan1 = Date.UTC(y, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / (7 * 86_400_000)) + 1;
  return `${y}-W${String(week).padStart(2, '0')}`;
}

export interface ExpectedSlot {
  week: string;
  at: number;
}

/**
 * The slots with fromMs < at <= toMs of a member at local `day` `hour`:00 in
 * `zone`: per local ISO week, the first instant of the grid (multiples of
 * STEP_MS) on that local day at or after that local hour. So an hour in a gap
 * gives the first instant after it, and a repeated hour its first occurrence.
 * The search starts two days early, so that a slot just before `fromMs` is
 * seen as such rather than taken for a later one.
 */
export function expectedSlots(zone: string, day: Day, hour: number, fromMs: number, toMs: number): ExpectedSlot[] {
  const seen = new Set<string>();
  const out: ExpectedSlot[] = [];
  const first = Math.ceil((fromMs - 2 * 86_400_000) / STEP_MS) * STEP_MS;
  for (let t = first; t <= toMs; t += STEP_MS) {
    const w = wallClock(t, zone);
    if (w.day !== day || w.hour < hour) continue;
    const week = isoWeekOfDate(w.year, w.month, w.date);
    if (seen.has(week)) continue;
    seen.add(week);
    if (t > fromMs) out.push({ week, at: t });
  }
  return out;
}

// ---- what the SMTP server received, and when in simulated time ----

export interface Arrival extends ReceivedMail {
  /** The simulated time when the server took the message. */
  simAt: number;
  messageId: string;
  subject: string;
}

const header = (raw: string, name: string): string => {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return (m?.[1] ?? '').replace(/\r?\n[ \t]+/g, ' ').trim();
};

/**
 * Every message the server takes from now on, stamped with the simulated time
 * at that moment. The server runs in this process, so the driver's clock value
 * when the message's last byte is taken is exact; the server exposes no hook of
 * its own, so the stamp is taken where it stores the message.
 */
export function recordArrivals(smtp: TestSmtp, now: () => number): Arrival[] {
  const arrivals: Arrival[] = [];
  const received = smtp.received;
  const push = received.push.bind(received);
  received.push = (...mails: ReceivedMail[]) => {
    const simAt = now();
    for (const m of mails) arrivals.push({ ...m, simAt, messageId: header(m.raw, 'Message-ID'), subject: header(m.raw, 'Subject') });
    return push(...mails);
  };
  return arrivals;
}

/** The Message-ID of a member's check-in email of a week: its outbox `_id` is `checkin-mail:<memberId>:<week>` (issue #12). */
export function checkInMessageId(memberId: string, week: string, domain: string): string {
  return messageIdFor(`checkin-mail:${memberId}:${week}`, domain);
}
