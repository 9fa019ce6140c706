import { AppError } from '../errors.ts';
import { isDuplicateKey } from './connect.ts';
import { isTransientDatabaseError } from './errors.ts';

/**
 * The one error policy at the database's edge: what the driver, mongoose or a
 * chain throws becomes an AppError of a kind the HTTP layer maps to a status,
 * so nothing above a repository needs to know a driver error by its name or
 * code. A repository that has a better word for a case (an email taken, a
 * sponsor at capacity) catches it itself and throws its own AppError first.
 */
export function toDatabaseAppError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (isDuplicateKey(err)) return new AppError('conflict', 'conflict', 'This conflicts with existing data.', { cause: err });
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'CastError') return new AppError('not-found', 'not-found', 'No such resource.', { cause: err });
  if (name === 'ChainConflict') return new AppError('conflict', 'concurrent-change', 'Someone else changed this at the same moment; try again.', { cause: err });
  if (isTransientDatabaseError(err)) return new AppError('unavailable', 'database-unavailable', 'The service is temporarily unavailable.', { cause: err });
  return err;
}

type AsyncMethods<R> = { [K in keyof R]: R[K] extends (...args: infer A) => Promise<infer T> ? (...args: A) => Promise<T> : R[K] };

/** Wraps every async method of a repository so its failures leave it as AppErrors. */
export function atRepositoryEdge<R extends object>(repository: R & AsyncMethods<R>): R {
  const wrapped = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(repository)) {
    wrapped[key] =
      typeof value === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(repository, args);
            } catch (err) {
              throw toDatabaseAppError(err);
            }
          }
        : value;
  }
  return wrapped as R;
}
