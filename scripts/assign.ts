/**
 * CLI: exact optimal sponsor–newcomer assignment.
 *
 *   npm run assign -- [--mode participation|score] < pool.json
 *
 * Reads a pool from standard input:
 *   { "newcomers": n, "capacities": [c0, c1, ...], "edges": [[newcomer, sponsor, score], ...] }
 * (indices from 0, scores non-negative numbers) and writes to standard output:
 *   { "objective": <sum of the chosen scores>, "matched": <count>, "pairs": [[newcomer, sponsor], ...] }
 * with pairs ordered by newcomer. Mode defaults to participation (maximise the
 * number of matched newcomers, then the total score).
 *
 * Exit codes: 0 success; 2 bad usage or bad input (one-line message on stderr);
 * 1 unexpected internal error (one-line message, no stack trace).
 */
import { z } from 'zod';
import { assign, type AssignMode } from '../src/matching/assign.ts';

class UsageError extends Error {}

const PoolSchema = z
  .object({
    newcomers: z.number().int().nonnegative(),
    capacities: z.array(z.number().int().nonnegative()),
    edges: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.number().nonnegative()])),
  })
  .strict();

function parseArgs(argv: string[]): AssignMode {
  let mode: string = 'participation';
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    if (arg === '--mode') {
      const v = argv[k + 1];
      if (v === undefined) throw new UsageError('--mode needs a value: participation or score');
      mode = v;
      k++;
    } else if (arg.startsWith('--mode=')) {
      mode = arg.slice('--mode='.length);
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}; usage: assign [--mode participation|score] < pool.json`);
    }
  }
  if (mode !== 'participation' && mode !== 'score') {
    throw new UsageError(`unknown --mode ${JSON.stringify(mode)}; expected participation or score`);
  }
  return mode;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function formatIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid pool';
  const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return `invalid pool at ${path}: ${issue.message}${more}`;
}

async function main(): Promise<number> {
  let mode: AssignMode;
  try {
    mode = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`assign: ${(e as Error).message}\n`);
    return 2;
  }
  const text = await readStdin();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    process.stderr.write(`assign: malformed JSON on standard input: ${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  const parsed = PoolSchema.safeParse(json);
  if (!parsed.success) {
    process.stderr.write(`assign: ${formatIssue(parsed.error)}\n`);
    return 2;
  }
  let result;
  try {
    result = assign(parsed.data, mode);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) {
      process.stderr.write(`assign: invalid pool: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`assign: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
