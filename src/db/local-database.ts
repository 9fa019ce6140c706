import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { startFerretDB } from './ferretdb.ts';
import { startMongod } from './mongod.ts';
import { ensureOwnerOnlyDir, tightenOwnerOnly, writeOwnerOnly } from './owner-only.ts';
import { LocalDatabaseUnavailable, type LocalDatabase, type Progress } from './local-database.types.ts';

export { LocalDatabaseUnavailable, type LocalDatabase } from './local-database.types.ts';

export type LocalEngine = 'auto' | 'mongod' | 'ferretdb';

export interface LocalDatabaseOptions {
  dataDir: string;
  engine: LocalEngine;
  postgresqlUrl?: string;
  progress: Progress;
}

interface AddressFile {
  uri: string;
  engine: LocalDatabase['engine'];
  version: string;
  pid: number;
}

const addressFile = (dataDir: string) => join(dataDir, 'address.json');

async function answersPing(uri: string): Promise<boolean> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The database another process of ours started on this data directory, if it still answers. */
export async function findRunningLocalDatabase(dataDir: string): Promise<LocalDatabase | undefined> {
  const file = addressFile(dataDir);
  if (!existsSync(file)) return undefined;
  let recorded: AddressFile;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as AddressFile;
  } catch {
    return undefined;
  }
  if (!(await answersPing(recorded.uri))) return undefined;
  // Not ours to stop: the process that started it does.
  return { uri: recorded.uri, engine: recorded.engine, version: recorded.version, stop: () => Promise.resolve() };
}

/**
 * One local database per data directory: reuse the one recorded there if it
 * answers, otherwise start mongod where one can be had, else FerretDB, and
 * record its address for the other commands (create-admin, seed) to find.
 */
export async function openLocalDatabase(opts: LocalDatabaseOptions): Promise<LocalDatabase> {
  ensureOwnerOnlyDir(opts.dataDir);
  const running = await findRunningLocalDatabase(opts.dataDir);
  if (running) {
    // Recorded by an earlier version that left it readable by everyone.
    tightenOwnerOnly(addressFile(opts.dataDir));
    opts.progress(`using the ${running.engine} already serving ${opts.dataDir}`);
    return running;
  }
  let db: LocalDatabase | undefined;
  if (opts.engine !== 'ferretdb') {
    db = await startMongod(opts.dataDir, opts.progress);
    if (!db && opts.engine === 'mongod') {
      throw new LocalDatabaseUnavailable('LOCAL_DB_ENGINE=mongod but no mongod could be had: set MONGOMS_SYSTEM_BINARY, put mongod on PATH or allow its download.');
    }
  }
  if (!db) {
    db = await startFerretDB({
      dataDir: opts.dataDir,
      progress: opts.progress,
      ...(opts.postgresqlUrl ? { postgresqlUrl: opts.postgresqlUrl } : {}),
    });
  }
  const record: AddressFile = { uri: db.uri, engine: db.engine, version: db.version, pid: process.pid };
  // The address is all it takes to connect (the local database has no password).
  writeOwnerOnly(addressFile(opts.dataDir), JSON.stringify(record));
  const started = db;
  return {
    ...started,
    stop: async () => {
      rmSync(addressFile(opts.dataDir), { force: true });
      await started.stop();
    },
  };
}
