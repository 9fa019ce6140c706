import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { Connection } from 'mongoose';
import { runModel, type RunDoc } from './runs.model.ts';

export type { RunDoc } from './runs.model.ts';

export interface RunsRepository {
  insert(run: RunDoc): Promise<void>;
  get(id: string): Promise<RunDoc | undefined>;
}

export function createRunsRepository(conn: Connection): RunsRepository {
  const Run = runModel(conn);
  return atRepositoryEdge<RunsRepository>({
    async insert(run) {
      await Run.create(run);
    },
    async get(id) {
      return (await Run.findById(id).lean<RunDoc>()) ?? undefined;
    },
  });
}
