import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { Connection } from 'mongoose';
import { runModels, type RunChunkDoc, type RunDoc, type RunHeaderDoc, type RunPair, type RunUnmatched } from './runs.model.ts';

export type { RunDoc } from './runs.model.ts';

export interface RunsRepository {
  insert(run: RunDoc): Promise<void>;
  get(id: string): Promise<RunDoc | undefined>;
}

/** Entries per chunk document: a few hundred KB with their reasons. */
export const RUN_CHUNK_SIZE = 200;

const chunkId = (runId: string, kind: 'p' | 'u', k: number) => `${runId}:${kind}${k}`;

export function createRunsRepository(conn: Connection): RunsRepository {
  const { Run, RunChunk } = runModels(conn);

  const writeChunks = async (runId: string, kind: 'p' | 'u', items: ReadonlyArray<RunPair | RunUnmatched>) => {
    let k = 0;
    for (let start = 0; start < items.length; start += RUN_CHUNK_SIZE, k++) {
      await RunChunk.insertMany([{ _id: chunkId(runId, kind, k), items: items.slice(start, start + RUN_CHUNK_SIZE) }], { lean: true });
    }
    return k;
  };
  const readChunks = async <T>(runId: string, kind: 'p' | 'u', count: number): Promise<T[]> => {
    const out: T[] = [];
    for (let k = 0; k < count; k += 4) {
      const ids = Array.from({ length: Math.min(4, count - k) }, (_, n) => chunkId(runId, kind, k + n));
      const docs = await Promise.all(ids.map((id) => RunChunk.findById(id).lean<RunChunkDoc>()));
      for (const [n, d] of docs.entries()) {
        if (!d) throw new Error(`run ${runId} is missing its chunk ${ids[n]}`);
        out.push(...(d.items as T[]));
      }
    }
    return out;
  };

  return atRepositoryEdge<RunsRepository>({
    async insert(run) {
      const { pairs, unmatched, ...header } = run;
      // The chunks first, the header last: a run is there whole or not at all (a failed write leaves unread chunks).
      const pairChunks = await writeChunks(run._id, 'p', pairs);
      const unmatchedChunks = await writeChunks(run._id, 'u', unmatched);
      await Run.insertMany([{ ...header, pairChunks, unmatchedChunks }], { lean: true });
    },
    async get(id) {
      const h = await Run.findById(id).lean<RunHeaderDoc>();
      if (!h) return undefined;
      const { pairChunks, unmatchedChunks, pairs, unmatched, ...header } = h;
      return {
        ...header,
        pairs: pairs ?? (await readChunks<RunPair>(id, 'p', pairChunks ?? 0)),
        unmatched: unmatched ?? (await readChunks<RunUnmatched>(id, 'u', unmatchedChunks ?? 0)),
      };
    },
  });
}
