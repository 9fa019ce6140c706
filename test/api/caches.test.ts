import { expect } from 'chai';
import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSecondInstance } from '../support/second-instance.ts';
import { startFlakyProxy } from '../support/flaky-proxy.ts';
import { bearer, makeCoordinator, registerMember, sponsorBody, withSponsor } from '../support/factories.ts';
import { verifyAccessToken } from '../../src/auth/tokens.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('caches: what they hold and how they are repaired', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('caches');
  });
  after(async () => {
    await t.close();
  });

  it('when an account is cached for authentication, then only its id, roles and consent (version, health data) are held (no email, name or password hash)', async () => {
    const instance = await startSecondInstance(t.db.conn, t.clock);
    try {
      const m = await registerMember(t, { displayName: 'Quinn' });
      const entry = await instance.access.user(m.id);
      expect(entry).to.deep.equal({ _id: m.id, roles: { admin: false, coordinatorOf: [] }, termsVersion: '2026-11', healthData: true });
      expect(JSON.stringify(entry)).not.to.match(/argon2|@|Quinn/);
    } finally {
      await instance.stop();
    }
  });

  it('when a role change and a revocation never reached the feed, then the periodic repair finds and fixes both', async () => {
    const instance = await startSecondInstance(t.db.conn, t.clock);
    try {
      const c = await makeCoordinator(t, ['aa']);
      const m = await registerMember(t);
      await sleep(500); // the role grant's own announcement has reached the instance (it polls every 100 ms)
      expect((await instance.access.user(c.id))?.roles.coordinatorOf).to.deep.equal(['aa']);
      // Written around the repository, as a lost announcement would leave things.
      await t.db.conn.collection('users').updateOne({ _id: c.id as never }, { $set: { 'roles.coordinatorOf': [] } });
      const jti = verifyAccessToken(t.tokens, m.token, Math.floor(t.clock().getTime() / 1000))!.jti;
      await t.db.conn.collection('revoked_tokens').insertOne({ _id: jti as never, expiresAt: new Date(t.clock().getTime() + 3600_000) });
      await sleep(300);
      expect((await instance.access.user(c.id))?.roles.coordinatorOf).to.deep.equal(['aa']);
      expect(instance.access.isRevoked(jti, t.clock())).to.equal(false);

      expect(await instance.access.repair()).to.equal(2);
      expect((await instance.access.user(c.id))?.roles.coordinatorOf).to.deep.equal([]);
      expect(instance.access.isRevoked(jti, t.clock())).to.equal(true);
      expect(await instance.access.repair()).to.equal(0);
    } finally {
      await instance.stop();
    }
  });

  it('when revoked tokens expire, then the repair sweeps them from memory even if they never come back', async () => {
    const instance = await startSecondInstance(t.db.conn, t.clock);
    try {
      const before = instance.access.size.revoked;
      for (let i = 0; i < 5; i++) instance.access.remember(`gone-${i}`, new Date(t.clock().getTime() + 60_000));
      expect(instance.access.size.revoked).to.equal(before + 5);
      t.clock.advance(2 * 60_000);
      try {
        await instance.access.repair();
        expect(instance.access.size.revoked).to.be.at.most(before);
      } finally {
        t.clock.advance(-2 * 60_000);
      }
    } finally {
      await instance.stop();
    }
  });

  it('when another instance was cut off while the feed was pruned past it, then it rebuilds its index and sees the change it missed', async () => {
    const s = await withSponsor(t, {}, { displayName: 'Rowan' });
    const proxy = await startFlakyProxy(t.db.uri);
    const conn = mongoose.createConnection(proxy.uri, { dbName: t.db.dbName, autoIndex: false, serverSelectionTimeoutMS: 1000 });
    await conn.asPromise();
    const second = await startSecondInstance(conn, t.clock, { name: 'cut-off' });
    try {
      expect(second.engine.index.getSponsor(s.id)?.acceptingNewcomers).to.equal(true);
      await until('the second instance recorded a heartbeat', async () => (await t.db.conn.collection('change_feed.followers').countDocuments({ _id: 'cut-off:matching-engine' as never })) === 1);
      await proxy.cut();
      expect((await t.request.put('/api/v1/me/sponsor-profile').set(bearer(s)).send(sponsorBody({ acceptingNewcomers: false }))).status).to.equal(200);
      for (let i = 0; i < 3; i++) await withSponsor(t);
      // Long enough for the cut-off instance to count as gone; then the feed is pruned to its head.
      t.clock.advance(30 * 60_000);
      await t.feed.prune(60_000);
      expect(await t.db.conn.collection('change_feed').countDocuments()).to.equal(1);
      await proxy.restore();
      await until('the missed change is in the rebuilt index', () => second.engine.index.getSponsor(s.id)?.acceptingNewcomers === false, 20000);
    } finally {
      await second.stop();
      await conn.close();
      await proxy.close();
    }
  });
});

describe('caches: a slow read never puts an older sponsor profile back', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sponsor-reload-order');
  });
  after(async () => {
    await t.close();
  });

  it('when two reloads of one sponsor answer in the reverse order, then the index keeps the newer profile', async () => {
    const s = await withSponsor(t, {}, { displayName: 'Ash' });
    const proxy = await startFlakyProxy(t.db.uri);
    const conn = mongoose.createConnection(proxy.uri, { dbName: t.db.dbName, autoIndex: false });
    await conn.asPromise();
    const second = await startSecondInstance(conn, t.clock, { name: 'slow-reads', intervalMs: 60_000 });
    try {
      proxy.hang('answers');
      // The first reload reads the profile as it is (accepting) ...
      const first = second.engine.sponsorChanged(s.id, 'test');
      await sleep(300);
      // ... then the profile changes and a second reload reads the new state.
      await t.db.conn.collection('sponsor_profiles').updateOne({ _id: s.id as never }, { $set: { acceptingNewcomers: false } });
      const secondReload = second.engine.sponsorChanged(s.id, 'test');
      await sleep(300);
      // The newer answer arrives first, the older one after it.
      await proxy.restore({ newestFirst: true });
      await Promise.all([first, secondReload]);
      expect(second.engine.index.getSponsor(s.id)?.acceptingNewcomers).to.equal(false);
    } finally {
      await second.stop();
      await conn.close();
      await proxy.close();
    }
  });
});
