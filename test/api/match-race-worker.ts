// Another API instance in its own OS process, for the race tests: the whole
// app (createApp) on the same database, racing the test's own instance.
// argv: uri dbName nowIso. Prints "ready", then reads one JSON line from stdin:
// { token, posts: [{ path, body }] }, sends every post at once through its own
// app, and prints one JSON line: [{ status, type?, id? }] in the order given.
import { createInterface } from 'node:readline';
import supertest from 'supertest';
import { startProcessApi } from '../support/process-api.ts';

interface Job {
  token: string;
  posts: Array<{ path: string; body: object }>;
}

const [uri, dbName, nowIso] = process.argv.slice(2);
if (!uri || !dbName || !nowIso) {
  console.error('usage: match-race-worker uri dbName nowIso');
  process.exit(2);
}

const { app, stop } = await startProcessApi({ uri, dbName, nowIso, instanceId: 'race-worker' });
const request = supertest.agent(app.app);

const lines = createInterface({ input: process.stdin });
console.log('ready');
const line = await new Promise<string | undefined>((resolve) => {
  lines.once('line', resolve);
  lines.once('close', () => resolve(undefined));
});
lines.close();
if (line === undefined) {
  // The test gave up before the race: nothing to send.
  await stop();
  process.exit(3);
}
const job = JSON.parse(line) as Job;

const results = await Promise.all(
  job.posts.map(async ({ path, body }) => {
    const res = await request.post(path).set({ Authorization: `Bearer ${job.token}` }).send(body);
    return { status: res.status, ...(res.body?.type ? { type: res.body.type as string } : {}), ...(res.body?.id ? { id: res.body.id as string } : {}) };
  }),
);

await stop();
console.log(JSON.stringify(results));
