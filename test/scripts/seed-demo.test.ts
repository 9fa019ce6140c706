import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../src/db/connect.ts';
import { recordServerUrl } from '../../src/db/server-file.ts';
import { SEED_PROGRAMS } from '../../src/programs/program-seed.ts';
import { testDatabaseUri } from '../support/db.ts';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Seeding writes 500 members, so it is done once, in before(), beside a
// recorded running server; the other cases take the quick already-seeded path.
describe('scripts/seed-demo.ts', function () {
  this.timeout(240_000);
  let uri: string;
  let dbName: string;
  let conn: Connection;
  let dataDir: string;
  let server: Server;
  let serverUrl: string;
  let firstRun: Outcome;

  before(async () => {
    uri = await testDatabaseUri();
    dbName = `t_seed_demo_${randomUUID().slice(0, 8)}`;
    conn = await connectDatabase(uri, { autoIndex: true, dbName });
    dataDir = mkdtempSync(join(tmpdir(), 'recovery-match-seed-'));
    // Stands in for a running `npm start`: it answers /health on a port of its own.
    server = createServer((req, res) => {
      res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    serverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const forget = recordServerUrl({ env: 'development', dataDir }, serverUrl);
    try {
      firstRun = await seedDemo([]);
    } finally {
      forget();
    }
  });
  after(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  function seedDemo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts', ...args], {
        env: { ...process.env, NODE_ENV: 'development', MONGODB_URI: uri, MONGODB_DB_NAME: dbName, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '3999', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** The origins of every URL printed. */
  const originsIn = (text: string) => (text.match(/https?:\/\/[^\s'"()]+/g) ?? []).map((url) => new URL(url).origin);

  /** "  demo-coordinator-001@example.org  aa, na" lines → email → programs. */
  function coordinatorsIn(stdout: string): Map<string, string[]> {
    const lines = [...stdout.matchAll(/^ {2}(demo-coordinator-\d{3}@example\.org) {2}(.+)$/gm)];
    return new Map(lines.map((m) => [m[1]!, m[2]!.split(', ')]));
  }

  it('when a server is recorded as running on the data directory, then every coordinator is printed with their programs, every program has one, and the URLs name that server', async () => {
    const res = firstRun;

    expect(res.code, res.stderr).to.equal(0);
    const coordinators = coordinatorsIn(res.stdout);
    expect([...coordinators.keys()], res.stdout).to.deep.equal([
      'demo-coordinator-001@example.org',
      'demo-coordinator-002@example.org',
      'demo-coordinator-003@example.org',
    ]);
    const covered = [...coordinators.values()].flat();
    expect([...covered].sort()).to.deep.equal(SEED_PROGRAMS.map((p) => p.key).sort());
    expect(coordinators.get('demo-coordinator-001@example.org')).to.include.members(['ha', 'ma']);
    for (const [email, programs] of coordinators) {
      const stored = await conn.collection('users').findOne({ email });
      expect(stored?.roles?.coordinatorOf, email).to.deep.equal(programs);
    }
    const origins = originsIn(res.stdout);
    expect(origins.length, res.stdout).to.be.greaterThan(2);
    expect(new Set(origins)).to.deep.equal(new Set([serverUrl]));
    expect(res.stdout).to.include(`${serverUrl}/api/v1/newcomers/`);
    // Removed by the process that recorded it, as at shutdown.
    expect(existsSync(join(dataDir, 'server.json'))).to.equal(false);
  });

  /** The vetting state of every demo sponsor: approved ones by user id, and the emails of those without a decision. */
  async function demoVetting() {
    const decisions = await conn.collection('sponsor_vetting').find().toArray();
    const sponsorIds = (await conn.collection('sponsor_profiles').find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
    const decided = new Set(decisions.map((d) => String(d.entity)));
    const undecided = await Promise.all(
      sponsorIds.filter((id) => !decided.has(id)).map(async (id) => String((await conn.collection('users').findOne({ _id: id as never }))?.email)),
    );
    return { decisions, sponsorIds, undecided: undecided.sort() };
  }

  it('when the demo is seeded, then it shows each program model: members within a program\'s genders, family groups counting time in the program, plausible steps, and one newcomer printed per model', async () => {
    expect(firstRun.code, firstRun.stderr).to.equal(0);
    const models = [...firstRun.stdout.matchAll(/^ {2}(demo-newcomer-\d{3}@example\.org) {2}(\S+) {2}(.+)$/gm)].map((m) => m[3]);
    expect(models).to.have.members([
      'no one-to-one pairing: reads what the program offers instead of cards',
      'time counted in the program: cards say "years in" the program',
      'mentors rather than sponsors',
      "a sponsor of one's own and all twelve steps required of sponsors",
    ]);
    const programs = new Map(SEED_PROGRAMS.map((p) => [p.key, p]));
    const sponsors = await conn.collection('sponsor_profiles').find({}).toArray();
    const newcomers = await conn.collection('newcomer_profiles').find({}).toArray();
    for (const p of [...sponsors, ...newcomers]) {
      for (const key of [p.program as string, ...((p.acceptedPrograms as string[] | undefined) ?? [])]) {
        const members = programs.get(key)?.memberGenders;
        if (members) expect(members, `${key}: ${p.gender}`).to.include(p.gender);
      }
      const countsProgramTime = programs.get(p.program as string)?.timeCountedAs === 'program';
      expect(p, p.program as string).not.to.have.property(countsProgramTime ? 'recoveryDate' : 'programSince');
    }
    expect(sponsors.filter((s) => programs.get(s.program as string)?.timeCountedAs === 'program').every((s) => typeof s.programSince === 'string')).to.equal(true);
    const stepped = sponsors.filter((s) => ['twelve-step', 'family'].includes(programs.get(s.program as string)?.family ?? ''));
    const allTwelve = stepped.filter((s) => s.stepsCompleted === 12).length / stepped.length;
    expect(allTwelve).to.be.within(0.45, 0.75);
    expect(stepped.every((s) => (s.stepsCompleted as number) >= 3 && (s.stepsCompleted as number) <= 12)).to.equal(true);
  });

  it('when the demo is seeded, then every demo sponsor is approved by vetting but 3, printed as waiting for a coordinator', async () => {
    const { decisions, sponsorIds, undecided } = await demoVetting();

    expect(sponsorIds).to.have.length(300);
    expect(decisions).to.have.length(297);
    for (const d of decisions) expect(d).to.deep.include({ n: 1, by: 'seed-demo', state: { program: d.state.program, status: 'approved' } });
    expect(undecided).to.have.length(3);
    const waiting = /^Waiting for a coordinator's vetting \(GET \/api\/v1\/coordinator\/sponsors\?vetting=pending\): (.+)$/m.exec(firstRun.stdout);
    expect(waiting, firstRun.stdout).to.not.equal(null);
    expect(waiting![1]!.split(', ').sort()).to.deep.equal(undecided);
  });

  it('when a community was seeded before vetting existed, then a second run approves its sponsors and leaves the same 3 waiting', async () => {
    const before = await demoVetting();
    await conn.collection('sponsor_vetting').deleteMany({});

    const res = await seedDemo(['--base-url', 'http://127.0.0.1:3998']);

    expect(res.code, res.stderr).to.equal(0);
    expect(res.stderr).to.include('approved 297 demo sponsor(s) seeded before vetting');
    const after = await demoVetting();
    expect(after.decisions).to.have.length(297);
    expect(after.undecided).to.deep.equal(before.undecided);
    const again = await seedDemo(['--base-url', 'http://127.0.0.1:3998']);
    expect(again.stderr).not.to.include('seeded before vetting');
    expect((await demoVetting()).decisions).to.have.length(297);
  });

  it('when no running server is recorded, then the URLs follow --base-url, or else HOST and PORT with a note on stderr', async () => {
    const [withBaseUrl, fromPort] = await Promise.all([seedDemo(['--base-url', 'https://demo.example.org:8443/']), seedDemo([])]);

    expect(withBaseUrl.code, withBaseUrl.stderr).to.equal(0);
    expect(withBaseUrl.stderr).to.include('already seeded');
    const given = originsIn(withBaseUrl.stdout);
    expect(given.length, withBaseUrl.stdout).to.be.greaterThan(2);
    expect(new Set(given)).to.deep.equal(new Set(['https://demo.example.org:8443']));

    expect(fromPort.code, fromPort.stderr).to.equal(0);
    expect(new Set(originsIn(fromPort.stdout))).to.deep.equal(new Set(['http://127.0.0.1:3999']));
    expect(fromPort.stderr).to.include('the commands below assume http://127.0.0.1:3999');
  });

  it('when a recorded server no longer answers, then its URL is not used', async () => {
    const forget = recordServerUrl({ env: 'development', dataDir }, 'http://127.0.0.1:9');
    try {
      const res = await seedDemo([]);

      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout).not.to.include('127.0.0.1:9/');
      expect(res.stdout).to.include('http://127.0.0.1:3999/docs');
    } finally {
      forget();
    }
  });

  it('when an earlier seed left a coordinator without some of their programs, then a second run gives them back', async () => {
    await conn.collection('users').updateOne({ email: 'demo-coordinator-001@example.org' }, { $set: { 'roles.coordinatorOf': ['aa', 'na', 'ca', 'cma'] } });

    const res = await seedDemo([]);

    expect(res.code, res.stderr).to.equal(0);
    expect(res.stderr).to.include('gave 1 demo coordinator(s) the programs they were missing');
    const stored = await conn.collection('users').findOne({ email: 'demo-coordinator-001@example.org' });
    expect(stored?.roles?.coordinatorOf).to.deep.equal(coordinatorsIn(res.stdout).get('demo-coordinator-001@example.org'));
    expect(stored?.roles?.coordinatorOf).to.include.members(['ha', 'ma']);
  });

  it('when an argument is unknown or --base-url is not an http URL, then exit 2 with one line and nothing written', async () => {
    const cases = [['--port', '3000'], ['--base-url'], ['--base-url', 'ftp://example.org'], ['--base-url', 'not a url']];
    const outcomes = await Promise.all(cases.map((args) => seedDemo(args)));
    for (const [k, res] of outcomes.entries()) {
      expect(res.code, cases[k]!.join(' ')).to.equal(2);
      expect(res.stdout).to.equal('');
      expect(res.stderr.split('\n').filter(Boolean), res.stderr).to.have.length(1);
      expect(res.stderr).to.match(/^seed:demo: /);
    }
  });
});
