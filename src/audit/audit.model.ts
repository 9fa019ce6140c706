import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One audited act: who did it, to whose data, through which route and
 * action, when, and the request id. Never the data itself. Members are named
 * by pseudonym, so that erasing someone removes the mapping and leaves the
 * log whole but pointing at nobody.
 */
export interface AuditDoc {
  /** Orders by time: the ISO instant, then a random suffix. */
  _id: string;
  at: Date;
  actor: string;
  subjects: string[];
  action: string;
  route: string;
  requestId: string;
  /** Words the actor gave for a decision (an admin's reason to erase an account). */
  note?: string;
}

/** Both directions of the pseudonym mapping, each keyed by `_id`: `user:<id>` → pseudonym, `pseudonym:<p>` → user id. */
export interface PseudonymDoc {
  _id: string;
  value: string;
}

const auditSchema = new Schema<AuditDoc>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    actor: { type: String, required: true },
    subjects: { type: [String], default: [] },
    action: { type: String, required: true },
    route: { type: String, required: true },
    requestId: { type: String, required: true },
    note: { type: String },
  },
  { versionKey: false, collection: 'audit_log' },
);

const pseudonymSchema = new Schema<PseudonymDoc>(
  { _id: { type: String, required: true }, value: { type: String, required: true } },
  { versionKey: false, collection: 'pseudonyms' },
);

export function auditModels(conn: Connection): { Audit: Model<AuditDoc>; Pseudonym: Model<PseudonymDoc> } {
  return {
    Audit: (conn.models.AuditEntry as Model<AuditDoc> | undefined) ?? conn.model<AuditDoc>('AuditEntry', auditSchema),
    Pseudonym: (conn.models.Pseudonym as Model<PseudonymDoc> | undefined) ?? conn.model<PseudonymDoc>('Pseudonym', pseudonymSchema),
  };
}
