import type { Connection } from 'mongoose';
import { createChangeFeed } from '../db/change-feed.ts';
import { BoundedMap } from '../lib/bounded-map.ts';
import type { User, UsersRepository } from './users.repository.ts';

/**
 * What authentication needs on every request, held in memory: the users seen
 * (read by _id on first use) and the revoked token ids that have not expired.
 * A change made through this process applies on its very next request; one
 * made elsewhere (another instance, create-admin) arrives through the change
 * feed within `intervalMs`. This keeps database reads off the hot path, where
 * FerretDB answers a read by _id in milliseconds.
 */
export interface AccessCache {
  user(id: string): Promise<User | undefined>;
  isRevoked(jti: string, now: Date): boolean;
  forgetUser(id: string): void;
  remember(jti: string, expiresAt: Date): void;
  stop(): Promise<void>;
}

export async function startAccessCache(deps: {
  conn: Connection;
  users: UsersRepository;
  clock: () => Date;
  intervalMs?: number;
  maxUsers?: number;
}): Promise<AccessCache> {
  const feed = createChangeFeed(deps.conn, deps.clock);
  const from = await feed.head();
  const users = new BoundedMap<string, User>(deps.maxUsers ?? 100_000);
  // Bumped by every forget: a read that started before a role change is not cached.
  let generation = 0;
  const forget = (id: string) => {
    generation += 1;
    users.delete(id);
  };
  const revoked = new Map<string, number>();
  // Expired revocations are dropped here (no TTL indexes on FerretDB); the rest are kept in memory.
  await deps.users.deleteExpiredRevocations(deps.clock());
  for (const r of await deps.users.revokedSince(deps.clock())) revoked.set(r.jti, r.expiresAt.getTime());

  const follower = feed.follow(
    from,
    async (e) => {
      if (e.kind === 'user') forget(e.id);
      else if (e.kind === 'revoked') revoked.set(e.jti, new Date(e.expiresAt).getTime());
    },
    deps.intervalMs ?? 1000,
  );

  return {
    async user(id) {
      const hit = users.get(id);
      if (hit) return hit;
      const before = generation;
      const found = await deps.users.findById(id);
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
    stop: () => follower.stop(),
  };
}
