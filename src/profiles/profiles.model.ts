import { Schema, type Connection, type Model } from 'mongoose';
import type { NewcomerProfile, ProfileContact, SponsorProfile } from './profile-types.ts';

// `contact` is stored with the profile but is no part of what matching reads
// (NewcomerProfile, SponsorProfile): the repository reads it only through contactOf.
export type NewcomerDoc = Omit<NewcomerProfile, 'userId'> & { _id: string; updatedAt: Date; contact?: ProfileContact };
export type SponsorDoc = Omit<SponsorProfile, 'userId'> & { _id: string; updatedAt: Date; contact?: ProfileContact };

const windowSchema = new Schema({ day: String, start: String, end: String }, { _id: false });
const locationSchema = new Schema({ region: String, lat: Number, lon: Number }, { _id: false });
const contactSchema = new Schema({ email: { type: Boolean, required: true }, phone: String, note: String }, { _id: false });

const common = {
  _id: { type: String, required: true },
  displayName: { type: String, required: true },
  program: { type: String, required: true },
  timezone: { type: String, required: true },
  availability: { type: [windowSchema], default: [] },
  contactModes: { type: [String], default: [] },
  languages: { type: [String], default: [] },
  gender: { type: String, required: true },
  spiritualOrientation: { type: String, required: true },
  ageBand: { type: String, required: false },
  experiences: { type: [String], default: undefined },
  location: { type: locationSchema, required: false },
  contact: { type: contactSchema, required: false },
  updatedAt: { type: Date, required: true },
};

const newcomerSchema = new Schema<NewcomerDoc>(
  {
    ...common,
    acceptedPrograms: { type: [String], default: [] },
    recoveryDate: { type: String, required: false },
    sponsorGenderPreference: { type: Schema.Types.Mixed, required: false },
    wantsLgbtqAffirming: { type: Boolean, default: false },
    orientationMustMatch: { type: Boolean, default: true },
    preferredAgeBands: { type: [String], default: undefined },
    maxDistanceKm: { type: Number, required: false },
    programSince: { type: String, required: false },
    acceptsAsyncOnly: { type: Boolean, required: false },
    seeking: { type: Boolean, default: true },
  },
  { versionKey: false, collection: 'newcomer_profiles' },
);

const sponsorSchema = new Schema<SponsorDoc>(
  {
    ...common,
    recoveryDate: { type: String, required: false },
    programSince: { type: String, required: false },
    lgbtqAffirming: { type: Boolean, default: false },
    experiencesOnCard: { type: [String], default: [] },
    capacity: { type: Number, required: true },
    acceptingNewcomers: { type: Boolean, default: true },
    hasOwnSponsor: { type: Boolean, default: false },
    stepsCompleted: { type: Number, default: 0 },
    sponsorsGenders: { type: [String], default: undefined },
    newcomerAgeBands: { type: [String], default: undefined },
    languagesForSponsoring: { type: [String], default: undefined },
    availableSince: { type: String, required: false },
    bio: { type: String, required: false },
  },
  { versionKey: false, collection: 'sponsor_profiles' },
);

export function profileModels(conn: Connection): { Newcomer: Model<NewcomerDoc>; Sponsor: Model<SponsorDoc> } {
  return {
    Newcomer: (conn.models.NewcomerProfile as Model<NewcomerDoc>) ?? conn.model<NewcomerDoc>('NewcomerProfile', newcomerSchema),
    Sponsor: (conn.models.SponsorProfile as Model<SponsorDoc>) ?? conn.model<SponsorDoc>('SponsorProfile', sponsorSchema),
  };
}
