import type { ChangeFeed, FeedLog } from './change-feed.ts';

export interface FeedMaintenanceOptions {
  log: FeedLog & { info(obj: object, msg: string): void };
  /** How often announcements left pending by a crashed process are appended (and how old they must be). */
  adoptEveryMs?: number;
  /** How often the versions every live follower has passed are deleted. */
  pruneEveryMs?: number;
  /** A follower whose heartbeat is older than this is taken for gone (it rebuilds if it comes back). */
  liveWithinMs?: number;
}

/**
 * The feed's housekeeping in a running service: pending announcements that a
 * crashed process left behind are appended (this is also how a sponsor change
 * whose announcement was lost reaches the other instances: no full scan), and
 * the feed is pruned so that it does not grow without end.
 */
export function startFeedMaintenance(feed: ChangeFeed, opts: FeedMaintenanceOptions): { stop(): Promise<void> } {
  const adoptEvery = opts.adoptEveryMs ?? 5 * 60_000;
  const pruneEvery = opts.pruneEveryMs ?? 10 * 60_000;
  const liveWithin = opts.liveWithinMs ?? 10 * 60_000;
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
  const pruneTimer = setInterval(() => once('pruned versions every follower has passed', () => feed.prune(liveWithin)), pruneEvery);
  adoptTimer.unref();
  pruneTimer.unref();
  return {
    async stop() {
      clearInterval(adoptTimer);
      clearInterval(pruneTimer);
      await running;
    },
  };
}
