import { Schema, type Connection, type Model } from 'mongoose';

export type OutboxStatus = 'pending' | 'sent' | 'failed';

/**
 * One message promised to one person: `_id` is `<event>:<recipientId>:<template>`,
 * so an event can mail a person with a template once, however often it is enqueued.
 * The words are rendered when it is enqueued and kept, so a retry sends what was promised.
 */
export interface OutboxDoc {
  _id: string;
  to: string;
  recipientId: string;
  template: string;
  event: string;
  subject: string;
  text: string;
  html: string;
  createdAt: Date;
  status: OutboxStatus;
  /** Completed attempts: each one's claim is `send:<_id>:<n>`. */
  attempts: number;
  nextAttemptAt: Date;
  /** A short code ('ECONNREFUSED', 'EENVELOPE:550', 'interrupted'); never an SMTP reply, which may quote the address. */
  lastError?: string;
  sentAt?: Date;
  failedAt?: Date;
  messageId?: string;
  /**
   * Set when the retention job removed the address and the words of a sent or
   * failed message (to, subject, text and html are then absent): what stays is
   * that it was promised and what became of it.
   */
  purgedAt?: Date;
}

/**
 * One-time facts by insert: `send:<messageId>:<n>` is the one worker allowed to
 * make attempt n; `sent:<messageId>` records that the message went out (no
 * later plain update of the message can make it look unsent).
 */
export interface OutboxClaimDoc {
  _id: string;
  at: Date;
}

const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: { type: String, required: true },
    to: { type: String, required: true },
    recipientId: { type: String, required: true },
    template: { type: String, required: true },
    event: { type: String, required: true },
    subject: { type: String, required: true },
    text: { type: String, required: true },
    html: { type: String, required: true },
    createdAt: { type: Date, required: true },
    status: { type: String, required: true, enum: ['pending', 'sent', 'failed'] },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    lastError: { type: String },
    sentAt: { type: Date },
    failedAt: { type: Date },
    messageId: { type: String },
    purgedAt: { type: Date },
  },
  { versionKey: false, collection: 'outbox' },
);
outboxSchema.index({ status: 1, nextAttemptAt: 1 });

const claimSchema = new Schema<OutboxClaimDoc>(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false, collection: 'outbox_claims' },
);

export function mailModels(conn: Connection): { Outbox: Model<OutboxDoc>; OutboxClaim: Model<OutboxClaimDoc> } {
  return {
    Outbox: (conn.models.OutboxMessage as Model<OutboxDoc> | undefined) ?? conn.model<OutboxDoc>('OutboxMessage', outboxSchema),
    OutboxClaim: (conn.models.OutboxClaim as Model<OutboxClaimDoc> | undefined) ?? conn.model<OutboxClaimDoc>('OutboxClaim', claimSchema),
  };
}
