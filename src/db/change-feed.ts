import type { Connection } from 'mongoose';
import { createChain } from './chain.ts';

export type ChangeEvent =
  | { kind: 'sponsor'; id: string }
  | { kind: 'newcomer'; id: string }
  | { kind: 'programs' }
  | { kind: 'places'; id: string }
  | { kind: 'user'; id: string }
  | { kind: 'revoked'; jti: string; expiresAt: string };

export interface ChangeFeed {
  /** Appends the event as the next version of the feed chain (ordered, gapless). */
  publish(event: ChangeEvent, by: string): Promise<number>;
  /**
   * For events that follow a write already made: never throws into the
   * request (the user's change is saved); a failed append is retried in the
   * background with backoff, and reported if it still fails.
   */
  announce(event: ChangeEvent, by: string, onFailure?: (err: unknown) => void): Promise<void>;
  /** The newest position, to start following from. */
  head(): Promise<number>;
  /** Calls onEvent for every event after `from`, in order, polling every `intervalMs`. */
  follow(
    from: number,
    onEvent: (e: ChangeEvent, n: number) => Promise<void>,
    intervalMs: number,
    onError?: (err: unknown, n: number) => void,
  ): { stop(): Promise<void> };
}

const FEED = 'feed';

// The ordered change feed of DATABASE.md: a chain whose versions are events.
// Other API instances follow it by probing the next _id, which FerretDB's
// SQLite backend answers with one indexed lookup.
export function createChangeFeed(conn: Connection, clock: () => Date): ChangeFeed {
  const chain = createChain<ChangeEvent>(conn, 'change_feed');
  const publish = async (event: ChangeEvent, by: string): Promise<number> => {
    const v = await chain.transition(FEED, () => ({ state: event, by }), clock, 50);
    return v.n;
  };
  return {
    publish,
    async announce(event, by, onFailure = () => undefined) {
      const attempt = async (tries: number): Promise<void> => {
        try {
          await publish(event, by);
        } catch (err) {
          if (tries >= 5) {
            onFailure(err);
            return;
          }
          setTimeout(() => void attempt(tries + 1), 200 * 2 ** tries).unref();
        }
      };
      await attempt(0);
    },
    async head() {
      return (await chain.latest(FEED))?.n ?? 0;
    },
    follow(from, onEvent, intervalMs, onError = () => undefined) {
      let position = from;
      let stopped = false;
      let running: Promise<void> = Promise.resolve();
      const tick = async () => {
        for (;;) {
          if (stopped) return;
          // A database error while reading stops this tick; the next one retries.
          const next = await chain.at(FEED, position + 1);
          if (!next) return;
          try {
            await onEvent(next.state, next.n);
          } catch (err) {
            // An event this instance cannot apply (bad data) must not block
            // every later one: report it and move on.
            onError(err, next.n);
          }
          position = next.n;
        }
      };
      const timer = setInterval(() => {
        running = running.then(tick).catch(() => undefined);
      }, intervalMs);
      timer.unref();
      return {
        async stop() {
          stopped = true;
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}
