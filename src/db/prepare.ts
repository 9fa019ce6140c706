import type { Connection } from 'mongoose';
import { SEED_PROGRAMS } from '../programs/program-seed.ts';
import { createProgramsRepository } from '../programs/programs.repository.ts';
import { authModels } from '../auth/users.model.ts';
import { profileModels } from '../profiles/profiles.model.ts';
import { createRunsRepository } from '../matching/matching.service.ts';

/**
 * What a database needs before the API serves from it: in production the
 * indexes are built here, explicitly (autoIndex is off there), and the
 * programs of a new deployment are seeded once.
 */
export async function prepareDatabase(conn: Connection, opts: { buildIndexes: boolean; now: Date }): Promise<void> {
  // Register every model first, so that the indexes of all of them are built.
  authModels(conn);
  profileModels(conn);
  createRunsRepository(conn);
  createProgramsRepository(conn);
  if (opts.buildIndexes) {
    for (const model of Object.values(conn.models)) await model.createIndexes();
  } else {
    await Promise.all(Object.values(conn.models).map((m) => m.init()));
  }
  await createProgramsRepository(conn).seed(SEED_PROGRAMS, opts.now);
}
