// An API instance in its own OS process whose erasures stop for good after a
// named step (the test then kills it with SIGKILL: a crash half-way).
// argv: uri dbName nowIso stopAfter. Prints "ready", reads one JSON line from
// stdin: { token, password }, sends DELETE /api/v1/me through its own app,
// prints "answered <status>", and "paused <step>" when the erasure reaches it.
import { createInterface } from 'node:readline';
import supertest from 'supertest';
import { startProcessApi } from '../support/process-api.ts';

const [uri, dbName, nowIso, stopAfter] = process.argv.slice(2);
if (!uri || !dbName || !nowIso || !stopAfter) {
  console.error('usage: erasure-crash-worker uri dbName nowIso stopAfter');
  process.exit(2);
}

const { app } = await startProcessApi({
  uri,
  dbName,
  nowIso,
  instanceId: 'crash-worker',
  erasureAfterStep: async (step) => {
    if (step !== stopAfter) return;
    console.log(`paused ${step}`);
    // Never goes on: the test kills this process here.
    await new Promise(() => undefined);
  },
});
const request = supertest.agent(app.app);

const lines = createInterface({ input: process.stdin });
console.log('ready');
const line = await new Promise<string | undefined>((resolve) => {
  lines.once('line', resolve);
  lines.once('close', () => resolve(undefined));
});
lines.close();
if (line === undefined) process.exit(3);
const job = JSON.parse(line) as { token: string; password: string };
const res = await request.delete('/api/v1/me').set({ Authorization: `Bearer ${job.token}` }).send({ password: job.password });
console.log(`answered ${res.status}`);
