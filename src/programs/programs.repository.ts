import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import { upsertRetryingLostRace } from '../db/upsert.ts';
import { roleWordOf, type Pairing, type ProgramRules, type ProgramSettings } from './program-rules.ts';
import { programModel, type ProgramDoc } from './programs.model.ts';

/** A program as stored, with the role word the matching core's texts use, derived from its pairing. */
export interface StoredProgram extends ProgramSettings {
  roleWord: ProgramRules['roleWord'];
  weights?: Record<string, number>;
}

export interface SeedInput {
  programs: readonly ProgramSettings[];
  version: number;
  /** The seed earlier code wrote without a version mark: a document still equal to it was not edited by an admin. */
  legacy: readonly ProgramRules[];
}

export interface ProgramsRepository {
  /**
   * Inserts the seeded programs that are missing and upgrades those written
   * from an older seed: unedited ones take the new rules, edited ones get
   * defaults for new fields only. Never overwrites what an admin changed.
   */
  seed(input: SeedInput, at: Date): Promise<{ inserted: number; upgraded: number }>;
  list(): Promise<StoredProgram[]>;
  get(key: string): Promise<StoredProgram | undefined>;
  exists(key: string): Promise<boolean>;
  put(program: ProgramSettings, at: Date): Promise<StoredProgram>;
  setWeights(key: string, weights: Record<string, number>, at: Date): Promise<void>;
}

// Earlier code stored `roleWord`, not `pairing`; a document not yet upgraded reads as what it meant.
const pairingOf = (d: Pick<ProgramDoc, 'pairing' | 'roleWord'>): Pairing => d.pairing ?? d.roleWord ?? 'sponsor';

function toProgram(d: ProgramDoc): StoredProgram {
  const { _id, updatedAt: _u, weights, seedVersion: _v, editedByAdmin: _e, roleWord: _r, offers, ...rest } = d;
  const pairing = pairingOf(d);
  return {
    key: _id,
    ...rest,
    pairing,
    roleWord: roleWordOf(pairing),
    experiences: [...rest.experiences],
    sources: (rest.sources ?? []).map(({ title, url }) => ({ title, url })),
    notes: rest.notes ?? '',
    ...(offers !== undefined ? { offers } : {}),
    ...(weights ? { weights } : {}),
  };
}

const V1_FIELDS = ['name', 'family', 'roleWord', 'minRecoveryDays', 'minRecoveryGapDays', 'genderRule', 'requiresOwnSponsor', 'experiences'] as const;

/** Whether a document written before seed versions still holds exactly what that seed wrote. */
function equalsLegacy(d: ProgramDoc, legacy: ProgramRules | undefined): boolean {
  if (!legacy) return false;
  return V1_FIELDS.every((f) => JSON.stringify(d[f]) === JSON.stringify(legacy[f]));
}

type Upgrade = { $set: Partial<ProgramDoc>; $unset: Record<string, ''> };

/**
 * What a seeded program's document needs to reach `version`, or undefined when
 * it is there already. Deterministic in its inputs, so two instances starting
 * at once write the same values.
 */
export function seedUpgrade(d: ProgramDoc, seeded: ProgramSettings, input: SeedInput, at: Date): Upgrade | undefined {
  if ((d.seedVersion ?? 1) >= input.version) return undefined;
  const edited = d.editedByAdmin ?? !equalsLegacy(d, input.legacy.find((p) => p.key === seeded.key));
  if (!edited) {
    const { key: _k, ...rules } = seeded;
    return { $set: { ...rules, seedVersion: input.version, editedByAdmin: false, updatedAt: at }, $unset: { roleWord: '' } };
  }
  // The admin's values stay; only fields they could not have set get defaults.
  return {
    $set: {
      pairing: pairingOf(d),
      sources: d.sources ?? [],
      notes: d.notes ?? '',
      seedVersion: input.version,
      editedByAdmin: true,
    },
    $unset: { roleWord: '' },
  };
}

export function createProgramsRepository(conn: Connection): ProgramsRepository {
  const Program = programModel(conn);
  return atRepositoryEdge<ProgramsRepository>({
    async seed(input, at) {
      let inserted = 0;
      let upgraded = 0;
      for (const seeded of input.programs) {
        const { key, ...rules } = seeded;
        try {
          await Program.create({ _id: key, ...rules, seedVersion: input.version, editedByAdmin: false, updatedAt: at });
          inserted += 1;
          continue;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err; // already there (or another instance seeded it)
        }
        const d = await Program.findById(key).lean<ProgramDoc>();
        const upgrade = d && seedUpgrade(d, seeded, input, at);
        if (!d || !upgrade) continue;
        // Only over the document that was read: an admin PUT since then changed
        // updatedAt, and its values win. Two instances write identical values.
        const res = await Program.updateOne({ _id: key, updatedAt: d.updatedAt }, upgrade);
        if (res.modifiedCount > 0) upgraded += 1;
      }
      // Programs an admin added with earlier code: what `roleWord` meant, as `pairing`.
      for (const d of await Program.find().lean<ProgramDoc[]>()) {
        if (d.pairing !== undefined) continue;
        await Program.updateOne({ _id: d._id, updatedAt: d.updatedAt }, { $set: { pairing: pairingOf(d), sources: d.sources ?? [], notes: d.notes ?? '' }, $unset: { roleWord: '' } });
      }
      return { inserted, upgraded };
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
    async put({ key, offers, ...rules }, at) {
      // Replaces the rules and keeps the weights, and marks the program as the
      // admin's, so that a seed upgrade never replaces it; a PUT that loses the
      // race to create a new program updates it instead.
      const $unset: Record<string, ''> = { roleWord: '', ...(offers === undefined ? { offers: '' } : {}) };
      await upsertRetryingLostRace(() =>
        Program.updateOne({ _id: key }, { $set: { ...rules, ...(offers !== undefined ? { offers } : {}), editedByAdmin: true, updatedAt: at }, $unset }, { upsert: true }),
      );
      return (await this.get(key))!;
    },
    async setWeights(key, weights, at) {
      await Program.updateOne({ _id: key }, { $set: { weights, updatedAt: at } });
    },
  });
}
