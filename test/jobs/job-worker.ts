// A worker process for the jobs tests: argv uri dbName lock(claim|stock) name lockLifetimeMs.
// Defines 'count' (records each execution, and its effect once by a claim) and
// 'slow' (records the execution, says "started <n>" on stdout, then waits
// SLOW_MS before its effect). SIGTERM drains it and exits.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectDatabase, isDuplicateKey } from '../../src/db/connect.ts';
import { createScheduler, type LockKind } from '../../src/jobs/scheduler.ts';

const [uri, dbName, lock, name, lockLifetime] = process.argv.slice(2);
const conn = await connectDatabase(uri!, { autoIndex: false, dbName: dbName! });
const db = conn.db!;
const quiet = { info: () => undefined, warn: () => undefined };
const scheduler = createScheduler({ conn, name: name!, log: quiet, processEvery: Number(process.env.PROCESS_EVERY_MS ?? 500), lockLifetimeMs: Number(lockLifetime), lock: lock as LockKind, maxConcurrency: 20 });

async function record(job: { attrs: { data: unknown } }): Promise<number> {
  const { n } = job.attrs.data as { n: number };
  await db.collection('executions').insertOne({ _id: randomUUID() as never, n, worker: name, at: new Date() });
  return n;
}
async function effect(n: number): Promise<void> {
  await db.collection('effects').insertOne({ _id: `effect:${n}` as never, worker: name }).catch((err: unknown) => {
    if (!isDuplicateKey(err)) throw err;
  });
}
scheduler.agenda.define('count', async (job) => {
  await effect(await record(job));
});
scheduler.agenda.define('slow', async (job) => {
  const n = await record(job);
  process.stdout.write(`started ${n}\n`);
  await sleep(Number(process.env.SLOW_MS ?? 0));
  await effect(n);
});
await scheduler.start([]);
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void scheduler
    .drain(10_000)
    .then(() => conn.close())
    .then(() => process.exit(0));
});
