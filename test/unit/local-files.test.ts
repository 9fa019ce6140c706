import { expect } from 'chai';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalDatabase, type LocalEngine } from '../../src/db/local-database.ts';
import { localJwtSecret } from '../../src/db/local-secret.ts';
import { ensureOwnerOnlyDir, writeOwnerOnly } from '../../src/db/owner-only.ts';
import { testDatabaseUri } from '../support/db.ts';

// The local database has no password: whoever reads address.json can connect
// to it, and whoever reads jwt-secret can sign tokens. Both, and the database
// files, are for the account that runs the service only.
const modeOf = (path: string) => statSync(path).mode & 0o777;
const octal = (mode: number) => `0o${mode.toString(8)}`;

describe('local files are owner-only', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'recovery-match-files-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  // A directory or file left world-readable by an earlier version, as the umask made it.
  function worldReadableDir(...parts: string[]): string {
    const dir = join(root, ...parts);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    return dir;
  }
  function worldReadableFile(path: string, content: string): void {
    writeFileSync(path, content);
    chmodSync(path, 0o644);
  }

  describe('the helpers', () => {
    const dirs: Array<[string, () => string]> = [
      ['a new directory with new parents', () => join(root, 'a', 'b')],
      ['an existing world-readable directory', () => worldReadableDir('old')],
    ];
    for (const [what, make] of dirs) {
      it(`when ensureOwnerOnlyDir gets ${what}, then it exists with mode 0o700`, () => {
        const dir = make();
        ensureOwnerOnlyDir(dir);
        expect(octal(modeOf(dir))).to.equal('0o700');
      });
    }

    const files: Array<[string, (path: string) => void]> = [
      ['a new file', () => undefined],
      ['an existing world-readable file', (path) => worldReadableFile(path, 'old content')],
    ];
    for (const [what, prepare] of files) {
      it(`when writeOwnerOnly writes ${what}, then it holds the content with mode 0o600 and no temporary file is left`, () => {
        const file = join(root, 'secret.json');
        prepare(file);
        writeOwnerOnly(file, '{"uri":"mongodb://127.0.0.1:1/"}');
        expect(readFileSync(file, 'utf8')).to.equal('{"uri":"mongodb://127.0.0.1:1/"}');
        expect(octal(modeOf(file))).to.equal('0o600');
        expect(readdir(root)).to.deep.equal(['secret.json']);
      });
    }
  });

  describe('the signing secret (src/db/local-secret.ts)', () => {
    it('when the data directory is new, then it is 0o700 and jwt-secret 0o600', () => {
      const dataDir = join(root, 'data');
      localJwtSecret(dataDir);
      expect(octal(modeOf(dataDir))).to.equal('0o700');
      expect(octal(modeOf(join(dataDir, 'jwt-secret')))).to.equal('0o600');
    });

    it('when an earlier run left them world-readable, then the same secret is kept and both are tightened', () => {
      const dataDir = worldReadableDir('data');
      const kept = 'k'.repeat(48);
      worldReadableFile(join(dataDir, 'jwt-secret'), kept);
      expect(localJwtSecret(dataDir)).to.equal(kept);
      expect(octal(modeOf(dataDir))).to.equal('0o700');
      expect(octal(modeOf(join(dataDir, 'jwt-secret')))).to.equal('0o600');
    });
  });

  describe('the local database (src/db/local-database.ts)', () => {
    const engine = (process.env.LOCAL_DB_ENGINE as LocalEngine | undefined) ?? 'auto';

    it('when a database is started on a world-readable data directory, then the directory, its database folder and address.json are owner-only', async function () {
      this.timeout(120_000);
      const dataDir = worldReadableDir('db');
      const sqlite = worldReadableDir('db', 'sqlite');
      const local = await openLocalDatabase({ dataDir, engine, progress: () => undefined });
      try {
        expect(octal(modeOf(dataDir))).to.equal('0o700');
        expect(octal(modeOf(join(dataDir, 'address.json')))).to.equal('0o600');
        expect(JSON.parse(readFileSync(join(dataDir, 'address.json'), 'utf8'))).to.include({ uri: local.uri, pid: process.pid });
        const engineDir = local.engine === 'ferretdb' ? sqlite : join(dataDir, 'mongod');
        expect(octal(modeOf(engineDir))).to.equal('0o700');
      } finally {
        await local.stop();
      }
      expect(existsSync(join(dataDir, 'address.json'))).to.equal(false);
    });

    it('when another process already serves the data directory, then its directory and address.json are tightened too', async () => {
      const dataDir = worldReadableDir('db');
      const uri = await testDatabaseUri();
      worldReadableFile(join(dataDir, 'address.json'), JSON.stringify({ uri, engine: 'ferretdb', version: 'test', pid: 1 }));
      const reused = await openLocalDatabase({ dataDir, engine, progress: () => undefined });
      expect(reused.uri).to.equal(uri);
      await reused.stop(); // not ours: stops nothing
      expect(octal(modeOf(dataDir))).to.equal('0o700');
      expect(octal(modeOf(join(dataDir, 'address.json')))).to.equal('0o600');
    });
  });
});

function readdir(dir: string): string[] {
  return readdirSync(dir).sort();
}
