// Jobs and mail: (1) 1,000 one-off jobs run by two worker processes, with
// Agenda's own lock ("stock", a conditional findOneAndUpdate that FerretDB does
// not make atomic) and with ours (a claim by insert, src/jobs/claim-lock.ts):
// how many ran more than once. Target: 0 for ours; the stock figure is the
// measurement that motivates it. (2) Outbox delivery to an SMTP server on
// loopback: messages per second. Run alone with `npx tsx bench/jobs.bench.ts`.

import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createScheduler, type LockKind } from '../src/jobs/scheduler.ts';
import { createOutbox } from '../src/mail/outbox.service.ts';
import { smtpTransport } from '../src/mail/transport.ts';
import { prepareDatabase } from '../src/prepare.ts';
import { openTestDatabase, stopTestDatabase, type TestDatabase } from '../test/support/db.ts';
import { startTestSmtp } from '../test/support/smtp.ts';

const JOBS = 1_000;
const WORKERS = 2;
/** A run that has not finished by then is reported as it stands. */
const CAP_MS = 240_000;
const MESSAGES = 300;

interface JobsRun {
  lock: LockKind;
  seconds: number;
  executions: number;
  distinct: number;
  duplicated: number;
  extraRuns: number;
  notRun: number;
}

function worker(db: TestDatabase, lock: LockKind, name: string): { proc: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/job-worker.ts', db.uri, db.dbName, lock, name, '600000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
  ready.catch(() => undefined);
  return { proc, ready, exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))) };
}

async function runJobs(lock: LockKind, log: (l: string) => void): Promise<JobsRun> {
  const db = await openTestDatabase(`bench_jobs_${lock}`);
  try {
    const client = createScheduler({ conn: db.conn, name: 'client', log: { info: () => undefined, warn: () => undefined }, lock });
    await client.agenda.ready;
    for (let n = 0; n < JOBS; n++) await client.agenda.now('count', { n });
    const started = performance.now();
    const workers = Array.from({ length: WORKERS }, (_, i) => worker(db, lock, `w${i + 1}`));
    await Promise.all(workers.map((w) => w.ready));
    const effects = db.conn.collection('effects');
    while ((await effects.countDocuments({})) < JOBS && performance.now() - started < CAP_MS) await sleep(1_000);
    const seconds = (performance.now() - started) / 1000;
    // A little longer, so that duplicate runs still on their way are counted.
    await sleep(3_000);
    for (const w of workers) w.proc.kill('SIGTERM');
    await Promise.all(workers.map((w) => Promise.race([w.exited, sleep(15_000).then(() => w.proc.kill('SIGKILL'))])));
    const executions = await db.conn.collection('executions').find({}, { projection: { n: 1 } }).toArray();
    const perJob = new Map<number, number>();
    for (const e of executions) perJob.set(e.n as number, (perJob.get(e.n as number) ?? 0) + 1);
    const duplicated = [...perJob.values()].filter((c) => c > 1).length;
    const result = { lock, seconds, executions: executions.length, distinct: perJob.size, duplicated, extraRuns: executions.length - perJob.size, notRun: JOBS - perJob.size };
    log(`  ${lock}: ${result.executions} executions of ${result.distinct} jobs in ${seconds.toFixed(0)} s; ${duplicated} ran more than once`);
    return result;
  } finally {
    await db.drop().catch(() => undefined);
  }
}

async function runOutbox(): Promise<{ seconds: number; sent: number; received: number }> {
  const db = await openTestDatabase('bench_outbox');
  const smtp = await startTestSmtp();
  const transport = smtpTransport(smtp.url);
  try {
    await prepareDatabase(db.conn, { buildIndexes: false, now: new Date() });
    const outbox = createOutbox({ conn: db.conn, transport, clock: () => new Date(), from: 'Notifications <no-reply@example.org>', publicUrl: 'https://match.example', log: pino({ level: 'silent' }) });
    for (let i = 0; i < MESSAGES; i++) {
      await outbox.enqueue({ event: 'bench', recipientId: `member-${i}`, to: `member-${i}@example.org`, template: 'welcome', data: { displayName: `Member ${i}`, crisisLine: '988' } });
    }
    const started = performance.now();
    let sent = 0;
    for (;;) {
      const r = await outbox.deliverDue();
      sent += r.sent;
      if (r.sent + r.retried + r.failed + r.skipped === 0) break;
    }
    return { seconds: (performance.now() - started) / 1000, sent, received: smtp.received.length };
  } finally {
    transport.close();
    await smtp.close();
    await db.drop().catch(() => undefined);
  }
}

export async function benchJobs(log: (line: string) => void = () => {}): Promise<{ markdown: string; ok: boolean }> {
  try {
    log(`1,000 one-off jobs, ${WORKERS} worker processes, each lock…`);
    const stock = await runJobs('stock', log);
    const ours = await runJobs('claim', log);
    log(`outbox: ${MESSAGES} messages to a loopback SMTP server…`);
    const mail = await runOutbox();
    const ok = ours.duplicated === 0 && ours.notRun === 0 && mail.received === MESSAGES && mail.sent === MESSAGES;
    const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
    const row = (r: JobsRun) =>
      `| ${r.lock === 'claim' ? 'ours: a claim by insert' : "Agenda's own (findOneAndUpdate)"} | ${r.executions.toLocaleString('en-US')} | ${r.distinct.toLocaleString('en-US')} | **${r.duplicated}** | ${r.extraRuns} | ${r.notRun} | ${r.seconds.toFixed(0)} s |`;
    const markdown = [
      '## Jobs and mail (src/jobs/, src/mail/)',
      '',
      `Measured ${new Date().toISOString()} on ${os.cpus().length} × ${cpu}, Node ${process.version}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')} at the end. The database server the tests use; each worker is a separate process (test/jobs/job-worker.ts: scans every 500 ms, up to 20 jobs at once).`,
      '',
      `### ${JOBS.toLocaleString('en-US')} one-off jobs, ${WORKERS} worker processes`,
      '',
      '| lock | executions | jobs run | jobs run more than once | extra runs | jobs not run | time |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      row(stock),
      row(ours),
      '',
      `Target: no job run more than once with our lock, and every job run (${ours.duplicated === 0 && ours.notRun === 0 ? 'met' : '**NOT met**'}). Each job records every execution and its effect once (by a claim); a run stopped after ${CAP_MS / 1000} s is reported as it stands.`,
      '',
      `### Outbox delivery to an SMTP server on loopback`,
      '',
      '| messages | delivered | time | messages/s |',
      '| ---: | ---: | ---: | ---: |',
      `| ${MESSAGES} | ${mail.received} | ${mail.seconds.toFixed(1)} s | ${(mail.sent / mail.seconds).toFixed(1)} |`,
      '',
      'One worker calling deliverDue (batches of 50, one attempt claimed by insert and one SMTP connection per message) until nothing is due; the messages were recorded (rendered) before the clock started.',
      '',
    ].join('\n');
    return { markdown, ok };
  } finally {
    await stopTestDatabase();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchJobs((l) => console.error(l)).then(
    ({ markdown, ok }) => {
      console.log(markdown);
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      console.error('jobs benchmark failed:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
