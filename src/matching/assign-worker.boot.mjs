// The worker's entry: Node 20 does not run the parent's `--import tsx` hooks
// for a worker's own entry file, so the worker registers tsx itself and then
// loads the TypeScript solver.
import { register } from 'tsx/esm/api';

register();
await import('./assign-worker.ts');
