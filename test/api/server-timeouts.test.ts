import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { applyServerTimeouts } from '../../src/http/server-timeouts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Exchange {
  closed: boolean;
  received: string;
  ms: number;
}

// Writes raw bytes and waits until the server hangs up or `waitMs` passes.
async function exchange(port: number, bytes: string, waitMs: number): Promise<Exchange> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  socket.write(bytes);
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  socket.destroy();
  return { closed, received, ms: Date.now() - started };
}

describe('HTTP server timeouts', () => {
  let t: TestApp;
  let server: Server;
  let port: number;
  before(async () => {
    t = await startTestApp('server-timeouts');
    server = createServer(t.app);
    applyServerTimeouts(server, { headersTimeoutMs: 300, requestTimeoutMs: 500, keepAliveTimeoutMs: 500, checkIntervalMs: 100 });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    if (server?.listening) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await t?.close();
  });

  it('when a client declares a 100-byte body and sends none, then the server answers 408 or hangs up within 2 s', async () => {
    const res = await exchange(
      port,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
      3000,
    );
    expect(res.closed, `still open after ${res.ms} ms; received ${JSON.stringify(res.received)}`).to.equal(true);
    expect(res.ms).to.be.below(2000);
    if (res.received) expect(res.received).to.match(/^HTTP\/1\.1 408 /);
  });

  it('when a client never finishes its headers, then the server hangs up within 2 s', async () => {
    const res = await exchange(port, 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', 3000);
    expect(res.closed, `still open after ${res.ms} ms`).to.equal(true);
    expect(res.ms).to.be.below(2000);
  });

  it('when a client sends a whole request, then it is answered as usual', async () => {
    const res = await exchange(port, 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 3000);
    expect(res.received).to.match(/^HTTP\/1\.1 200 /);
    expect(res.received).to.include('{"status":"ok"}');
  });

  it('when no options are given, then headers get 10 s, the whole request 30 s and an idle keep-alive 5 s', () => {
    const fresh = createServer();
    applyServerTimeouts(fresh);
    expect({ headers: fresh.headersTimeout, request: fresh.requestTimeout, keepAlive: fresh.keepAliveTimeout }).to.deep.equal({
      headers: 10_000,
      request: 30_000,
      keepAlive: 5_000,
    });
    expect((fresh as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval).to.be.at.most(1_000);
  });

  it('when the headers timeout is longer than the request timeout, then it refuses the settings', () => {
    expect(() => applyServerTimeouts(createServer(), { headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).to.throw(RangeError);
  });
});
