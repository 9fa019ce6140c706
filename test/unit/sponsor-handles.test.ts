import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { createSponsorHandles, deriveHandleSecret, HANDLE_PATTERN } from '../../src/matching/sponsor-handles.ts';

const NEWCOMER = '5b0f8a7e-0d4c-4f8e-9a52-2f8d4a0c1e11';
const OTHER_NEWCOMER = '9c3e1d2a-6b7f-4a8e-8d1c-0e2f3a4b5c6d';
const SPONSOR = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b';
const SECRET = 'handle-secret-0123456789-abcdefghijklmnop';

describe('sponsor handles', () => {
  it('when a handle is made, then it is the base64url HMAC-SHA256 of the two ids under the secret, and names no id', () => {
    const handle = createSponsorHandles(SECRET).handleFor(NEWCOMER, SPONSOR);
    expect(handle).to.equal(createHmac('sha256', SECRET).update(`${NEWCOMER}\n${SPONSOR}`).digest('base64url'));
    expect(handle).to.match(HANDLE_PATTERN);
    expect(handle).not.to.include(SPONSOR.slice(0, 8));
  });

  it('when two instances share the secret, then they make the same handle; another newcomer or another secret makes a different one', () => {
    const a = createSponsorHandles(SECRET);
    const b = createSponsorHandles(SECRET);
    expect(a.handleFor(NEWCOMER, SPONSOR)).to.equal(b.compute(NEWCOMER, SPONSOR));
    expect(a.handleFor(OTHER_NEWCOMER, SPONSOR)).not.to.equal(a.handleFor(NEWCOMER, SPONSOR));
    expect(createSponsorHandles(`${SECRET}!`).compute(NEWCOMER, SPONSOR)).not.to.equal(a.compute(NEWCOMER, SPONSOR));
  });

  it('when a handle was handed out, then it is recalled for that newcomer only; a computed one is not remembered', () => {
    const handles = createSponsorHandles(SECRET);
    const handle = handles.handleFor(NEWCOMER, SPONSOR);
    expect(handles.recall(NEWCOMER, handle)).to.equal(SPONSOR);
    expect(handles.recall(OTHER_NEWCOMER, handle)).to.equal(undefined);
    const computed = handles.compute(OTHER_NEWCOMER, SPONSOR);
    expect(handles.recall(OTHER_NEWCOMER, computed)).to.equal(undefined);
  });

  it('when the secret is derived from a token secret, then it is 32 bytes, the same every time, and not the token secret', () => {
    const tokenSecret = 'test-secret-0123456789-abcdefghijklmnop-XYZ';
    const derived = deriveHandleSecret(tokenSecret);
    expect(derived).to.have.length(32);
    expect(derived.equals(deriveHandleSecret(tokenSecret))).to.equal(true);
    expect(derived.equals(deriveHandleSecret(`${tokenSecret}!`))).to.equal(false);
    expect(derived.toString('utf8')).not.to.include(tokenSecret);
  });
});
