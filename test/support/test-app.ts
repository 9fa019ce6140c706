import { pino } from 'pino';
import supertest from 'supertest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { prepareDatabase } from '../../src/prepare.ts';
import type { TokenConfig } from '../../src/auth/tokens.ts';
import { testClock, type TestClock } from './clock.ts';
import { createLifecycleRepository } from '../../src/matches/lifecycle.repository.ts';
import { createPairHistory } from '../../src/matches/pair-history.ts';
import { startMatchingEngine, type MatchingEngine } from '../../src/matching/matching-engine.ts';
import { startAccessCache } from '../../src/auth/access-cache.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { openTestDatabase, type TestDatabase } from './db.ts';
import { createChangeFeed, type ChangeFeed } from '../../src/db/change-feed.ts';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop-XYZ';

export interface TestApp extends App {
  db: TestDatabase;
  clock: TestClock;
  tokens: TokenConfig;
  config: Readonly<Config>;
  request: supertest.Agent;
  engine: MatchingEngine;
  feed: ChangeFeed;
  close(): Promise<void>;
}

/** The real stack (createApp, mongoose, the real database server), one fresh database per call. */
export async function startTestApp(label: string, env: Record<string, string> = {}): Promise<TestApp> {
  const db = await openTestDatabase(label);
  const clock = testClock();
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_SECRET,
    // Generous by default so that tests registering many members are not throttled;
    // the throttling tests set their own limits.
    REGISTRATIONS_PER_IP_PER_HOUR: '10000',
    ACCOUNT_REQUESTS_PER_IP_PER_15_MIN: '100000',
    ...env,
  });
  await prepareDatabase(db.conn, { buildIndexes: false, now: clock() });
  const tokens: TokenConfig = {
    secret: TEST_SECRET,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.ttlSeconds,
  };
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const history = createPairHistory(createLifecycleRepository(db.conn));
  const feed = createChangeFeed(db.conn, { clock, log: logger });
  const engine = await startMatchingEngine({ conn: db.conn, feed, clock, logger, history, pairCooldownDays: config.matching.pairCooldownDays, termsVersion: config.termsVersion, feedIntervalMs: 200 });
  const access = await startAccessCache({ users: createUsersRepository(db.conn, feed), feed, clock, intervalMs: 200 });
  const app = createApp({ config, conn: db.conn, logger, clock, tokens, engine, history, access, feed });
  return {
    ...app,
    db,
    clock,
    tokens,
    config,
    request: supertest.agent(app.app),
    engine,
    feed,
    close: async () => {
      app.outbox.close();
      await engine.stop();
      await access.stop();
      await feed.stop();
      await db.drop();
    },
  };
}
