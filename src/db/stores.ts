import type { Connection } from 'mongoose';

/**
 * What a feature gives the composition root about its storage: its models
 * (registered on the connection, so their indexes are built) and what a new
 * database needs seeded. The database layer knows no feature: it only runs
 * what it is given.
 */
export interface StoreRegistration {
  name: string;
  register(conn: Connection): void;
  seed?(conn: Connection, now: Date): Promise<void>;
}

/**
 * In production the indexes are built here, explicitly (autoIndex is off
 * there); elsewhere each model's init builds them. Then each store seeds what a
 * new deployment needs (never overwriting what an admin changed).
 */
export async function prepareStores(conn: Connection, stores: readonly StoreRegistration[], opts: { buildIndexes: boolean; now: Date }): Promise<void> {
  for (const s of stores) s.register(conn);
  if (opts.buildIndexes) {
    for (const model of Object.values(conn.models)) await model.createIndexes();
  } else {
    await Promise.all(Object.values(conn.models).map((m) => m.init()));
  }
  for (const s of stores) await s.seed?.(conn, opts.now);
}
