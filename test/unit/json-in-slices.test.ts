import { expect } from 'chai';
import { isLargeJson, jsonInSlices } from '../../src/http/json-in-slices.ts';

describe('jsonInSlices: a large answer serialised without one long stretch', () => {
  const pairs = Array.from({ length: 1200 }, (_, k) => ({ id: `p${k}`, score: k / 10, when: new Date(Date.UTC(2026, 0, 1 + (k % 28))), gone: undefined, reasons: [{ text: `reason "${k}"\n` }] }));

  it('when a body has a long top-level array, then the text is exactly JSON.stringify of it', async () => {
    const body = { id: 'run-1', mode: 'participation', skipped: undefined, pairs, empty: [], unmatched: [undefined, null, 1, 'two', ...pairs.slice(0, 600)] };
    expect(isLargeJson(body)).to.equal(true);
    expect(await jsonInSlices(body)).to.equal(JSON.stringify(body));
  });

  it('when a body is small, an array or not a plain object, then it is left to JSON.stringify', async () => {
    for (const body of [{ a: 1 }, pairs, 'text', null, new Date(0), { toJSON: () => 'x', pairs }]) {
      expect(isLargeJson(body)).to.equal(false);
      expect(await jsonInSlices(body)).to.equal(JSON.stringify(body));
    }
  });

  it('when a long array is serialised, then timers get turns before it ends', async () => {
    const heavy = { items: Array.from({ length: 60_000 }, (_, k) => ({ k, text: 'x'.repeat(200), nested: Array.from({ length: 20 }, (_, n) => ({ n })) })) };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await jsonInSlices(heavy);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).to.be.greaterThan(0);
  });
});
