import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { verifyPassword } from '../../src/auth/passwords.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { createChangeFeed } from '../../src/db/change-feed.ts';
import { connectDatabase } from '../../src/db/connect.ts';
import { GOOD_PASSWORD } from '../support/factories.ts';
import { testDatabaseUri } from '../support/db.ts';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('scripts/create-admin.ts', function () {
  this.timeout(60_000);
  let uri: string;
  let dbName: string;
  let conn: Connection;

  before(async () => {
    uri = await testDatabaseUri();
    dbName = `t_create_admin_${randomUUID().slice(0, 8)}`;
    conn = await connectDatabase(uri, { autoIndex: true, dbName });
  });
  after(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  function createAdmin(args: string[], stdin = ''): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/create-admin.ts', ...args], {
        env: { ...process.env, MONGODB_URI: uri, MONGODB_DB_NAME: dbName },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }

  const users = () => conn.collection('users');
  const logins = () => conn.collection('logins');

  it('when the email is new and a password comes on stdin, then an admin is created with an argon2id hash and only its id is printed', async () => {
    const res = await createAdmin(['--email', 'First.Admin@Example.org', '--display-name', 'Robin'], `${GOOD_PASSWORD}\nignored second line\n`);

    expect(res.code, res.stderr).to.equal(0);
    const m = /^created admin ([0-9a-f-]{36})\n$/.exec(res.stdout);
    expect(m, res.stdout).to.not.equal(null);
    expect(res.stdout + res.stderr).not.to.include(GOOD_PASSWORD);
    const stored = await users().findOne({ _id: m![1] as never });
    expect(stored).to.include({ email: 'first.admin@example.org', displayName: 'Robin' });
    expect(stored?.roles).to.deep.equal({ admin: true, coordinatorOf: [] });
    expect(stored?.consent).to.include({ healthData: true, adult: true, termsVersion: '2026-11' });
    expect(await conn.collection('consent_history').find({ userId: m![1] }).project({ _id: 0, termsVersion: 1, action: 1 }).toArray()).to.deep.equal([{ termsVersion: '2026-11', action: 'given' }]);
    expect(stored?.passwordHash).to.match(/^\$argon2id\$/);
    expect(await verifyPassword(stored!.passwordHash as string, GOOD_PASSWORD)).to.equal(true);
    expect((await logins().findOne({ _id: 'first.admin@example.org' as never }))?.userId).to.equal(m![1]);
  });

  it('when the account already exists, then it is promoted to admin and its password is left alone', async () => {
    const id = randomUUID();
    const at = new Date('2026-11-01T00:00:00Z');
    await createUsersRepository(conn, createChangeFeed(conn, { clock: () => new Date() })).create({
      _id: id,
      email: 'member@example.org',
      displayName: 'Sam',
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$kept$kept',
      consent: { healthData: true, adult: true, termsVersion: '2026-11', at },
      roles: { admin: false, coordinatorOf: ['aa'] },
      createdAt: at,
    });

    const res = await createAdmin(['--email=MEMBER@example.org']);

    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.equal(`promoted ${id} to admin\n`);
    const stored = await users().findOne({ _id: id as never });
    expect(stored?.roles).to.deep.equal({ admin: true, coordinatorOf: ['aa'] });
    expect(stored?.passwordHash).to.equal('$argon2id$v=19$m=19456,t=2,p=1$kept$kept');
    expect(stored?.consent.termsVersion).to.equal('2026-11');
    expect(await users().countDocuments({ email: 'member@example.org' })).to.equal(1);
  });

  it('when the password is too short, then exit 2 with one line saying why, and no account', async () => {
    const res = await createAdmin(['--email', 'short@example.org'], 'short\n');

    expect(res.code).to.equal(2);
    expect(res.stdout).to.equal('');
    expect(res.stderr).to.equal('create-admin: password: Must be at least 12 characters.\n');
    expect(await users().countDocuments({ email: 'short@example.org' })).to.equal(0);
    expect(await logins().countDocuments({ _id: 'short@example.org' as never })).to.equal(0);
  });

  it('when the password is a common one, then exit 2 and no account', async () => {
    const res = await createAdmin(['--email', 'common@example.org'], 'password1234\n');

    expect(res.code).to.equal(2);
    expect(res.stderr).to.equal('create-admin: password: This password is too common; choose another.\n');
    expect(await users().countDocuments({ email: 'common@example.org' })).to.equal(0);
  });

  it('when stdin is empty, then exit 2 and no account', async () => {
    const res = await createAdmin(['--email', 'nopass@example.org'], '');

    expect(res.code).to.equal(2);
    expect(res.stderr).to.match(/^create-admin: no password[^\n]*\n$/);
    expect(await users().countDocuments({ email: 'nopass@example.org' })).to.equal(0);
  });

  it('when --email is missing, not an email, or an argument is unknown, then exit 2 with a one-line usage error', async () => {
    for (const args of [[], ['--display-name', 'Robin'], ['--email', 'not-an-email'], ['--email', 'a@example.org', '--admin']]) {
      const res = await createAdmin(args, `${GOOD_PASSWORD}\n`);
      expect(res.code, args.join(' ')).to.equal(2);
      expect(res.stdout).to.equal('');
      expect(res.stderr.split('\n').filter(Boolean), res.stderr).to.have.length(1);
      expect(res.stderr).to.match(/^create-admin: /);
      expect(res.stderr).not.to.match(/\n\s+at /);
    }
    expect(await users().countDocuments({ email: 'a@example.org' })).to.equal(0);
  });
});
