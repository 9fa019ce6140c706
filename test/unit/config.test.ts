import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig, type Env, type ReadTextFile } from '../../src/config.ts';

/** The ConfigError loadConfig throws, or a failure if it does not. */
function refusal(env: Env, readText?: ReadTextFile): ConfigError {
  try {
    loadConfig(env, readText);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('loadConfig accepted it');
}

describe('config: loadConfig(env)', () => {
  const strong = 'x'.repeat(32);

  it('when nothing is set, then development defaults that need no setup', () => {
    const c = loadConfig({});
    expect(c).to.include({ env: 'development', host: '127.0.0.1', port: 3000, dataDir: '.data', mongodbUri: undefined, jwtSecret: undefined });
    expect(c.jwt).to.deep.equal({ issuer: 'recovery-match', audience: 'recovery-match-api', ttlSeconds: 3600 });
    expect(Object.isFrozen(c)).to.equal(true);
  });

  it('when production lacks MONGODB_URI and JWT_SECRET, then it refuses, naming both keys', () => {
    let err: unknown;
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).to.include('MONGODB_URI');
    expect(problems).to.include('JWT_SECRET');
  });

  it('when the JWT secret is under 32 bytes, then it refuses, naming the key and never the value', () => {
    const secret = 'short-secret-value-123';
    let err: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db.example:27017/app', JWT_SECRET: secret });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.include('JWT_SECRET');
    expect((err as Error).message).not.to.include(secret);
  });

  it('when production is fully configured, then it binds all interfaces and keeps the secret', () => {
    const c = loadConfig({ NODE_ENV: 'production', MONGODB_URI: 'mongodb+srv://cluster.example/app', JWT_SECRET: strong, HANDLE_SECRET: 'h'.repeat(32), TRUST_PROXY: '1', SMTP_URL: 'smtp://mail.example:587', PUBLIC_URL: 'https://match.example', MAIL_FROM: 'Notifications <no-reply@match.example>' });
    expect(c).to.include({ env: 'production', host: '0.0.0.0', jwtSecret: strong, trustProxy: 1 });
  });

  for (const [key, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['MONGODB_URI', 'postgres://nope'],
    ['ACCESS_TOKEN_TTL_SECONDS', '5'],
    ['LOCAL_DB_ENGINE', 'sqlite'],
    ['MATCH_RESPONSE_HOURS', '0'],
    ['TEMPORARY_MATCH_DAYS', '366'],
  ] as const) {
    it(`when ${key} is ${value}, then it refuses, naming ${key} and not the value`, () => {
      let err: unknown;
      try {
        loadConfig({ [key]: value });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).problems.some((p) => p.startsWith(`${key}:`))).to.equal(true);
      expect((err as Error).message).not.to.include(value);
    });
  }

  it('when the match lifecycle is not configured, then 72 hours to answer and 30-day temporary matches; when it is, then those values', () => {
    expect(loadConfig({}).lifecycle).to.deep.equal({ responseHours: 72, temporaryMatchDays: 30 });
    expect(loadConfig({ MATCH_RESPONSE_HOURS: '24', TEMPORARY_MATCH_DAYS: '14' }).lifecycle).to.deep.equal({ responseHours: 24, temporaryMatchDays: 14 });
  });

  it('when an unrelated variable is set, then it is ignored', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root' })).not.to.throw();
  });

  it('when production has no SMTP_URL, PUBLIC_URL or MAIL_FROM, then it refuses, naming each', () => {
    let err: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db.example:27017/app', JWT_SECRET: 'j'.repeat(32), HANDLE_SECRET: 'h'.repeat(32) });
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems).to.deep.equal([
      'SMTP_URL: required in production (without it mail is only written to files)',
      'PUBLIC_URL: required in production (the links in emails)',
      'MAIL_FROM: required in production (a neutral sender at your own domain)',
    ]);
  });

  it('when SMTP_URL is not an smtp URL, then it refuses, naming the key and never the value', () => {
    const value = 'https://user:hunter2@mail.example';
    let err: unknown;
    try {
      loadConfig({ SMTP_URL: value });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.include('SMTP_URL');
    expect((err as Error).message).not.to.include('hunter2');
  });

  it('when mail is not configured outside production, then .eml files, a neutral sender and jobs in the API are the defaults', () => {
    const c = loadConfig({});
    expect(c.mail).to.deep.equal({ smtpUrl: undefined, from: 'Notifications <no-reply@localhost>', publicUrl: undefined, maxAttempts: 8, retentionDays: 30 });
    expect(c.jobsInApi).to.equal(true);
    expect(loadConfig({ PUBLIC_URL: 'https://match.example/', JOBS_IN_API: 'false' })).to.deep.include({ jobsInApi: false });
    expect(loadConfig({ PUBLIC_URL: 'https://match.example/' }).mail.publicUrl).to.equal('https://match.example');
  });

  describe('CRISIS_RESOURCES', () => {
    const UK = { items: [{ name: 'Samaritans', how: 'call 116 123 (free, day or night)' }, { name: 'Shout', how: 'text SHOUT to 85258' }], note: 'In an emergency, call 999.' };
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'crisis-resources-'));
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('when it is not set, then the United States resources: the 988 Lifeline and SAMHSA’s National Helpline, frozen', () => {
      const c = loadConfig({});
      expect(c.crisisResources).to.deep.equal({
        en: {
          items: [
            { name: 'Suicide & Crisis Lifeline', how: 'call or text 988' },
            { name: "SAMHSA's National Helpline", how: '1-800-662-4357 (free, confidential, 24/7, in English and Spanish)' },
          ],
        },
      });
      expect(Object.isFrozen(c.crisisResources)).to.equal(true);
      expect(Object.isFrozen(c.crisisResources.en.items)).to.equal(true);
      expect(Object.isFrozen(c.crisisResources.en.items[0])).to.equal(true);
      expect(loadConfig({ CRISIS_RESOURCES: '' }).crisisResources).to.deep.equal(c.crisisResources);
    });

    it('when it is JSON, then those resources, trimmed, for every language', () => {
      const c = loadConfig({ CRISIS_RESOURCES: JSON.stringify({ ...UK, items: [{ name: ' Samaritans ', how: UK.items[0]!.how }, UK.items[1]] }) });
      expect(c.crisisResources).to.deep.equal({ en: UK });
    });

    it('when it is the path of a JSON file, then the file is read (fs by default, or the reader given)', () => {
      const path = join(dir, 'crisis.json');
      writeFileSync(path, JSON.stringify(UK));
      expect(loadConfig({ CRISIS_RESOURCES: path }).crisisResources.en).to.deep.equal(UK);
      const read: string[] = [];
      const c = loadConfig({ CRISIS_RESOURCES: '/etc/recovery-match/crisis.json' }, (p) => {
        read.push(p);
        return JSON.stringify({ en: UK });
      });
      expect(read).to.deep.equal(['/etc/recovery-match/crisis.json']);
      expect(c.crisisResources.en).to.deep.equal(UK);
    });

    it('when it is an object by language, then each language has its own', () => {
      expect(loadConfig({ CRISIS_RESOURCES: JSON.stringify({ en: UK }) }).crisisResources).to.deep.equal({ en: UK });
    });

    it('when CRISIS_RESOURCES is not set, then no file is read', () => {
      expect(() => loadConfig({}, () => {
        throw new Error('read');
      })).not.to.throw();
    });

    const secret = 'Value-Never-Printed';
    const item = { name: 'Line', how: 'call 1' };
    for (const [what, value] of [
      ['not JSON', `{ "items": [ ${secret}`],
      ['a list', JSON.stringify([{ name: secret, how: 'x' }])],
      ['an object without items or a language', JSON.stringify({ [secret]: { items: [item] } })],
      ['an item with an unknown key', JSON.stringify({ items: [{ ...item, [secret]: 1 }] })],
      ['no items', JSON.stringify({ items: [], note: secret })],
      ['eleven items', JSON.stringify({ items: Array.from({ length: 11 }, () => ({ ...item, name: secret })) })],
      ['an empty name', JSON.stringify({ items: [{ name: '  ', how: secret }] })],
      ['a name over 200 characters', JSON.stringify({ items: [{ name: secret.repeat(20), how: 'call 1' }] })],
      ['a how that is not text', JSON.stringify({ items: [{ name: secret, how: 988 }] })],
      ['languages without en', JSON.stringify({ es: { items: [{ name: secret, how: '1' }] } })],
      ['a language with a bad shape', JSON.stringify({ en: { items: [{ name: secret }] } })],
    ] as const) {
      it(`when it is ${what}, then it refuses, naming CRISIS_RESOURCES and never the value`, () => {
        const err = refusal({ CRISIS_RESOURCES: value });
        expect(err.problems.length).to.be.greaterThan(0);
        for (const p of err.problems) expect(p).to.match(/^CRISIS_RESOURCES: /);
        expect(err.message).not.to.include(secret).and.not.include(secret.toLowerCase());
      });
    }

    it('when its file is missing or not JSON, then it refuses, naming CRISIS_RESOURCES and never the path or the contents', () => {
      const missing = join(dir, 'Value-Never-Printed.json');
      const err = refusal({ CRISIS_RESOURCES: missing });
      expect(err.problems).to.deep.equal(['CRISIS_RESOURCES: the file could not be read (ENOENT)']);
      expect(err.message).not.to.include('Value-Never-Printed');
      const notJson = join(dir, 'broken.json');
      writeFileSync(notJson, `{ "items": [ ${secret}`);
      expect(refusal({ CRISIS_RESOURCES: notJson }).problems).to.deep.equal(['CRISIS_RESOURCES: the file is not valid JSON']);
    });

    it('when it is bad beside another bad key, then both are reported', () => {
      const err = refusal({ CRISIS_RESOURCES: '{', PORT: 'eighty' });
      expect(err.problems.some((p) => p.startsWith('PORT:'))).to.equal(true);
      expect(err.problems).to.include('CRISIS_RESOURCES: not valid JSON');
    });
  });

  describe('TERMS_VERSION and TERMS_FILE', () => {
    it('when neither is set, then the built-in terms are used and no file is read', () => {
      const c = loadConfig({}, () => expect.fail('no file should be read'));
      expect(c.termsVersion).to.equal('2026-11');
      expect(c.termsText).to.include('health data');
    });
    it('when another version is set without TERMS_FILE, then it refuses, naming TERMS_VERSION', () => {
      const err = refusal({ TERMS_VERSION: '2027-01' });
      expect(err.problems).to.have.length(1);
      expect(err.problems[0]).to.match(/^TERMS_VERSION: differs from the built-in terms \(2026-11\); set TERMS_FILE/);
    });
    it('when TERMS_FILE is given, then its text is the terms of TERMS_VERSION', () => {
      const c = loadConfig({ TERMS_VERSION: '2027-01', TERMS_FILE: '/etc/recovery-match/terms.txt' }, (path) => {
        expect(path).to.equal('/etc/recovery-match/terms.txt');
        return 'The terms of 2027.';
      });
      expect(c.termsVersion).to.equal('2027-01');
      expect(c.termsText).to.equal('The terms of 2027.');
    });
    it('when TERMS_FILE cannot be read or is empty, or TERMS_VERSION is malformed, then it refuses, naming the key and never the path', () => {
      const missing = refusal({ TERMS_FILE: '/no/such/secret-path.txt' }, () => {
        throw Object.assign(new Error('ENOENT: /no/such/secret-path.txt'), { code: 'ENOENT' });
      });
      expect(missing.problems).to.deep.equal(['TERMS_FILE: the file could not be read (ENOENT)']);
      expect(refusal({ TERMS_FILE: '/x' }, () => '  \n').problems).to.deep.equal(['TERMS_FILE: the file is empty']);
      expect(refusal({ TERMS_VERSION: 'two words' }).problems.some((p) => p.startsWith('TERMS_VERSION:'))).to.equal(true);
    });
  });
});
