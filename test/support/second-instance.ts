import { pino } from 'pino';
import type { Connection } from 'mongoose';
import { startAccessCache, type AccessCache } from '../../src/auth/access-cache.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { createChangeFeed, type ChangeFeed } from '../../src/db/change-feed.ts';
import { createLifecycleRepository } from '../../src/matches/lifecycle.repository.ts';
import { createPairHistory } from '../../src/matches/pair-history.ts';
import { startMatchingEngine, type MatchingEngine } from '../../src/matching/matching-engine.ts';

export interface SecondInstance {
  feed: ChangeFeed;
  engine: MatchingEngine;
  access: AccessCache;
  stop(): Promise<void>;
}

/** Another API instance's caches on the same database: its own feed, engine and access cache, as another process would have. */
export async function startSecondInstance(
  conn: Connection,
  clock: () => Date,
  opts: { intervalMs?: number; name?: string } = {},
): Promise<SecondInstance> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const feed = createChangeFeed(conn, { clock, log: logger });
  const instanceId = opts.name ?? 'second';
  const engine = await startMatchingEngine({
    conn,
    feed,
    instanceId,
    clock,
    logger,
    history: createPairHistory(createLifecycleRepository(conn)),
    pairCooldownDays: 90,
    feedIntervalMs: opts.intervalMs ?? 100,
  });
  const access = await startAccessCache({ users: createUsersRepository(conn, feed), feed, instanceId, clock, intervalMs: opts.intervalMs ?? 100 });
  return {
    feed,
    engine,
    access,
    stop: async () => {
      await engine.stop();
      await access.stop();
      await feed.stop();
    },
  };
}
