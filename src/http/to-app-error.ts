import { AppError } from '../errors.ts';
import { kindOfClientStatus } from './problem.ts';

interface LibraryError {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  code?: unknown;
}

const DATABASE_OUT = new Set(['MongoServerSelectionError', 'MongoNetworkError', 'MongoNotConnectedError']);

// mongoose gives up on a command it held while the connection was down with a
// plain MongooseError; only its message says so ("Operation `users.findOne()`
// buffering timed out after 2000ms", or "Connection operation buffering ...").
const BUFFERING_TIMED_OUT = /buffering timed out after/;

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
  if (e.name === 'CastError') return new AppError('not-found', 'not-found', 'No such resource.');
  if (e.code === 11000) return new AppError('conflict', 'conflict', 'This conflicts with existing data.');
  if (e.name === 'ChainConflict') return new AppError('conflict', 'concurrent-change', 'Someone else changed this at the same moment; try again.');
  if (
    (typeof e.name === 'string' && DATABASE_OUT.has(e.name)) ||
    (e.name === 'MongooseError' && typeof e.message === 'string' && BUFFERING_TIMED_OUT.test(e.message))
  ) {
    return new AppError('unavailable', 'database-unavailable', 'The service is temporarily unavailable.');
  }
  return undefined;
}
