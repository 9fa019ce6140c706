import { Worker } from 'node:worker_threads';
import { assignColumns, type AssignMode, type AssignResult } from './assign.ts';
import type { AssignJob } from './assign-worker.ts';
import type { EdgeColumns } from './eligible-pairs.ts';

type WorkerAnswer = { ok: true; objective: number; matched: number; sponsorOf: Int32Array } | { ok: false; name: string; message: string };

/**
 * The same result as assign(), computed on a worker thread so that a large
 * pool run does not stall the requests of everyone else. The columns are
 * transferred, not copied (a copy of half a million pairs is tens of ms of this
 * thread): the caller must not use `problem.edges` afterwards. The job is sent
 * only once the worker is running; if a worker cannot be started here, the
 * solve runs in this thread (correct, only less polite to other requests).
 */
export async function assignOffLoop(problem: { newcomers: number; capacities: readonly number[]; edges: EdgeColumns }, mode: AssignMode): Promise<AssignResult> {
  const { edges } = problem;
  const job: AssignJob = {
    newcomers: problem.newcomers,
    capacities: Float64Array.from(problem.capacities),
    edgeNewcomer: edges.newcomer,
    edgeSponsor: edges.sponsor,
    edgeScore: edges.score,
    mode,
  };
  const worker = await startWorker();
  const answer: WorkerAnswer = worker ? await solveInWorker(worker, job) : solveHere(job);
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

function solveHere(job: AssignJob): WorkerAnswer {
  try {
    const result = assignColumns(job, job.mode);
    return { ok: true, objective: result.objective, matched: result.matched, sponsorOf: result.sponsorOf };
  } catch (err) {
    return { ok: false, name: (err as Error)?.name, message: (err as Error)?.message };
  }
}

/** A running worker, or undefined when none can be started here. */
function startWorker(): Promise<Worker | undefined> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./assign-worker.boot.mjs', import.meta.url));
    } catch {
      resolve(undefined);
      return;
    }
    const failed = () => {
      void worker.terminate();
      resolve(undefined);
    };
    worker.once('error', failed);
    worker.once('exit', failed);
    worker.once('online', () => {
      worker.off('error', failed);
      worker.off('exit', failed);
      resolve(worker);
    });
  });
}

function solveInWorker(worker: Worker, job: AssignJob): Promise<WorkerAnswer> {
  return new Promise((resolve, reject) => {
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
