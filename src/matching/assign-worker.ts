// The assignment solver's own thread: a pool run's solve (over a second for
// 5,000 newcomers × 1,700 sponsors) must not hold the API's event loop.
import { parentPort } from 'node:worker_threads';
import { assignColumns, type AssignMode } from './assign.ts';

export interface AssignJob {
  newcomers: number;
  capacities: Float64Array;
  edgeNewcomer: Int32Array;
  edgeSponsor: Int32Array;
  edgeScore: Float64Array;
  mode: AssignMode;
}

parentPort?.once('message', (job: AssignJob) => {
  try {
    const result = assignColumns(job, job.mode);
    parentPort?.postMessage({ ok: true, objective: result.objective, matched: result.matched, sponsorOf: result.sponsorOf }, [result.sponsorOf.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ ok: false, name: (err as Error)?.name, message: (err as Error)?.message });
  }
});
