// The whole app (createApp) in a test's child process, on the test's database
// and clock: what the race and crash workers run as "another API instance".
import { pino } from 'pino';
import { createApp, type AppDeps } from '../../src/app.ts';
import { startAccessCache } from '../../src/auth/access-cache.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { loadConfig } from '../../src/config.ts';
import { createChangeFeed } from '../../src/db/change-feed.ts';
import { connectDatabase } from '../../src/db/connect.ts';
import { createLifecycleRepository } from '../../src/matches/lifecycle.repository.ts';
import { createPairHistory } from '../../src/matches/pair-history.ts';
import { startMatchingEngine } from '../../src/matching/matching-engine.ts';
import { testClock } from './clock.ts';
import { TEST_SECRET } from './test-app.ts';

export async function startProcessApi(opts: { uri: string; dbName: string; nowIso: string; instanceId: string; erasureAfterStep?: AppDeps['erasureAfterStep'] }) {
  const conn = await connectDatabase(opts.uri, { autoIndex: false, dbName: opts.dbName });
  const clock = testClock(opts.nowIso);
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const tokens = { secret: TEST_SECRET, issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.ttlSeconds };
  const history = createPairHistory(createLifecycleRepository(conn));
  const feed = createChangeFeed(conn, { clock, log: logger });
  const { instanceId } = opts;
  const engine = await startMatchingEngine({ conn, feed, instanceId, clock, logger, history, pairCooldownDays: config.matching.pairCooldownDays, termsVersion: config.termsVersion, feedIntervalMs: 200 });
  const access = await startAccessCache({ users: createUsersRepository(conn, feed), feed, instanceId, clock, intervalMs: 200 });
  const app = createApp({ config, conn, logger, clock, tokens, engine, history, access, feed, ...(opts.erasureAfterStep ? { erasureAfterStep: opts.erasureAfterStep } : {}) });
  return {
    app,
    stop: async () => {
      app.outbox.close();
      await engine.stop();
      await access.stop();
      await feed.stop();
      await conn.close();
    },
  };
}
