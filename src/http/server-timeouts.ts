import type { Server } from 'node:http';

export interface ServerTimeouts {
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included: a declared body that never comes is cut off. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** How often Node looks for requests past those limits; it cuts them off only when it looks. */
  checkIntervalMs: number;
}

// Node's defaults (60 s for headers, 300 s for a request, checked every 30 s)
// let a few hundred slow clients hold every socket for minutes.
export const DEFAULT_SERVER_TIMEOUTS: Readonly<ServerTimeouts> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
});

/**
 * Call it before the server starts listening, or in the same tick as `listen()`:
 * Node reads the check interval when the server starts to listen.
 */
export function applyServerTimeouts(server: Server, opts: Partial<ServerTimeouts> = {}): void {
  const t = { ...DEFAULT_SERVER_TIMEOUTS, ...opts };
  // Node refuses this pair in createServer's options; set as properties, it would take it silently.
  if (t.headersTimeoutMs > t.requestTimeoutMs) {
    throw new RangeError(`headersTimeoutMs (${t.headersTimeoutMs}) must not exceed requestTimeoutMs (${t.requestTimeoutMs})`);
  }
  server.headersTimeout = t.headersTimeoutMs;
  server.requestTimeout = t.requestTimeoutMs;
  server.keepAliveTimeout = t.keepAliveTimeoutMs;
  // createServer's option `connectionsCheckingInterval`, kept on the server as a property (absent from @types/node).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = t.checkIntervalMs;
}
