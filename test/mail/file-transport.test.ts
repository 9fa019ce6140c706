import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { renderTemplate } from '../../src/mail/templates.ts';
import { fileTransport, type OutgoingMail } from '../../src/mail/transport.ts';
import { parseMail } from '../support/smtp.ts';

describe('mail file transport: messages written as .eml files', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mail-files-'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const message = (outboxId: string): OutgoingMail => ({
    outboxId,
    messageId: '<0123abcd@example.org>',
    from: 'Notifications <no-reply@example.org>',
    to: 'riley@example.net',
    ...renderTemplate('welcome', { displayName: 'Riley', crisisLine: 'Helpline 988' }, { publicUrl: 'https://match.example.org/' }),
  });

  it('when a message is written, then it is one readable .eml with From, To, Subject, Message-ID and text and HTML parts, owner-only in an owner-only folder', async () => {
    const dir = join(root, 'outgoing', 'mail');
    const transport = fileTransport(dir);
    try {
      const sent = message('registered:6f1c0d7e-0000-4000-8000-000000000001:welcome');
      const { path } = await transport.send(sent);

      expect(path).to.be.a('string');
      expect(readdirSync(dir)).to.deep.equal([basename(path!)]);
      expect(basename(path!)).to.match(/^[0-9a-f]{32}\.eml$/);
      expect(statSync(dir).mode & 0o777).to.equal(0o700);
      expect(statSync(path!).mode & 0o777).to.equal(0o600);
      const parsed = await parseMail(readFileSync(path!, 'utf8'));
      expect(parsed.from?.value).to.deep.equal([{ name: 'Notifications', address: 'no-reply@example.org' }]);
      expect(parsed.to).to.deep.include({ value: [{ name: '', address: 'riley@example.net' }] });
      expect(parsed.subject).to.equal('Welcome');
      expect(parsed.messageId).to.equal('<0123abcd@example.org>');
      expect(parsed.headers.get('content-type')).to.deep.include({ value: 'multipart/alternative' });
      expect(parsed.text).to.equal(sent.text).and.include('Hello Riley');
      expect(parsed.html).to.equal(sent.html).and.include('<p>Hello Riley');
    } finally {
      transport.close();
    }
  });

  it('when the same message is written again (a resend), then it replaces its file; another message gets another file', async () => {
    const dir = join(root, 'resend');
    const transport = fileTransport(dir);
    try {
      const first = await transport.send(message('registered:a:welcome'));
      const again = await transport.send(message('registered:a:welcome'));
      const other = await transport.send(message('registered:b:welcome'));

      expect(again.path).to.equal(first.path);
      expect(other.path).not.to.equal(first.path);
      expect(readdirSync(dir).sort()).to.deep.equal([basename(first.path!), basename(other.path!)].sort());
    } finally {
      transport.close();
    }
  });
});
