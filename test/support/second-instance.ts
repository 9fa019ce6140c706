import { pino } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app.ts';
import type { TokenConfig } from '../../src/auth/tokens.ts';
import type { Config } from '../../src/config.ts';
import type { Connection } from 'mongoose';
import { startAccessCache, type AccessCache } from '../../src/auth/access-cache.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { createChangeFeed, type ChangeFeed } from '../../src/db/change-feed.ts';
import { createLifecycleRepository } from '../../src/matches/lifecycle.repository.ts';
import { createPairHistory } from '../../src/matches/pair-history.ts';
import { startMatchingEngine, type MatchingEngine } from '../../src/matching/matching-engine.ts';
import { BUILT_IN_TERMS_VERSION } from '../../src/members/terms.ts';

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
  opts: { intervalMs?: number; name?: string; termsVersion?: string } = {},
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
    termsVersion: opts.termsVersion ?? BUILT_IN_TERMS_VERSION,
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

/** Another API instance serving HTTP on the same database: createApp over a second instance's caches. */
export async function startSecondApi(t: {
  db: { conn: Connection };
  clock: () => Date;
  config: Readonly<Config>;
  tokens: TokenConfig;
}): Promise<{ api: supertest.Agent; instance: SecondInstance; stop(): Promise<void> }> {
  const instance = await startSecondInstance(t.db.conn, t.clock, { intervalMs: 100, termsVersion: t.config.termsVersion });
  const { app, outbox } = createApp({
    config: t.config,
    conn: t.db.conn,
    logger: pino({ level: 'silent' }),
    clock: t.clock,
    tokens: t.tokens,
    engine: instance.engine,
    history: createPairHistory(createLifecycleRepository(t.db.conn)),
    access: instance.access,
    feed: instance.feed,
  });
  return {
    api: supertest.agent(app),
    instance,
    stop: async () => {
      outbox.close();
      await instance.stop();
    },
  };
}
