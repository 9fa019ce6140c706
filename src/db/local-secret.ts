import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureOwnerOnlyDir, tightenOwnerOnly, writeOwnerOnly } from './owner-only.ts';

/** Outside production only: a signing secret generated once and kept under the data directory. */
export function localJwtSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  ensureOwnerOnlyDir(dataDir);
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(kept) >= 32) {
      tightenOwnerOnly(file);
      return kept;
    }
  }
  const secret = randomBytes(48).toString('base64url');
  writeOwnerOnly(file, secret);
  return secret;
}
