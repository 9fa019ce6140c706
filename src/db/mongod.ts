import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalDatabase, Progress } from './local-database.types.ts';
import { ensureOwnerOnlyDir } from './owner-only.ts';

function mongodOnPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v mongod'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

// A refused download is remembered for a day, so that restarts on a machine
// without internet do not spend seconds on it each time.
const refusedMarker = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), '.cache', 'mongod-download-refused');
const DAY_MS = 86_400_000;

function downloadRecentlyRefused(): boolean {
  return existsSync(refusedMarker) && Date.now() - statSync(refusedMarker).mtimeMs < DAY_MS;
}

/**
 * A real mongod through mongodb-memory-server-core: MONGOMS_SYSTEM_BINARY, a
 * mongod on PATH, or the package's download at run time (refused on machines
 * without internet, where it fails within seconds). Returns undefined when none
 * can be had.
 */
export async function startMongod(dataDir: string, progress: Progress): Promise<LocalDatabase | undefined> {
  const systemBinary = process.env.MONGOMS_SYSTEM_BINARY || mongodOnPath();
  if (!systemBinary && downloadRecentlyRefused()) {
    progress(`mongod: its download was refused within the last day (delete ${refusedMarker} to retry); using FerretDB`);
    return undefined;
  }
  const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
  ensureOwnerOnlyDir(join(dataDir, 'mongod'));
  try {
    progress(systemBinary ? `starting mongod from ${systemBinary}` : 'looking for mongod (mongodb-memory-server download)…');
    // Resolve (or download) the binary first: a failure here is quiet and fast,
    // where MongoMemoryServer.create would print a stack trace on its way out.
    const binary = systemBinary ?? (await MongoBinary.getPath());
    const server = await MongoMemoryServer.create({
      instance: { dbPath: join(dataDir, 'mongod'), storageEngine: 'wiredTiger', ip: '127.0.0.1' },
      binary: { systemBinary: binary },
    });
    const version = server.opts.binary?.version ?? 'unknown';
    return {
      uri: server.getUri(),
      engine: 'mongod',
      version,
      stop: async () => {
        await server.stop({ doCleanup: false });
      },
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    if (!systemBinary) {
      mkdirSync(dirname(refusedMarker), { recursive: true });
      writeFileSync(refusedMarker, `${new Date().toISOString()} ${reason}\n`);
    }
    progress(`mongod is not available here (${reason}); falling back to FerretDB`);
    return undefined;
  }
}
