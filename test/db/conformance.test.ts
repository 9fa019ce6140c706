import { spawn } from 'node:child_process';
import { expect } from 'chai';
import mongoose, { Schema } from 'mongoose';
import { createChain, ChainConflict, versionId } from '../../src/db/chain.ts';
import { isDuplicateKey } from '../../src/db/connect.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';

// What the code relies on from the database (DATABASE.md), shown on whatever
// engine the tests got: mongod or FerretDB.

function runProcess(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${script} exited ${code}: ${err}`))));
  });
}

describe('database conformance', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  before(async () => {
    db = await openTestDatabase('conformance');
    process.stderr.write(`  [conformance] engine: ${db.server.engine} ${db.server.version}\n`);
  });
  after(async () => {
    await db.drop();
  });

  it('when many connections insert one _id at once, then exactly one succeeds and the rest get 11000', async () => {
    const coll = db.conn.collection('claims_same_process');
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => coll.insertOne({ _id: `claim:${round}` as never, i })));
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).to.have.length(1);
      expect(lost).to.have.length(11);
      for (const l of lost) expect(isDuplicateKey(l.reason)).to.equal(true);
    }
  });

  it('when several processes claim one _id at once, then exactly one wins, the others see a duplicate key', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => runProcess('test/db/claim-writer.ts', [db.uri, db.dbName, 'checkin:m1:u1:2026-W47', `w${i}`])),
    );
    expect(results.filter((r) => r === 'won')).to.have.length(1);
    expect(results.filter((r) => r === 'duplicate')).to.have.length(5);
  });

  it('when several processes append to one chain at once, then the chain is gapless with exactly one writer per version', async () => {
    const writers = 4;
    const appends = 8;
    const outputs = await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        runProcess('test/db/chain-writer.ts', [db.uri, db.dbName, 'sponsor-places:s1', String(appends), `w${i}`]),
      ),
    );
    const won = outputs.flatMap((o) => (JSON.parse(o) as { won: number[] }).won);
    expect(won.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: writers * appends }, (_, i) => i + 1));
    const chain = createChain<{ count: number; writer: string }>(db.conn, 'conformance_chain');
    const history = await chain.history('sponsor-places:s1');
    expect(history.map((v) => v.n)).to.deep.equal(won);
    // Each version was computed from the one before it: no lost update.
    expect(history.map((v) => v.state.count)).to.deep.equal(won);
    expect((await chain.latest('sponsor-places:s1'))?.n).to.equal(writers * appends);
  });

  it('when a writer appends from a stale version, then ChainConflict and nothing is overwritten', async () => {
    const chain = createChain<{ v: string }>(db.conn, 'chain_stale');
    const t = new Date('2026-11-21T00:00:00Z');
    await chain.append('m:1', 0, { state: { v: 'a' }, by: 'x' }, t);
    await chain.append('m:1', 1, { state: { v: 'b' }, by: 'y' }, t);
    let caught: unknown;
    try {
      await chain.append('m:1', 1, { state: { v: 'c' }, by: 'z' }, t);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ChainConflict);
    expect((await chain.latest('m:1'))?.state).to.deep.equal({ v: 'b' });
  });

  it('when the head hint lags or is missing, then latest() still finds the newest version by probing', async () => {
    const chain = createChain<{ v: number }>(db.conn, 'chain_probe');
    const t = new Date();
    for (let n = 0; n < 5; n++) await chain.append('e', n, { state: { v: n + 1 }, by: 'x' }, t);
    await db.conn.collection('chain_probe.heads').updateOne({ _id: 'e' as never }, { $set: { head: 2 } });
    expect((await chain.latest('e'))?.n).to.equal(5);
    await db.conn.collection('chain_probe.heads').deleteOne({ _id: 'e' as never });
    expect((await chain.latest('e'))?.n).to.equal(5);
    await db.conn.collection('chain_probe.heads').updateOne({ _id: 'e' as never }, { $set: { head: 9 } });
    expect((await chain.latest('e'))?.n).to.equal(5);
    expect(await chain.latest('never-written')).to.equal(undefined);
    expect(versionId('e', 3)).to.equal('e:3');
  });

  it('when a transition rule refuses, then its error surfaces and no version is written', async () => {
    const chain = createChain<{ holders: string[]; capacity: number }>(db.conn, 'chain_rule');
    const take = (who: string) =>
      chain.transition(
        'places:s2',
        (cur) => {
          const s = cur?.state ?? { holders: [], capacity: 2 };
          if (s.holders.length >= s.capacity) throw new Error('at-capacity');
          return { state: { ...s, holders: [...s.holders, who] }, by: who };
        },
        () => new Date(),
      );
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map(take));
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(2);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect((r.reason as Error).message).to.equal('at-capacity');
    }
    expect((await chain.latest('places:s2'))?.state.holders).to.have.length(2);
  });

  it('when the repositories use their query and update shapes, then each behaves as on MongoDB', async () => {
    const M = db.conn.model(
      'Shape',
      new Schema({ _id: String, email: String, n: Number, tags: [String], nested: { a: Boolean } }, { versionKey: false, collection: 'shapes' }),
    );
    await M.create({ _id: 'a', email: 'a@x', n: 1, tags: ['x'], nested: { a: true } });
    await M.create({ _id: 'b', email: 'b@x', n: 2, tags: [], nested: { a: false } });
    expect((await M.findById('a').lean())?.email).to.equal('a@x');
    expect(await M.findById('zz').lean()).to.equal(null);
    expect(await M.exists({ _id: 'b' })).to.not.equal(null);
    expect(await M.exists({ _id: 'zz' })).to.equal(null);
    const upd = await M.updateOne({ _id: 'a' }, { $set: { 'nested.a': false, tags: ['y', 'z'] } });
    expect(upd.matchedCount).to.equal(1);
    expect((await M.updateOne({ _id: 'nope' }, { $set: { n: 5 } })).matchedCount).to.equal(0);
    await M.updateOne({ _id: 'c' }, { $set: { n: 3 } }, { upsert: true });
    expect((await M.findById('c').lean())?.n).to.equal(3);
    await db.conn.collection('shapes').updateOne({ _id: 'c' as never }, { $max: { n: 2 } });
    expect((await M.findById('c').lean())?.n).to.equal(3);
    await db.conn.collection('shapes').updateOne({ _id: 'c' as never }, { $max: { n: 7 } });
    expect((await M.findById('c').lean())?.n).to.equal(7);
    expect((await M.find().lean()).map((d) => d._id).sort()).to.deep.equal(['a', 'b', 'c']);
    expect(await M.find({ n: mongoose.trusted({ $gte: 2 }) }).countDocuments()).to.equal(2);
    expect((await M.find({ tags: 'y' }).lean()).map((d) => d._id)).to.deep.equal(['a']);
    expect((await M.find({ _id: mongoose.trusted({ $in: ['a', 'c', 'q'] }) }).lean()).map((d) => d._id).sort()).to.deep.equal(['a', 'c']);
    await M.deleteOne({ _id: 'b' });
    expect(await M.countDocuments()).to.equal(2);
    let dup: unknown;
    try {
      await M.create({ _id: 'a' });
    } catch (err) {
      dup = err;
    }
    expect(isDuplicateKey(dup)).to.equal(true);
  });

  it('when a filter carries a $-operator from user input, then sanitizeFilter neutralises it', async () => {
    const M = db.conn.model('Login2', new Schema({ _id: String, userId: String }, { versionKey: false, collection: 'logins2' }));
    await M.create({ _id: 'x@y', userId: 'u1' });
    const evil = { $ne: null } as unknown as string;
    let result: unknown;
    try {
      result = await M.findOne({ _id: evil }).lean();
    } catch {
      result = 'rejected';
    }
    expect(result === null || result === 'rejected').to.equal(true);
  });
});
