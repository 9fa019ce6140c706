import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { atRepositoryEdge } from '../db/repository-edge.ts';
import { consentModels, type ConsentDoc } from './consent.model.ts';

export type ConsentEntry = ConsentDoc;

/** Append-only: entries are added, read, and removed only all at once when the member is erased. */
export interface ConsentRepository {
  /** Appends an entry (a new random `_id` unless one is given). */
  add(entry: Omit<ConsentEntry, '_id'> & { _id?: string }): Promise<ConsentEntry>;
  /** The member's entries, oldest first (by `at`, then `_id`). */
  history(userId: string): Promise<ConsentEntry[]>;
  /** Removes every entry of the member (erasure); the number removed. */
  deleteOf(userId: string): Promise<number>;
}

export function createConsentRepository(conn: Connection): ConsentRepository {
  const { Consent } = consentModels(conn);
  return atRepositoryEdge<ConsentRepository>({
    async add(entry) {
      const doc: ConsentEntry = { ...entry, _id: entry._id ?? randomUUID() };
      await Consent.create(doc);
      return doc;
    },
    async history(userId) {
      // A member has a handful of entries; sorted in code (FerretDB scans this filter either way).
      const docs = await Consent.find({ userId }).lean<ConsentEntry[]>();
      return docs.sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
    },
    async deleteOf(userId) {
      const res = await Consent.deleteMany({ userId });
      return res.deletedCount;
    },
  });
}
