import { Schema, type Connection, type Model } from 'mongoose';
import type { ProgramSettings } from './program-rules.ts';

export interface ProgramDoc extends Omit<ProgramSettings, 'key'> {
  _id: string;
  weights?: Record<string, number>;
  /** The seed version this document was written from; absent on programs an admin added. */
  seedVersion?: number;
  /** Set by the admin PUT: the seed upgrade then never replaces the admin's values. */
  editedByAdmin?: boolean;
  /** Written by earlier code, before `pairing`; removed when the document is upgraded. */
  roleWord?: 'sponsor' | 'mentor';
  /** Written by earlier code, before `ownSponsor`; removed when the document is upgraded. */
  requiresOwnSponsor?: boolean;
  updatedAt: Date;
}

const programSchema = new Schema<ProgramDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    family: { type: String, required: true },
    pairing: { type: String, required: true },
    minRecoveryDays: { type: Number, required: true },
    minRecoveryGapDays: { type: Number, required: true },
    genderRule: { type: String, required: true },
    ownSponsor: { type: String, required: false },
    minStepsCompleted: { type: Number, required: false },
    completedStepsPreferred: { type: Boolean, required: false },
    memberGenders: { type: [String], default: undefined },
    timeCountedAs: { type: String, required: false },
    requiresSponsorVetting: { type: Boolean, required: false },
    requiresOwnSponsor: { type: Boolean, required: false },
    experiences: { type: [String], default: [] },
    sources: { type: [{ _id: false, title: { type: String, required: true }, url: { type: String, required: true } }], default: [] },
    notes: { type: String, default: '' },
    offers: { type: String, required: false },
    weights: { type: Schema.Types.Mixed, required: false },
    seedVersion: { type: Number, required: false },
    editedByAdmin: { type: Boolean, required: false },
    roleWord: { type: String, required: false },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'programs', minimize: false },
);

export function programModel(conn: Connection): Model<ProgramDoc> {
  return (conn.models.Program as Model<ProgramDoc> | undefined) ?? conn.model<ProgramDoc>('Program', programSchema);
}
