import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { displayName } from '../../src/lib/display-name.ts';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function createAdmin(args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    // No database is named: a refused argument must stop the script before it looks for one.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/create-admin.ts', ...args], {
      env: { ...process.env, MONGODB_URI: 'mongodb://127.0.0.1:9/never-reached' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end('a long and quiet river 42\n');
  });
}

describe('scripts/create-admin.ts --display-name', function () {
  this.timeout(60_000);

  it('when the display name breaks a rule of the registration schema, then exit 2 with that rule\'s own message', async () => {
    const names = ['   ', 'Al\u202Eex', 'x'.repeat(61), '\u200B'];

    const outcomes = await Promise.all(names.map((name) => createAdmin(['--email', 'new.admin@example.org', '--display-name', name])));

    for (const [k, res] of outcomes.entries()) {
      const parsed = displayName.safeParse(names[k]);
      expect(parsed.success, JSON.stringify(names[k])).to.equal(false);
      expect(res.code, res.stderr).to.equal(2);
      expect(res.stdout).to.equal('');
      expect(res.stderr).to.equal(`create-admin: --display-name: ${parsed.error!.issues[0]!.message}\n`);
    }
    expect(outcomes.map((r) => r.stderr).join('')).not.to.include('1 to 60 characters');
  });
});
