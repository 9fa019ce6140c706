import { Schema, type Connection, type Model } from 'mongoose';
import type { AssignMode } from './assign.ts';
import type { Reason } from './types.ts';

export interface RunDoc {
  _id: string;
  mode: AssignMode;
  programs: string[];
  createdBy: string;
  createdAt: Date;
  pairs: Array<{ newcomerId: string; sponsorId: string; score: number; reasons: Array<Pick<Reason, 'factor' | 'contribution' | 'text'>> }>;
  unmatched: Array<{ newcomerId: string; reasons: Array<{ rule?: string; count?: number; text: string }> }>;
}

const runSchema = new Schema<RunDoc>(
  {
    _id: { type: String, required: true },
    mode: { type: String, required: true },
    programs: { type: [String], required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    pairs: { type: Schema.Types.Mixed, required: true },
    unmatched: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, collection: 'matching_runs', minimize: false },
);

export function runModel(conn: Connection): Model<RunDoc> {
  return (conn.models.MatchingRun as Model<RunDoc> | undefined) ?? conn.model<RunDoc>('MatchingRun', runSchema);
}
