import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { testDatabaseUri } from '../support/db.ts';
import { registration } from '../support/factories.ts';
import { parseMail } from '../support/smtp.ts';

// `npm start` with no configuration: mail goes to .eml files under DATA_DIR/outbox,
// delivered by the jobs that run inside the API; `npm run worker` runs beside it
// on the same local database, and a message is still written once. A new account
// is mailed the link to confirm its address; the welcome follows the confirmation.

interface Running {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function run(script: string, env: NodeJS.ProcessEnv): Running {
  const proc = spawn('npm', ['run', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return { proc, out: () => out, exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))) };
}

async function waitFor(what: string, ok: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${log()}`);
    await sleep(200);
  }
}

describe('npm start and npm run worker: mail without configuration', function () {
  this.timeout(240_000);
  let dataDir: string;
  const started: Running[] = [];

  before(async () => {
    await testDatabaseUri(); // builds FerretDB into .cache first on a fresh machine
    dataDir = mkdtempSync(join(tmpdir(), 'recovery-match-mail-'));
  });
  after(async () => {
    for (const r of started.reverse()) {
      if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
      await r.exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a member registers and then confirms the address by the mailed link, then the verification email and then the welcome are each written once as an .eml file, with the worker running beside the API', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    delete env.SMTP_URL;
    // Against a MongoDB named by the environment, both use it, in a database of their own.
    if (process.env.MONGODB_URI) env.MONGODB_DB_NAME = `t_mail_${randomUUID().slice(0, 8)}`;
    const api = run('start', env);
    started.push(api);
    await waitFor('the API to listen', () => /"msg":"listening on (http:\/\/[^ "]+)/.test(api.out()), 120_000, api.out);
    const url = /"msg":"listening on (http:\/\/[^ "]+)/.exec(api.out())![1]!;
    const worker = run('worker', env);
    started.push(worker);
    await waitFor('the worker to run', () => worker.out().includes('worker running the scheduled jobs'), 60_000, worker.out);

    const body = registration({ displayName: 'Robin' });
    const res = await fetch(`${url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).to.equal(201);
    const outbox = join(dataDir, 'outbox');
    const emls = () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')) : []);
    const logs = () => api.out() + worker.out();
    // The delivery job runs every 15 seconds in the API and in the worker.
    await waitFor('the verification email', () => emls().length > 0, 60_000, logs);
    expect(emls()).to.have.length(1);
    const verifyFile = emls()[0]!;
    const eml = readFileSync(join(outbox, verifyFile), 'utf8');
    expect(eml).to.match(/^Subject: Please confirm your email address$/m);
    expect(eml).to.include(`To: ${body.email}`);
    expect(eml).to.include('Robin');
    // Its link names the address the server listens on (PORT=0 picked a free port), under /account/verify-email.
    const text = (await parseMail(eml)).text ?? '';
    const link = /(http:\/\/\S+\/account\/verify-email\?token=([\w.-]+))/.exec(text);
    expect(link, text).to.not.equal(null);
    expect(link![1]!.startsWith(`${url}/`), link![1]).to.equal(true);

    // The token of the link confirms the address; then, and only then, the welcome is written.
    const verified = await fetch(`${url}/api/v1/auth/verify-email`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: link![2] }) });
    expect(verified.status).to.equal(200);
    expect(((await verified.json()) as { user: object }).user).to.include({ email: body.email, emailVerified: true });
    await waitFor('the welcome email', () => emls().length > 1, 60_000, logs);
    // Two more delivery rounds: a second copy of either would have been written by now.
    await sleep(35_000);
    expect(emls()).to.have.length(2);
    const welcomeFile = emls().find((f) => f !== verifyFile)!;
    const welcome = readFileSync(join(outbox, welcomeFile), 'utf8');
    expect(welcome).to.match(/^Subject: Welcome$/m);
    expect(welcome).to.include(`To: ${body.email}`);
    expect(welcome).to.include('Robin');
    expect((await parseMail(welcome)).text).to.include(url);
    // One of the two processes wrote each, once, and said where (a second write would replace the same file).
    for (const f of [verifyFile, welcomeFile]) expect(logs()).to.include(join(outbox, f));
    expect(logs().match(/"msg":"mail sent"/g)).to.have.length(2);

    worker.proc.kill('SIGTERM');
    expect(await worker.exited).to.equal(0);
    expect(worker.out()).to.include('worker stopped');
    api.proc.kill('SIGTERM');
    expect(await api.exited).to.equal(0);
  });
});
