import { expect } from 'chai';
import { withNewcomer, withSponsor } from '../support/factories.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

describe('probe', () => {
  let t: TestApp;
  before(async () => {
    const s = Date.now();
    t = await startTestApp('probe');
    console.log('start', Date.now() - s);
  });
  after(async () => t.close());
  it('registers', async () => {
    let s = Date.now();
    await withSponsor(t, { capacity: 2 });
    console.log('sponsor', Date.now() - s);
    s = Date.now();
    await withNewcomer(t);
    console.log('one newcomer', Date.now() - s);
    s = Date.now();
    await Promise.all(Array.from({ length: 20 }, () => withNewcomer(t)));
    console.log('20 newcomers parallel', Date.now() - s);
    s = Date.now();
    for (let i = 0; i < 5; i++) await withNewcomer(t);
    console.log('5 sequential', Date.now() - s);
    expect(1).to.equal(1);
  });
});
