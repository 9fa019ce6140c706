import mongoose, { type Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import { atRepositoryEdge } from '../db/repository-edge.ts';
import { mailModels, type OutboxDoc } from './outbox.model.ts';

export type OutboxFailureDoc = Pick<OutboxDoc, '_id' | 'template' | 'attempts' | 'lastError' | 'createdAt' | 'failedAt' | 'recipientId'>;
export type OutboxSentDoc = Pick<OutboxDoc, 'template' | 'subject' | 'createdAt' | 'status' | 'sentAt' | 'failedAt' | 'purgedAt'>;

export interface AttemptOutcome {
  attempts: number;
  lastError: string;
  nextAttemptAt: Date;
  /** Set when this was the last attempt. */
  failedAt?: Date;
}

/**
 * The outbox's storage. Every invariant is an insert of a natural `_id` (the
 * message itself, a claim on an attempt, the fact that it was sent); every
 * update is a plain `$set` by `_id` that sets absolute values, so writing it
 * twice is the same as writing it once.
 */
export interface OutboxRepository {
  /** False when a message with this `_id` was already recorded. */
  insert(doc: OutboxDoc): Promise<boolean>;
  get(id: string): Promise<OutboxDoc | undefined>;
  /** Pending messages due at `now`, the longest waiting first. */
  due(now: Date, limit: number): Promise<OutboxDoc[]>;
  /** True for the one caller that inserts this claim. */
  claim(claimId: string, at: Date): Promise<boolean>;
  claimedAt(claimId: string): Promise<Date | undefined>;
  markSent(id: string, sentAt: Date, messageId: string | undefined): Promise<void>;
  recordFailedAttempt(id: string, outcome: AttemptOutcome): Promise<void>;
  failures(limit: number): Promise<OutboxFailureDoc[]>;
  /** What was mailed to one member, oldest first: the template, subject and dates, never the words (links carry tokens). */
  sentTo(recipientId: string): Promise<OutboxSentDoc[]>;
  /** Removes the address and words of sent and failed messages created before `before`, and claims older than it; counts messages purged. */
  purgeBefore(before: Date, now: Date): Promise<number>;
}

export const attemptClaimId = (messageId: string, attempt: number) => `send:${messageId}:${attempt}`;
export const sentClaimId = (messageId: string) => `sent:${messageId}`;

export function createOutboxRepository(conn: Connection): OutboxRepository {
  const { Outbox, OutboxClaim } = mailModels(conn);
  const insertOnce = async (create: () => Promise<unknown>): Promise<boolean> => {
    try {
      await create();
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  };
  return atRepositoryEdge<OutboxRepository>({
    insert: (doc) => insertOnce(() => Outbox.create(doc)),
    async purgeBefore(before, now) {
      const res = await Outbox.updateMany(
        { status: mongoose.trusted({ $in: ['sent', 'failed'] }), createdAt: mongoose.trusted({ $lt: before }), purgedAt: mongoose.trusted({ $exists: false }) },
        { $unset: { to: 1, subject: 1, text: 1, html: 1 }, $set: { purgedAt: now } },
      );
      // A claim this old names an attempt that ended long ago (attempts span hours, retention days).
      await OutboxClaim.deleteMany({ at: mongoose.trusted({ $lt: before }) });
      return res.modifiedCount;
    },
    async get(id) {
      return (await Outbox.findById(id).lean<OutboxDoc>()) ?? undefined;
    },
    async due(now, limit) {
      // FerretDB scans the collection for this filter; sent and failed messages are a few fields each to skip.
      return Outbox.find({ status: 'pending', nextAttemptAt: mongoose.trusted({ $lte: now }) })
        .sort({ nextAttemptAt: 1, _id: 1 })
        .limit(limit)
        .lean<OutboxDoc[]>();
    },
    claim: (claimId, at) => insertOnce(() => OutboxClaim.create({ _id: claimId, at })),
    async claimedAt(claimId) {
      return (await OutboxClaim.findById(claimId).lean())?.at;
    },
    async markSent(id, sentAt, messageId) {
      // The insert-only record first: a later stale write to the message cannot make it look unsent.
      await insertOnce(() => OutboxClaim.create({ _id: sentClaimId(id), at: sentAt }));
      await Outbox.updateOne({ _id: id }, { $set: { status: 'sent', sentAt, ...(messageId ? { messageId } : {}) } });
    },
    async recordFailedAttempt(id, outcome) {
      await Outbox.updateOne(
        { _id: id },
        {
          $set: {
            attempts: outcome.attempts,
            lastError: outcome.lastError,
            nextAttemptAt: outcome.nextAttemptAt,
            status: outcome.failedAt ? 'failed' : 'pending',
            ...(outcome.failedAt ? { failedAt: outcome.failedAt } : {}),
          },
        },
      );
    },
    async failures(limit) {
      return Outbox.find({ status: 'failed' })
        .select({ _id: 1, template: 1, attempts: 1, lastError: 1, createdAt: 1, failedAt: 1, recipientId: 1 })
        .sort({ failedAt: -1, createdAt: -1, _id: 1 })
        .limit(limit)
        .lean<OutboxFailureDoc[]>();
    },
    async sentTo(recipientId) {
      return Outbox.find({ recipientId })
        .select({ _id: 0, template: 1, subject: 1, createdAt: 1, status: 1, sentAt: 1, failedAt: 1, purgedAt: 1 })
        .sort({ createdAt: 1, _id: 1 })
        .lean<OutboxSentDoc[]>();
    },
  });
}
