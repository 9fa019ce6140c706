// What both processes (`npm start`, src/main.ts, and `npm run worker`,
// src/worker.ts) do the same way at start and at stop. Part of the composition root.

import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase, type OpenDatabase } from './db/database.ts';
import { LocalDatabaseUnavailable } from './db/local-database.ts';

/** The configuration, or exit 1 naming every bad key (never its value). */
export function configOrExit(env: NodeJS.ProcessEnv): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Refusing to start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

/** MONGODB_URI or the local database, or exit 1 saying plainly why there is none. */
export async function databaseOrExit(config: Readonly<Config>, logger: Logger): Promise<OpenDatabase> {
  try {
    return await openDatabase(config, (m) => logger.info(m));
  } catch (err) {
    if (err instanceof LocalDatabaseUnavailable) {
      logger.fatal(`No database: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * On SIGTERM or SIGINT, once: `stop`, then exit 0; exit 1 if it fails or takes
 * longer than `limitMs`.
 */
export function onShutdownSignals(logger: Logger, words: { stopping: string; stopped: string }, limitMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, words.stopping);
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, limitMs);
    force.unref();
    await stop();
    logger.info(words.stopped);
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      shutdown(signal).catch((err: unknown) => {
        logger.error({ errName: (err as Error)?.name }, 'shutdown failed; exiting');
        process.exit(1);
      });
    });
  }
}
