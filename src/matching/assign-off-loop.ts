import { Worker } from 'node:worker_threads';
import { assign, type AssignMode, type AssignResult } from './assign.ts';
import type { AssignJob } from './assign-worker.ts';

type WorkerAnswer = { ok: true; objective: number; matched: number; sponsorOf: Int32Array } | { ok: false; name: string; message: string };

/**
 * The same result as assign(), computed on a worker thread so that a large
 * pool run does not stall the requests of everyone else; the columns are
 * transferred, not copied. If a worker cannot be started here, the solve runs
 * in this thread (correct, only less polite to other requests).
 */
export async function assignOffLoop(
  problem: { newcomers: number; capacities: readonly number[]; edges: ReadonlyArray<readonly [number, number, number]> },
  mode: AssignMode,
): Promise<AssignResult> {
  const job: AssignJob = {
    newcomers: problem.newcomers,
    capacities: Float64Array.from(problem.capacities),
    edgeNewcomer: new Int32Array(problem.edges.length),
    edgeSponsor: new Int32Array(problem.edges.length),
    edgeScore: new Float64Array(problem.edges.length),
    mode,
  };
  problem.edges.forEach(([i, j, score], k) => {
    job.edgeNewcomer[k] = i;
    job.edgeSponsor[k] = j;
    job.edgeScore[k] = score;
  });
  let answer: WorkerAnswer;
  try {
    answer = await solveInWorker(job);
  } catch {
    // The columns went to the worker; solve from the tuples instead.
    return assign({ newcomers: problem.newcomers, capacities: [...problem.capacities], edges: problem.edges.map(([i, j, s]) => [i, j, s]) }, mode);
  }
  if (!answer.ok) {
    const err = new Error(answer.message);
    err.name = answer.name;
    throw err;
  }
  const pairs: Array<[number, number]> = [];
  answer.sponsorOf.forEach((j, i) => {
    if (j >= 0) pairs.push([i, j]);
  });
  return { objective: answer.objective, matched: answer.matched, pairs };
}

function solveInWorker(job: AssignJob): Promise<WorkerAnswer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./assign-worker.boot.mjs', import.meta.url));
    let settled = false;
    worker.once('message', (answer: WorkerAnswer) => {
      settled = true;
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the assignment worker exited with code ${code}`));
    });
    const buffers = [job.capacities.buffer, job.edgeNewcomer.buffer, job.edgeSponsor.buffer, job.edgeScore.buffer] as ArrayBuffer[];
    worker.postMessage(job, buffers);
  });
}
