import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { Connection } from 'mongoose';
import { upsertRetryingLostRace } from '../db/upsert.ts';
import { profileModels, type NewcomerDoc, type SponsorDoc } from './profiles.model.ts';

export type StoredNewcomer = NewcomerDoc;
export type StoredSponsor = SponsorDoc;

export interface ProfilesRepository {
  putNewcomer(doc: NewcomerDoc): Promise<void>;
  getNewcomer(userId: string): Promise<NewcomerDoc | undefined>;
  putSponsor(doc: SponsorDoc): Promise<void>;
  getSponsor(userId: string): Promise<SponsorDoc | undefined>;
  /** Every sponsor profile, for the in-memory candidate index (read once at start). */
  allSponsors(): Promise<SponsorDoc[]>;
  /** Every newcomer profile, for pool runs (bounded by the size of a community). */
  allNewcomers(): Promise<NewcomerDoc[]>;
  insertSponsors(docs: SponsorDoc[]): Promise<void>;
  insertNewcomers(docs: NewcomerDoc[]): Promise<void>;
}

// A PUT replaces the whole profile (last writer wins: there is no invariant across
// fields); a first PUT that loses the race to create the profile replaces it instead.
export function createProfilesRepository(conn: Connection): ProfilesRepository {
  const { Newcomer, Sponsor } = profileModels(conn);
  return atRepositoryEdge<ProfilesRepository>({
    async putNewcomer(doc) {
      await upsertRetryingLostRace(() => Newcomer.replaceOne({ _id: doc._id }, doc, { upsert: true }));
    },
    async getNewcomer(userId) {
      return (await Newcomer.findById(userId).lean<NewcomerDoc>()) ?? undefined;
    },
    async putSponsor(doc) {
      await upsertRetryingLostRace(() => Sponsor.replaceOne({ _id: doc._id }, doc, { upsert: true }));
    },
    async getSponsor(userId) {
      return (await Sponsor.findById(userId).lean<SponsorDoc>()) ?? undefined;
    },
    async allSponsors() {
      return Sponsor.find().lean<SponsorDoc[]>();
    },
    async allNewcomers() {
      // In batches of 200: thousands of profiles in one reply would be decoded in one long stretch of the event loop.
      const out: NewcomerDoc[] = [];
      for await (const doc of Newcomer.find().lean<NewcomerDoc>().cursor({ batchSize: 200 })) out.push(doc);
      return out;
    },
    async insertSponsors(docs) {
      await Sponsor.insertMany(docs, { ordered: false, lean: true });
    },
    async insertNewcomers(docs) {
      await Newcomer.insertMany(docs, { ordered: false, lean: true });
    },
  });
}
