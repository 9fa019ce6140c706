// Errors that say "the database could not be reached or answered in time",
// as opposed to "this request or this data is wrong": the first kind is worth
// retrying (a blip, a failover, a restart), the second never succeeds.
const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
]);

// Server codes for shutdown, failover and time limits (MongoDB's error_codes.yml).
const TRANSIENT_CODES = new Set([6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

export function isTransientDatabaseError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; errorLabels?: unknown };
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'number' && TRANSIENT_CODES.has(e.code)) return true;
  if (Array.isArray(e.errorLabels) && e.errorLabels.some((l) => l === 'RetryableWriteError' || l === 'TransientTransactionError' || l === 'ResetPool')) return true;
  // mongoose's command buffering gave up waiting for a connection.
  return e.name === 'MongooseError' && typeof e.message === 'string' && e.message.includes('buffering timed out');
}
