// `npm run worker`: a process that only runs the scheduled jobs (mail delivery,
// the change feed's pruning, …), beside any number of API processes and other
// workers on the same database: each job's run is claimed by one of them.
// Graceful shutdown: running jobs finish, none start.

import { randomUUID } from 'node:crypto';
import { checkInsCore, createMailOutbox, describeMail, erasureCore, lifecycleCore, startJobs, stopJobs, tokenConfigOf } from './background.ts';
import { configOrExit, databaseOrExit, onShutdownSignals } from './boot.ts';
import { createChangeFeed } from './db/change-feed.ts';
import { createLogger } from './http/logger.ts';
import { prepareDatabase } from './prepare.ts';

/** The drain, then the change feed and the connection. */
const SHUTDOWN_MS = 75_000;

async function worker(): Promise<void> {
  const config = configOrExit(process.env);
  const logger = createLogger(config.logLevel);
  const db = await databaseOrExit(config, logger);
  // The process's clock, read here at the composition root; everything below takes it (tests inject their own).
  const clock = () => new Date();
  await prepareDatabase(db.conn, { buildIndexes: config.env === 'production', now: clock() });
  const feed = createChangeFeed(db.conn, { clock, log: logger });
  const outbox = createMailOutbox({ config, conn: db.conn, clock, log: logger });
  const name = `worker-${randomUUID()}`;
  const lifecycle = lifecycleCore({ config, conn: db.conn, clock, log: logger, outbox, feed });
  const checkIns = checkInsCore({ config, conn: db.conn, clock, log: logger, outbox, tokens: tokenConfigOf(config), lifecycle });
  const erasures = erasureCore({ conn: db.conn, clock, log: logger, feed, lifecycle });
  const scheduler = await startJobs({ conn: db.conn, name, log: logger, outbox, feed, lifecycle, checkIns, erasures });
  logger.info({ worker: name }, `worker running the scheduled jobs (${describeMail(config)})`);

  onShutdownSignals(logger, { stopping: 'worker stopping: running jobs finish, none start', stopped: 'worker stopped' }, SHUTDOWN_MS, async () => {
    await stopJobs({ outbox, scheduler, log: logger });
    await feed.stop();
    await db.close();
  });
}

worker().catch((err: unknown) => {
  console.error('Worker failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
