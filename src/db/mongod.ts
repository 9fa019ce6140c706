import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

/** Why the download failed, when it failed within the last day. */
function recentRefusal(): string | undefined {
  // The marker's age on the file system's clock (mtime is wall time): a fact about this machine, not service time.
  if (!existsSync(refusedMarker) || Date.now() - statSync(refusedMarker).mtimeMs >= DAY_MS) return undefined;
  // "<ISO time> <reason>". Earlier versions recorded the package's own message,
  // whose "Details:" line was cut off: only its url says anything.
  const recorded = oneLine(readFileSync(refusedMarker, 'utf8').replace(/^\S+\s*/, ''));
  const legacyUrl = /^Download failed for url "([^"]+)"/.exec(recorded)?.[1];
  if (legacyUrl) return `the download from ${hostOf(legacyUrl)} failed`;
  return recorded || 'no reason recorded';
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Why mongod could not be had, in one line for a person. A failed download
 * (mongodb-memory-server's DownloadError) carries the url and the network's or
 * the server's answer ("getaddrinfo ENOTFOUND fastdl.mongodb.org", "Status:
 * 403") apart from its message, whose layout puts them on a second line after
 * an empty "Details:".
 */
export function describeMongodFailure(err: unknown): string {
  const e = err as { url?: unknown; msg?: unknown } | null | undefined;
  if (typeof e?.url === 'string' && typeof e.msg === 'string') {
    return `the download from ${hostOf(e.url)} failed: ${oneLine(e.msg) || 'no reason given'}`;
  }
  const message = oneLine(err instanceof Error ? err.message : String(err)).replace(/,?\s*Details:$/, '');
  return message || 'no reason given';
}

/**
 * A real mongod through mongodb-memory-server-core: MONGOMS_SYSTEM_BINARY, a
 * mongod on PATH, or the package's download at run time (refused on machines
 * without internet, where it fails within seconds). Returns undefined when none
 * can be had.
 */
export async function startMongod(dataDir: string, progress: Progress): Promise<LocalDatabase | undefined> {
  const systemBinary = process.env.MONGOMS_SYSTEM_BINARY || mongodOnPath();
  const refused = systemBinary ? undefined : recentRefusal();
  if (refused) {
    progress(`mongod could not be downloaded within the last day (${refused}); using FerretDB instead (delete ${refusedMarker} to try the download again)`);
    return undefined;
  }
  const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
  let binary = systemBinary;
  if (!binary) {
    progress('looking for mongod (mongodb-memory-server download)…');
    // Resolve (or download) the binary first: a failure here is quiet and fast,
    // where MongoMemoryServer.create would print a stack trace on its way out.
    try {
      binary = await MongoBinary.getPath();
    } catch (err) {
      const reason = describeMongodFailure(err);
      mkdirSync(dirname(refusedMarker), { recursive: true });
      writeFileSync(refusedMarker, `${new Date().toISOString()} ${reason}\n`);
      progress(`mongod could not be downloaded (${reason}); using FerretDB instead`);
      return undefined;
    }
  } else {
    progress(`starting mongod from ${binary}`);
  }
  ensureOwnerOnlyDir(join(dataDir, 'mongod'));
  try {
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
    progress(`mongod from ${binary} did not start (${describeMongodFailure(err)}); using FerretDB instead`);
    return undefined;
  }
}
