import { Schema, type Connection, type Model } from 'mongoose';
import type { AssignMode } from './assign.ts';
import type { Reason } from './types.ts';

export type RunPair = { newcomerId: string; sponsorId: string; score: number; reasons: Array<Pick<Reason, 'factor' | 'contribution' | 'text'>> };
export type RunUnmatched = { newcomerId: string; reasons: Array<{ rule?: string; count?: number; text: string }> };

/** A pool run as the service makes and reads it. */
export interface RunDoc {
  _id: string;
  mode: AssignMode;
  programs: string[];
  createdBy: string;
  createdAt: Date;
  pairs: RunPair[];
  unmatched: RunUnmatched[];
}

/**
 * A run as stored: the header, and its pairs and unmatched newcomers in chunks of
 * their own (`<run id>:p<k>`, `<run id>:u<k>`), so that a run of any size stays
 * under the 16 MB document limit and no single write or read of it holds the
 * event loop for long. The header is written last: a run without it does not exist.
 * Runs stored whole (before chunks) carry `pairs` and `unmatched` themselves.
 */
export interface RunHeaderDoc {
  _id: string;
  mode: AssignMode;
  programs: string[];
  createdBy: string;
  createdAt: Date;
  pairChunks?: number;
  unmatchedChunks?: number;
  pairs?: RunPair[];
  unmatched?: RunUnmatched[];
}

export interface RunChunkDoc {
  _id: string;
  items: Array<RunPair | RunUnmatched>;
}

const runSchema = new Schema<RunHeaderDoc>(
  {
    _id: { type: String, required: true },
    mode: { type: String, required: true },
    programs: { type: [String], required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    pairChunks: { type: Number },
    unmatchedChunks: { type: Number },
    pairs: { type: Schema.Types.Mixed },
    unmatched: { type: Schema.Types.Mixed },
  },
  { versionKey: false, collection: 'matching_runs', minimize: false },
);

const runChunkSchema = new Schema<RunChunkDoc>(
  {
    _id: { type: String, required: true },
    items: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, collection: 'matching_run_chunks', minimize: false },
);

export function runModels(conn: Connection): { Run: Model<RunHeaderDoc>; RunChunk: Model<RunChunkDoc> } {
  return {
    Run: (conn.models.MatchingRun as Model<RunHeaderDoc> | undefined) ?? conn.model<RunHeaderDoc>('MatchingRun', runSchema),
    RunChunk: (conn.models.MatchingRunChunk as Model<RunChunkDoc> | undefined) ?? conn.model<RunChunkDoc>('MatchingRunChunk', runChunkSchema),
  };
}
