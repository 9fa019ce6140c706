import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';

// What we keep under the data directory is for the account that runs the
// service only: the local database has no password (its address is the key),
// and the signing secret mints tokens.
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Creates the directory (and any missing parents) and makes it owner-only.
 * The chmod is needed: mkdir's mode is masked by the umask, and does nothing
 * to a directory an earlier version left world-readable.
 */
export function ensureOwnerOnlyDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: DIR_MODE });
  chmodSync(path, DIR_MODE);
}

/** Makes a file we wrote earlier owner-only, if it is there. */
export function tightenOwnerOnly(path: string): void {
  if (existsSync(path)) chmodSync(path, FILE_MODE);
}

/**
 * Writes the file owner-only, replacing it whole: the content goes to a new
 * private file that is renamed over the old one, so that no reader sees it
 * half written and it is never readable by others, whatever the old file's mode.
 */
export function writeOwnerOnly(path: string, content: string): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, content, { mode: FILE_MODE, flag: 'wx' });
    chmodSync(tmp, FILE_MODE);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
