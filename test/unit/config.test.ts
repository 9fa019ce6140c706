import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.ts';

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
});
