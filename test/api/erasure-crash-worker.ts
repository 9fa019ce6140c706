// An API instance in its own OS process whose erasures stop for good after a
// named step (the test then kills it with SIGKILL: a crash half-way).
// argv: uri dbName nowIso stopAfter. Prints "ready", reads one JSON line from
// stdin: { token, password }, sends DELETE /api/v1/me through its own app,
// prints "answered <status>", and "paused <step>" when the erasure reaches it.
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

const [uri, dbName, nowIso, stopAfter] = process.argv.slice(2);
if (!uri || !dbName || !nowIso || !stopAfter) {
  console.error('usage: erasure-crash-worker uri dbName nowIso stopAfter');
  process.exit(2);
}

const conn = await connectDatabase(uri, { autoIndex: false, dbName });
const clock = testClock(nowIso);
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET });
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const tokens = { secret: TEST_SECRET, issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.ttlSeconds };
const history = createPairHistory(createLifecycleRepository(conn));
const feed = createChangeFeed(conn, { clock, log: logger });
const engine = await startMatchingEngine({ conn, feed, instanceId: 'crash-worker', clock, logger, history, pairCooldownDays: config.matching.pairCooldownDays, termsVersion: config.termsVersion, feedIntervalMs: 200 });
const access = await startAccessCache({ users: createUsersRepository(conn, feed), feed, instanceId: 'crash-worker', clock, intervalMs: 200 });
const app = createApp({
  config,
  conn,
  logger,
  clock,
  tokens,
  engine,
  history,
  access,
  feed,
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
