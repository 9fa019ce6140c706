import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { Connection } from 'mongoose';
import { upsertRetryingLostRace } from '../db/upsert.ts';
import { contactOrDefault } from './profile-fields.ts';
import type { ProfileContact } from './profile-types.ts';
import { profileModels, type NewcomerDoc, type SponsorDoc } from './profiles.model.ts';

/** A profile as every read returns it: without its contact, which only contactOf reads. */
export type StoredNewcomer = Omit<NewcomerDoc, 'contact'>;
export type StoredSponsor = Omit<SponsorDoc, 'contact'>;

export interface ProfilesRepository {
  putNewcomer(doc: NewcomerDoc): Promise<void>;
  getNewcomer(userId: string): Promise<StoredNewcomer | undefined>;
  putSponsor(doc: SponsorDoc): Promise<void>;
  getSponsor(userId: string): Promise<StoredSponsor | undefined>;
  /** Every sponsor profile, for the in-memory candidate index (read once at start). */
  allSponsors(): Promise<StoredSponsor[]>;
  /** Every newcomer profile, for pool runs (bounded by the size of a community). */
  allNewcomers(): Promise<StoredNewcomer[]>;
  insertSponsors(docs: SponsorDoc[]): Promise<void>;
  insertNewcomers(docs: NewcomerDoc[]): Promise<void>;
  /** What the member shares at the introduction (the default when they said nothing); undefined without such a profile. */
  contactOf(userId: string, role: 'newcomer' | 'sponsor'): Promise<ProfileContact | undefined>;
  /** Every member's time zone, the newcomer profile's first, else the sponsor profile's (one read of each collection, the zone only). */
  timezones(): Promise<Map<string, string>>;
  /** Removes the member's newcomer profile (health-data consent withdrawn, erasure); whether there was one. */
  deleteNewcomer(userId: string): Promise<boolean>;
  /** Removes the member's sponsor profile; whether there was one. */
  deleteSponsor(userId: string): Promise<boolean>;
}

// The contact is left out of every read but contactOf, so that it cannot reach
// the matching index, a proposal card or a pool run by way of a spread profile:
// it is shared only at the introduction, when a match is active.
const WITHOUT_CONTACT = { contact: 0 } as const;
const CONTACT_ONLY = { contact: 1 } as const;

// A PUT replaces the whole profile (last writer wins: there is no invariant across
// fields); a first PUT that loses the race to create the profile replaces it instead.
export function createProfilesRepository(conn: Connection): ProfilesRepository {
  const { Newcomer, Sponsor } = profileModels(conn);
  return atRepositoryEdge<ProfilesRepository>({
    async putNewcomer(doc) {
      await upsertRetryingLostRace(() => Newcomer.replaceOne({ _id: doc._id }, doc, { upsert: true }));
    },
    async getNewcomer(userId) {
      return (await Newcomer.findById(userId, WITHOUT_CONTACT).lean<StoredNewcomer>()) ?? undefined;
    },
    async putSponsor(doc) {
      await upsertRetryingLostRace(() => Sponsor.replaceOne({ _id: doc._id }, doc, { upsert: true }));
    },
    async getSponsor(userId) {
      return (await Sponsor.findById(userId, WITHOUT_CONTACT).lean<StoredSponsor>()) ?? undefined;
    },
    async allSponsors() {
      return Sponsor.find({}, WITHOUT_CONTACT).lean<StoredSponsor[]>();
    },
    async allNewcomers() {
      // In batches of 200: thousands of profiles in one reply would be decoded in one long stretch of the event loop.
      const out: StoredNewcomer[] = [];
      for await (const doc of Newcomer.find({}, WITHOUT_CONTACT).lean<StoredNewcomer>().cursor({ batchSize: 200 })) out.push(doc);
      return out;
    },
    async insertSponsors(docs) {
      await Sponsor.insertMany(docs, { ordered: false, lean: true });
    },
    async insertNewcomers(docs) {
      await Newcomer.insertMany(docs, { ordered: false, lean: true });
    },
    async timezones() {
      const out = new Map<string, string>();
      for await (const s of Sponsor.find({}, { timezone: 1 }).lean<{ _id: string; timezone: string }>().cursor({ batchSize: 1000 })) out.set(s._id, s.timezone);
      for await (const n of Newcomer.find({}, { timezone: 1 }).lean<{ _id: string; timezone: string }>().cursor({ batchSize: 1000 })) out.set(n._id, n.timezone);
      return out;
    },
    async contactOf(userId, role) {
      type Contact = { contact?: ProfileContact };
      const doc =
        role === 'newcomer'
          ? await Newcomer.findById(userId, CONTACT_ONLY).lean<Contact>()
          : await Sponsor.findById(userId, CONTACT_ONLY).lean<Contact>();
      return doc ? contactOrDefault(doc.contact) : undefined;
    },
    async deleteNewcomer(userId) {
      return (await Newcomer.deleteOne({ _id: userId })).deletedCount > 0;
    },
    async deleteSponsor(userId) {
      return (await Sponsor.deleteOne({ _id: userId })).deletedCount > 0;
    },
  });
}
