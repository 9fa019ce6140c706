import { expect } from 'chai';
import { pino } from 'pino';
import supertest from 'supertest';
import mongoose, { type Connection } from 'mongoose';
import { createApp } from '../../src/app.ts';
import { connectDatabase } from '../../src/db/connect.ts';
import { createEmptyMatchHistory } from '../../src/matching/match-history.source.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startFlakyProxy, type FlakyProxy } from '../support/flaky-proxy.ts';
import { startSecondInstance, type SecondInstance } from '../support/second-instance.ts';
import { bearer, registerMember, type Member } from '../support/factories.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The database really goes away underneath an instance (its TCP connections are
// dropped and refused), so the driver and mongoose fail as they would in an outage.
describe('a database outage, through HTTP', () => {
  let t: TestApp;
  let proxy: FlakyProxy;
  let conn: Connection;
  let instance: SecondInstance;
  let request: supertest.Agent;
  let m: Member;
  before(async () => {
    t = await startTestApp('db-outage');
    m = await registerMember(t);
    proxy = await startFlakyProxy(t.db.uri);
    conn = await connectDatabase(proxy.uri, { autoIndex: false, dbName: t.db.dbName });
    instance = await startSecondInstance(conn, t.clock, { name: 'outage' });
    const { app } = createApp({
      config: t.config,
      conn,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      clock: t.clock,
      tokens: t.tokens,
      engine: instance.engine,
      history: createEmptyMatchHistory(),
      access: instance.access,
      feed: instance.feed,
    });
    request = supertest.agent(app);
  });
  after(async () => {
    await proxy.restore();
    await instance.stop();
    await conn.close();
    await proxy.close();
    await t.close();
  });

  it('when the database goes away, then data requests and /ready answer 503 within 4 s each, and 200 again once it is back', async function () {
    this.timeout(90_000);
    expect((await request.get('/api/v1/me').set(bearer(m))).status).to.equal(200);

    await proxy.cut();
    // Once the driver has noticed (the instance's own polling notices within moments), every request must still answer fast.
    const noticed = Date.now() + 15_000;
    while (Date.now() < noticed && conn.readyState === mongoose.ConnectionStates.connected) await sleep(50);
    expect(conn.readyState, 'the driver never noticed the outage').not.to.equal(mongoose.ConnectionStates.connected);
    for (const path of ['/api/v1/me', '/api/v1/me/newcomer-profile', '/api/v1/programs']) {
      const started = Date.now();
      const res = await request.get(path).set(bearer(m));
      const ms = Date.now() - started;
      expect(res.status, path).to.equal(503);
      expect(res.headers['content-type'], path).to.match(/^application\/problem\+json/);
      expect(res.body.type, path).to.equal('/problems/database-unavailable');
      expect(ms, `${path} took ${ms} ms`).to.be.below(4000);
    }
    const started = Date.now();
    expect((await request.get('/ready')).status).to.equal(503);
    expect(Date.now() - started).to.be.below(4000);

    await proxy.restore();
    const deadline = Date.now() + 20_000;
    let ready = 0;
    while (Date.now() < deadline && (ready = (await request.get('/ready')).status) !== 200) await sleep(100);
    expect(ready).to.equal(200);
    expect((await request.get('/api/v1/me').set(bearer(m))).status).to.equal(200);
  });
});
