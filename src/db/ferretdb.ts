import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LocalDatabaseUnavailable, type LocalDatabase, type Progress } from './local-database.types.ts';
import { ensureOwnerOnlyDir } from './owner-only.ts';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sourceDir = join(projectRoot, 'tools', 'ferretdb');
export const FERRETDB_VERSION = 'v1.24.2';

function goAvailable(): boolean {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0;
}

// The binary is keyed by the launcher's sources, so a change to them rebuilds it.
function binaryPath(): string {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(sourceDir, f)));
  return join(projectRoot, '.cache', 'ferretdb', hash.digest('hex').slice(0, 12), 'ferretdb');
}

// Measured: 111 s on an idle 2-core machine with the Go modules already
// downloaded, 443 s on a busy one; fetching the modules first adds to it.
const BUILD_ESTIMATE = 'usually 2–8 minutes';

// How long the build has run: a duration on the monotonic clock, not a time of day
// (no service clock is involved: this is the machine's own work, timed for a progress line).
function elapsed(since: number): string {
  const s = Math.round((performance.now() - since) / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export async function buildFerretDB(progress: Progress): Promise<string> {
  const out = binaryPath();
  if (existsSync(out)) return out;
  if (!goAvailable()) {
    throw new LocalDatabaseUnavailable(
      'FerretDB cannot be built: the Go toolchain (go) is not on PATH. Install Go 1.24 or later, or set MONGODB_URI.',
    );
  }
  progress(`building FerretDB ${FERRETDB_VERSION} from its Go module (first run only; ${BUILD_ESTIMATE} on a small machine)…`);
  mkdirSync(dirname(out), { recursive: true });
  // Build into a private name and rename: two processes building at once both
  // succeed and the rename is atomic.
  const tmp = `${out}.${process.pid}.tmp`;
  const started = performance.now();
  const ticker = setInterval(() => progress(`still building FerretDB (${elapsed(started)} so far; ${BUILD_ESTIMATE})…`), 15_000);
  try {
    const code = await new Promise<number>((resolveExit, reject) => {
      const child = spawn('go', ['build', '-trimpath', '-o', tmp, '.'], {
        cwd: sourceDir,
        env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (c) => resolveExit(c ?? 1));
    });
    if (code !== 0) {
      throw new LocalDatabaseUnavailable(`building FerretDB failed (go build exited with ${code}); see the output above, or set MONGODB_URI.`);
    }
    renameSync(tmp, out);
  } finally {
    clearInterval(ticker);
    rmSync(tmp, { force: true });
  }
  progress(`FerretDB built in ${elapsed(started)}; later starts reuse ${out}`);
  return out;
}

export interface FerretDBOptions {
  dataDir: string;
  postgresqlUrl?: string;
  progress: Progress;
}

export async function startFerretDB(opts: FerretDBOptions): Promise<LocalDatabase> {
  const bin = await buildFerretDB(opts.progress);
  ensureOwnerOnlyDir(opts.dataDir);
  const sqliteDir = join(opts.dataDir, 'sqlite');
  // FerretDB creates its files with the umask's modes; a private folder keeps them private.
  if (!opts.postgresqlUrl) ensureOwnerOnlyDir(sqliteDir);
  const args = ['-listen', '127.0.0.1:0', '-data', sqliteDir];
  if (opts.postgresqlUrl) args.push('-postgresql', opts.postgresqlUrl);
  // stdin stays a pipe: the launcher exits when it closes, so the database
  // never outlives its parent, even after a crash or SIGKILL.
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const uri = await new Promise<string>((resolveUri, reject) => {
    const lines = createInterface({ input: child.stdout });
    const onExit = (code: number | null) => reject(new LocalDatabaseUnavailable(`FerretDB exited at start (code ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    lines.on('line', (line) => {
      const m = /^listening (mongodb:\/\/\S+)/.exec(line);
      if (m?.[1]) {
        child.off('exit', onExit);
        resolveUri(m[1]);
      }
    });
  });
  return {
    uri,
    engine: 'ferretdb',
    version: FERRETDB_VERSION,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
    child.stdin?.end();
  });
}
