import { Schema, type Connection, type Model } from 'mongoose';
import type { ProgramRules } from './program-rules.ts';

export interface ProgramDoc extends Omit<ProgramRules, 'key'> {
  _id: string;
  weights?: Record<string, number>;
  updatedAt: Date;
}

const programSchema = new Schema<ProgramDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    family: { type: String, required: true },
    roleWord: { type: String, required: true },
    minRecoveryDays: { type: Number, required: true },
    minRecoveryGapDays: { type: Number, required: true },
    genderRule: { type: String, required: true },
    requiresOwnSponsor: { type: Boolean, required: true },
    experiences: { type: [String], default: [] },
    weights: { type: Schema.Types.Mixed, required: false },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'programs', minimize: false },
);

export function programModel(conn: Connection): Model<ProgramDoc> {
  return (conn.models.Program as Model<ProgramDoc> | undefined) ?? conn.model<ProgramDoc>('Program', programSchema);
}
