// Agenda's lock, made a claim by insert (DATABASE.md rule 6). Agenda locks a job
// with a conditional findOneAndUpdate; FerretDB does not make that atomic, and
// measured on this stack 50 one-off jobs on ONE worker ran 196 times. Here a
// worker finds candidates with a plain read and takes one only by inserting
// `lock:<jobId>:<nextRunAt>:<attempt>` into `agenda_locks`: of any number of
// workers (or of one worker's concurrent scans) exactly one insert succeeds.
// `attempt` is one more than the job's last claimed attempt, so a lock that
// Agenda released (stop, a job too far in the future) or that expired (its
// worker died: lockedAt older than lockLifetime) can be claimed again, once.
// Every other method is the stock MongoJobRepository.

import type { JobParameters, JobRepositoryOptions } from 'agenda';
import { MongoJobRepository, ObjectId } from '@agendajs/mongo-backend';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../db/connect.ts';

export const JOBS_COLLECTION = 'agenda_jobs';
export const LOCKS_COLLECTION = 'agenda_locks';

/**
 * How many candidates one read returns. Agenda asks for the next job once per job
 * it locks; on FerretDB each read filters every job document, so the candidates
 * of one scan are read once and tried in turn. A candidate read earlier is safe to
 * try: its key names the state it was read in, and any later change of that state
 * (another worker's run, a release) claimed that key first.
 */
const CANDIDATES = 32;

interface LockClaim {
  _id: string;
  at: Date;
  job: string;
  by: string | null;
}

/** The fields of a stored job this lock reads; `lockAttempt` is ours (Agenda ignores unknown fields). */
interface StoredJob {
  _id: ObjectId;
  name: string;
  nextRunAt?: Date | null;
  lockedAt?: Date | null;
  lockAttempt?: number;
  disabled?: boolean | null;
}

export function lockKey(jobId: string, nextRunAt: Date | null | undefined, attempt: number): string {
  return `lock:${jobId}:${nextRunAt ? nextRunAt.getTime() : 'none'}:${attempt}`;
}

export class ClaimLockJobRepository extends MongoJobRepository {
  private locks: Collection<LockClaim> | undefined;
  /** Per job name: the candidates read for one scan (Agenda's nextScanAt names the scan). */
  private readonly pending = new Map<string, { scan: number; docs: StoredJob[] }>();
  /**
   * Job names being looked up now. Agenda starts a scan every processEvery even
   * while the last one still runs; on a slow database the scans pile up and each
   * makes the database slower. One lookup per name at a time: an overlapping scan
   * finds nothing and ends, the running one carries on.
   */
  private readonly busy = new Set<string>();
  /** Jobs this process locked, with the lock's time: those it never started are released when it drains. */
  private readonly held = new Map<string, Date>();

  constructor(private readonly db: Db, private readonly lockLifetimeMs: number) {
    super({ mongo: db, db: { collection: JOBS_COLLECTION } });
  }

  override async connect(): Promise<void> {
    await super.connect();
    this.locks = this.db.collection<LockClaim>(LOCKS_COLLECTION);
  }

  private get jobs(): Collection<StoredJob> {
    return this.collection as unknown as Collection<StoredJob>;
  }

  /**
   * The attempt this caller now holds, or undefined when another holds it. A
   * claim older than the lock's lifetime whose job still shows the attempt
   * before it was never followed by its lock (its worker died between the two
   * writes, or the second failed): like an expired lock, the next attempt may be
   * claimed, so a job is never stuck behind a claim nobody acts on.
   */
  private async claim(doc: StoredJob, at: Date, by: string | null): Promise<number | undefined> {
    const id = doc._id.toHexString();
    const first = (doc.lockAttempt ?? -1) + 1;
    for (let attempt = first; attempt < first + 8; attempt++) {
      const key = lockKey(id, doc.nextRunAt, attempt);
      try {
        await this.locks!.insertOne({ _id: key, at, job: doc.name, by });
        return attempt;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const held = await this.locks!.findOne({ _id: key });
      if (held && at.getTime() - held.at.getTime() <= this.lockLifetimeMs) return undefined;
    }
    return undefined;
  }

  /** Marks the claimed job locked (a plain update: only the claim's holder writes it) and reads it back. */
  private async take(doc: StoredJob, attempt: number, at: Date, by: string | null): Promise<JobParameters | undefined> {
    await this.jobs.updateOne({ _id: doc._id }, { $set: { lockedAt: at, lockAttempt: attempt, lastModifiedBy: by } });
    // Locks older than their lifetime are anyone's again: no need to remember them.
    for (const [id, lockedAt] of this.held) if (at.getTime() - lockedAt.getTime() > this.lockLifetimeMs) this.held.delete(id);
    this.held.set(doc._id.toHexString(), at);
    return (await this.getJobById(doc._id.toHexString())) ?? undefined;
  }

  override async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    // Agenda computes lockDeadline and nextScanAt from the wall clock; the lock's time must be on the same clock.
    const at = now ?? new Date();
    const by = options?.lastModifiedBy ?? null;
    if (this.busy.has(jobName)) return undefined;
    this.busy.add(jobName);
    try {
      return await this.nextCandidate(jobName, nextScanAt, lockDeadline, at, by);
    } finally {
      this.busy.delete(jobName);
    }
  }

  private async nextCandidate(jobName: string, nextScanAt: Date, lockDeadline: Date, at: Date, by: string | null): Promise<JobParameters | undefined> {
    let batch = this.pending.get(jobName);
    // At most two reads a call: the second when every candidate of a full first read was taken by others.
    for (let read = 0; read < 2; read++) {
      if (batch?.scan !== nextScanAt.getTime() || batch.docs.length === 0) {
        const docs = await this.jobs
          .find({
            name: jobName,
            disabled: { $ne: true },
            $or: [{ lockedAt: { $eq: null }, nextRunAt: { $lte: nextScanAt } }, { lockedAt: { $lte: lockDeadline } }],
          })
          .sort({ nextRunAt: 1, priority: -1 })
          .limit(CANDIDATES)
          .toArray();
        batch = { scan: nextScanAt.getTime(), docs };
        this.pending.set(jobName, batch);
        if (docs.length < CANDIDATES) read = 1;
      }
      for (let doc = batch.docs.shift(); doc; doc = batch.docs.shift()) {
        const attempt = await this.claim(doc, at, by);
        if (attempt === undefined) continue;
        const job = await this.take(doc, attempt, at, by);
        // Removed since it was read (cancelled, or a finished one-off): try the next.
        if (job) return job;
      }
    }
    return undefined;
  }

  override async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const doc = await this.jobs.findOne({ _id: new ObjectId(job._id.toString()) });
    if (!doc || doc.lockedAt || doc.disabled || doc.name !== job.name) return undefined;
    if ((doc.nextRunAt?.getTime() ?? null) !== (job.nextRunAt ? new Date(job.nextRunAt).getTime() : null)) return undefined;
    // Agenda's lock times are on the wall clock (its deadlines are computed from Date.now()).
    const at = new Date();
    const by = options?.lastModifiedBy ?? null;
    const attempt = await this.claim(doc, at, by);
    return attempt === undefined ? undefined : this.take(doc, attempt, at, by);
  }

  /**
   * After a drain (nothing of this process runs any more): releases the jobs it
   * locked ahead of their time and never started, so that another worker runs
   * them now rather than after their lock's lifetime. A job whose lock is no
   * longer the one this process set (it ran, or expired and went elsewhere) is
   * left alone. The next claim of a released job is its next attempt.
   */
  async releaseUnstarted(): Promise<number> {
    let released = 0;
    for (const [id, lockedAt] of this.held) {
      const res = await this.jobs.updateOne({ _id: new ObjectId(id), lockedAt }, { $set: { lockedAt: null } });
      released += res.modifiedCount;
    }
    this.held.clear();
    return released;
  }

  /** Deletes lock claims older than `before` (their jobs have long moved on: each claim names one run). */
  async pruneLocks(before: Date): Promise<number> {
    const res = await this.locks!.deleteMany({ at: { $lt: before } });
    return res.deletedCount;
  }

  /**
   * `every()` creates a recurring job with an upsert by name, which FerretDB does
   * not make atomic either: workers starting together can create two. The oldest
   * stays; every worker picks the same one.
   */
  async removeDuplicateRecurring(name: string): Promise<number> {
    const docs = await this.jobs.find({ name, type: 'single' } as never).sort({ _id: 1 }).project<{ _id: ObjectId }>({ _id: 1 }).toArray();
    if (docs.length <= 1) return 0;
    const res = await this.jobs.deleteMany({ _id: { $in: docs.slice(1).map((d) => d._id) } });
    return res.deletedCount;
  }
}
