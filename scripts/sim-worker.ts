// A worker process on a simulated clock, for the check-in simulation tests and
// the fan-out benchmark: the same jobs as `npm run worker`, with the current
// time read from a file that the driver advances (weeks in seconds), and the
// jobs run as often as the driver asks.
//
//   SIM_CLOCK_FILE=/tmp/clock  (holds milliseconds since the epoch; read on every clock call)
//   MONGODB_URI, MONGODB_DB_NAME, SMTP_URL, PUBLIC_URL, JWT_SECRET: as for the worker
//   SIM_EVERY_MS=100           (the fan-out and the mail delivery run this often, in real time)
//   SIM_WORKER_NAME=w1
//   SIM_PROCESS_EVERY_MS       (default SIM_EVERY_MS / 2: how often Agenda scans for due jobs; each scan queries
//                               once per job name, which FerretDB answers by scanning the collection)
//   SIM_LOCK_LIFETIME_MS       (default the scheduler's 10 minutes, in real time: how long a job lock held by a
//                               killed worker keeps the others from that job; the crash tests shorten it with the rest)
//
// It prints `ready` once its jobs are scheduled. SIGTERM drains it; SIGKILL is what the crash tests send.

import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { checkInsCore, createMailOutbox, erasureCore, lifecycleCore, recurringJobs, stopJobs, tokenConfigOf } from '../src/background.ts';
import { loadConfig } from '../src/config.ts';
import { createChangeFeed } from '../src/db/change-feed.ts';
import { connectDatabase } from '../src/db/connect.ts';
import { createScheduler } from '../src/jobs/scheduler.ts';
import { prepareDatabase } from '../src/prepare.ts';

const clockFile = process.env.SIM_CLOCK_FILE;
if (!clockFile) throw new Error('SIM_CLOCK_FILE is required');
const everyMs = Number(process.env.SIM_EVERY_MS ?? 100);
const name = process.env.SIM_WORKER_NAME ?? `sim-${process.pid}`;
const processEvery = Number(process.env.SIM_PROCESS_EVERY_MS ?? Math.max(20, Math.floor(everyMs / 2)));
const lockLifetimeMs = process.env.SIM_LOCK_LIFETIME_MS ? Number(process.env.SIM_LOCK_LIFETIME_MS) : undefined;

let lastRead = 0;
let lastValue = 0;
/** The simulated now: the file's value, read at most once a millisecond of real time. */
const clock = () => {
  const real = performance.now();
  if (real - lastRead >= 1) {
    const v = Number(readFileSync(clockFile, 'utf8').trim());
    // A file caught mid-write reads empty: keep the last good value.
    if (Number.isFinite(v) && v > 0) lastValue = v;
    lastRead = real;
  }
  return new Date(lastValue);
};
clock();

const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
const log = pino({ level: process.env.SIM_LOG_LEVEL ?? 'warn' });
const conn = await connectDatabase(config.mongodbUri!, { autoIndex: false, ...(config.mongodbDbName ? { dbName: config.mongodbDbName } : {}) });
await prepareDatabase(conn, { buildIndexes: false, now: clock() });
const feed = createChangeFeed(conn, { clock, log });
const outbox = createMailOutbox({ config, conn, clock, log });
const lifecycle = lifecycleCore({ config, conn, clock, log, outbox, feed });
const checkIns = checkInsCore({ config, conn, clock, log, outbox, tokens: tokenConfigOf(config), lifecycle });
// In seconds: Agenda's human-interval knows no milliseconds and reads '100 milliseconds' as 100 seconds.
const interval = `${everyMs / 1000} seconds`;
// startJobs, with the lock's lifetime on the simulation's scale when asked.
const scheduler = createScheduler({ conn, name, log, processEvery, ...(lockLifetimeMs ? { lockLifetimeMs } : {}) });
const erasures = erasureCore({ conn, clock, log, feed, lifecycle });
await scheduler.start(recurringJobs({ outbox, feed, lifecycle, checkIns, erasures, intervals: { checkInFanOut: interval, outboxDeliver: interval } }));
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void stopJobs({ outbox, scheduler, log })
    .then(() => feed.stop())
    .then(() => conn.close())
    .then(() => process.exit(0));
});
