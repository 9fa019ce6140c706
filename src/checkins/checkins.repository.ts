import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import { atRepositoryEdge } from '../db/repository-edge.ts';
import { upsertRetryingLostRace } from '../db/upsert.ts';
import type { Weekday } from './schedule.ts';

// The check-ins' storage. Every invariant is an insert of a natural `_id`:
// - a check-in is the claim `checkin:<matchId>:<memberId>:<ISO week>`, inserted
//   before anything is sent, so a week's check-in for one member of one match
//   exists once whoever writes it;
// - a member-week in progress (`checkin-mail:<memberId>:<week>`) stays in a small
//   collection until its email is recorded, so a worker killed between the claims
//   and the email leaves work the next fan-out finds without scanning every
//   check-in ever written;
// - an alert is the claim `<kind>:<checkInId>` and its acknowledgement the claim
//   of its id, so neither is raised or acknowledged twice.
// Updates are plain `$set`s by `_id` of hints (the latest answer on a check-in)
// where the last writer may win.

export type CheckInRole = 'newcomer' | 'sponsor';
export type AnswerWord = 'well' | 'struggling' | 'help';

export interface SettingsDoc {
  _id: string;
  day: Weekday;
  hour: number;
  paused: boolean;
  /** When check-ins last resumed: no slot before it is sent. */
  resumedAt?: Date;
  updatedAt: Date;
}

export interface CheckInDoc {
  _id: string;
  matchId: string;
  memberId: string;
  role: CheckInRole;
  /** The ISO week in the member's zone. */
  week: string;
  /** The newcomer's program, whose coordinators hear of alerts. */
  program: string;
  /** The member's local slot this check-in was for. */
  slotAt: Date;
  createdAt: Date;
  /** skipped: its slot had passed by more than the catch-up window when a fan-out came (nothing was sent). */
  status: 'due' | 'skipped';
  /** Hints of the latest answer (the responses keep the whole history). */
  answer?: AnswerWord;
  answeredAt?: Date;
}

export interface ResponseDoc {
  _id: string;
  checkInId: string;
  matchId: string;
  memberId: string;
  role: CheckInRole;
  week: string;
  answer?: AnswerWord;
  note?: string;
  /** A newcomer's choice to let their sponsor read this answer and note. */
  shared: boolean;
  at: Date;
}

export interface PendingDoc {
  _id: string;
  memberId: string;
  week: string;
  slotAt: Date;
  at: Date;
}

export type AlertKind = 'need-help' | 'struggling-twice' | 'missed-check-ins';

export interface AlertDoc {
  _id: string;
  kind: AlertKind;
  checkInId: string;
  matchId: string;
  memberId: string;
  role: CheckInRole;
  program: string;
  week: string;
  at: Date;
  /** Set once the coordinators' email is recorded in the outbox (until then the fan-out records it). */
  mailedAt?: Date;
  ack?: { by: string; at: Date };
}

export const checkInIdFor = (matchId: string, memberId: string, week: string) => `checkin:${matchId}:${memberId}:${week}`;
export const checkInMailIdFor = (memberId: string, week: string) => `checkin-mail:${memberId}:${week}`;
export const alertIdFor = (kind: AlertKind, checkInId: string) => `${kind}:${checkInId}`;

export const CHECKIN_COLLECTIONS = {
  settings: 'checkin_settings',
  checkIns: 'checkins',
  responses: 'checkin_responses',
  pending: 'checkin_pending',
  alerts: 'checkin_alerts',
  alertAcks: 'checkin_alert_acks',
  fanOut: 'checkin_fanout',
} as const;

export interface CheckInsRepository {
  settings(userId: string): Promise<SettingsDoc | undefined>;
  allSettings(): Promise<Map<string, SettingsDoc>>;
  putSettings(doc: SettingsDoc): Promise<void>;

  /** True for the one caller that inserts this check-in. */
  claimCheckIn(doc: CheckInDoc): Promise<boolean>;
  checkIn(id: string): Promise<CheckInDoc | undefined>;
  checkInsOfMatch(matchId: string): Promise<CheckInDoc[]>;
  setAnswerHint(id: string, answer: AnswerWord, at: Date): Promise<void>;
  /** A check-in claimed but never sent before its catch-up window closed (a plain set; no-op for one that does not exist). */
  markSkipped(id: string): Promise<void>;
  insertResponse(doc: ResponseDoc): Promise<void>;
  responsesOfMatch(matchId: string): Promise<ResponseDoc[]>;
  responsesOf(checkInId: string): Promise<ResponseDoc[]>;

  addPending(doc: PendingDoc): Promise<void>;
  allPending(): Promise<PendingDoc[]>;
  removePending(id: string): Promise<void>;

  /** True for the one caller that raises this alert. */
  raiseAlert(doc: AlertDoc): Promise<boolean>;
  alert(id: string): Promise<AlertDoc | undefined>;
  alertsIn(programs: readonly string[] | 'all'): Promise<AlertDoc[]>;
  alertsOfMatch(matchId: string): Promise<AlertDoc[]>;
  unmailedAlerts(): Promise<AlertDoc[]>;
  setAlertMailed(id: string, at: Date): Promise<void>;
  /** The first acknowledgement stays. */
  ackAlert(id: string, by: string, at: Date): Promise<void>;

  /** When the last fan-out that finished without an error started (a hint: any worker's). */
  lastFanOut(): Promise<Date | undefined>;
  setLastFanOut(at: Date): Promise<void>;
}

export function createCheckInsRepository(conn: Connection): CheckInsRepository {
  const C = CHECKIN_COLLECTIONS;
  const settings = conn.collection<SettingsDoc>(C.settings);
  const checkIns = conn.collection<CheckInDoc>(C.checkIns);
  const responses = conn.collection<ResponseDoc>(C.responses);
  const pending = conn.collection<PendingDoc>(C.pending);
  const alerts = conn.collection<AlertDoc>(C.alerts);
  const acks = conn.collection<{ _id: string; by: string; at: Date }>(C.alertAcks);
  const fanOut = conn.collection<{ _id: string; at: Date }>(C.fanOut);

  const inserted = async (write: () => Promise<unknown>): Promise<boolean> => {
    try {
      await write();
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  };
  const withAcks = async (docs: AlertDoc[]): Promise<AlertDoc[]> => {
    const out: AlertDoc[] = [];
    // By `_id`, one at a time: the only filter FerretDB answers from its index.
    for (const d of docs) {
      const a = await acks.findOne({ _id: d._id });
      out.push(a ? { ...d, ack: { by: a.by, at: a.at } } : d);
    }
    return out;
  };

  return atRepositoryEdge<CheckInsRepository>({
    async settings(userId) {
      return (await settings.findOne({ _id: userId })) ?? undefined;
    },
    async allSettings() {
      const out = new Map<string, SettingsDoc>();
      for await (const s of settings.find({}, { batchSize: 1000 })) out.set(s._id, s);
      return out;
    },
    async putSettings(doc) {
      await upsertRetryingLostRace(() => settings.replaceOne({ _id: doc._id }, doc, { upsert: true }));
    },

    claimCheckIn: (doc) => inserted(() => checkIns.insertOne(doc)),
    async checkIn(id) {
      return (await checkIns.findOne({ _id: id })) ?? undefined;
    },
    async checkInsOfMatch(matchId) {
      return checkIns.find({ matchId }).sort({ slotAt: 1, _id: 1 }).toArray();
    },
    async setAnswerHint(id, answer, at) {
      await checkIns.updateOne({ _id: id }, { $set: { answer, answeredAt: at } });
    },
    async markSkipped(id) {
      await checkIns.updateOne({ _id: id }, { $set: { status: 'skipped' } });
    },
    async insertResponse(doc) {
      await responses.insertOne(doc);
    },
    async responsesOfMatch(matchId) {
      return responses.find({ matchId }).sort({ at: 1, _id: 1 }).toArray();
    },
    async responsesOf(checkInId) {
      return responses.find({ checkInId }).sort({ at: 1, _id: 1 }).toArray();
    },

    async addPending(doc) {
      await inserted(() => pending.insertOne(doc));
    },
    async allPending() {
      return pending.find({}).toArray();
    },
    async removePending(id) {
      await pending.deleteOne({ _id: id });
    },

    raiseAlert: (doc) => inserted(() => alerts.insertOne(doc)),
    async alert(id) {
      const doc = await alerts.findOne({ _id: id });
      return doc ? (await withAcks([doc]))[0] : undefined;
    },
    async alertsIn(programs) {
      return withAcks(await alerts.find(programs === 'all' ? {} : { program: { $in: [...programs] } }).sort({ at: -1, _id: 1 }).toArray());
    },
    async alertsOfMatch(matchId) {
      return withAcks(await alerts.find({ matchId }).sort({ at: -1, _id: 1 }).toArray());
    },
    async unmailedAlerts() {
      return alerts.find({ mailedAt: { $exists: false } }).toArray();
    },
    async setAlertMailed(id, at) {
      await alerts.updateOne({ _id: id }, { $set: { mailedAt: at } });
    },
    async ackAlert(id, by, at) {
      await inserted(() => acks.insertOne({ _id: id, by, at }));
    },

    async lastFanOut() {
      return (await fanOut.findOne({ _id: 'last' }))?.at;
    },
    async setLastFanOut(at) {
      await upsertRetryingLostRace(() => fanOut.replaceOne({ _id: 'last' }, { at }, { upsert: true }));
    },
  });
}
