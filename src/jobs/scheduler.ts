// Agenda on the service's own database, with the lock of claim-lock.ts. A few
// recurring jobs fan out in code (DATABASE.md: few job documents); each job's
// body is still idempotent by its own claims, because a lock can expire while a
// slow body runs. Agenda keeps its schedule on the wall clock (nextRunAt, lock
// deadlines); job bodies take the service's injected clock for what they decide.

import { Agenda, type AgendaBackend } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';
import type { Connection } from 'mongoose';
import { ClaimLockJobRepository, JOBS_COLLECTION } from './claim-lock.ts';

export type LockKind = 'claim' | 'stock';

export interface RecurringJob {
  name: string;
  /** A human interval, as Agenda reads it ('15 seconds', '10 minutes'). */
  every: string;
  run(): Promise<unknown>;
  /** Longer than the body can take; after it, another worker may run the job again. */
  lockLifetimeMs?: number;
}

export interface SchedulerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SchedulerOptions {
  /** The service's own connection: jobs live in its database. */
  conn: Connection;
  /** Names this worker in job documents (lastModifiedBy). */
  name: string;
  log: SchedulerLog;
  /** How often the job collection is scanned (ms or a human interval). */
  processEvery?: number | string;
  lockLifetimeMs?: number;
  maxConcurrency?: number;
  /** 'stock' only to measure Agenda's own lock against ours (bench, documented test). */
  lock?: LockKind;
}

export interface Scheduler {
  readonly agenda: Agenda;
  /** Defines each job, starts processing, and creates each recurring schedule once. */
  start(jobs: readonly RecurringJob[]): Promise<void>;
  /** Graceful: no job starts, running ones finish (or `timeoutMs` passes); jobs locked but not started are released. */
  drain(timeoutMs?: number): Promise<{ running: number }>;
}

const HOUR_MS = 3_600_000;
/** Lock claims older than this name runs that have long finished. */
const LOCK_CLAIMS_KEPT_MS = 24 * HOUR_MS;

class ClaimLockBackend implements AgendaBackend {
  readonly name = 'MongoDB, locked by claims';
  readonly ownsConnection = false;
  constructor(readonly repository: ClaimLockJobRepository) {}
  connect(): Promise<void> {
    return this.repository.connect();
  }
  disconnect(): Promise<void> {
    return Promise.resolve();
  }
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  // mongoose's driver and Agenda's backend are the same MongoDB driver major, typed from two copies of it.
  const db = opts.conn.db as unknown as Db;
  const lockLifetimeMs = opts.lockLifetimeMs ?? 10 * 60_000;
  const claims = opts.lock === 'stock' ? undefined : new ClaimLockJobRepository(db, lockLifetimeMs);
  const backend: AgendaBackend = claims ? new ClaimLockBackend(claims) : new MongoBackend({ mongo: db, collection: JOBS_COLLECTION });
  const agenda = new Agenda({
    backend,
    name: opts.name,
    processEvery: opts.processEvery ?? '5 seconds',
    defaultLockLifetime: lockLifetimeMs,
    maxConcurrency: opts.maxConcurrency ?? 10,
    // A worker takes only what it will run soon: a lock it holds while stopping waits for lockLifetime.
    defaultLockLimit: opts.maxConcurrency ?? 10,
    // A finished one-off job leaves its effects in the data; its document would only
    // lengthen every scan (FerretDB filters a scan's documents one by one).
    removeOnComplete: true,
  });
  // Agenda swallows errors of its scans (a database that does not answer); they are worth a line.
  agenda.on('error', (err: Error) => {
    opts.log.warn({ errName: err?.name }, 'job scan failed; the next scan tries again');
  });
  agenda.on('fail', (err: Error, job: { attrs: { name: string } }) => {
    opts.log.warn({ job: job.attrs.name, errName: err.name }, 'job failed; it runs again at its next time');
  });

  const housekeeping: RecurringJob[] = claims
    ? [
        {
          name: 'job-locks-prune',
          every: '1 hour',
          // The claims' times are Agenda's wall clock, so this compares on it too.
          run: () => claims.pruneLocks(new Date(Date.now() - LOCK_CLAIMS_KEPT_MS)),
        },
      ]
    : [];

  return {
    agenda,
    async start(jobs) {
      const all = [...jobs, ...housekeeping];
      for (const job of all) {
        agenda.define(
          job.name,
          async () => {
            await job.run();
          },
          job.lockLifetimeMs ? { lockLifetime: job.lockLifetimeMs } : {},
        );
      }
      await agenda.start();
      for (const job of all) await schedule(job);
    },
    async drain(timeoutMs = 15_000) {
      const result = await agenda.drain({ timeout: timeoutMs, closeConnection: false });
      // Only when nothing of ours still runs: a release would hand a running job to another worker.
      if (result.running === 0) {
        const released = (await claims?.releaseUnstarted()) ?? 0;
        if (released) opts.log.info({ released }, 'released jobs locked but not started');
      }
      return { running: result.running };
    },
  };

  async function schedule(job: RecurringJob): Promise<void> {
    // every() rewrites the job document (lockedAt included) even when it exists:
    // called by each worker at start, it would unlock a run in progress elsewhere.
    const existing = await agenda.db.queryJobs({ name: job.name, limit: 2 });
    const same = existing.jobs.length === 1 && existing.jobs[0]?.repeatInterval === job.every;
    if (!same) await agenda.every(job.every, job.name);
    const removed = await claims?.removeDuplicateRecurring(job.name);
    if (removed) opts.log.info({ job: job.name, removed }, 'removed duplicate recurring jobs');
  }
}
