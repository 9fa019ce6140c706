import { expect } from 'chai';
import mongoose from 'mongoose';
import { createChangeFeed, type ChangeEvent, type FeedSubscriber } from '../../src/db/change-feed.ts';
import { createChain } from '../../src/db/chain.ts';
import { testClock } from '../support/clock.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { startFlakyProxy, type FlakyProxy } from '../support/flaky-proxy.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting until ${what}`);
}

// A subscriber that records what it was given, in order.
function recorder(name: string, over: Partial<FeedSubscriber> = {}) {
  const seen: Array<{ event: ChangeEvent; n: number }> = [];
  let rebuilds = 0;
  const record = (event: ChangeEvent, n: number): Promise<void> => {
    seen.push({ event, n });
    return Promise.resolve();
  };
  const sub: FeedSubscriber = {
    name,
    apply: record,
    rebuild: () => {
      rebuilds += 1;
      return Promise.resolve();
    },
    ...over,
  };
  return { sub, seen, record, rebuilds: () => rebuilds, ids: () => seen.map((s) => ('id' in s.event ? s.event.id : s.event.kind)) };
}

const sponsor = (id: string): ChangeEvent => ({ kind: 'sponsor', id });

// A connection to the same database through a proxy the test can break.
async function proxiedConnection(db: TestDatabase): Promise<{ conn: mongoose.Connection; proxy: FlakyProxy }> {
  const proxy = await startFlakyProxy(db.uri);
  // Short timeouts, so that a cut shows as errors within the test's time.
  const conn = mongoose.createConnection(proxy.uri, { dbName: db.dbName, autoIndex: false, serverSelectionTimeoutMS: 1000 });
  await conn.asPromise();
  return { conn, proxy };
}

describe('change feed: nothing skipped, nothing lost, bounded', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await openTestDatabase('feed');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('when applying an event fails with a transient database error, then the follower retries it and skips nothing', async () => {
    const clock = testClock();
    const feed = createChangeFeed(db.conn, { clock });
    let failures = 2;
    const r = recorder('f', {});
    r.sub.apply = async (e, n) => {
      if ('id' in e && e.id === 'b' && failures > 0) {
        failures -= 1;
        throw new mongoose.mongo.MongoNetworkError('connection reset');
      }
      await r.record(e, n);
    };
    const follower = feed.follow(0, r.sub, { intervalMs: 20 });
    try {
      await feed.publish([sponsor('a'), sponsor('b')], 't');
      await feed.publish(sponsor('c'), 't');
      await until('c is applied', () => r.ids().includes('c'));
      expect(failures).to.equal(0);
      // 'a' is applied again with 'b' (same version): events are idempotent reloads; order is kept.
      expect(r.ids().filter((id) => id !== 'a')).to.deep.equal(['b', 'c']);
      expect(follower.position).to.equal(2);
    } finally {
      await follower.stop();
    }
  });

  it('when an event can never be applied, then it is skipped and later events still arrive', async () => {
    const clock = testClock();
    const errors: string[] = [];
    const feed = createChangeFeed(db.conn, { clock, log: { warn: () => undefined, error: (_o, m) => errors.push(m) } });
    const r = recorder('f');
    r.sub.apply = async (e, n) => {
      if ('id' in e && e.id === 'bad') throw new RangeError('unknown time zone');
      await r.record(e, n);
    };
    const follower = feed.follow(0, r.sub, { intervalMs: 20 });
    try {
      await feed.publish(sponsor('bad'), 't');
      await feed.publish(sponsor('good'), 't');
      await until('good is applied', () => r.ids().includes('good'));
      expect(r.ids()).to.deep.equal(['good']);
      expect(errors.some((m) => /cannot be applied/.test(m))).to.equal(true);
    } finally {
      await follower.stop();
    }
  });

  it('when the follower\'s database connection drops for a while, then every event published meanwhile is applied once it is back, in order', async () => {
    const clock = testClock();
    const writer = createChangeFeed(db.conn, { clock });
    const { conn, proxy } = await proxiedConnection(db);
    const reader = createChangeFeed(conn, { clock });
    const r = recorder('reader');
    const follower = reader.follow(0, r.sub, { intervalMs: 50, timeoutMs: 1500 });
    try {
      await writer.publish(sponsor('before'), 't');
      await until('before is applied', () => r.ids().includes('before'));
      await proxy.cut();
      for (const id of ['x1', 'x2', 'x3']) await writer.publish(sponsor(id), 't');
      await sleep(1500);
      expect(r.ids()).to.deep.equal(['before']);
      await proxy.restore();
      await until('x3 is applied', () => r.ids().includes('x3'), 15000);
      expect(r.ids()).to.deep.equal(['before', 'x1', 'x2', 'x3']);
    } finally {
      await follower.stop();
      await conn.close();
      await proxy.close();
    }
  });

  it('when the database stalls mid-poll, then one read is in flight, not one per interval, and stop() returns within the poll timeout', async () => {
    const clock = testClock();
    const writer = createChangeFeed(db.conn, { clock });
    const proxy = await startFlakyProxy(db.uri);
    const conn = mongoose.createConnection(proxy.uri, { dbName: db.dbName, autoIndex: false, monitorCommands: true });
    await conn.asPromise();
    let feedReads = 0;
    conn.getClient().on('commandStarted', (e) => {
      if (e.commandName === 'find' && (e.command as { find?: string }).find === 'change_feed') feedReads += 1;
    });
    const reader = createChangeFeed(conn, { clock });
    const r = recorder('reader');
    const follower = reader.follow(0, r.sub, { intervalMs: 10, timeoutMs: 300 });
    try {
      await writer.publish(sponsor('one'), 't');
      await until('one is applied', () => r.ids().includes('one'));
      proxy.hang();
      await sleep(50);
      const readsBefore = feedReads;
      await writer.publish(sponsor('two'), 't');
      await sleep(1000); // a hundred intervals: a poller that piled up would start a read each time
      expect(feedReads - readsBefore).to.be.at.most(1);
      const started = Date.now();
      const stopped = follower.stop();
      await stopped;
      expect(Date.now() - started).to.be.below(1000);
      await proxy.restore();
      const again = reader.follow(1, r.sub, { intervalMs: 10 });
      await until('two is applied', () => r.ids().includes('two'), 15000);
      await again.stop();
      expect(r.ids()).to.deep.equal(['one', 'two']);
    } finally {
      await follower.stop();
      await conn.close().catch(() => undefined);
      await proxy.close();
    }
  });

  it('when an announcement cannot reach the database, then it does not throw, and it is on the feed once the database is back', async () => {
    const clock = testClock();
    const { conn, proxy } = await proxiedConnection(db);
    const announcer = createChangeFeed(conn, { clock });
    const reader = createChangeFeed(db.conn, { clock });
    const r = recorder('reader');
    const follower = reader.follow(0, r.sub, { intervalMs: 50 });
    try {
      await proxy.cut();
      await announcer.announce(sponsor('while-down'), 't');
      expect(announcer.pendingCount()).to.equal(1);
      await proxy.restore();
      await until('the announcement is applied', () => r.ids().includes('while-down'), 20000);
      expect(announcer.pendingCount()).to.equal(0);
      expect(await db.conn.collection('change_feed.pending').countDocuments()).to.equal(0);
    } finally {
      await follower.stop();
      await announcer.stop();
      await conn.close();
      await proxy.close();
    }
  });

  it('when a process recorded an announcement and died before appending it, then the next start appends it', async () => {
    const clock = testClock();
    // What a crash between recording and appending leaves behind.
    await db.conn
      .collection('change_feed.pending')
      .insertOne({ _id: 'crashed-1' as never, event: { kind: 'user', id: 'u1' }, by: 'u1', at: new Date(clock().getTime() - 1000) });
    const reader = createChangeFeed(db.conn, { clock });
    const r = recorder('reader');
    const follower = reader.follow(0, r.sub, { intervalMs: 50 });
    try {
      const restarted = createChangeFeed(db.conn, { clock });
      expect(await restarted.adoptOrphans(0)).to.equal(1);
      await until('the orphan is applied', () => r.ids().includes('u1'));
      expect(await db.conn.collection('change_feed.pending').countDocuments()).to.equal(0);
      // A fresh announcement of a live process is not adopted before it is old enough.
      await db.conn.collection('change_feed.pending').insertOne({ _id: 'fresh' as never, event: sponsor('s'), by: 's', at: clock() });
      expect(await restarted.adoptOrphans(60_000)).to.equal(0);
    } finally {
      await follower.stop();
    }
  });

  it('when many announcements come at once, then they are appended in few versions and each arrives exactly once', async () => {
    const clock = testClock();
    const feed = createChangeFeed(db.conn, { clock });
    const r = recorder('reader');
    const follower = feed.follow(0, r.sub, { intervalMs: 20 });
    try {
      const ids = Array.from({ length: 40 }, (_, i) => `s${i}`);
      await Promise.all(ids.map((id) => feed.announce(sponsor(id), id)));
      await until('all arrive', () => r.seen.length >= 40);
      await sleep(100);
      expect([...r.ids()].sort()).to.deep.equal([...ids].sort());
      expect(await feed.head()).to.be.below(40);
    } finally {
      await follower.stop();
      await feed.stop();
    }
  });

  it('when a stale announcement keeps failing for over a minute, then it is logged (once) and still retried', async () => {
    const clock = testClock();
    const errors: string[] = [];
    const { conn, proxy } = await proxiedConnection(db);
    const feed = createChangeFeed(conn, { clock, log: { warn: () => undefined, error: (_o, m) => errors.push(m) } });
    try {
      await proxy.cut();
      await feed.announce(sponsor('late'), 't');
      clock.advance(61_000);
      await until('the failure is reported', () => errors.some((m) => /over a minute/.test(m)), 10000);
      await proxy.restore();
      await until('it is appended', () => feed.pendingCount() === 0, 40000);
      expect(errors.filter((m) => /over a minute/.test(m))).to.have.length(1);
    } finally {
      await feed.stop();
      await conn.close();
      await proxy.close();
    }
  });

  it('when versions are pruned past a follower that was away, then that follower jumps to the oldest kept version and rebuilds', async () => {
    const clock = testClock();
    const writer = createChangeFeed(db.conn, { clock });
    const live = recorder('live');
    const liveFollower = writer.follow(0, live.sub, { intervalMs: 20 });
    const { conn, proxy } = await proxiedConnection(db);
    const away = recorder('away');
    const awayFollower = createChangeFeed(conn, { clock }).follow(0, away.sub, { intervalMs: 50, timeoutMs: 1000 });
    try {
      await writer.publish(sponsor('e1'), 't');
      await until('both saw e1', () => live.ids().includes('e1') && away.ids().includes('e1'));
      await until('both recorded a heartbeat', async () => (await db.conn.collection('change_feed.followers').countDocuments()) === 2);
      await proxy.cut();
      for (let i = 2; i <= 10; i++) await writer.publish(sponsor(`e${i}`), 't');
      await until('the live follower is at the head', () => live.ids().includes('e10'));
      // While the away follower still counts as live, what it needs next stays.
      await writer.prune(60_000);
      expect(await db.conn.collection('change_feed').countDocuments({ _id: 'feed:2' as never })).to.equal(1);
      clock.advance(10 * 60_000); // the away follower's heartbeat is now old; the live one beats again
      await until('the live follower beat again', async () => {
        const doc = await db.conn.collection('change_feed.followers').findOne({ _id: 'live' as never });
        return doc !== null && new Date(doc.at).getTime() >= clock().getTime();
      }, 10000);
      await writer.prune(60_000);
      // Versions 1..9 are gone; the head (10) is kept.
      expect((await db.conn.collection('change_feed').find().toArray()).map((d) => d._id)).to.deep.equal(['feed:10']);
      await writer.publish(sponsor('e11'), 't');
      await proxy.restore();
      await until('the away follower caught up', () => away.ids().includes('e11'), 20000);
      expect(away.rebuilds()).to.equal(1);
      expect(away.ids()).to.deep.equal(['e1', 'e10', 'e11']);
      expect(live.rebuilds()).to.equal(0);
      expect(live.ids()).to.have.length(11);
    } finally {
      await liveFollower.stop();
      await awayFollower.stop();
      await conn.close();
      await proxy.close();
    }
  });

  it('when append is asked to write after a version that does not exist, then it refuses and writes nothing', async () => {
    const chain = createChain<{ v: number }>(db.conn, 'gaps');
    const at = new Date();
    await chain.append('e', 0, { state: { v: 1 }, by: 'x' }, at);
    let refused: unknown;
    try {
      await chain.append('e', 5, { state: { v: 6 }, by: 'x' }, at);
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(RangeError);
    expect((await chain.history('e')).map((v) => v.n)).to.deep.equal([1]);
    expect(await db.conn.collection('gaps').countDocuments()).to.equal(1);
  });
});
