import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('config: HANDLE_SECRET', () => {
  const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db.example:27017/app', JWT_SECRET: 'j'.repeat(32), SMTP_URL: 'smtp://mail.example:587', PUBLIC_URL: 'https://match.example', MAIL_FROM: 'Notifications <no-reply@match.example>' };
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  it('when production has no HANDLE_SECRET, then it refuses, naming the key', () => {
    expect(problemsOf(production).some((p) => p.startsWith('HANDLE_SECRET:'))).to.equal(true);
  });

  it('when HANDLE_SECRET is under 32 bytes, then it refuses, naming the key and never the value', () => {
    const secret = 'short-handle-secret-12345';
    const problems = problemsOf({ ...production, HANDLE_SECRET: secret });
    expect(problems.some((p) => p.startsWith('HANDLE_SECRET:'))).to.equal(true);
    expect(problems.join('\n')).not.to.include(secret);
  });

  it('when HANDLE_SECRET is the JWT secret, then it refuses', () => {
    expect(problemsOf({ ...production, HANDLE_SECRET: production.JWT_SECRET })).to.deep.equal(['HANDLE_SECRET: must differ from JWT_SECRET']);
  });

  it('when production has both secrets, then the handle secret is kept; outside production it may be unset', () => {
    const handle = 'h'.repeat(32);
    expect(loadConfig({ ...production, HANDLE_SECRET: handle }).handleSecret).to.equal(handle);
    expect(loadConfig({}).handleSecret).to.equal(undefined);
  });
});
