import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';

interface Worker {
  proc: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

function startWorker(db: TestDatabase, name: string, lockLifetimeMs: number, env: Record<string, string> = {}): Promise<Worker> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/job-worker.ts', db.uri, db.dbName, 'claim', name, String(lockLifetimeMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const out: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      out.push(...d.split('\n').filter(Boolean));
      if (out.includes('ready')) resolve({ proc, out, exited });
    });
    proc.once('exit', (code) => reject(new Error(`worker ${name} exited ${code} before it was ready`)));
  });
}

/** Polls once a second: on FerretDB a count reads every document, and the workers need the database more. */
async function until(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await ok())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1_000);
  }
}

describe('jobs: Agenda with a lock that is a claim', function () {
  this.timeout(1_620_000);
  let db: TestDatabase;
  let client: Scheduler;
  const workers: Worker[] = [];

  beforeEach(async () => {
    db = await openTestDatabase('jobs_once');
    // The client only creates jobs; it never starts processing.
    client = createScheduler({ conn: db.conn, name: 'client', log: { info: () => undefined, warn: () => undefined } });
    await client.agenda.ready;
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
      await w.exited;
    }
    await db.drop();
  });

  it('when two worker processes run 1,000 one-off jobs, then every job runs exactly once', async () => {
    const JOBS = 1_000;
    for (let n = 0; n < JOBS; n++) await client.agenda.now('count', { n });
    workers.push(await startWorker(db, 'w1', 60_000), await startWorker(db, 'w2', 60_000));
    const effects = db.conn.collection('effects');
    await until('every job to run', async () => (await effects.countDocuments({})) >= JOBS, 1_500_000);
    // A little longer, so that a duplicate run still on its way would be counted.
    await sleep(1_500);
    for (const w of workers) w.proc.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).to.deep.equal([0, 0]);

    const executions = await db.conn.collection('executions').find({}).toArray();
    const perJob = new Map<number, number>();
    for (const e of executions) perJob.set(e.n as number, (perJob.get(e.n as number) ?? 0) + 1);
    const twice = [...perJob].filter(([, c]) => c > 1);
    expect(twice, `jobs that ran more than once: ${twice.length}`).to.deep.equal([]);
    expect(perJob.size).to.equal(JOBS);
    expect(executions).to.have.length(JOBS);
    expect(await effects.countDocuments({})).to.equal(JOBS);
    // Both workers took part: the claim decided between them, not a lucky schedule.
    expect(new Set(executions.map((e) => e.worker as string))).to.deep.equal(new Set(['w1', 'w2']));
  });

  it('when a worker is killed while it holds a lock, then its job runs again after lockLifetime, once', async () => {
    const LOCK_MS = 3_000;
    await client.agenda.now('slow', { n: 7 });
    const a = await startWorker(db, 'a', LOCK_MS, { SLOW_MS: '600000' });
    workers.push(a);
    await until('the first run to start', () => Promise.resolve(a.out.includes('started 7')), 30_000);
    a.proc.kill('SIGKILL');
    await a.exited;
    const b = await startWorker(db, 'b', LOCK_MS, { SLOW_MS: '0' });
    workers.push(b);
    const effects = db.conn.collection('effects');
    await until('the job to run again', async () => (await effects.countDocuments({})) === 1, 60_000);
    // Twice the lock's lifetime more: no third run.
    await sleep(2 * LOCK_MS);

    const executions = await db.conn.collection('executions').find({ n: 7 }).sort({ at: 1 }).toArray();
    expect(executions.map((e) => e.worker)).to.deep.equal(['a', 'b']);
    // Not before the first lock's lifetime had passed.
    const [first] = await db.conn.collection('agenda_locks').find({ job: 'slow', by: 'a' }).toArray();
    expect((executions[1]!.at as Date).getTime() - (first!.at as Date).getTime()).to.be.at.least(LOCK_MS);
    expect(await effects.find({}).toArray()).to.deep.equal([{ _id: 'effect:7', worker: 'b' }]);
    b.proc.kill('SIGTERM');
    expect(await b.exited).to.equal(0);
  });

  it('when a worker drains while it holds a job it has not started, then it releases it and another worker runs it at once', async () => {
    const LOCK_MS = 120_000;
    // Due in 25 s: a worker scanning every 30 s locks it at its first scan and waits for it.
    await client.agenda.schedule(new Date(Date.now() + 25_000), 'count', { n: 3 });
    const a = await startWorker(db, 'a', LOCK_MS, { PROCESS_EVERY_MS: '30000' });
    workers.push(a);
    const jobs = db.conn.collection('agenda_jobs');
    await until('the job to be locked', async () => (await jobs.findOne({ name: 'count' }))?.lockedAt != null, 30_000);
    a.proc.kill('SIGTERM');
    expect(await a.exited).to.equal(0);
    expect(await db.conn.collection('executions').countDocuments({})).to.equal(0);
    expect((await jobs.findOne({ name: 'count' }))?.lockedAt).to.equal(null);

    const released = Date.now();
    workers.push(await startWorker(db, 'b', LOCK_MS));
    const effects = db.conn.collection('effects');
    await until('the job to run', async () => (await effects.countDocuments({})) === 1, 60_000);
    // Long before the lock's lifetime: it was released, not left to expire.
    expect(Date.now() - released).to.be.below(LOCK_MS / 2);
    const executions = await db.conn.collection('executions').find({}).toArray();
    expect(executions.map((e) => e.worker)).to.deep.equal(['b']);
  });

  it('when a worker died between claiming a job and locking it, then after the lock lifetime another worker claims the next attempt and runs it once', async () => {
    const LOCK_MS = 3_000;
    await client.agenda.now('count', { n: 9 });
    const job = (await db.conn.collection('agenda_jobs').findOne({ name: 'count' }))!;
    // The dead worker's claim of attempt 0; the job itself was never marked locked.
    await db.conn.collection('agenda_locks').insertOne({
      _id: `lock:${job._id.toHexString()}:${(job.nextRunAt as Date).getTime()}:0` as never,
      at: new Date(Date.now() - 2 * LOCK_MS),
      job: 'count',
      by: 'dead',
    });
    workers.push(await startWorker(db, 'b', LOCK_MS));
    await until('the job to run', async () => (await db.conn.collection('effects').countDocuments({})) === 1, 60_000);
    await sleep(2 * LOCK_MS);
    expect(await db.conn.collection('executions').countDocuments({})).to.equal(1);
  });
});
