import { AppError } from '../errors.ts';

/** How many times a writer beaten to a chain's next version reads again before answering 409. */
export const RACE_ATTEMPTS = 12;

export const isConcurrentChange = (err: unknown): boolean => err instanceof AppError && err.slug === 'concurrent-change';

/**
 * Runs `attempt` (read the latest version, decide, append the next one) again
 * each time another writer took that version first, after a short random
 * pause; after `attempts` lost races, 409 `concurrent-change`. Any other error,
 * a rule's refusal included, ends it at once.
 */
export async function untilWritten<T>(what: string, attempt: () => Promise<T>, attempts = RACE_ATTEMPTS): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isConcurrentChange(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * (i + 1)));
    }
  }
  throw new AppError('conflict', 'concurrent-change', `${what} is changing at this moment; try again.`);
}
