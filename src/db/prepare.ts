import type { Connection } from 'mongoose';
import { SEED_PROGRAMS } from '../programs/program-seed.ts';
import { createProgramsRepository } from '../programs/programs.repository.ts';

/**
 * What a database needs before the API serves from it: in production the
 * indexes are built here, explicitly (autoIndex is off there), and the
 * programs of a new deployment are seeded once.
 */
export async function prepareDatabase(conn: Connection, opts: { buildIndexes: boolean; now: Date }): Promise<void> {
  createProgramsRepository(conn); // registers the model
  if (opts.buildIndexes) {
    for (const model of Object.values(conn.models)) await model.createIndexes();
  } else {
    await Promise.all(Object.values(conn.models).map((m) => m.init()));
  }
  await createProgramsRepository(conn).seed(SEED_PROGRAMS, opts.now);
}
