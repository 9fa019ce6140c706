// All benchmarks, one after another: top-k ranking, exact assignment (checked
// against HiGHS) and the proposals endpoint over HTTP. Writes bench/RESULTS.md
// (the machine, the date, then each section) and exits non-zero, loudly, when a
// section misses its target, fails, or an objective differs from HiGHS; the
// results file is written first either way.
//
//   npm run bench

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchAssign, type BenchSection } from './assign.bench.ts';
import { benchHttp } from './http.bench.ts';
import { benchTopK } from './topk.bench.ts';

interface Outcome {
  name: string;
  markdown: string;
  ok: boolean;
  /** Why it failed, when it did. */
  problem?: string;
  seconds: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';

async function section(name: string, run: () => Promise<Outcome['markdown'] | { markdown: string; ok: boolean }>): Promise<Outcome> {
  log(`\n=== ${name} ===`);
  const started = performance.now();
  try {
    const r = await run();
    const seconds = (performance.now() - started) / 1000;
    const ok = typeof r === 'string' ? true : r.ok;
    log(`=== ${name}: ${ok ? 'target met' : 'TARGET NOT MET'} (${seconds.toFixed(0)} s) ===`);
    return { name, markdown: typeof r === 'string' ? r : r.markdown, ok, seconds, ...(ok ? {} : { problem: 'target not met' }) };
  } catch (err) {
    const seconds = (performance.now() - started) / 1000;
    // benchAssign throws on an objective mismatch with its section attached.
    const attached = (err as { section?: BenchSection }).section;
    log(`=== ${name}: FAILED (${seconds.toFixed(0)} s): ${err instanceof Error ? err.message : String(err)} ===`);
    const markdown = attached
      ? `## ${attached.title}\n\n${attached.markdown}\n`
      : `## ${name}\n\n**FAILED:** ${firstLine(err)}\n`;
    return { name, markdown, ok: false, problem: firstLine(err), seconds };
  }
}

function machine(): string {
  const cpus = os.cpus();
  const gib = (b: number) => (b / 1024 ** 3).toFixed(1);
  return [
    `| machine | |`,
    `| --- | --- |`,
    `| CPU | ${cpus[0]?.model.trim() ?? 'unknown'} |`,
    `| cores (logical) | ${cpus.length} (available parallelism ${os.availableParallelism()}) |`,
    `| memory | ${gib(os.totalmem())} GiB (${gib(os.freemem())} GiB free at start) |`,
    `| Node | ${process.version} (V8 ${process.versions.v8}) |`,
    `| OS | ${os.type()} ${os.release()} ${os.arch()} |`,
  ].join('\n');
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const header = machine();
  const outcomes: Outcome[] = [];
  outcomes.push(await section('Top-k ranking', () => benchTopK()));
  outcomes.push(
    await section('Exact assignment', async () => {
      const s = await benchAssign(log);
      return { markdown: `## ${s.title}\n\n${s.markdown}\n`, ok: s.pass };
    }),
  );
  outcomes.push(await section('Proposals over HTTP', () => benchHttp(log)));

  const failed = outcomes.filter((o) => !o.ok);
  const totalSeconds = outcomes.reduce((s, o) => s + o.seconds, 0);
  const summary = [
    '| section | result | time |',
    '| --- | --- | ---: |',
    ...outcomes.map((o) => `| ${o.name} | ${o.ok ? 'target met' : `**${o.problem ?? 'FAILED'}**`} | ${o.seconds.toFixed(0)} s |`),
  ].join('\n');
  const doc = [
    '# Benchmark results',
    '',
    `Recorded by \`npm run bench\` (bench/run.ts) on ${startedAt.toISOString()}, ${totalSeconds.toFixed(0)} s in all. What each benchmark measures and its target: bench/README.md.`,
    '',
    header,
    '',
    summary,
    '',
    ...(failed.length ? [`**${failed.length} section(s) missed a target or failed: ${failed.map((f) => f.name).join(', ')}.**`, ''] : []),
    ...outcomes.map((o) => o.markdown.trimEnd() + '\n'),
  ].join('\n');
  const out = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  writeFileSync(out, doc);
  log(`\nwrote ${out}`);

  if (failed.length) {
    log('');
    log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
    log(`BENCHMARK FAILED: ${failed.length} of ${outcomes.length} section(s)`);
    for (const f of failed) log(`  - ${f.name}: ${f.problem ?? 'failed'}`);
    log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
    return 1;
  }
  log('all benchmark targets met');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`BENCHMARK FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
