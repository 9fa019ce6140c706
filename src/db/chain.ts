import type { Connection } from 'mongoose';
import { isDuplicateKey } from './connect.ts';

/**
 * State with an invariant, held as a chain of versions (DATABASE.md):
 * version n of an entity is the document `{ _id: "<entity>:<n>" }` holding the
 * whole state after the change. Version n+1 can be inserted once, so the unique
 * `_id` is the compare-and-set: two writers racing from one state cannot both
 * win, on MongoDB and on FerretDB alike. No conditional update, counter or
 * transaction is involved.
 */
export interface ChainVersion<S> {
  _id: string;
  entity: string;
  n: number;
  state: S;
  at: Date;
  by: string;
  reason?: string;
}

export interface ChainChange<S> {
  state: S;
  by: string;
  reason?: string;
}

/** The writer lost the race for version n+1 (too many times, for `transition`). A rule's refusal throws its own error. */
export class ChainConflict extends Error {
  override name = 'ChainConflict';
}

export interface Chain<S> {
  latest(entity: string): Promise<ChainVersion<S> | undefined>;
  /**
   * Inserts version `expected + 1` after checking that version `expected`
   * exists (so no caller can leave a gap); throws ChainConflict if another
   * writer took it.
   */
  append(entity: string, expected: number, change: ChainChange<S>, at: Date): Promise<ChainVersion<S>>;
  /**
   * Read the latest version, let `decide` check the rule and return the next
   * state (or throw to refuse), insert it; on a lost race read again and retry.
   */
  transition(
    entity: string,
    decide: (current: ChainVersion<S> | undefined) => ChainChange<S>,
    at: () => Date,
    attempts?: number,
  ): Promise<ChainVersion<S>>;
  history(entity: string): Promise<ChainVersion<S>[]>;
  /** Version n exactly, if it exists (one read by _id). */
  at(entity: string, n: number): Promise<ChainVersion<S> | undefined>;
}

interface HeadDoc {
  _id: string;
  head: number;
}

export function versionId(entity: string, n: number): string {
  return `${entity}:${n}`;
}

export function createChain<S>(conn: Connection, collection: string): Chain<S> {
  const versions = conn.collection<ChainVersion<S>>(collection);
  // The head hint may lag behind (a plain update by the last writer); readers
  // probe forward by _id from it, so a stale hint only costs a read.
  const heads = conn.collection<HeadDoc>(`${collection}.heads`);

  async function hint(entity: string): Promise<number> {
    const doc = await heads.findOne({ _id: entity });
    return doc?.head ?? 0;
  }

  async function latest(entity: string): Promise<ChainVersion<S> | undefined> {
    let n = await hint(entity);
    let found: ChainVersion<S> | undefined;
    if (n > 0) {
      found = (await versions.findOne({ _id: versionId(entity, n) })) ?? undefined;
      if (!found) n = 0; // the hint points past a missing version: start over
    }
    for (;;) {
      const next = await versions.findOne({ _id: versionId(entity, n + 1) });
      if (!next) break;
      found = next;
      n += 1;
    }
    return found;
  }

  // Unchecked: only for callers that have just read version `expected` (transition).
  async function insertNext(entity: string, expected: number, change: ChainChange<S>, at: Date): Promise<ChainVersion<S>> {
    const n = expected + 1;
    const doc: ChainVersion<S> = {
      _id: versionId(entity, n),
      entity,
      n,
      state: change.state,
      at,
      by: change.by,
      ...(change.reason !== undefined ? { reason: change.reason } : {}),
    };
    try {
      await versions.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new ChainConflict(`version ${n} of ${entity} was taken by another writer`);
      throw err;
    }
    await heads.updateOne({ _id: entity }, { $max: { head: n } }, { upsert: true }).catch((err: unknown) => {
      // Two first writers upserting the hint at once: one gets a duplicate key. The hint is only a hint.
      if (!isDuplicateKey(err)) throw err;
    });
    return doc;
  }

  async function append(entity: string, expected: number, change: ChainChange<S>, at: Date): Promise<ChainVersion<S>> {
    if (!Number.isInteger(expected) || expected < 0) throw new RangeError(`version ${expected} is not a version number`);
    if (expected > 0 && !(await versions.findOne({ _id: versionId(entity, expected) }))) {
      throw new RangeError(`version ${expected} of ${entity} does not exist: appending after it would leave a gap`);
    }
    return insertNext(entity, expected, change, at);
  }

  async function transition(
    entity: string,
    decide: (current: ChainVersion<S> | undefined) => ChainChange<S>,
    at: () => Date,
    attempts = 8,
  ): Promise<ChainVersion<S>> {
    for (let i = 0; i < attempts; i++) {
      const current = await latest(entity);
      const change = decide(current);
      try {
        return await insertNext(entity, current?.n ?? 0, change, at());
      } catch (err) {
        if (!(err instanceof ChainConflict)) throw err;
        // Lost the race: back off a little, with jitter, then read again.
        await new Promise((r) => setTimeout(r, Math.random() * 10 * (i + 1)));
      }
    }
    throw new ChainConflict(`${entity} is changing too often; try again`);
  }

  async function history(entity: string): Promise<ChainVersion<S>[]> {
    const out: ChainVersion<S>[] = [];
    for (let n = 1; ; n++) {
      const v = await versions.findOne({ _id: versionId(entity, n) });
      if (!v) break;
      out.push(v);
    }
    return out;
  }

  async function at(entity: string, n: number): Promise<ChainVersion<S> | undefined> {
    return (await versions.findOne({ _id: versionId(entity, n) })) ?? undefined;
  }

  return { latest, append, transition, history, at };
}
