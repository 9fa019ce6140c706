// `npm run worker`: a process that only runs the scheduled jobs (mail delivery,
// the change feed's pruning, …), beside any number of API processes and other
// workers on the same database: each job's run is claimed by one of them.
// Graceful shutdown: running jobs finish, none start.

import { randomUUID } from 'node:crypto';
import { createMailOutbox, startJobs } from './background.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createChangeFeed } from './db/change-feed.ts';
import { openDatabase } from './db/database.ts';
import { LocalDatabaseUnavailable } from './db/local-database.ts';
import { createLogger } from './http/logger.ts';
import { prepareDatabase } from './prepare.ts';

/** Jobs get this long to finish: longer than one email's SMTP timeouts (10 + 10 + 30 s). */
const DRAIN_MS = 60_000;
const SHUTDOWN_MS = 75_000;

async function worker(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Refusing to start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let db;
  try {
    db = await openDatabase(config, (m) => logger.info(m));
  } catch (err) {
    if (err instanceof LocalDatabaseUnavailable) {
      logger.fatal(`No database: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const clock = () => new Date();
  await prepareDatabase(db.conn, { buildIndexes: config.env === 'production', now: clock() });
  const feed = createChangeFeed(db.conn, { clock, log: logger });
  const outbox = createMailOutbox({ config, conn: db.conn, clock, log: logger });
  const name = `worker-${randomUUID()}`;
  const scheduler = await startJobs({ conn: db.conn, name, log: logger, outbox, feed });
  logger.info({ worker: name }, `worker running the scheduled jobs (mail: ${config.mail.smtpUrl ? 'SMTP_URL' : `.eml files under ${config.dataDir}/outbox`})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker stopping: running jobs finish, none start');
    const force = setTimeout(() => {
      logger.error('worker shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_MS);
    force.unref();
    outbox.stop();
    const { running } = await scheduler.drain(DRAIN_MS);
    outbox.close();
    if (running > 0) logger.warn({ running }, 'jobs still running at shutdown: another worker runs them again after their lock lifetime');
    await feed.stop();
    await db.close();
    logger.info('worker stopped');
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      shutdown(signal).catch((err: unknown) => {
        logger.error({ errName: (err as Error)?.name }, 'worker shutdown failed; exiting');
        process.exit(1);
      });
    });
  }
}

worker().catch((err: unknown) => {
  console.error('Worker failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
