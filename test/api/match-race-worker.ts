// Another API instance in its own OS process, for the race tests: the whole
// app (createApp) on the same database, racing the test's own instance.
// argv: uri dbName nowIso. Prints "ready", then reads one JSON line from stdin:
// { token, posts: [{ path, body }] }, sends every post at once through its own
// app, and prints one JSON line: [{ status, type?, id? }] in the order given.
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app.ts';
import { startAccessCache } from '../../src/auth/access-cache.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { loadConfig } from '../../src/config.ts';
import { createChangeFeed } from '../../src/db/change-feed.ts';
import { connectDatabase } from '../../src/db/connect.ts';
import { createLifecycleRepository } from '../../src/matches/lifecycle.repository.ts';
import { createPairHistory } from '../../src/matches/pair-history.ts';
import { startMatchingEngine } from '../../src/matching/matching-engine.ts';
import { testClock } from '../support/clock.ts';
import { TEST_SECRET } from '../support/test-app.ts';

interface Job {
  token: string;
  posts: Array<{ path: string; body: object }>;
}

const [uri, dbName, nowIso] = process.argv.slice(2);
if (!uri || !dbName || !nowIso) {
  console.error('usage: match-race-worker uri dbName nowIso');
  process.exit(2);
}

const conn = await connectDatabase(uri, { autoIndex: false, dbName });
const clock = testClock(nowIso);
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET });
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const tokens = { secret: TEST_SECRET, issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.ttlSeconds };
const history = createPairHistory(createLifecycleRepository(conn));
const feed = createChangeFeed(conn, { clock, log: logger });
const engine = await startMatchingEngine({ conn, feed, instanceId: 'race-worker', clock, logger, history, pairCooldownDays: config.matching.pairCooldownDays, termsVersion: config.termsVersion, feedIntervalMs: 200 });
const access = await startAccessCache({ users: createUsersRepository(conn, feed), feed, instanceId: 'race-worker', clock, intervalMs: 200 });
const app = createApp({ config, conn, logger, clock, tokens, engine, history, access, feed });
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
  app.outbox.close();
  await Promise.all([engine.stop(), access.stop()]);
  await feed.stop();
  await conn.close();
  process.exit(3);
}
const job = JSON.parse(line) as Job;

const results = await Promise.all(
  job.posts.map(async ({ path, body }) => {
    const res = await request.post(path).set({ Authorization: `Bearer ${job.token}` }).send(body);
    return { status: res.status, ...(res.body?.type ? { type: res.body.type as string } : {}), ...(res.body?.id ? { id: res.body.id as string } : {}) };
  }),
);

app.outbox.close();
await engine.stop();
await access.stop();
await feed.stop();
await conn.close();
console.log(JSON.stringify(results));
