import { atRepositoryEdge } from '../db/repository-edge.ts';
import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import { auditModels, type AuditDoc, type PseudonymDoc } from './audit.model.ts';

export type AuditEntry = AuditDoc;

export interface AuditFilter {
  actor?: string;
  subject?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/**
 * Append-only by construction: this repository can insert an entry and read
 * entries, and has no path that updates or deletes one.
 */
export interface AuditRepository {
  append(entry: Omit<AuditDoc, '_id'>): Promise<AuditEntry>;
  find(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Every entry naming this pseudonym as actor or subject, oldest first (a member's export). */
  about(pseudonym: string): Promise<AuditEntry[]>;
}

export interface PseudonymsRepository {
  /** The member's pseudonym, created on first use (a claim by insert, so every instance agrees). */
  of(userId: string): Promise<string>;
  /** The member behind a pseudonym, while the mapping exists. */
  userOf(pseudonym: string): Promise<string | undefined>;
  /** The pseudonym if one exists, without creating one. */
  existing(userId: string): Promise<string | undefined>;
  /**
   * Many at once (a run names thousands of members): reads by _id a few at a
   * time, then creates the missing ones in two batch inserts.
   */
  ofMany(userIds: readonly string[]): Promise<Map<string, string>>;
}

export function createAuditRepository(conn: Connection): AuditRepository {
  const { Audit } = auditModels(conn);
  return atRepositoryEdge<AuditRepository>({
    async append(entry) {
      const doc: AuditDoc = { _id: `${entry.at.toISOString()}:${randomUUID()}`, ...entry };
      await Audit.create(doc);
      return doc;
    },
    async find(filter) {
      // The time range is a range of _id (ordered by time); the rest is filtered in code (FerretDB scans either way).
      const range: Record<string, string> = {};
      if (filter.from) range.$gte = filter.from.toISOString();
      if (filter.to) range.$lt = filter.to.toISOString();
      const query = Object.keys(range).length ? { _id: mongoose.trusted(range) } : {};
      const docs = await Audit.find(query).sort({ _id: -1 }).lean<AuditDoc[]>();
      return docs
        .filter((d) => (filter.actor === undefined || d.actor === filter.actor) && (filter.subject === undefined || d.subjects.includes(filter.subject)))
        .slice(0, filter.limit);
    },
    async about(pseudonym) {
      return Audit.find({ $or: [{ actor: pseudonym }, { subjects: pseudonym }] }).sort({ _id: 1 }).lean<AuditDoc[]>();
    },
  });
}

export function createPseudonymsRepository(conn: Connection): PseudonymsRepository {
  const { Pseudonym } = auditModels(conn);
  const existing = async (userId: string) => (await Pseudonym.findById(`user:${userId}`).lean())?.value;
  return atRepositoryEdge<PseudonymsRepository>({
    existing,
    async of(userId) {
      const known = await existing(userId);
      if (known) return known;
      const value = randomUUID();
      try {
        // The reverse entry first: a crash in between leaves an unused pseudonym, never a mapping without its reverse.
        await Pseudonym.create({ _id: `pseudonym:${value}`, value: userId });
        await Pseudonym.create({ _id: `user:${userId}`, value });
        return value;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await Pseudonym.deleteOne({ _id: `pseudonym:${value}` });
        const winner = await existing(userId);
        if (!winner) throw err;
        return winner;
      }
    },
    async userOf(pseudonym) {
      return (await Pseudonym.findById(`pseudonym:${pseudonym}`).lean())?.value;
    },
    async ofMany(userIds) {
      const unique = [...new Set(userIds)];
      const out = new Map<string, string>();
      // One query per 500 ids: a run names thousands of members, and one read by _id each took over a minute on FerretDB.
      for (let i = 0; i < unique.length; i += 500) {
        const ids = unique.slice(i, i + 500).map((id) => `user:${id}`);
        const found = await Pseudonym.find({ _id: mongoose.trusted({ $in: ids }) }).lean<PseudonymDoc[]>();
        for (const d of found) out.set(d._id.slice('user:'.length), d.value);
      }
      const fresh = unique.filter((id) => !out.has(id)).map((userId) => ({ userId, value: randomUUID() }));
      if (fresh.length === 0) return out;
      // Reverse entries first (as in of()); a forward entry that loses a race keeps the winner's pseudonym.
      await Pseudonym.insertMany(
        fresh.map((f) => ({ _id: `pseudonym:${f.value}`, value: f.userId })),
        { ordered: false },
      );
      let lost: typeof fresh = [];
      try {
        await Pseudonym.insertMany(
          fresh.map((f) => ({ _id: `user:${f.userId}`, value: f.value })),
          { ordered: false },
        );
      } catch (err) {
        if (!isDuplicateKey(err) && !(err as { writeErrors?: unknown[] }).writeErrors) throw err;
        const inserted = new Set<string>();
        const results = await Promise.all(fresh.map((f) => existing(f.userId)));
        fresh.forEach((f, k) => {
          if (results[k] === f.value) inserted.add(f.userId);
        });
        lost = fresh.filter((f) => !inserted.has(f.userId));
      }
      for (const f of fresh) out.set(f.userId, f.value);
      for (const f of lost) {
        await Pseudonym.deleteOne({ _id: `pseudonym:${f.value}` });
        const winner = await existing(f.userId);
        if (winner) out.set(f.userId, winner);
        else out.delete(f.userId);
      }
      return out;
    },
  });
}
