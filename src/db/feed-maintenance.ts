import type { ChangeFeed, FeedLog } from './change-feed.ts';

export interface FeedMaintenanceOptions {
  log: FeedLog & { info(obj: object, msg: string): void };
  /** How often announcements left pending by a crashed process are appended (and how old they must be). */
  adoptEveryMs?: number;
}

/**
 * The feed's housekeeping in each API process: pending announcements that a
 * crashed process left behind are appended (this is also how a sponsor change
 * whose announcement was lost reaches the other instances: no full scan).
 * Pruning the feed is a scheduled job (src/background.ts), run by one worker at a time.
 */
export function startFeedMaintenance(feed: ChangeFeed, opts: FeedMaintenanceOptions): { stop(): Promise<void> } {
  const adoptEvery = opts.adoptEveryMs ?? 5 * 60_000;
  let running: Promise<unknown> | undefined;
  const once = (what: string, work: () => Promise<number>) => {
    running ??= work()
      .then((count) => {
        if (count > 0) opts.log.info({ count }, `change feed: ${what}`);
      })
      .catch((err: unknown) => opts.log.warn({ errName: (err as Error)?.name }, `change feed: ${what} failed; will try again`))
      .finally(() => {
        running = undefined;
      });
  };
  const adoptTimer = setInterval(() => once('appended pending announcements left by a stopped process', () => feed.adoptOrphans(adoptEvery)), adoptEvery);
  adoptTimer.unref();
  return {
    async stop() {
      clearInterval(adoptTimer);
      await running;
    },
  };
}
