import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { connectDatabase } from '../../src/db/connect.ts';
import { testDatabaseUri } from '../support/db.ts';

// A process manager (systemd, Docker, a CI runner) stops `npm start` by sending
// SIGTERM to npm alone. Everything npm started must go with it: the Node
// process that serves, and the local database that process started.

interface Proc {
  pid: number;
  command: string;
}

function children(pid: number): Proc[] {
  const r = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), command: m[2]!.trim() }));
}

function tree(root: number): Proc[] {
  const found: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children(queue.shift()!)) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited orphan waits as a zombie until PID 1 reaps it, which some
  // container inits never do: it is gone all the same.
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('npm start', function () {
  this.timeout(120_000);

  it('when npm gets SIGTERM, then no process of its tree (npm, node, the local database) is left within 15 s', async () => {
    // The test run's own database comes first: on a fresh machine it builds
    // FerretDB into .cache, which the `npm start` below then reuses.
    const uri = await testDatabaseUri();
    const dataDir = mkdtempSync(join(tmpdir(), 'recovery-match-npm-start-'));
    const local = !process.env.MONGODB_URI;
    const dbName = `t_npm_start_${randomUUID().slice(0, 8)}`;
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    // Against a MongoDB named by the environment, npm start uses it (in a database of its own).
    if (!local) env.MONGODB_DB_NAME = dbName;
    const npm = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.on('data', (d) => (out += d));
    npm.stderr.on('data', (d) => (out += d));
    const npmExited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    let procs: Proc[] = [];
    try {
      const started = Date.now();
      while (!/"msg":"listening on http:\/\/[^"]+"/.test(out) && npm.exitCode === null && Date.now() - started < 90_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out, out).to.match(/"msg":"listening on http:\/\//);
      procs = [{ pid: npm.pid!, command: 'npm' }, ...tree(npm.pid!)];
      const commands = procs.map((p) => p.command);
      expect(commands.some((c) => c === 'node'), commands.join(', ')).to.equal(true);
      if (local) expect(commands.some((c) => /^(ferretdb|mongod)$/.test(c)), commands.join(', ')).to.equal(true);

      npm.kill('SIGTERM');

      const deadline = Date.now() + 15_000;
      let left = procs.filter((p) => isRunning(p.pid));
      while (left.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        left = procs.filter((p) => isRunning(p.pid));
      }
      expect(left.map((p) => `${p.pid} ${p.command}`), out).to.deep.equal([]);
      expect(await npmExited).to.equal(0);
      expect(out).to.include('"msg":"stopped"');
    } finally {
      for (const p of procs) if (isRunning(p.pid)) process.kill(p.pid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      if (!local) {
        const conn = await connectDatabase(uri, { autoIndex: false, dbName });
        await conn.dropDatabase().catch(() => undefined);
        await conn.close();
      }
    }
  });
});
