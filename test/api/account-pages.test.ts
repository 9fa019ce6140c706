import { expect } from 'chai';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, GOOD_PASSWORD, mailedLink, registerMember, type Member } from '../support/factories.ts';

// The pages an account email's links open (/account/...), through HTTP on the
// real database: a GET only shows a form, the form's POST does the work.

const NEW_PASSWORD = 'seven green kites over the harbour';
const HOUR = 3_600_000;

/** Every page: HTML that no cache keeps, no search engine indexes, no referrer carries; no script; no internals. */
function expectPage(res: Response, status: number): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers['content-type']).to.match(/^text\/html/);
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['x-robots-tag']).to.match(/noindex/);
  expect(res.headers['referrer-policy']).to.equal('no-referrer');
  expect(res.text).to.match(/^<!doctype html>/i);
  expect(res.text).to.not.match(/<script/i);
  expect(res.text).to.not.match(/stack|Error:|"type":|argon2/);
}

/** The token of a hidden field in the page's form. */
const hiddenToken = (html: string) => /<input type="hidden" name="token" value="([^"]*)">/.exec(html)?.[1];

/** A signature with its last characters changed: still well-formed, no longer the service's. */
function tamper(token: string): string {
  const [head, payload, sig] = token.split('.');
  return `${head}.${payload}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`;
}

describe('account pages: the links in account emails', function () {
  this.timeout(60_000);
  let t: TestApp;
  before(async () => {
    t = await startTestApp('account-pages');
  });
  after(async () => {
    await t.close();
  });

  const get = (path: string, token?: string) => t.request.get(path).query(token === undefined ? {} : { token });
  const post = (path: string, form: Record<string, string>) => t.request.post(path).type('form').send(form);
  const login = (email: string, password: string) => t.request.post('/api/v1/auth/login').send({ email, password });
  async function me(m: Pick<Member, 'email'>, password = GOOD_PASSWORD) {
    const signedIn = await login(m.email, password);
    expect(signedIn.status, JSON.stringify(signedIn.body)).to.equal(200);
    const res = await t.request.get('/api/v1/me').set(bearer({ token: signedIn.body.accessToken }));
    expect(res.status).to.equal(200);
    return res.body as { id: string; email: string; emailVerified: boolean; pendingEmail?: string };
  }
  /** Entries of the audit log for `action` made through the pages (`route`). */
  const audited = (action: string, route: string) => t.db.conn.collection('audit_log').countDocuments({ action, route });
  /** A reset link mailed to the member, asked for through the forgot-password page. */
  async function resetLink(m: Member) {
    expectPage(await post('/account/forgot-password', { email: m.email }), 200);
    return mailedLink(t, m.id, 'password-reset');
  }

  it('when the verification link is opened (GET), even twice, then it only asks to confirm; the button (POST) confirms the address, audited, and the link works once', async () => {
    const m = await registerMember(t, {}, { verify: false });
    const link = await mailedLink(t, m.id, 'verify-email');
    expect(new URL(link.url).pathname).to.equal('/account/verify-email');

    for (let i = 0; i < 2; i++) {
      const page = await get('/account/verify-email', link.token);
      expectPage(page, 200);
      expect(page.text).to.match(/<form method="post" action="\/account\/verify-email">/);
      expect(page.text).to.include('Confirm my email address');
      expect(hiddenToken(page.text)).to.equal(link.token);
    }
    // A mail scanner fetching the link changed nothing.
    expect((await me(m)).emailVerified).to.equal(false);

    const done = await post('/account/verify-email', { token: link.token });
    expectPage(done, 200);
    expect(done.text).to.include('Your address is confirmed');
    expect((await me(m)).emailVerified).to.equal(true);

    const again = await post('/account/verify-email', { token: link.token });
    expectPage(again, 400);
    expect(again.text).to.include('This link does not work');
  });

  it('when a link is tampered with, cut short, of another purpose, missing or expired, then GET and POST answer the friendly 400 page and nothing changes', async () => {
    const m = await registerMember(t, {}, { verify: false });
    const { token } = await mailedLink(t, m.id, 'verify-email');
    const reset = await resetLink(await registerMember(t));
    const bad = [tamper(token), token.slice(0, -10), reset.token, m.token, 'not-a-token', ''];
    for (const path of ['/account/verify-email', '/account/reset-password', '/account/confirm-email']) {
      for (const b of bad.filter((x) => !(path === '/account/reset-password' && x === reset.token))) {
        const opened = await get(path, b);
        expectPage(opened, 400);
        expect(opened.text).to.match(/expired, been used already, or been replaced/);
        expect(opened.text).to.include('href="/account/forgot-password"');
        expectPage(await post(path, { token: b, password: NEW_PASSWORD, repeat: NEW_PASSWORD }), 400);
      }
      expectPage(await get(path), 400);
      expectPage(await post(path, {}), 400);
    }
    // A repeated token field (an array once parsed) is not a token either.
    expectPage(await t.request.post('/account/verify-email').type('form').send(`token=${token}&token=${token}`), 400);
    expect((await me(m)).emailVerified).to.equal(false);

    // Two days and a minute later the real link has expired (48 hours).
    t.clock.advance(48 * HOUR + 60_000);
    expectPage(await get('/account/verify-email', token), 400);
    expectPage(await post('/account/verify-email', { token }), 400);
    expect((await me(m)).emailVerified).to.equal(false);
  });

  it('when the new passwords do not match, are too short or too common, then the form comes back (400) saying why, with the token kept and no password echoed, and nothing changes', async () => {
    const m = await registerMember(t);
    const link = await resetLink(m);
    expect(new URL(link.url).pathname).to.equal('/account/reset-password');
    const form = await get('/account/reset-password', link.token);
    expectPage(form, 200);
    expect(form.text.match(/<input type="password"[^>]*autocomplete="new-password"/g)).to.have.length(2);
    expect(form.text).to.include('name="password"').and.to.include('name="repeat"');
    expect(hiddenToken(form.text)).to.equal(link.token);

    const tries: Array<[Record<string, string>, RegExp]> = [
      [{ password: NEW_PASSWORD, repeat: `${NEW_PASSWORD}!` }, /not the same/],
      [{ password: 'short words', repeat: 'short words' }, /at least 12 characters/],
      [{ password: 'x'.repeat(257), repeat: 'x'.repeat(257) }, /at most 256 characters/],
      [{ password: 'password1234', repeat: 'password1234' }, /most common/],
      [{ password: '', repeat: '' }, /both boxes/],
    ];
    for (const [fields, says] of tries) {
      const res = await post('/account/reset-password', { token: link.token, ...fields });
      expectPage(res, 400);
      expect(res.text).to.match(says);
      expect(res.text).to.include('role="alert"');
      expect(hiddenToken(res.text)).to.equal(link.token);
      if (fields.password) expect(res.text).to.not.include(fields.password);
    }
    // The link was not used up by the refused tries, and the old password still works.
    expect((await login(m.email, GOOD_PASSWORD)).status).to.equal(200);
    expectPage(await post('/account/reset-password', { token: link.token, password: NEW_PASSWORD, repeat: NEW_PASSWORD }), 200);
  });

  it('when a reset link is used, then the new password signs in, the old one and older tokens stop working, it is audited, and the link does not work again', async () => {
    const m = await registerMember(t);
    const link = await resetLink(m);
    expectPage(await get('/account/reset-password', link.token), 200);
    // Opening the page changed nothing.
    expect((await login(m.email, GOOD_PASSWORD)).status).to.equal(200);

    t.clock.advance(1000);
    const auditedBefore = await audited('password-reset', 'POST /account/reset-password');
    const done = await post('/account/reset-password', { token: link.token, password: NEW_PASSWORD, repeat: NEW_PASSWORD });
    expectPage(done, 200);
    expect(done.text).to.include('Your password is changed').and.to.include('sign in');
    expect((await login(m.email, GOOD_PASSWORD)).status).to.equal(401);
    expect((await me(m, NEW_PASSWORD)).id).to.equal(m.id);
    expect((await t.request.get('/api/v1/me').set(bearer(m))).status).to.equal(401);
    expect(await audited('password-reset', 'POST /account/reset-password')).to.equal(auditedBefore + 1);

    const used = await post('/account/reset-password', { token: link.token, password: `${NEW_PASSWORD} again`, repeat: `${NEW_PASSWORD} again` });
    expectPage(used, 400);
    expect(used.text).to.include('This link does not work');
    expect((await login(m.email, NEW_PASSWORD)).status).to.equal(200);
  });

  it('when a reset link is older than 30 minutes, then its page is the 400 page and the password stays', async () => {
    const m = await registerMember(t);
    const link = await resetLink(m);
    t.clock.advance(31 * 60_000);
    expectPage(await get('/account/reset-password', link.token), 400);
    expectPage(await post('/account/reset-password', { token: link.token, password: NEW_PASSWORD, repeat: NEW_PASSWORD }), 400);
    expect((await login(m.email, GOOD_PASSWORD)).status).to.equal(200);
  });

  it('when a reset link is asked for, then the page is byte-identical for a known and an unknown address, and only the known one gets mail; a bad address gets the form again', async () => {
    const m = await registerMember(t);
    const form = await get('/account/forgot-password');
    expectPage(form, 200);
    expect(form.text).to.match(/<form method="post" action="\/account\/forgot-password">/);
    expect(form.text).to.match(/<input type="email"[^>]*name="email"/);

    const known = await post('/account/forgot-password', { email: m.email.toUpperCase() });
    const unknown = await post('/account/forgot-password', { email: 'nobody-here@example.org' });
    expectPage(known, 200);
    expectPage(unknown, 200);
    expect(known.text).to.equal(unknown.text);
    expect(known.text).to.include('If an account uses this address, a link');
    expect(known.text).to.not.include(m.email);
    for (const h of ['content-type', 'content-length', 'cache-control', 'x-robots-tag', 'referrer-policy']) expect(known.headers[h], h).to.equal(unknown.headers[h]);
    expect((await mailedLink(t, m.id, 'password-reset')).token).to.be.a('string');
    expect(await t.db.conn.collection('outbox').countDocuments({ to: 'nobody-here@example.org' })).to.equal(0);

    const bad = await post('/account/forgot-password', { email: 'not an <address>' });
    expectPage(bad, 400);
    expect(bad.text).to.include('not an email address');
    expect(bad.text).to.include('value="not an &lt;address&gt;"');
    expectPage(await post('/account/forgot-password', {}), 400);
  });

  it('when a new address is confirmed by its link, then GET changes nothing and POST moves the account, audited; if another account took the address first, a 409 page says theirs keeps its own', async () => {
    const m = await registerMember(t);
    const newEmail = `moved-${m.id.slice(0, 8)}@example.org`;
    const asked = await t.request.put('/api/v1/me/email').set(bearer(m)).send({ password: GOOD_PASSWORD, newEmail });
    expect(asked.status, JSON.stringify(asked.body)).to.equal(202);
    const link = await mailedLink(t, m.id, 'email-change-confirm');
    expect(new URL(link.url).pathname).to.equal('/account/confirm-email');

    const page = await get('/account/confirm-email', link.token);
    expectPage(page, 200);
    expect(page.text).to.match(/<form method="post" action="\/account\/confirm-email">/);
    expect(hiddenToken(page.text)).to.equal(link.token);
    expect((await me(m)).email).to.equal(m.email);

    const auditedBefore = await audited('email-change', 'POST /account/confirm-email');
    const done = await post('/account/confirm-email', { token: link.token });
    expectPage(done, 200);
    expect(done.text).to.include('Your new address is confirmed');
    const after = await me({ email: newEmail });
    expect(after).to.include({ id: m.id, email: newEmail, emailVerified: true });
    expect(after).to.not.have.property('pendingEmail');
    expect(await audited('email-change', 'POST /account/confirm-email')).to.equal(auditedBefore + 1);
    expectPage(await post('/account/confirm-email', { token: link.token }), 400);

    // Two accounts ask for one address; the first to confirm gets it.
    const a = await registerMember(t);
    const b = await registerMember(t);
    const wanted = `wanted-${a.id.slice(0, 8)}@example.org`;
    for (const x of [a, b]) expect((await t.request.put('/api/v1/me/email').set(bearer(x)).send({ password: GOOD_PASSWORD, newEmail: wanted })).status).to.equal(202);
    const aLink = await mailedLink(t, a.id, 'email-change-confirm');
    const bLink = await mailedLink(t, b.id, 'email-change-confirm');
    expectPage(await post('/account/confirm-email', { token: bLink.token }), 200);
    const taken = await post('/account/confirm-email', { token: aLink.token });
    expectPage(taken, 409);
    expect(taken.text).to.include('Another account uses this email address').and.to.include('keeps its current address');
    expect((await me(a)).email).to.equal(a.email);
    expect((await me({ email: wanted })).id).to.equal(b.id);
  });

  it('when an address under /account is no page, then a friendly 404 page answers, not JSON', async () => {
    expectPage(await get('/account/nothing-here'), 404);
    expectPage(await t.request.put('/account/verify-email'), 404);
  });
});

describe('account pages: limits', function () {
  this.timeout(60_000);
  let t: TestApp;
  before(async () => {
    // Client addresses from X-Forwarded-For (as behind the proxy), so each test has its own.
    t = await startTestApp('account-pages-limits', { TRUST_PROXY: 'loopback', LOGIN_MAX_FAILURES_PER_MINUTE: '3', ACCOUNT_REQUESTS_PER_IP_PER_15_MIN: '4' });
  });
  after(async () => {
    await t.close();
  });
  const from = (ip: string) => ({ 'X-Forwarded-For': ip });

  it('when one client address posts past its limit, then a friendly 429 page answers, and another address is still served', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.request.post('/account/forgot-password').set(from('203.0.113.7')).type('form').send({ email: `x${i}@example.org` })).status);
    expect(statuses).to.deep.equal([200, 200, 200, 200, 429]);
    const limited = await t.request.post('/account/verify-email').set(from('203.0.113.7')).type('form').send({ token: 'x' });
    expectPage(limited, 429);
    expect(limited.text).to.include('Too many tries');
    expectPage(await t.request.post('/account/forgot-password').set(from('203.0.113.8')).type('form').send({ email: 'y@example.org' }), 200);
  });

  it('when an email is locked out by failed sign-ins, then a reset through the page lets its owner sign in at once', async () => {
    const m = await registerMember(t);
    for (let i = 0; i < 4; i++) await t.request.post('/api/v1/auth/login').set(from(`198.51.100.${i + 1}`)).send({ email: m.email, password: 'wrong password, sorry' });
    const locked = await t.request.post('/api/v1/auth/login').set(from('198.51.100.50')).send({ email: m.email, password: GOOD_PASSWORD });
    expect(locked.status).to.equal(429);

    expectPage(await t.request.post('/account/forgot-password').set(from('198.51.100.60')).type('form').send({ email: m.email }), 200);
    const { token } = await mailedLink(t, m.id, 'password-reset');
    expectPage(await t.request.post('/account/reset-password').set(from('198.51.100.60')).type('form').send({ token, password: NEW_PASSWORD, repeat: NEW_PASSWORD }), 200);
    expect((await t.request.post('/api/v1/auth/login').set(from('198.51.100.70')).send({ email: m.email, password: NEW_PASSWORD })).status).to.equal(200);
  });
});
