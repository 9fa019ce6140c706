import { expect } from 'chai';
import { BoundedMap } from '../../src/lib/bounded-map.ts';

describe('BoundedMap', () => {
  it('when more than max entries are set, then the least recently used is dropped', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).to.equal(1); // a is now the most recent
    m.set('c', 3);
    expect(m.get('b')).to.equal(undefined);
    expect(m.get('a')).to.equal(1);
    expect(m.get('c')).to.equal(3);
    expect(m.size).to.equal(2);
  });

  it('when a key is set again or deleted, then the size stays right', () => {
    const m = new BoundedMap<string, number>(3);
    m.set('a', 1);
    m.set('a', 2);
    expect(m.size).to.equal(1);
    expect(m.get('a')).to.equal(2);
    m.delete('a');
    expect(m.get('a')).to.equal(undefined);
    expect(m.size).to.equal(0);
  });
});
