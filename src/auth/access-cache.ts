import type { ChangeFeed, FeedLog, Follower } from '../db/change-feed.ts';
import { BoundedMap } from '../lib/bounded-map.ts';
import type { AccessEntry, UsersRepository } from './users.repository.ts';

/**
 * What authentication needs on every request, held in memory: the roles of
 * the accounts seen (read by _id on first use; never emails, names or
 * password hashes) and the revoked token ids that have not expired.
 * A change made through this process applies on its very next request; one
 * made elsewhere (another instance, create-admin) arrives through the change
 * feed within `intervalMs`; and every `repairEveryMs` what is held is read
 * again and repaired, in case an announcement was lost.
 */
export interface AccessCache {
  user(id: string): Promise<AccessEntry | undefined>;
  isRevoked(jti: string, now: Date): boolean;
  forgetUser(id: string): void;
  remember(jti: string, expiresAt: Date): void;
  /** Re-reads every cached account and the revocations; returns how many entries were wrong. */
  repair(): Promise<number>;
  readonly size: { users: number; revoked: number };
  stop(): Promise<void>;
}

export async function startAccessCache(deps: {
  users: UsersRepository;
  feed: ChangeFeed;
  clock: () => Date;
  log?: FeedLog;
  intervalMs?: number;
  repairEveryMs?: number;
  maxUsers?: number;
  /** Names this process's position on the feed (heartbeat). */
  instanceId?: string;
}): Promise<AccessCache> {
  const from = await deps.feed.head();
  const users = new BoundedMap<string, AccessEntry>(deps.maxUsers ?? 100_000);
  // Bumped by every forget: a read that started before a role change is not cached.
  let generation = 0;
  const forget = (id: string) => {
    generation += 1;
    users.delete(id);
  };
  const revoked = new Map<string, number>();

  const sweepExpired = (now: number) => {
    for (const [jti, until] of revoked) if (until <= now) revoked.delete(jti);
  };
  const loadRevocations = async () => {
    const now = deps.clock();
    // Expired revocations are dropped here (no TTL indexes on FerretDB); the rest are kept in memory.
    await deps.users.deleteExpiredRevocations(now);
    let added = 0;
    for (const r of await deps.users.revokedSince(now)) {
      if (!revoked.has(r.jti)) added += 1;
      revoked.set(r.jti, r.expiresAt.getTime());
    }
    sweepExpired(now.getTime());
    return added;
  };
  await loadRevocations();

  const follower: Follower = deps.feed.follow(
    from,
    {
      name: `${deps.instanceId ?? 'local'}:access-cache`,
      apply(e) {
        if (e.kind === 'user') forget(e.id);
        else if (e.kind === 'revoked') revoked.set(e.jti, new Date(e.expiresAt).getTime());
        return Promise.resolve();
      },
      async rebuild() {
        generation += 1;
        users.clear();
        await loadRevocations();
      },
    },
    { intervalMs: deps.intervalMs ?? 1000 },
  );

  const repair = async (): Promise<number> => {
    let wrong = 0;
    for (const id of users.keys()) {
      const before = generation;
      const held = users.peek(id);
      const fresh = await deps.users.accessEntry(id);
      if (before !== generation || users.peek(id) !== held) continue; // changed meanwhile: the newer state wins
      if (!fresh) {
        users.delete(id);
        wrong += 1;
      } else if (JSON.stringify(fresh) !== JSON.stringify(held)) {
        users.set(id, fresh);
        wrong += 1;
      }
    }
    wrong += await loadRevocations();
    return wrong;
  };

  let repairing: Promise<unknown> | undefined;
  const repairTimer = setInterval(() => {
    repairing ??= repair()
      .then((wrong) => {
        if (wrong > 0) deps.log?.warn({ wrong }, 'access cache repaired: a change had not arrived through the feed');
      })
      .catch((err: unknown) => deps.log?.warn({ errName: (err as Error)?.name }, 'access cache repair failed; will try again'))
      .finally(() => {
        repairing = undefined;
      });
  }, deps.repairEveryMs ?? 5 * 60_000);
  repairTimer.unref();

  return {
    async user(id) {
      const hit = users.get(id);
      if (hit) return hit;
      const before = generation;
      const found = await deps.users.accessEntry(id);
      if (found && before === generation) users.set(id, found);
      return found;
    },
    isRevoked(jti, now) {
      const until = revoked.get(jti);
      if (until === undefined) return false;
      if (until <= now.getTime()) {
        revoked.delete(jti); // expired anyway: the token fails its exp check
        return false;
      }
      return true;
    },
    forgetUser: forget,
    remember(jti, expiresAt) {
      revoked.set(jti, expiresAt.getTime());
    },
    repair,
    get size() {
      return { users: users.size, revoked: revoked.size };
    },
    async stop() {
      clearInterval(repairTimer);
      await repairing;
      await follower.stop();
    },
  };
}
