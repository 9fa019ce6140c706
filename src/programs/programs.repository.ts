import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import { upsertRetryingLostRace } from '../db/upsert.ts';
import type { ProgramRules } from './program-rules.ts';
import { programModel, type ProgramDoc } from './programs.model.ts';

export interface StoredProgram extends ProgramRules {
  weights?: Record<string, number>;
}

export interface ProgramsRepository {
  /** Inserts the programs that are missing; never overwrites what an admin changed. */
  seed(programs: readonly ProgramRules[], at: Date): Promise<number>;
  list(): Promise<StoredProgram[]>;
  get(key: string): Promise<StoredProgram | undefined>;
  exists(key: string): Promise<boolean>;
  put(program: ProgramRules, at: Date): Promise<StoredProgram>;
  setWeights(key: string, weights: Record<string, number>, at: Date): Promise<void>;
}

function toProgram(d: ProgramDoc): StoredProgram {
  const { _id, updatedAt: _u, weights, ...rest } = d;
  return { key: _id, ...rest, experiences: [...rest.experiences], ...(weights ? { weights } : {}) };
}

export function createProgramsRepository(conn: Connection): ProgramsRepository {
  const Program = programModel(conn);
  return atRepositoryEdge<ProgramsRepository>({
    async seed(programs, at) {
      let inserted = 0;
      for (const { key, ...rules } of programs) {
        try {
          await Program.create({ _id: key, ...rules, updatedAt: at });
          inserted += 1;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err; // already there (or another instance seeded it)
        }
      }
      return inserted;
    },
    async list() {
      const docs = await Program.find().lean<ProgramDoc[]>();
      return docs.map(toProgram).sort((a, b) => a.key.localeCompare(b.key));
    },
    async get(key) {
      const d = await Program.findById(key).lean<ProgramDoc>();
      return d ? toProgram(d) : undefined;
    },
    async exists(key) {
      return (await Program.exists({ _id: key })) !== null;
    },
    async put({ key, ...rules }, at) {
      // Replaces the rules and keeps the weights; a PUT that loses the race to
      // create a new program updates it instead.
      await upsertRetryingLostRace(() => Program.updateOne({ _id: key }, { $set: { ...rules, updatedAt: at } }, { upsert: true }));
      return (await this.get(key))!;
    },
    async setWeights(key, weights, at) {
      await Program.updateOne({ _id: key }, { $set: { weights, updatedAt: at } });
    },
  });
}
