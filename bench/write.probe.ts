// Loaded into the API process by bench/write.bench.ts (`node --import tsx
// --import ./bench/write.probe.ts src/main.ts`), so that the process under
// measurement is the real composition root, unchanged, and the bench can still
// see where a request's time goes. Nothing in src/ knows about it.
//
// It records, per HTTP request: when it arrived, when its response finished,
// and every database command issued on its behalf (the request's async
// context, through AsyncLocalStorage), with the command's name, collection and
// round-trip time as the driver saw it; commands outside any request (the
// change-feed followers' polls) are kept apart. It also counts argon2 calls.
// The bench asks for the records over the IPC channel and they are reset.
// Without an IPC channel (not started by the bench) it does nothing.

import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import argon2 from 'argon2';
import mongoose from 'mongoose';

export interface ProbeCommand {
  name: string;
  collection: string;
  /** performance.now() in the API process. */
  start: number;
  end: number;
  /** The reply carried a duplicate-key write error (a lost race for a chain version). */
  duplicateKey: boolean;
  failed: boolean;
}

export interface ProbeRequest {
  method: string;
  path: string;
  status: number;
  start: number;
  finish: number;
  commands: ProbeCommand[];
}

export interface ProbeReport {
  requests: ProbeRequest[];
  /** Commands issued outside any request (followers, timers started at boot). */
  background: ProbeCommand[];
  argon2: { hash: number; verify: number };
  cpuMicros: { user: number; system: number };
  /** Event-loop utilisation of the API's one thread since the last report (0..1). */
  eventLoopUtilisation: number;
}

export type ProbeMessage = { type: 'take' } | { type: 'report'; report: ProbeReport };

interface Store {
  request: ProbeRequest;
}

if (typeof process.send === 'function') {
  const als = new AsyncLocalStorage<Store>();
  let requests: ProbeRequest[] = [];
  let background: ProbeCommand[] = [];
  const counts = { hash: 0, verify: 0 };
  let elu = performance.eventLoopUtilization();

  // Wrapped, then called with the server as `this` through Reflect.apply.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return Reflect.apply(emit, this, [event, ...args]) as boolean;
    const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
    const request: ProbeRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', status: 0, start: performance.now(), finish: NaN, commands: [] };
    res.once('finish', () => {
      request.finish = performance.now();
      request.status = res.statusCode;
      requests.push(request);
    });
    return als.run({ request }, () => Reflect.apply(emit, this, [event, ...args]) as boolean);
  } as typeof http.Server.prototype.emit;

  // Command monitoring has to be on when the client connects.
  const { MongoClient } = mongoose.mongo;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const connect = MongoClient.prototype.connect;
  MongoClient.prototype.connect = function (this: InstanceType<typeof MongoClient>) {
    // A public option of the driver; its setter is not in the type declarations.
    (this as unknown as { monitorCommands: boolean }).monitorCommands = true;
    const inFlight = new Map<string, { command: ProbeCommand; store: Store | undefined }>();
    const key = (e: { connectionId?: unknown; requestId: number }) => `${String(e.connectionId)}:${e.requestId}`;
    this.on('commandStarted', (e) => {
      const target = (e.command as Record<string, unknown>)[e.commandName];
      inFlight.set(key(e), {
        store: als.getStore(),
        command: {
          name: e.commandName,
          collection: typeof target === 'string' ? target : '',
          start: performance.now(),
          end: NaN,
          duplicateKey: false,
          failed: false,
        },
      });
    });
    const done = (e: { connectionId?: unknown; requestId: number }, reply: unknown, failed: boolean) => {
      const entry = inFlight.get(key(e));
      if (!entry) return;
      inFlight.delete(key(e));
      const { command, store } = entry;
      command.end = performance.now();
      command.failed = failed;
      const writeErrors = (reply as { writeErrors?: Array<{ code?: number }> } | undefined)?.writeErrors;
      command.duplicateKey = (writeErrors ?? []).some((w) => w.code === 11000) || (reply as { code?: number } | undefined)?.code === 11000;
      if (store) store.request.commands.push(command);
      else background.push(command);
    };
    this.on('commandSucceeded', (e) => done(e, e.reply, false));
    this.on('commandFailed', (e) => done(e, e.failure, true));
    return connect.call(this);
  };

  // passwords.ts calls argon2.hash / argon2.verify on the module object at call time.
  const lib = argon2 as unknown as Record<'hash' | 'verify', (...args: unknown[]) => Promise<unknown>>;
  for (const name of ['hash', 'verify'] as const) {
    const original = lib[name];
    lib[name] = (...args: unknown[]) => {
      counts[name] += 1;
      return original(...args);
    };
  }

  process.on('message', (m: ProbeMessage) => {
    if (m.type !== 'take') return;
    const now = performance.eventLoopUtilization();
    const report: ProbeReport = {
      requests,
      background,
      argon2: { ...counts },
      cpuMicros: process.cpuUsage(),
      eventLoopUtilisation: performance.eventLoopUtilization(now, elu).utilization,
    };
    elu = now;
    requests = [];
    background = [];
    counts.hash = 0;
    counts.verify = 0;
    process.send!({ type: 'report', report } satisfies ProbeMessage);
  });
  // The IPC channel must not keep the API alive after a SIGTERM; and if the
  // bench goes away without stopping it, it shuts down as on a SIGTERM.
  process.channel?.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
