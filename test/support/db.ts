import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { connectDatabase, describeServer, type ServerInfo } from '../../src/db/connect.ts';
import { openLocalDatabase, type LocalDatabase } from '../../src/db/local-database.ts';

// One database server for the whole mocha run (started on first use, stopped
// by the global teardown in hooks.ts); a fresh database per test file.
// The state lives on globalThis: mocha loads the root hooks file through
// another module loader than the test files, and both must see one server.
type ServerState = Promise<{ uri: string; local?: LocalDatabase; dir?: string }>;
const KEY = Symbol.for('recovery-match.test-database');
const holder = globalThis as unknown as { [KEY]?: ServerState | undefined };

function startServer(): ServerState {
  holder[KEY] ??= (async () => {
    if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI };
    const dir = mkdtempSync(join(tmpdir(), 'recovery-match-test-'));
    const engine = (process.env.LOCAL_DB_ENGINE as 'auto' | 'mongod' | 'ferretdb' | undefined) ?? 'auto';
    const local = await openLocalDatabase({
      dataDir: dir,
      engine,
      progress: (m) => process.stderr.write(`  [test database] ${m}\n`),
      ...(process.env.LOCAL_DB_POSTGRESQL_URL ? { postgresqlUrl: process.env.LOCAL_DB_POSTGRESQL_URL } : {}),
    });
    return { uri: local.uri, local, dir };
  })();
  return holder[KEY];
}

export async function testDatabaseUri(): Promise<string> {
  return (await startServer()).uri;
}

export interface TestDatabase {
  conn: Connection;
  uri: string;
  dbName: string;
  server: ServerInfo;
  /** Drops the database and closes the connection. */
  drop(): Promise<void>;
}

export async function openTestDatabase(label: string): Promise<TestDatabase> {
  const { uri } = await startServer();
  const dbName = `t_${label.replace(/[^A-Za-z0-9]/g, '_').slice(0, 30)}_${randomUUID().slice(0, 8)}`;
  const conn = await connectDatabase(uri, { autoIndex: true, dbName });
  const info = await describeServer(conn);
  return {
    conn,
    uri,
    dbName,
    server: info,
    drop: async () => {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    },
  };
}

export async function stopTestDatabase(): Promise<void> {
  const server = holder[KEY];
  if (!server) return;
  const s = await server.catch(() => undefined);
  holder[KEY] = undefined;
  if (s?.local) await s.local.stop();
  if (s?.dir) rmSync(s.dir, { recursive: true, force: true });
}
