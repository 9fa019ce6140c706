import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { testDatabaseUri } from '../support/db.ts';

describe('the service process (src/main.ts)', function () {
  this.timeout(60_000);

  it('when started, then it logs the database engine and version, answers /ready, and on SIGTERM finishes and exits 0', async () => {
    const uri = await testDatabaseUri();
    const dataDir = mkdtempSync(join(tmpdir(), 'recovery-match-main-'));
    const dbName = `t_main_${randomUUID().slice(0, 8)}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'development', PORT: '0', MONGODB_URI: uri, MONGODB_DB_NAME: dbName, DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 45_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline) {
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, out).to.be.a('string');
      expect(out).to.match(/database engine: (ferretdb|mongodb) \S+/);
      const ready = await fetch(`${url}/ready`);
      expect(ready.status).to.equal(200);
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(out).to.include('"msg":"stopped"');
      // The log holds ids and outcomes: no request bodies, no emails.
      expect(out).not.to.match(/@example\.org|password/i);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('when the configuration is bad, then it refuses to start with a message naming the key', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'production', MONGODB_URI: '', JWT_SECRET: 'too-short' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).to.equal(1);
    expect(err).to.include('JWT_SECRET');
    expect(err).to.include('MONGODB_URI');
    expect(err).not.to.include('too-short');
    expect(err).not.to.match(/\n\s+at /); // no stack trace
  });
});
