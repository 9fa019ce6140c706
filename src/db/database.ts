import { resolve } from 'node:path';
import type { Connection } from 'mongoose';
import type { Config } from '../config.ts';
import { connectDatabase, describeServer, type ServerInfo } from './connect.ts';
import { openLocalDatabase } from './local-database.ts';

export interface OpenDatabase {
  conn: Connection;
  server: ServerInfo;
  /** Closes the connection, and stops the local database if this process started it. */
  close(): Promise<void>;
}

/** MONGODB_URI when set; otherwise the local database of DATABASE.md under the data directory. */
export async function openDatabase(config: Readonly<Config>, progress: (m: string) => void): Promise<OpenDatabase> {
  let uri = config.mongodbUri;
  let stopLocal = (): Promise<void> => Promise.resolve();
  if (!uri) {
    const local = await openLocalDatabase({
      dataDir: resolve(config.dataDir, 'db'),
      engine: config.localDb.engine,
      progress,
      ...(config.localDb.postgresqlUrl ? { postgresqlUrl: config.localDb.postgresqlUrl } : {}),
    });
    uri = local.uri;
    stopLocal = () => local.stop();
  }
  try {
    const conn = await connectDatabase(uri, {
      autoIndex: config.env !== 'production',
      ...(config.mongodbDbName ? { dbName: config.mongodbDbName } : {}),
    });
    const server = await describeServer(conn);
    return {
      conn,
      server,
      close: async () => {
        await conn.close();
        await stopLocal();
      },
    };
  } catch (err) {
    await stopLocal();
    throw err;
  }
}
