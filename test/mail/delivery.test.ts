import { expect } from 'chai';
import { failureCode, messageIdFor, retryDelayMs, senderDomain } from '../../src/mail/delivery.ts';

const MINUTE = 60_000;

describe('mail delivery rules', () => {
  it('when attempts fail, then the waits grow 1, 3, 9 … minutes, eight attempts span about 18 hours, and no wait exceeds a day', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n) / MINUTE)).to.deep.equal([1, 3, 9, 27, 81, 243, 729]);
    const span = [0, 1, 2, 3, 4, 5, 6].reduce((sum, n) => sum + retryDelayMs(n), 0);
    expect(span / 3_600_000).to.be.within(18, 19);
    expect(retryDelayMs(12)).to.equal(24 * 60 * MINUTE);
  });

  it('when a send fails, then the failure is kept as a short code, never the message or the reply', () => {
    const table: Array<[unknown, string]> = [
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET', errno: -111, syscall: 'connect' }), 'ECONNREFUSED'],
      [Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' }), 'timeout'],
      [Object.assign(new Error("Can't send mail - all recipients were rejected: 550 <sam@example.net> unknown"), { code: 'EENVELOPE', responseCode: 550 }), 'EENVELOPE:550'],
      [Object.assign(new Error('Invalid login: 535 bad credentials for admin@example.org'), { code: 'EAUTH', responseCode: 535 }), 'EAUTH:535'],
      [Object.assign(new Error('EACCES: permission denied, open /var/mail/x'), { code: 'EACCES', errno: -13 }), 'EACCES'],
      [Object.assign(new Error('odd'), { code: 'sam@example.net' }), 'error'],
      [new Error('anything'), 'error'],
      ['a string', 'error'],
    ];
    for (const [err, code] of table) expect(failureCode(err)).to.equal(code);
  });

  it('when a Message-ID is made, then it is stable per message, distinct across messages, and holds no part of the id', () => {
    const id = 'registered:6f1c0d7e-0000-4000-8000-000000000001:welcome';
    expect(messageIdFor(id, 'example.org')).to.equal(messageIdFor(id, 'example.org'));
    expect(messageIdFor(id, 'example.org')).not.to.equal(messageIdFor(`${id}x`, 'example.org'));
    expect(messageIdFor(id, 'example.org')).to.match(/^<[0-9a-f]{40}@example\.org>$/);
    expect(messageIdFor(id, 'example.org')).not.to.match(/6f1c0d7e|registered|welcome/);
  });

  it('when the sender is written with or without a name, then its domain is found; an odd one gives none', () => {
    expect(senderDomain('Notifications <no-reply@Example.org>')).to.equal('example.org');
    expect(senderDomain('no-reply@mail.example.org')).to.equal('mail.example.org');
    expect(senderDomain('no-reply')).to.equal(undefined);
    expect(senderDomain('x@exa mple.org')).to.equal(undefined);
  });
});
