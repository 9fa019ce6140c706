import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import { atRepositoryEdge } from '../db/repository-edge.ts';
import { CHECKIN_COLLECTIONS } from '../checkins/checkins.repository.ts';
import { LIFECYCLE_COLLECTIONS } from '../matches/lifecycle.repository.ts';

/**
 * A member's erasure in progress: `_id` is the member's id, so asking twice
 * (two clicks, the member and an admin) makes one record, and the work resumes
 * from it after a crash. It holds, only while the work runs, the strings that
 * may have been copied into other people's records (the address, names, phone,
 * contact note, the texts they wrote) so they can be found and removed; it is
 * deleted when the erasure completes.
 */
export interface ErasureDoc {
  _id: string;
  /** What stays in place of the member's id where a record must stay for someone else (a match's history). */
  opaqueId: string;
  requestedAt: Date;
  by: 'self' | 'admin';
  /** The member's matches (their ids), for the mail about them. */
  matchIds: string[];
  /** The other members of those matches: the mail to them (a check-in asking about this member) may name them. */
  others: string[];
  /** Strings to find elsewhere: the address(es), phone, contact note, the texts they wrote. */
  texts: string[];
  /** Names (display names): looked for only in the mail about their matches (a first name alone is too common to look for everywhere). */
  names: string[];
  /** Steps done, in order. */
  done: string[];
  /** The feed version that announced the erasure: the feed is scrubbed once every follower has applied it. */
  feedAt?: number;
}

/**
 * Collections a generic pass never touches: the erasure records, the feed
 * (scrubbed in its own step, once every follower has passed) and the pseudonym
 * mapping (deleted, both ways, in its own step: rewritten, it would point at the opaque id).
 */
export const ERASURES_COLLECTION = 'erasures';
const FEED_COLLECTIONS = ['change_feed', 'change_feed.pending'];
const OWN_STEP_COLLECTIONS = [ERASURES_COLLECTION, 'pseudonyms', ...FEED_COLLECTIONS];

export interface ErasureRepository {
  /** Inserts the record; false if one exists (an erasure already under way). */
  begin(doc: ErasureDoc): Promise<boolean>;
  get(userId: string): Promise<ErasureDoc | undefined>;
  pending(): Promise<ErasureDoc[]>;
  markDone(userId: string, step: string): Promise<void>;
  setFeedAt(userId: string, n: number): Promise<void>;
  finish(userId: string): Promise<void>;

  /** The account: its login entries (every one naming it), the user, its single-use links. */
  deleteAccount(userId: string): Promise<void>;
  /**
   * The pseudonym mapping, both ways: audit entries stay and point at nobody.
   * First, the words an actor gave about them (an admin's reason to erase)
   * lose any of `words` (their address, names, phone) they quote.
   */
  deletePseudonym(userId: string, opaqueId: string, words: readonly string[]): Promise<void>;
  /** Their requests' notes (the requests stay, for the history of the matches made from them). */
  clearRequestNotes(userId: string): Promise<void>;
  /** Notes they wrote on the steps of these matches. */
  clearStepNotes(userId: string, matchIds: readonly string[]): Promise<void>;
  deleteConcernsBy(userId: string): Promise<void>;
  /** Their check-ins, answers, settings, pending mail marks and the alerts about them (with the alerts' acknowledgements). */
  deleteCheckIns(userId: string): Promise<void>;
  /**
   * Mail: every message to them (and the claims of its attempts). Of the mail
   * to the other members of their matches, the kinds that carry this member's
   * name, contact or words (the introduction, the weekly check-in asking about
   * them) lose their words when they quote them (a pending one is not sent: it
   * is marked failed, `erased`). Nothing else is touched: not the neutral
   * notice the other member is owed, and never mail to anyone else (an account
   * that registered again with the freed address, the moment it was freed).
   */
  scrubMail(userId: string, e: { texts: readonly string[]; names: readonly string[]; others: readonly string[] }, at: Date): Promise<void>;
  /**
   * Every other collection but the feed's: a document whose `_id` holds the
   * member's id is theirs (deleted: a claim, a chain of theirs, a cache row);
   * in any other document naming them or one of their matches, the id is
   * replaced by `opaqueId` and each of `texts` by `[erased]`, field by field,
   * in place. (Only those: someone else's account may hold the same address
   * by now, registered again the moment it was freed.)
   */
  scrubEverywhere(userId: string, opaqueId: string, e: { texts: readonly string[]; matchIds: readonly string[] }): Promise<{ deleted: number; rewritten: number }>;
  /**
   * The same for the feed's versions up to `upTo` (every follower has applied
   * them): rewritten in place, never deleted (a gap would stop every follower).
   * Pending announcements are rewritten too. Returns how many later versions
   * still name the member (announced since: they wait for the followers in turn).
   */
  scrubFeed(userId: string, opaqueId: string, upTo: number): Promise<{ rewritten: number; later: number }>;
}

const contains = (doc: unknown, needles: readonly string[]): boolean => {
  const s = JSON.stringify(doc);
  return needles.some((n) => n.length > 0 && s.includes(n));
};

function replaceAll(value: unknown, swaps: ReadonlyArray<readonly [string, string]>): unknown {
  if (typeof value === 'string') return swaps.reduce((s, [from, to]) => (from && s.includes(from) ? s.split(from).join(to) : s), value);
  if (Array.isArray(value)) return value.map((v) => replaceAll(v, swaps));
  if (value && typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceAll(v, swaps)]));
  }
  return value; // Dates, ObjectIds, binaries: never a member's id or words
}

/** The top-level fields that changed, as a $set (so a concurrent writer's other fields are not overwritten). */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) if (k !== '_id' && JSON.stringify(v) !== JSON.stringify(before[k])) out[k] = v;
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The mail that quotes the other member of a match: the introduction (name and contact) and the weekly check-in (asks about them by name). */
const QUOTING_TEMPLATES = ['match-introduction', 'checkin'];

export function createErasureRepository(conn: Connection): ErasureRepository {
  const db = () => conn.db!;
  const records = conn.collection<ErasureDoc>(ERASURES_COLLECTION);
  const C = LIFECYCLE_COLLECTIONS;
  const K = CHECKIN_COLLECTIONS;

  async function scrubCollection(
    name: string,
    userId: string,
    swaps: ReadonlyArray<readonly [string, string]>,
    needles: readonly string[],
    mayDelete: boolean,
    filter: Record<string, unknown> = {},
  ) {
    const coll = db().collection(name);
    let deleted = 0;
    let rewritten = 0;
    for await (const doc of coll.find(filter, { batchSize: 500 })) {
      if (!contains(doc, needles)) continue;
      const id: unknown = doc._id;
      if (mayDelete && typeof id === 'string' && id.includes(userId)) {
        deleted += (await coll.deleteOne({ _id: id as never })).deletedCount;
        continue;
      }
      const set = changedFields(doc, replaceAll(doc, swaps) as Record<string, unknown>);
      if (Object.keys(set).length === 0) continue;
      await coll.updateOne({ _id: id as never }, { $set: set });
      rewritten += 1;
    }
    return { deleted, rewritten };
  }

  return atRepositoryEdge<ErasureRepository>({
    async begin(doc) {
      try {
        await records.insertOne(doc);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async get(userId) {
      return (await records.findOne({ _id: userId })) ?? undefined;
    },
    async pending() {
      return records.find({}).toArray();
    },
    async markDone(userId, step) {
      await records.updateOne({ _id: userId }, { $addToSet: { done: step } });
    },
    async setFeedAt(userId, n) {
      await records.updateOne({ _id: userId }, { $set: { feedAt: n } });
    },
    async finish(userId) {
      await records.deleteOne({ _id: userId });
    },

    async deleteAccount(userId) {
      await db().collection('logins').deleteMany({ userId });
      await db().collection('used_links').deleteMany({ userId });
      await db().collection<{ _id: string }>('users').deleteOne({ _id: userId });
    },
    async deletePseudonym(userId, opaqueId, words) {
      const pseudonyms = db().collection<{ _id: string; value: string }>('pseudonyms');
      const mine = await pseudonyms.findOne({ _id: `user:${userId}` });
      if (mine) {
        const audit = db().collection<{ _id: string; note?: string }>('audit_log');
        const quoted = words.filter((w) => w.trim().length > 0).map((w) => new RegExp(escapeRegex(w), 'gi'));
        for (const entry of await audit.find({ subjects: mine.value, note: { $exists: true } }).toArray()) {
          const note = quoted.reduce((s, re) => s.replace(re, '[erased]'), entry.note ?? '');
          if (note !== entry.note) await audit.updateOne({ _id: entry._id }, { $set: { note } });
        }
      }
      if (mine) await pseudonyms.deleteOne({ _id: `pseudonym:${mine.value}` });
      // Any reverse entry left by a crash between the two writes that made the mapping.
      await pseudonyms.deleteMany({ value: { $in: [userId, opaqueId] } });
      await pseudonyms.deleteOne({ _id: `user:${userId}` });
    },
    async clearRequestNotes(userId) {
      await db().collection(C.requests).updateMany({ userId }, { $unset: { note: '' } });
    },
    async clearStepNotes(userId, matchIds) {
      if (matchIds.length === 0) return;
      await db().collection(C.statusChain).updateMany({ entity: { $in: [...matchIds] }, by: userId }, { $unset: { 'state.note': '' } });
    },
    async deleteConcernsBy(userId) {
      const concerns = db().collection<{ _id: string }>(C.concerns);
      const ids = (await concerns.find({ by: userId }, { projection: { _id: 1 } }).toArray()).map((c) => c._id);
      if (ids.length === 0) return;
      await db().collection<{ _id: string }>(C.concernAcks).deleteMany({ _id: { $in: ids } });
      await concerns.deleteMany({ _id: { $in: ids } });
    },
    async deleteCheckIns(userId) {
      const alerts = db().collection<{ _id: string }>(K.alerts);
      const alertIds = (await alerts.find({ memberId: userId }, { projection: { _id: 1 } }).toArray()).map((a) => a._id);
      if (alertIds.length > 0) await db().collection<{ _id: string }>(K.alertAcks).deleteMany({ _id: { $in: alertIds } });
      await alerts.deleteMany({ memberId: userId });
      await db().collection(K.responses).deleteMany({ memberId: userId });
      await db().collection(K.checkIns).deleteMany({ memberId: userId });
      await db().collection(K.pending).deleteMany({ memberId: userId });
      await db().collection<{ _id: string }>(K.settings).deleteOne({ _id: userId });
    },
    async scrubMail(userId, e, at) {
      const outbox = db().collection<{ _id: string; recipientId: string; event: string; status: string; to?: string; subject?: string; text?: string; html?: string }>('outbox');
      const claims = db().collection<{ _id: string }>('outbox_claims');
      const theirs = await outbox.find({ recipientId: userId }, { projection: { _id: 1 } }).toArray();
      for (const m of theirs) {
        await claims.deleteMany({ _id: { $regex: `^(send|sent):${escapeRegex(m._id)}(:|$)` } });
        await outbox.deleteOne({ _id: m._id });
      }
      if (e.others.length === 0) return;
      const needles = [...e.texts, ...e.names].filter((t) => t.trim().length > 0).map((t) => t.toLowerCase());
      for await (const m of outbox.find({ recipientId: { $in: [...e.others] }, template: { $in: [...QUOTING_TEMPLATES] }, text: { $exists: true } }, { batchSize: 500 })) {
        const words = `${m.subject ?? ''}\n${m.text ?? ''}\n${m.html ?? ''}`.toLowerCase();
        if (!needles.some((t) => words.includes(t))) continue;
        // The retention job's shape: what stays is that a message was promised and what became of it.
        await outbox.updateOne(
          { _id: m._id },
          {
            $unset: { to: '', subject: '', text: '', html: '' },
            $set: { purgedAt: at, ...(m.status === 'pending' ? { status: 'failed', failedAt: at, lastError: 'erased' } : {}) },
          },
        );
      }
    },
    async scrubEverywhere(userId, opaqueId, e) {
      const swaps: Array<readonly [string, string]> = [[userId, opaqueId], ...e.texts.filter((t) => t.length >= 4).map((t) => [t, '[erased]'] as const)];
      const needles = [userId, ...e.matchIds];
      let deleted = 0;
      let rewritten = 0;
      const names = (await db().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      for (const name of names.sort()) {
        if (name.startsWith('system.') || OWN_STEP_COLLECTIONS.includes(name)) continue;
        const r = await scrubCollection(name, userId, swaps, needles, true);
        deleted += r.deleted;
        rewritten += r.rewritten;
      }
      return { deleted, rewritten };
    },
    async scrubFeed(userId, opaqueId, upTo) {
      // The feed's versions are `{ _id: "feed:<n>", n }`; its heads, followers and meta name no member.
      const { rewritten } = await scrubCollection('change_feed', userId, [[userId, opaqueId]], [userId], false, { n: { $lte: upTo } });
      // An announcement still pending (its process stopped before appending it) is rewritten too: it may
      // wait for a restart, and the caches it was for also re-read what they hold on their own (the access cache's repair).
      const pending = await scrubCollection('change_feed.pending', userId, [[userId, opaqueId]], [userId], false);
      let later = 0;
      for await (const doc of db().collection('change_feed').find({ n: { $gt: upTo } })) if (contains(doc, [userId])) later += 1;
      return { rewritten: rewritten + pending.rewritten, later };
    },
  });
}
