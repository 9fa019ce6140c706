import { AppError } from '../errors.ts';
import { toDatabaseAppError } from '../db/repository-edge.ts';
import { kindOfClientStatus } from './problem.ts';

interface LibraryError {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  code?: unknown;
}

/**
 * The one place where failures that are not AppErrors (from body-parser,
 * Express, mongoose and the driver) become AppErrors. Undefined means
 * unexpected: the error handler answers with its generic internal problem.
 */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as LibraryError;
  if (e.type === 'entity.parse.failed') return new AppError('validation', 'malformed-json', 'The request body is not valid JSON.');
  if (e.type === 'entity.too.large') return new AppError('payload-too-large', 'payload-too-large', 'The request body is larger than allowed.');
  // Other client errors raised by Express itself or its middleware: an
  // undecodable path parameter, a static asset that is not there.
  const clientKind = kindOfClientStatus(e.status ?? e.statusCode);
  if (clientKind === 'not-found') return new AppError('not-found', 'not-found', 'No such resource.');
  if (clientKind === 'validation') return new AppError('validation', 'bad-request', 'The request could not be read.');
  // Database errors are turned into AppErrors by the repositories, at their
  // edge; the same policy catches one that reached here some other way.
  const fromDatabase = toDatabaseAppError(err);
  if (fromDatabase instanceof AppError) return fromDatabase;
  return undefined;
}
