import type { Connection } from 'mongoose';
import { auditModels } from './audit/audit.model.ts';
import { authModels } from './auth/users.model.ts';
import { prepareStores, type StoreRegistration } from './db/stores.ts';
import { mailModels } from './mail/outbox.model.ts';
import { runModels } from './matching/runs.model.ts';
import { profileModels } from './profiles/profiles.model.ts';
import { SEED_PROGRAMS, SEED_V1, SEED_VERSION } from './programs/program-seed.ts';
import { createProgramsRepository } from './programs/programs.repository.ts';

// Every feature's storage, registered here at the composition root.
export const STORES: readonly StoreRegistration[] = [
  { name: 'accounts', register: (conn) => void authModels(conn) },
  { name: 'audit', register: (conn) => void auditModels(conn) },
  {
    name: 'programs',
    register: (conn) => void createProgramsRepository(conn),
    seed: async (conn, now) => void (await createProgramsRepository(conn).seed({ programs: SEED_PROGRAMS, version: SEED_VERSION, legacy: SEED_V1 }, now)),
  },
  { name: 'profiles', register: (conn) => void profileModels(conn) },
  { name: 'matching-runs', register: (conn) => void runModels(conn) },
  { name: 'mail', register: (conn) => void mailModels(conn) },
];

/** What a database needs before the service uses it: every feature's models and indexes, and the seeds of a new deployment. */
export function prepareDatabase(conn: Connection, opts: { buildIndexes: boolean; now: Date }): Promise<void> {
  return prepareStores(conn, STORES, opts);
}
