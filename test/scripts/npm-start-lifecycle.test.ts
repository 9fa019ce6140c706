import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { mentionsHealth } from '../../src/mail/templates.ts';
import { testDatabaseUri } from '../support/db.ts';
import { GOOD_PASSWORD, newcomerBody, registration, sponsorBody } from '../support/factories.ts';
import { parseMail } from '../support/smtp.ts';

// `npm start` with no configuration, driven over HTTP only, the way the README's
// walk-through does it: each member confirms their address with the link of the
// verification email read from DATA_DIR/outbox, then a match from the request to
// both accepts, and the lifecycle's emails written once each as .eml files under
// DATA_DIR/outbox by the delivery job that runs inside the API.

interface Running {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

interface Member {
  id: string;
  email: string;
  token: string;
}

interface Written {
  file: string;
  to: string;
  subject: string;
  text: string;
}

function run(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Running {
  const proc = spawn('npm', args, { env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  if (stdin !== undefined) proc.stdin!.end(stdin);
  return { proc, out: () => out, exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))) };
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${log()}`);
    await sleep(250);
  }
}

describe('npm start: the match lifecycle through HTTP, and its emails without configuration', function () {
  this.timeout(180_000);
  let dataDir: string;
  const started: Running[] = [];

  before(async () => {
    await testDatabaseUri(); // builds FerretDB into .cache first on a fresh machine
    dataDir = mkdtempSync(join(tmpdir(), 'recovery-match-lifecycle-'));
  });
  after(async () => {
    for (const r of started.reverse()) {
      if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
      await r.exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the members confirm their addresses by the mailed links, a newcomer asks, a coordinator makes the match and both accept, then the lifecycle emails are written once each as .eml files', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    delete env.SMTP_URL;
    delete env.JOBS_IN_API;
    if (process.env.MONGODB_URI) env.MONGODB_DB_NAME = `t_lifecycle_${randomUUID().slice(0, 8)}`;
    const api = run(['run', 'start'], env);
    started.push(api);
    await waitFor('the API to listen', () => /"msg":"listening on (http:\/\/[^ "]+)/.test(api.out()), 90_000, api.out);
    const url = /"msg":"listening on (http:\/\/[^ "]+)/.exec(api.out())![1]!;

    const call = async (token: string | undefined, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, text: `${method} ${path} → ${res.status} ${text}` };
    };
    const expectStatus = async (status: number, token: string | undefined, method: string, path: string, body?: unknown) => {
      const res = await call(token, method, path, body);
      expect(res.status, res.text).to.equal(status);
      return res.body;
    };
    const register = async (displayName: string): Promise<Member> => {
      const body = await expectStatus(201, undefined, 'POST', '/api/v1/auth/register', registration({ displayName }));
      expect(body.user).to.include({ emailVerified: false });
      return { id: body.user.id, email: body.user.email, token: body.accessToken };
    };
    // The emails: .eml files under DATA_DIR/outbox, written by the delivery job (every 15 seconds inside the API).
    const outbox = join(dataDir, 'outbox');
    const written = async (): Promise<Written[]> => {
      const files = existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')) : [];
      return Promise.all(
        files.map(async (file) => {
          const mail = await parseMail(readFileSync(join(outbox, file), 'utf8'));
          return { file, to: mail.to && !Array.isArray(mail.to) ? mail.to.text : '', subject: mail.subject ?? '', text: mail.text ?? '' };
        }),
      );
    };
    // As the README does it: the link of the member's verification email, its token posted to the API.
    const verify = async (m: Member) => {
      let mail: Written | undefined;
      const find = async () => Boolean((mail = (await written()).find((w) => w.to === m.email && w.subject === 'Please confirm your email address')));
      await waitFor(`the verification email to ${m.email}`, find, 60_000, api.out);
      const link = /(http:\/\/\S+\/account\/verify-email\?token=([\w.-]+))/.exec(mail!.text);
      expect(link, mail!.text).to.not.equal(null);
      expect(link![1]!.startsWith(`${url}/`), link![1]).to.equal(true);
      const verified = await expectStatus(200, undefined, 'POST', '/api/v1/auth/verify-email', { token: link![2] });
      expect(verified.user).to.include({ id: m.id, emailVerified: true });
      // A link works once.
      expect((await call(undefined, 'POST', '/api/v1/auth/verify-email', { token: link![2] })).status).to.equal(400);
    };

    // The first admin, as the README makes them: create-admin beside the running server, the password on stdin.
    const adminEmail = `admin-${randomUUID().slice(0, 8)}@example.org`;
    const createAdmin = run(['run', '-s', 'create-admin', '--', '--email', adminEmail, '--display-name', 'Alex'], env, `${GOOD_PASSWORD}\n`);
    expect(await createAdmin.exited, createAdmin.out()).to.equal(0);
    expect(createAdmin.out()).to.match(/created admin [0-9a-f-]{36}/);
    const admin = (await expectStatus(200, undefined, 'POST', '/api/v1/auth/login', { email: adminEmail, password: GOOD_PASSWORD })).accessToken as string;

    // Three members register; each confirms their address with the link mailed to it (no match is made for an unconfirmed one).
    const coordinator = await register('Casey');
    const sponsor = await register('Robin');
    const newcomer = await register('Nia');
    for (const m of [coordinator, sponsor, newcomer]) await verify(m);

    await expectStatus(200, admin, 'PUT', `/api/v1/admin/users/${coordinator.id}/roles`, { coordinatorOf: ['na'] });
    await expectStatus(200, sponsor.token, 'PUT', '/api/v1/me/sponsor-profile', sponsorBody());
    await expectStatus(200, coordinator.token, 'POST', `/api/v1/sponsors/${sponsor.id}/vet`, { approved: true });
    await expectStatus(200, newcomer.token, 'PUT', '/api/v1/me/newcomer-profile', newcomerBody());

    // The newcomer asks; the coordinator finds the request in the queue, with the sponsor proposed, and makes the match.
    const request = await expectStatus(201, newcomer.token, 'POST', '/api/v1/match-requests', { kind: 'ongoing' });
    expect(request).to.include({ kind: 'ongoing', status: 'open' });
    const queue = await expectStatus(200, coordinator.token, 'GET', '/api/v1/coordinator/queue');
    expect(queue.requests).to.have.length(1);
    expect(queue.requests[0]).to.include({ requestId: request.id, newcomerId: newcomer.id });
    expect(queue.requests[0].proposals.map((p: { sponsorId: string }) => p.sponsorId)).to.deep.equal([sponsor.id]);
    const made = await expectStatus(201, coordinator.token, 'POST', '/api/v1/matches', { requestId: request.id, sponsorId: sponsor.id });
    expect(made).to.include({ state: 'awaiting-sponsor', you: 'coordinator' });
    const matchId: string = made.id;

    // The sponsor reads the newcomer's card (no contact yet) and accepts; then the newcomer accepts.
    const asked = await expectStatus(200, sponsor.token, 'GET', `/api/v1/matches/${matchId}`);
    expect(asked).to.include({ state: 'awaiting-sponsor', you: 'sponsor' });
    expect(asked.newcomer).to.include({ displayName: 'Nia' });
    expect(asked).not.to.have.property('contact');
    expect(await expectStatus(200, sponsor.token, 'POST', `/api/v1/matches/${matchId}/accept`, {})).to.include({ state: 'awaiting-newcomer' });
    const beforeActive = await expectStatus(200, newcomer.token, 'GET', `/api/v1/matches/${matchId}`);
    expect(beforeActive).not.to.have.property('contact');
    expect(JSON.stringify(beforeActive)).not.to.include(sponsor.email);
    expect(await expectStatus(200, newcomer.token, 'POST', `/api/v1/matches/${matchId}/accept`, {})).to.include({ state: 'active' });
    expect((await expectStatus(200, newcomer.token, 'GET', `/api/v1/matches/${matchId}`)).contact).to.include({ email: sponsor.email });
    expect((await expectStatus(200, sponsor.token, 'GET', `/api/v1/matches/${matchId}`)).contact).to.include({ email: newcomer.email });

    // Each member: the verification email at registration, the welcome once the address is confirmed.
    const expected = [
      `${coordinator.email}|Please confirm your email address`,
      `${sponsor.email}|Please confirm your email address`,
      `${newcomer.email}|Please confirm your email address`,
      `${coordinator.email}|Welcome`,
      `${sponsor.email}|Welcome`,
      `${newcomer.email}|Welcome`,
      `${sponsor.email}|Someone would like to connect`,
      `${newcomer.email}|Good news`,
      `${sponsor.email}|Time to meet`,
      `${newcomer.email}|Time to meet`,
    ].sort();
    const keys = (ws: Written[]) => ws.map((w) => `${w.to}|${w.subject}`).sort();
    await waitFor('the lifecycle emails', async () => (await written()).filter((w) => w.subject === 'Time to meet').length >= 2, 60_000, api.out);
    // One more delivery round: a second copy of any of them would have been written by now.
    await sleep(20_000);
    const mails = await written();
    expect(keys(mails)).to.deep.equal(expected);
    for (const m of mails) expect(mentionsHealth(m.subject), m.subject).to.equal(false);
    const introTo = (m: Member) => mails.find((w) => w.to === m.email && w.subject === 'Time to meet')!;
    expect(introTo(newcomer).text).to.include(sponsor.email).and.include('Robin');
    expect(introTo(sponsor).text).to.include(newcomer.email).and.include('Nia');
    // Each was written once, and its path logged.
    expect(api.out().match(/"msg":"mail sent"/g)).to.have.length(expected.length);
    for (const m of mails) expect(api.out()).to.include(join(outbox, m.file));

    // This week's check-in at once, as the README shows: the newcomer's check-in set to this hour, the admin runs the fan-out.
    const settings = await expectStatus(200, newcomer.token, 'GET', '/api/v1/me/check-in-settings');
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone: settings.timezone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' }).formatToParts(new Date()).map((p) => [p.type, p.value]),
    );
    await expectStatus(200, newcomer.token, 'PUT', '/api/v1/me/check-in-settings', { day: parts.weekday!.toLowerCase(), hour: Number(parts.hour), paused: false });
    expect(await expectStatus(200, admin, 'POST', '/api/v1/admin/check-ins/run')).to.include({ checkIns: 1, mails: 1, errors: 0 });
    await waitFor('the check-in email', async () => (await written()).some((w) => w.subject === 'Your weekly check-in'), 60_000, api.out);
    const checkIn = (await written()).filter((w) => w.subject === 'Your weekly check-in');
    expect(checkIn.map((w) => w.to)).to.deep.equal([newcomer.email]);
    const well = /(http:\/\/\S+\/check-ins\/respond\?token=([\w.-]+))/.exec(checkIn[0]!.text);
    expect(well, checkIn[0]!.text).to.not.equal(null);
    const opened = await fetch(well![1]!);
    expect(opened.status).to.equal(200);
    expect(await opened.text()).to.include('<form method="post" action="/check-ins/respond">');
    const answered = await fetch(new URL('/check-ins/respond', well![1]), { method: 'POST', body: new URLSearchParams({ token: well![2]! }) });
    expect(answered.status).to.equal(200);
    const view = await expectStatus(200, newcomer.token, 'GET', `/api/v1/matches/${matchId}/check-ins`);
    expect(view.checkIns.map((c: { answer?: string }) => c.answer)).to.deep.equal(['well']);

    api.proc.kill('SIGTERM');
    expect(await api.exited).to.equal(0);
  });
});
