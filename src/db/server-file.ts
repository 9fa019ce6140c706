import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureOwnerOnlyDir, writeOwnerOnly } from './owner-only.ts';

// A running `npm start` records the URL it serves at in DATA_DIR/server.json,
// so that the commands run beside it (the demo seed) print links to the port
// it really listens on; address.json names the database, not the HTTP port.

interface ServerFile {
  url: string;
  pid: number;
}

const serverFile = (dataDir: string) => join(resolve(dataDir), 'server.json');

/**
 * Records the URL outside production, for as long as this process runs: it is
 * removed when the process exits (or by the function returned). A kill or a
 * crash leaves it behind, so readers check it still answers. Recording is a
 * convenience: a failure is reported and ignored.
 */
export function recordServerUrl(
  config: { readonly env: string; readonly dataDir: string },
  url: string,
  warn: (message: string) => void = () => undefined,
): () => void {
  if (config.env === 'production') return () => undefined;
  const file = serverFile(config.dataDir);
  try {
    ensureOwnerOnlyDir(resolve(config.dataDir));
    writeOwnerOnly(file, JSON.stringify({ url, pid: process.pid } satisfies ServerFile));
  } catch (err) {
    warn(`could not record the server's URL in ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return () => undefined;
  }
  const forget = () => {
    process.off('exit', forget);
    // Another `npm start` on the same data directory may have recorded itself since.
    if (readServerFile(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  process.once('exit', forget);
  return forget;
}

function readServerFile(file: string): ServerFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServerFile>;
    return typeof parsed.url === 'string' && Number.isInteger(parsed.pid) ? { url: parsed.url, pid: parsed.pid! } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The URL of the server running on this data directory: recorded, its process
 * alive, and answering /health (a crash or a kill leaves the file behind).
 */
export async function findRunningServer(dataDir: string): Promise<string | undefined> {
  const recorded = readServerFile(serverFile(dataDir));
  if (!recorded || !isAlive(recorded.pid)) return undefined;
  try {
    const res = await fetch(new URL('/health', recorded.url), { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok ? recorded.url : undefined;
  } catch {
    return undefined;
  }
}
