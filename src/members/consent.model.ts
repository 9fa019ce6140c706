import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One act of consent, appended and never changed: the member gave consent to a
 * terms version, or withdrew their health-data consent. The user document's
 * `consent` is the current state; this is its history (GDPR art. 7(1): the
 * service must be able to show that and when consent was given).
 */
export interface ConsentDoc {
  _id: string;
  userId: string;
  termsVersion: string;
  healthData: boolean;
  adult: boolean;
  action: 'given' | 'health-data-withdrawn';
  at: Date;
}

const consentSchema = new Schema<ConsentDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    termsVersion: { type: String, required: true },
    healthData: { type: Boolean, required: true },
    adult: { type: Boolean, required: true },
    action: { type: String, required: true, enum: ['given', 'health-data-withdrawn'] },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'consent_history' },
);

export function consentModels(conn: Connection): { Consent: Model<ConsentDoc> } {
  return { Consent: (conn.models.ConsentEntry as Model<ConsentDoc> | undefined) ?? conn.model<ConsentDoc>('ConsentEntry', consentSchema) };
}
