import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createApp } from './app.ts';
import { configOrExit, databaseOrExit, onShutdownSignals } from './boot.ts';
import { prepareDatabase } from './prepare.ts';
import { createLogger } from './http/logger.ts';
import { applyServerTimeouts } from './http/server-timeouts.ts';
import { startAccessCache } from './auth/access-cache.ts';
import { createUsersRepository } from './auth/users.repository.ts';
import { createChangeFeed } from './db/change-feed.ts';
import { startFeedMaintenance } from './db/feed-maintenance.ts';
import { recordServerUrl } from './db/server-file.ts';
import { createLifecycleRepository } from './matches/lifecycle.repository.ts';
import { createPairHistory } from './matches/pair-history.ts';
import { startMatchingEngine } from './matching/matching-engine.ts';
import { deriveHandleSecret } from './matching/sponsor-handles.ts';
import { createMailOutbox, describeMail, startJobs, stopJobs, tokenConfigOf } from './background.ts';
import type { Scheduler } from './jobs/scheduler.ts';

/** After this, shutdown gives up and exits: requests in flight, the drain, then the rest. */
const SHUTDOWN_MS = 90_000;

async function main(): Promise<void> {
  const config = configOrExit(process.env);
  const logger = createLogger(config.logLevel);
  const db = await databaseOrExit(config, logger);
  logger.info({ engine: db.server.engine, version: db.server.version }, `database engine: ${db.server.engine} ${db.server.version}`);

  const clock = () => new Date();
  await prepareDatabase(db.conn, { buildIndexes: config.env === 'production', now: clock() });

  const tokens = tokenConfigOf(config);
  const history = createPairHistory(createLifecycleRepository(db.conn));
  const feed = createChangeFeed(db.conn, { clock, log: logger });
  // Announcements a previous run could not append before it stopped (or crashed) go out first.
  const adopted = await feed.adoptOrphans(0);
  if (adopted > 0) logger.info({ count: adopted }, 'change feed: appended announcements left pending by an earlier run');
  const instanceId = randomUUID();
  const engine = await startMatchingEngine({ conn: db.conn, feed, instanceId, clock, logger, history, pairCooldownDays: config.matching.pairCooldownDays, termsVersion: config.termsVersion });
  const access = await startAccessCache({ users: createUsersRepository(db.conn, feed), feed, instanceId, clock, log: logger });
  const maintenance = startFeedMaintenance(feed, { log: logger });
  let listeningUrl: string | undefined = undefined;
  const outbox = createMailOutbox({ config, conn: db.conn, clock, log: logger, listeningUrl: () => listeningUrl });
  logger.info(describeMail(config));
  let scheduler: Scheduler | undefined;
  const stopBackground = async () => {
    await stopJobs({ outbox, scheduler, log: logger });
    await maintenance.stop();
    await engine.stop();
    await access.stop();
    // Flushes what is still pending; what cannot be appended stays recorded for the next start.
    await feed.stop();
  };
  const { app, lifecycle, checkIns, erasures } = createApp({
    access,
    feed,
    config,
    conn: db.conn,
    logger,
    clock,
    engine,
    history,
    handleSecret: config.handleSecret ?? deriveHandleSecret(tokens.secret),
    tokens,
    outbox,
  });
  if (config.jobsInApi) {
    scheduler = await startJobs({ conn: db.conn, name: `api-${instanceId}`, log: logger, outbox, feed, lifecycle, checkIns, erasures });
    logger.info('scheduled jobs run in this process (JOBS_IN_API=false leaves them to `npm run worker`)');
  }

  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
      applyServerTimeouts(s);
    });
  } catch (err) {
    logger.fatal(`cannot listen on ${config.host}:${config.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    await stopBackground();
    await db.close();
    process.exit(1);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host;
  listeningUrl = `http://${shownHost}:${port}`;
  logger.info(`listening on http://${shownHost}:${port} (docs at http://${shownHost}:${port}/docs)`);
  // Outside production, the commands run beside the service (the demo seed) find its URL here.
  recordServerUrl(config, `http://${shownHost}:${port}`, (m) => logger.warn(m));

  onShutdownSignals(logger, { stopping: 'shutting down: finishing requests in flight', stopped: 'stopped' }, SHUTDOWN_MS, async () => {
    // Stop accepting; idle keep-alive connections are closed so that close() can finish.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await stopBackground();
    await db.close();
  });
}

main().catch((err: unknown) => {
  console.error('Failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
