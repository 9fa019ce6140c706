import { atRepositoryEdge } from '../db/repository-edge.ts';
import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import { auditModels, type AuditDoc } from './audit.model.ts';

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
}

export interface PseudonymsRepository {
  /** The member's pseudonym, created on first use (a claim by insert, so every instance agrees). */
  of(userId: string): Promise<string>;
  /** The member behind a pseudonym, while the mapping exists. */
  userOf(pseudonym: string): Promise<string | undefined>;
  /** The pseudonym if one exists, without creating one. */
  existing(userId: string): Promise<string | undefined>;
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
  });
}
