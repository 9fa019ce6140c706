// What members say about themselves: the vocabulary of profiles, which the
// matching core reads. Field names are the API's JSON: the service validates
// and normalises profiles before they reach the matching code.

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const DAYS: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Local wall-clock times in the person's IANA `timezone`; 00:00 <= start < end <= 24:00. */
export interface AvailabilityWindow {
  day: Day;
  start: string;
  end: string;
}

// The genders live with the programs, whose memberGenders rule names them.
import type { Gender } from '../programs/program-rules.ts';
export { GENDERS, type Gender } from '../programs/program-rules.ts';

export type Orientation = 'religious' | 'spiritual' | 'secular';
export const ORIENTATIONS: readonly Orientation[] = ['religious', 'spiritual', 'secular'];

export type ContactMode = 'in-person' | 'phone' | 'video' | 'text';
export const CONTACT_MODES: readonly ContactMode[] = ['in-person', 'phone', 'video', 'text'];

export type AgeBand = '18-24' | '25-34' | '35-44' | '45-54' | '55-64' | '65+';
export const AGE_BANDS: readonly AgeBand[] = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'];

export interface Location {
  region: string;
  lat: number;
  lon: number;
}

/**
 * What a member shares with the other at the introduction, once a match is
 * active. Kept apart from NewcomerProfile and SponsorProfile on purpose: those
 * are what matching reads, and a contact detail must never reach the index or
 * a proposal card (DOMAIN.md: anonymity until the match is active).
 */
export interface ProfileContact {
  /** Share the account email. */
  email: boolean;
  /** Trimmed; 7-15 digits with an optional leading +, spaces, dots, dashes, parentheses. */
  phone?: string;
  /** Trimmed, 1-200 characters. */
  note?: string;
}

export type SponsorGenderPreference = 'same' | 'any' | Gender[];

export interface NewcomerProfile {
  userId: string;
  displayName: string;
  program: string;
  acceptedPrograms: string[];
  /** YYYY-MM-DD; absent counts as 0 days. */
  recoveryDate?: string;
  timezone: string;
  availability: AvailabilityWindow[];
  contactModes: ContactMode[];
  /** BCP 47 tags; only the primary subtag matters for matching. */
  languages: string[];
  gender: Gender;
  sponsorGenderPreference?: SponsorGenderPreference;
  wantsLgbtqAffirming: boolean;
  spiritualOrientation: Orientation;
  orientationMustMatch: boolean;
  ageBand?: AgeBand;
  preferredAgeBands?: AgeBand[];
  experiences?: string[];
  location?: Location;
  /** Absent: DEFAULT_MAX_DISTANCE_KM. */
  maxDistanceKm?: number;
  /** YYYY-MM-DD: first came to the program, for programs that count time in the program (Al-Anon). */
  programSince?: string;
  /** Contact by text without any hour in common is fine (absent: false, so zero common hours excludes). */
  acceptsAsyncOnly?: boolean;
  seeking: boolean;
}

export interface SponsorProfile {
  userId: string;
  displayName: string;
  program: string;
  /** YYYY-MM-DD, start of the current continuous recovery; absent only in programs that count time in the program. */
  recoveryDate?: string;
  /** YYYY-MM-DD: first came to the program, for programs that count time in the program (Al-Anon). */
  programSince?: string;
  timezone: string;
  availability: AvailabilityWindow[];
  contactModes: ContactMode[];
  languages: string[];
  gender: Gender;
  lgbtqAffirming: boolean;
  spiritualOrientation: Orientation;
  ageBand?: AgeBand;
  experiences?: string[];
  /** The experiences the sponsor agreed to show a newcomer. */
  experiencesOnCard?: string[];
  location?: Location;
  /** 1-10 */
  capacity: number;
  acceptingNewcomers: boolean;
  hasOwnSponsor: boolean;
  /** 0-12 */
  stepsCompleted: number;
  /** Whom the sponsor will sponsor. Absent: no limit beyond the program's gender rule. */
  sponsorsGenders?: Gender[];
  /** Newcomers' age bands the sponsor will sponsor. Absent: any (a newcomer without a band passes only when absent). */
  newcomerAgeBands?: AgeBand[];
  /** Languages the sponsor will sponsor in, a subset of `languages`. Absent: all of them. */
  languagesForSponsoring?: string[];
  /** ISO date-time the sponsor last started taking newcomers (set by the service, never by the sponsor); breaks ties. */
  availableSince?: string;
  bio?: string;
}

