import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import { upsertRetryingLostRace } from '../db/upsert.ts';
import { roleWordOf, type OwnSponsorRule, type Pairing, type ProgramRules, type ProgramSettings } from './program-rules.ts';
import type { V1ProgramRules } from './program-seed.ts';
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
  legacy: readonly V1ProgramRules[];
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

// Earlier code stored `requiresOwnSponsor`, not `ownSponsor`: true meant required.
const ownSponsorOf = (d: Pick<ProgramDoc, 'ownSponsor' | 'requiresOwnSponsor'>): OwnSponsorRule =>
  d.ownSponsor ?? (d.requiresOwnSponsor === true ? 'required' : 'none');

/** What a document written before seed version 3 lacks, as it meant it; an admin's values are kept. */
function newFieldDefaults(d: ProgramDoc): Partial<ProgramDoc> {
  return {
    pairing: pairingOf(d),
    sources: d.sources ?? [],
    notes: d.notes ?? '',
    ownSponsor: ownSponsorOf(d),
    completedStepsPreferred: d.completedStepsPreferred ?? false,
    timeCountedAs: d.timeCountedAs ?? 'recovery',
    requiresSponsorVetting: d.requiresSponsorVetting ?? true,
  };
}

const LEGACY_FIELDS = { roleWord: '', requiresOwnSponsor: '' } as const;

function toProgram(d: ProgramDoc): StoredProgram {
  const {
    _id, updatedAt: _u, weights, seedVersion: _v, editedByAdmin: _e, roleWord: _r, requiresOwnSponsor: _o,
    offers, memberGenders, minStepsCompleted, ...rest
  } = d;
  const pairing = pairingOf(d);
  return {
    key: _id,
    ...rest,
    pairing,
    roleWord: roleWordOf(pairing),
    ownSponsor: ownSponsorOf(d),
    completedStepsPreferred: d.completedStepsPreferred ?? false,
    timeCountedAs: d.timeCountedAs ?? 'recovery',
    requiresSponsorVetting: d.requiresSponsorVetting ?? true,
    ...(memberGenders !== undefined && memberGenders !== null && memberGenders.length > 0 ? { memberGenders: [...memberGenders] } : {}),
    ...(typeof minStepsCompleted === 'number' ? { minStepsCompleted } : {}),
    experiences: [...rest.experiences],
    sources: (rest.sources ?? []).map(({ title, url }) => ({ title, url })),
    notes: rest.notes ?? '',
    ...(offers !== undefined ? { offers } : {}),
    ...(weights ? { weights } : {}),
  };
}

const V1_FIELDS = ['name', 'family', 'roleWord', 'minRecoveryDays', 'minRecoveryGapDays', 'genderRule', 'requiresOwnSponsor', 'experiences'] as const;

/** Whether a document written before seed versions still holds exactly what that seed wrote. */
function equalsLegacy(d: ProgramDoc, legacy: V1ProgramRules | undefined): boolean {
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
    // Optional rules the new seed leaves out go, so the document equals the seed.
    const absent = (['memberGenders', 'minStepsCompleted', 'offers'] as const).filter((f) => rules[f] === undefined);
    return {
      $set: { ...rules, seedVersion: input.version, editedByAdmin: false, updatedAt: at },
      $unset: { ...LEGACY_FIELDS, ...Object.fromEntries(absent.map((f) => [f, ''])) },
    };
  }
  // The admin's values stay; only fields they could not have set get defaults.
  return { $set: { ...newFieldDefaults(d), seedVersion: input.version, editedByAdmin: true }, $unset: { ...LEGACY_FIELDS } };
}

/** Whether a document lacks a field of the current shape (written by earlier code). */
const needsDefaults = (d: ProgramDoc): boolean =>
  d.pairing === undefined || d.ownSponsor === undefined || d.completedStepsPreferred === undefined || d.timeCountedAs === undefined ||
  d.requiresSponsorVetting === undefined;

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
      // Programs an admin added with earlier code: what `roleWord` and `requiresOwnSponsor` meant, in today's fields.
      for (const d of await Program.find().lean<ProgramDoc[]>()) {
        if (!needsDefaults(d)) continue;
        await Program.updateOne({ _id: d._id, updatedAt: d.updatedAt }, { $set: newFieldDefaults(d), $unset: { ...LEGACY_FIELDS } });
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
    async put({ key, ...settings }, at) {
      // Replaces the rules and keeps the weights, and marks the program as the
      // admin's, so that a seed upgrade never replaces it; a PUT that loses the
      // race to create a new program updates it instead.
      const optional = (['offers', 'memberGenders', 'minStepsCompleted'] as const).filter((f) => settings[f] === undefined);
      const $unset: Record<string, ''> = { ...LEGACY_FIELDS, ...Object.fromEntries(optional.map((f) => [f, ''])) };
      const $set = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
      await upsertRetryingLostRace(() =>
        Program.updateOne({ _id: key }, { $set: { ...$set, editedByAdmin: true, updatedAt: at }, $unset }, { upsert: true }),
      );
      return (await this.get(key))!;
    },
    async setWeights(key, weights, at) {
      await Program.updateOne({ _id: key }, { $set: { weights, updatedAt: at } });
    },
  });
}
