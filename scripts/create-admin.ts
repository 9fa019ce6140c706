/**
 * CLI: bootstrap the first admin.
 *
 *   npm run create-admin -- --email someone@example.org [--display-name "Name"]
 *
 * If an account with that email exists it is promoted to admin. Otherwise it is
 * created as an admin with the password read from standard input (its first
 * line; on a terminal, a prompt that does not echo). The operator gives the
 * consent on the new admin's behalf, to the configured terms (TERMS_VERSION).
 *
 * The database is found as `npm start` finds it: MONGODB_URI, else the local
 * database a running `npm start` recorded under DATA_DIR, else one started
 * here and stopped at the end.
 *
 * Prints only the outcome ("created admin <id>" / "promoted <id> to admin"),
 * never the password. Exit codes: 0 done; 2 bad arguments or a password the
 * service refuses (one line on stderr); 1 no database or another failure (one
 * line, no stack trace).
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { registerBody } from '../src/auth/auth.schemas.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { createUsersRepository, type User, type UsersRepository } from '../src/auth/users.repository.ts';
import { createChangeFeed } from '../src/db/change-feed.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { openDatabase, type OpenDatabase } from '../src/db/database.ts';
import { LocalDatabaseUnavailable } from '../src/db/local-database.ts';
import { prepareDatabase } from '../src/prepare.ts';
import { createConsentRepository, type ConsentRepository } from '../src/members/consent.repository.ts';

const USAGE = 'usage: npm run create-admin -- --email someone@example.org [--display-name "Name"]';
const DEFAULT_DISPLAY_NAME = 'Admin';

class UsageError extends Error {}

interface Args {
  email: string;
  displayName: string;
}

function parseArgs(argv: string[]): Args {
  const values: Record<string, string> = {};
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    const m = /^--(email|display-name)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
    const name = m[1]!;
    let value = m[2];
    if (value === undefined) {
      value = argv[k + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value; ${USAGE}`);
      k++;
    }
    if (name in values) throw new UsageError(`--${name} given twice; ${USAGE}`);
    values[name] = value;
  }
  if (values.email === undefined) throw new UsageError(`--email is required; ${USAGE}`);

  const email = registerBody.shape.email.safeParse(values.email);
  if (!email.success) throw new UsageError(`--email: ${email.error.issues[0]?.message ?? 'invalid'}`);
  const displayName = registerBody.shape.displayName.safeParse(values['display-name'] ?? DEFAULT_DISPLAY_NAME);
  if (!displayName.success) throw new UsageError(`--display-name: ${displayName.error.issues[0]?.message ?? 'invalid'}`);
  return { email: email.data, displayName: displayName.data };
}

/** The first line of a piped standard input (without its line ending). */
function readFirstLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}

/** Prompts on the terminal without echoing what is typed. */
function promptHidden(prompt: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    let typed = '';
    const finish = (value: string | undefined) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(typed);
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined); // Ctrl-C, Ctrl-D
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const line = await readFirstLine();
    process.stdin.destroy();
    if (!line) throw new UsageError('no password: give it as the first line of standard input');
    return line;
  }
  const first = await promptHidden('Password for the new admin (at least 12 characters): ');
  if (!first) throw new UsageError('no password given');
  const again = await promptHidden('The same password again: ');
  if (again !== first) throw new UsageError('the two passwords differ');
  return first;
}

async function promote(users: UsersRepository, user: User): Promise<string> {
  if (user.roles?.admin) return `${user._id} is already an admin`;
  await users.setAdmin(user._id, true);
  return `promoted ${user._id} to admin`;
}

async function run(args: Args, db: OpenDatabase, production: boolean, termsVersion: string): Promise<string> {
  await prepareDatabase(db.conn, { buildIndexes: production, now: new Date() });
  // Role changes are announced on the change feed so that a running service's
  // access cache follows; stop() appends what is pending before the script exits.
  const feed = createChangeFeed(db.conn, { clock: () => new Date() });
  try {
    return await createOrPromote(args, createUsersRepository(db.conn, feed), createConsentRepository(db.conn), termsVersion);
  } finally {
    await feed.stop();
  }
}

async function createOrPromote(args: Args, users: UsersRepository, consents: ConsentRepository, termsVersion: string): Promise<string> {
  const existing = await users.findByEmail(args.email);
  if (existing) return promote(users, existing);

  const password = await readPassword();
  // The same rules as a member's registration: length and the common-password list.
  const parsed = registerBody.safeParse({
    email: args.email,
    password,
    displayName: args.displayName,
    consent: { healthData: true, adult: true, termsVersion },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
  }
  const now = new Date();
  const user: User = {
    _id: randomUUID(),
    email: parsed.data.email,
    displayName: parsed.data.displayName,
    passwordHash: await hashPassword(parsed.data.password),
    consent: { ...parsed.data.consent, at: now },
    roles: { admin: true, coordinatorOf: [] },
    createdAt: now,
    // The operator who runs this vouches for the address (an admin made here gets no verification email).
    emailVerified: true,
    emailVerifiedAt: now,
  };
  if (await users.create(user)) {
    await consents.add({ userId: user._id, ...user.consent, action: 'given' });
    return `created admin ${user._id}`;
  }
  // Registered by someone else while we were reading the password: promote that account.
  const registered = await users.findByEmail(args.email);
  if (!registered) throw new Error('the account could not be created; try again');
  return promote(users, registered);
}

async function main(): Promise<number> {
  const fail = (code: number, message: string) => {
    process.stderr.write(`create-admin: ${message}\n`);
    return code;
  };

  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    return fail(2, (err as Error).message);
  }

  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) return fail(1, `invalid configuration: ${err.problems.join('; ')}`);
    throw err;
  }

  let db: OpenDatabase;
  try {
    db = await openDatabase(config, (m) => process.stderr.write(`create-admin: ${m}\n`));
  } catch (err) {
    if (err instanceof LocalDatabaseUnavailable) return fail(1, `no database: ${err.message}`);
    return fail(1, `cannot reach the database: ${firstLine(err)}`);
  }

  try {
    process.stdout.write(`${await run(args, db, config.env === 'production', config.termsVersion)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return fail(2, err.message);
    return fail(1, `failed: ${firstLine(err)}`);
  } finally {
    if (!process.stdin.destroyed) process.stdin.destroy();
    await db.close();
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`create-admin: failed: ${firstLine(err)}\n`);
    process.exitCode = 1;
  },
);
