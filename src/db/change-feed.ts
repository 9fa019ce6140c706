import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createChain } from './chain.ts';
import { isDuplicateKey } from './connect.ts';
import { isTransientDatabaseError } from './errors.ts';

export type ChangeEvent =
  | { kind: 'sponsor'; id: string }
  | { kind: 'newcomer'; id: string }
  | { kind: 'programs' }
  | { kind: 'places'; id: string }
  | { kind: 'user'; id: string }
  | { kind: 'revoked'; jti: string; expiresAt: string };

/** What a follower does with the feed: apply one event, or rebuild everything when it fell behind the pruned part. */
export interface FeedSubscriber {
  /** A unique name per process and purpose; its position is recorded under it (heartbeat). */
  name: string;
  apply(event: ChangeEvent, n: number): Promise<void>;
  rebuild(): Promise<void>;
}

export interface FeedLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FollowOptions {
  intervalMs: number;
  /** A poll that takes longer is abandoned (and retried on the next tick). */
  timeoutMs?: number;
}

export interface Follower {
  readonly position: number;
  stop(): Promise<void>;
}

export interface ChangeFeed {
  /** Appends the events as the next version of the feed chain (ordered, gapless). Throws if it cannot. */
  publish(events: ChangeEvent | ChangeEvent[], by: string): Promise<number>;
  /**
   * For events that follow a write already made: never throws into the
   * request (the user's change is saved). The event is first recorded in the
   * pending collection, so a crash cannot lose it; it is then appended to the
   * feed together with whatever else is waiting (one feed version per batch,
   * so concurrent writers do not race for the chain), and retried until it
   * is. Resolves once it is on the feed, or after the first failed attempt.
   */
  announce(event: ChangeEvent, by: string): Promise<void>;
  /** Appends everything this process has pending; throws if the feed cannot be written. */
  flush(): Promise<void>;
  /** Appends the pending announcements that a stopped or crashed process left behind. */
  adoptOrphans(olderThanMs: number): Promise<number>;
  /** How many announcements of this process are waiting. */
  pendingCount(): number;
  /** The newest position, to start following from. */
  head(): Promise<number>;
  /** Calls the subscriber for every event after `from`, in order; one poll in flight at a time. */
  follow(from: number, subscriber: FeedSubscriber, opts: FollowOptions): Follower;
  /**
   * Deletes the versions every live follower has passed (heartbeat within
   * `liveWithinMs`), never the newest; returns how many were deleted.
   */
  prune(liveWithinMs: number): Promise<number>;
  /**
   * Whether every live follower (heartbeat within `liveWithinMs`) has applied
   * version `n`: after that, the events up to it may be rewritten in place
   * (an erasure removes a member's id from them) without any follower missing them.
   */
  followersPast(n: number, liveWithinMs: number): Promise<boolean>;
  /** Stops retrying and flushes once; what cannot be flushed stays pending in the database. */
  stop(): Promise<void>;
}

interface FeedState {
  events: ChangeEvent[];
}

interface PendingDoc {
  _id: string;
  event: ChangeEvent;
  by: string;
  at: Date;
}

interface FollowerDoc {
  _id: string;
  position: number;
  at: Date;
}

interface MetaDoc {
  _id: string;
  n: number;
}

interface Pending {
  id: string;
  event: ChangeEvent;
  by: string;
  since: number;
  /** Whether the pending document was written (false while the database was unreachable). */
  stored: boolean;
  waiters: Array<() => void>;
  reported: boolean;
}

const FEED = 'feed';
const TAIL = 'tail';
const MAX_BATCH = 500;
const REPORT_AFTER_MS = 60_000;

// Versions written before batching held one event as their whole state.
function eventsOf(state: FeedState | ChangeEvent): ChangeEvent[] {
  return 'events' in state ? state.events : [state];
}

class PollTimeout extends Error {
  override name = 'PollTimeout';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PollTimeout(`feed poll took over ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const nameOf = (err: unknown) => (err as Error | undefined)?.name ?? typeof err;

/**
 * The ordered change feed of DATABASE.md: a chain whose versions are batches
 * of events. Other API instances follow it by probing the next `_id`, which
 * FerretDB's SQLite backend answers with one indexed lookup.
 */
export function createChangeFeed(conn: Connection, deps: { clock: () => Date; log?: FeedLog }): ChangeFeed {
  const { clock } = deps;
  const log: FeedLog = deps.log ?? { warn: () => undefined, error: () => undefined };
  const chain = createChain<FeedState>(conn, 'change_feed');
  const versions = conn.collection<{ _id: string; n: number }>('change_feed');
  const heads = conn.collection<{ _id: string; head: number }>('change_feed.heads');
  const pendingDocs = conn.collection<PendingDoc>('change_feed.pending');
  const followers = conn.collection<FollowerDoc>('change_feed.followers');
  const meta = conn.collection<MetaDoc>('change_feed.meta');

  const publish = async (events: ChangeEvent | ChangeEvent[], by: string): Promise<number> => {
    const list = Array.isArray(events) ? events : [events];
    const v = await chain.transition(FEED, () => ({ state: { events: list }, by }), clock, 50);
    return v.n;
  };

  // This process's announcements not yet on the feed, oldest first.
  const pending = new Map<string, Pending>();
  let draining: Promise<boolean> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retries = 0;
  let stopped = false;

  const reportOld = () => {
    const now = clock().getTime();
    const old = [...pending.values()].filter((p) => !p.reported && now - p.since > REPORT_AFTER_MS);
    if (old.length === 0) return;
    for (const p of old) p.reported = true;
    log.error({ count: old.length, kinds: [...new Set(old.map((p) => p.event.kind))] }, 'changes not announced to other instances for over a minute; still retrying');
  };

  // One drain at a time: it takes everything pending, appends it as one
  // version, then deletes the pending documents. Returns whether it succeeded.
  const drainOnce = async (): Promise<boolean> => {
    const batch = [...pending.values()].slice(0, MAX_BATCH);
    if (batch.length === 0) return true;
    try {
      // Announcements made while the database was unreachable are recorded now, before anything else.
      for (const p of batch.filter((b) => !b.stored)) {
        await pendingDocs.insertOne({ _id: p.id, event: p.event, by: p.by, at: new Date(p.since) }).catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
        p.stored = true;
      }
      await publish(
        batch.map((p) => p.event),
        batch.length === 1 ? batch[0]!.by : 'batch',
      );
    } catch (err) {
      log.warn({ errName: nameOf(err), pending: pending.size }, 'change feed append failed; will retry');
      reportOld();
      return false;
    }
    for (const p of batch) {
      pending.delete(p.id);
      for (const w of p.waiters) w();
    }
    // Leftover pending documents are harmless (a later adoption re-announces them, and events are idempotent).
    await Promise.all(batch.map((p) => pendingDocs.deleteOne({ _id: p.id }).catch(() => undefined)));
    return true;
  };

  const drain = (): Promise<boolean> => {
    draining ??= (async () => {
      try {
        for (;;) {
          const ok = await drainOnce();
          if (!ok) return false;
          if (pending.size === 0) return true;
        }
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  };

  const scheduleRetry = () => {
    if (stopped || retryTimer || pending.size === 0) return;
    const delay = Math.min(200 * 2 ** retries, 30_000);
    retries += 1;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void drain().then((ok) => {
        if (ok) retries = 0;
        else scheduleRetry();
      });
    }, delay);
    retryTimer.unref();
  };

  async function announce(event: ChangeEvent, by: string): Promise<void> {
    const p: Pending = { id: randomUUID(), event, by, since: clock().getTime(), stored: false, waiters: [], reported: false };
    try {
      await pendingDocs.insertOne({ _id: p.id, event, by, at: new Date(p.since) });
      p.stored = true;
    } catch (err) {
      // Kept in memory and recorded by the next drain; the change itself is already saved.
      log.warn({ errName: nameOf(err) }, 'could not record a pending change announcement; keeping it in memory');
    }
    const published = new Promise<void>((resolve) => p.waiters.push(resolve));
    pending.set(p.id, p);
    const ok = await Promise.race([published.then(() => true), drain()]);
    if (!ok) scheduleRetry();
  }

  async function adoptOrphans(olderThanMs: number): Promise<number> {
    // Few documents: only announcements whose append has not succeeded yet.
    const docs = await pendingDocs.find({}).toArray();
    const cutoff = clock().getTime() - olderThanMs;
    const orphans = docs.filter((d) => !pending.has(d._id) && new Date(d.at).getTime() <= cutoff);
    for (let i = 0; i < orphans.length; i += MAX_BATCH) {
      const chunk = orphans.slice(i, i + MAX_BATCH);
      await publish(
        chunk.map((d) => d.event),
        'adopted',
      );
      await Promise.all(chunk.map((d) => pendingDocs.deleteOne({ _id: d._id })));
    }
    return orphans.length;
  }

  async function head(): Promise<number> {
    return (await chain.latest(FEED))?.n ?? 0;
  }

  async function hintOf(): Promise<number> {
    return (await heads.findOne({ _id: FEED }))?.head ?? 0;
  }

  function follow(from: number, subscriber: FeedSubscriber, opts: FollowOptions): Follower {
    const timeoutMs = opts.timeoutMs ?? 5_000;
    let position = from;
    let halted = false;
    let timer: NodeJS.Timeout | undefined;
    let inFlight: Promise<void> | undefined;
    let polling: Promise<void> | undefined;
    // A heartbeat about every 5 s (counted in ticks, not read from a wall clock); the first at once.
    const beatEvery = Math.max(1, Math.round(5_000 / opts.intervalMs));
    let ticks = 0;
    let failing = false;

    const beat = async () => {
      if (ticks++ % beatEvery !== 0) return;
      await followers.updateOne({ _id: subscriber.name }, { $set: { position, at: clock() } }, { upsert: true });
    };

    // The next version is missing. If the head hint is past it, it was pruned
    // while this follower was away: jump to the oldest version kept and
    // rebuild from the data, since the events in between are gone.
    const recoverFromGap = async (): Promise<boolean> => {
      const hint = await hintOf();
      if (hint <= position) return false;
      // The version may have been written between our read of it and of the
      // hint (a version is inserted before the hint moves): read it again
      // before calling it pruned.
      if (await chain.at(FEED, position + 1)) return true;
      const tail = (await meta.findOne({ _id: TAIL }))?.n ?? hint;
      // Past the oldest version kept; at least past the missing one, so that a hole can never stall the follower.
      const jumpTo = Math.max(position + 1, tail - 1);
      log.warn({ follower: subscriber.name, from: position, to: jumpTo }, 'change feed follower fell behind the pruned part; rebuilding its caches');
      await subscriber.rebuild();
      position = jumpTo;
      return true;
    };

    const poll = async () => {
      for (;;) {
        if (halted) return;
        const next = await chain.at(FEED, position + 1);
        if (halted) return; // a read that outlived stop() applies nothing
        if (!next) {
          if (await recoverFromGap()) continue;
          return;
        }
        for (const event of eventsOf(next.state)) {
          try {
            await subscriber.apply(event, next.n);
          } catch (err) {
            // A database that is briefly unreachable: stay on this version and retry on the next tick.
            if (isTransientDatabaseError(err) || err instanceof PollTimeout) throw err;
            // An event this instance can never apply (bad data) must not block every later one.
            log.error({ follower: subscriber.name, feedPosition: next.n, kind: event.kind, errName: nameOf(err) }, 'change feed event cannot be applied; skipped');
          }
        }
        position = next.n;
      }
    };

    const tick = async () => {
      try {
        // A poll stuck on a hung database is waited for (the driver errors a dead
        // connection out in time), never started twice: no pile-up of reads.
        polling ??= poll().finally(() => {
          polling = undefined;
        });
        await withTimeout(polling, timeoutMs);
        await beat();
        if (failing) log.warn({ follower: subscriber.name, feedPosition: position }, 'change feed reachable again');
        failing = false;
      } catch (err) {
        if (!failing) log.warn({ follower: subscriber.name, feedPosition: position, errName: nameOf(err) }, 'change feed poll failed; retrying without moving on');
        failing = true;
      }
    };

    const schedule = () => {
      if (halted) return;
      timer = setTimeout(() => {
        inFlight = tick().finally(() => {
          inFlight = undefined;
          schedule();
        });
      }, opts.intervalMs);
      timer.unref();
    };
    schedule();

    return {
      get position() {
        return position;
      },
      async stop() {
        halted = true;
        clearTimeout(timer);
        if (inFlight) await withTimeout(inFlight, timeoutMs).catch(() => undefined);
        await withTimeout(followers.deleteOne({ _id: subscriber.name }), timeoutMs).catch(() => undefined);
      },
    };
  }

  async function prune(liveWithinMs: number): Promise<number> {
    const now = clock().getTime();
    const live = (await followers.find({}).toArray()).filter((f) => now - new Date(f.at).getTime() <= liveWithinMs);
    const hint = await hintOf();
    // Keep the version the head hint names (readers start there) and every
    // version a live follower still needs (its position + 1 onwards).
    const keepFrom = Math.min(hint, ...live.map((f) => f.position + 1));
    const tail = (await meta.findOne({ _id: TAIL }))?.n ?? 1;
    if (keepFrom <= tail) return 0;
    // The marker first: a follower that finds a gap jumps to it.
    await meta.updateOne({ _id: TAIL }, { $max: { n: keepFrom } }, { upsert: true }).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    });
    let deleted = 0;
    for (let n = tail; n < keepFrom; n += 32) {
      const ids = Array.from({ length: Math.min(32, keepFrom - n) }, (_, i) => `${FEED}:${n + i}`);
      const results = await Promise.all(ids.map((_id) => versions.deleteOne({ _id })));
      deleted += results.reduce((sum, r) => sum + r.deletedCount, 0);
    }
    return deleted;
  }

  async function followersPast(n: number, liveWithinMs: number): Promise<boolean> {
    const now = clock().getTime();
    const live = (await followers.find({}).toArray()).filter((f) => now - new Date(f.at).getTime() <= liveWithinMs);
    return live.every((f) => f.position >= n);
  }

  return {
    publish,
    announce,
    followersPast,
    async flush() {
      if (!(await drain())) throw new Error('the change feed could not be written');
    },
    adoptOrphans,
    pendingCount: () => pending.size,
    head,
    follow,
    prune,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      if (pending.size === 0) return;
      if (!(await drain())) {
        log.error({ pending: pending.size }, 'stopping with change announcements not yet on the feed; they stay pending in the database and the next start appends them');
      }
    },
  };
}
