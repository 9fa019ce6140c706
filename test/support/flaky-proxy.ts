import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the test database that a test can break: `cut()`
 * drops every connection and refuses new ones (a database that went away),
 * `hang()` holds every byte back (a database that stalls), `restore()`
 * delivers what was held and brings it back on the same port. Used to
 * make the real driver fail underneath the code, not to imitate it.
 */
export interface FlakyProxy {
  uri: string;
  cut(): Promise<void>;
  /** Holds bytes back: in both directions (a stalled database), or only the answers (reads done, replies late). */
  hang(direction?: 'both' | 'answers'): void;
  /** Delivers what was held (per connection; `newestFirst` releases the connection that last got held bytes first). */
  restore(opts?: { newestFirst?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startFlakyProxy(targetUri: string): Promise<FlakyProxy> {
  const target = new URL(targetUri.replace(/^mongodb:/, 'http:'));
  const targetHost = target.hostname;
  const targetPort = Number(target.port || 27017);
  const sockets = new Set<Socket>();
  let hanging: false | 'both' | 'answers' = false;
  const held: Array<{ to: Socket; chunk: Buffer }> = [];
  let server: Server;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const forward = (from: Socket, to: Socket, isAnswer: boolean) =>
          from.on('data', (chunk) => {
            if (hanging === 'both' || (hanging === 'answers' && isAnswer)) held.push({ to, chunk });
            else to.write(chunk);
          });
        forward(client, upstream, false);
        forward(upstream, client, true);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        if (addr && typeof addr === 'object') port = addr.port;
        resolve();
      });
    });
  await listen();

  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));

  const uri = new URL(targetUri);
  uri.host = `127.0.0.1:${port}`;
  return {
    uri: uri.toString(),
    async cut() {
      const closed = closeServer();
      dropAll();
      await closed;
    },
    hang(direction = 'both') {
      hanging = direction;
    },
    async restore(opts = {}) {
      hanging = false;
      // Bytes of one connection stay in order; only the order of connections may be reversed.
      const byConnection = new Map<Socket, Buffer[]>();
      for (const { to, chunk } of held.splice(0)) {
        const list = byConnection.get(to) ?? [];
        byConnection.delete(to);
        byConnection.set(to, [...list, chunk]);
      }
      const order = [...byConnection.entries()];
      if (opts.newestFirst) order.reverse();
      for (const [to, chunks] of order) {
        if (to.destroyed) continue;
        for (const chunk of chunks) to.write(chunk);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!server.listening) await listen();
    },
    async close() {
      const closed = server.listening ? closeServer() : Promise.resolve();
      dropAll();
      await closed;
    },
  };
}
