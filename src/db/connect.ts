import mongoose, { type Connection } from 'mongoose';

export interface ServerInfo {
  engine: 'mongodb' | 'ferretdb';
  version: string;
}

// Query filters are sanitised ($-keys in user input are neutralised) and an
// unknown filter path is an error, not a silently empty query.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

export interface ConnectOptions {
  autoIndex: boolean;
  dbName?: string;
  /** How long a command waits for a server to send it to (the driver's default is 30 s). */
  serverSelectionTimeoutMS?: number;
  /** How long a command waits in mongoose's buffer while the connection is down (mongoose's default is 10 s). */
  bufferTimeoutMS?: number;
}

// While the database is out, a request should hear so in about two seconds,
// not hold its client (and a worker) for ten. No socket timeout is set: it
// would cut off the slowest legitimate read, and an outage is caught by
// server selection, not by a socket that waits.
export const DATABASE_WAIT_MS = 2_000;

export async function connectDatabase(uri: string, opts: ConnectOptions): Promise<Connection> {
  // bufferTimeoutMS is a documented connection option that mongoose's type for the options leaves out.
  const options: mongoose.ConnectOptions & { bufferTimeoutMS: number } = {
    autoIndex: opts.autoIndex,
    autoCreate: true,
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? DATABASE_WAIT_MS,
    bufferTimeoutMS: opts.bufferTimeoutMS ?? DATABASE_WAIT_MS,
    ...(opts.dbName ? { dbName: opts.dbName } : {}),
  };
  const conn = mongoose.createConnection(uri, options);
  await conn.asPromise();
  return conn;
}

export async function describeServer(conn: Connection): Promise<ServerInfo> {
  const info = (await conn.db!.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
  // FerretDB embedded from its Go module reports no version of its own; the
  // launcher pins v1.24.2 (tools/ferretdb/go.mod).
  if (info.ferretdbVersion) return { engine: 'ferretdb', version: info.ferretdbVersion === 'unknown' ? `v1.24.2 (mongo wire ${info.version ?? '?'})` : info.ferretdbVersion };
  return { engine: 'mongodb', version: info.version ?? 'unknown' };
}

export async function isDatabaseReachable(conn: Connection): Promise<boolean> {
  if (conn.readyState !== mongoose.ConnectionStates.connected) return false;
  try {
    await conn.db!.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
