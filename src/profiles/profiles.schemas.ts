import { z } from 'zod';
import { AGE_BANDS, CONTACT_MODES, DAYS, GENDERS, ORIENTATIONS } from './profile-types.ts';
import { experienceKey, programKey } from '../programs/program-rules.ts';
import { canonicalLanguageTag, isCalendarDate, toMinutes } from './profile-fields.ts';
import { checkTimeZone } from './time-zones.ts';
import { deferErrors } from '../http/parse.ts';

// The examples, formats and descriptions below (`.meta`) go into the OpenAPI
// document, so a client sees the expected shape before its first 400.
const clock = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const timeMeta = { description: 'Local wall-clock time as HH:MM (24-hour), from 00:00 to 24:00.', example: '18:30' };
const time = z.string().regex(clock, 'Must be HH:MM between 00:00 and 24:00.').meta(timeMeta);

const window = z
  .strictObject({
    day: z.enum(DAYS as [string, ...string[]]),
    start: time,
    end: time,
  })
  .superRefine((w, ctx) => {
    if (clock.test(w.start) && clock.test(w.end) && toMinutes(w.start) >= toMinutes(w.end)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'Must be after start (a window past midnight is two windows).' });
    }
  });

const timezone = z
  .string()
  .max(64)
  .transform((input, ctx) => {
    const checked = checkTimeZone(input);
    if ('problem' in checked) {
      ctx.addIssue({ code: 'custom', message: checked.problem });
      return z.NEVER;
    }
    return checked.zone;
  })
  .meta({
    description: 'An IANA time zone by region and city (or UTC), not an abbreviation or an offset: it sets the daylight-saving rules of the availability windows.',
    example: 'America/New_York',
  });

const language = z
  .string()
  .max(35)
  .transform((tag, ctx) => {
    const canonical = canonicalLanguageTag(tag);
    if (!canonical) {
      ctx.addIssue({ code: 'custom', message: 'Must be a BCP 47 language tag of a known language, such as en or es-MX.' });
      return z.NEVER;
    }
    return canonical;
  })
  .meta({ description: 'A BCP 47 language tag of a known language.', example: 'en-US' });

// A date before 1930 is a typo, not a recovery: it would put centuries on a
// card. (AA itself began in 1935.)
const EARLIEST_RECOVERY_DATE = '1930-01-01';

/** A calendar date from 1930 on; `description` and `example` say which date it is. */
const memberDate = (description: string, example: string) =>
  z
    .string()
    .superRefine((date, ctx) => {
      if (!isCalendarDate(date)) ctx.addIssue({ code: 'custom', message: 'Must be a date as YYYY-MM-DD.' });
      else if (date < EARLIEST_RECOVERY_DATE) ctx.addIssue({ code: 'custom', message: `Must be on or after ${EARLIEST_RECOVERY_DATE}.` });
    })
    .meta({ format: 'date', description, example });

const recoveryDate = memberDate(`A calendar date as YYYY-MM-DD, from ${EARLIEST_RECOVERY_DATE} to today in the member's time zone.`, '2024-03-15');

const programSince = memberDate(
  'When the member first came to the program (YYYY-MM-DD): the time that counts in programs that count time in the program, such as Al-Anon and Nar-Anon, instead of a recovery date.',
  '2019-06-01',
);

const location = z.strictObject({
  region: z.string().trim().min(1).max(80),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

// What the other member is given at the introduction, and never before.
const CONTACT_DESCRIPTION = 'Shared with the other member only when a match becomes active (the introduction). Until then nobody sees it.';
const PHONE_DIGITS = { min: 7, max: 15 };
const phoneShape = /^\+?[0-9 .()-]+$/;
const phone = z
  .string()
  .trim()
  .max(40, { abort: true })
  .superRefine((value, ctx) => {
    const digits = value.replace(/\D/g, '').length;
    if (!phoneShape.test(value) || digits < PHONE_DIGITS.min || digits > PHONE_DIGITS.max) {
      ctx.addIssue({
        code: 'custom',
        message: `Must be a phone number: ${PHONE_DIGITS.min} to ${PHONE_DIGITS.max} digits, with an optional leading + and spaces, dots, dashes or parentheses.`,
      });
    }
  })
  // The pattern is the shape only: the digits are counted above.
  .meta({ description: `A phone number the other member may call or text: ${PHONE_DIGITS.min} to ${PHONE_DIGITS.max} digits.`, pattern: phoneShape.source, example: '+1 (555) 010-4477' });

const contact = z
  .strictObject({
    email: z.boolean().describe('Share your account email'),
    phone: phone.optional(),
    note: z.string().trim().min(1, 'Write a few words, or leave the note out.').max(200, 'At most 200 characters.').optional().meta({ description: 'A few words for the other member, such as the best time to call.', example: 'Evenings after 6 are best.' }),
  })
  .meta({ description: CONTACT_DESCRIPTION, example: { email: true, phone: '+1 (555) 010-4477' } });
const contactView = z
  .object({ email: z.boolean(), phone: z.string().optional(), note: z.string().optional() })
  .meta({ description: `${CONTACT_DESCRIPTION} Absent from the input: { "email": true }, the account email only.` });

const experience = experienceKey;
const gender = z.enum(GENDERS as [string, ...string[]]);
const ageBand = z.enum(AGE_BANDS as [string, ...string[]]);

const common = {
  program: programKey,
  timezone,
  // No window means no overlap with anyone: the profile would be stored and
  // silently never proposed, so it is refused instead.
  availability: z.array(window).min(1, 'Add at least one weekly window when you are free.').max(100),
  contactModes: z.array(z.enum(CONTACT_MODES as [string, ...string[]])).min(1).max(4),
  languages: z.array(language).min(1, 'At least one language.').max(10),
  gender,
  spiritualOrientation: z.enum(ORIENTATIONS as [string, ...string[]]),
  ageBand: ageBand.optional(),
  experiences: z.array(experience).max(30).optional(),
  location: location.optional(),
  contact: contact.optional(),
};

const newcomerProfileFields = z
  .strictObject({
    ...common,
    acceptedPrograms: z.array(programKey).max(20).default([]),
    recoveryDate: recoveryDate.optional(),
    sponsorGenderPreference: z.union([z.enum(['same', 'any']), z.array(gender).min(1).max(5)]).optional(),
    wantsLgbtqAffirming: z.boolean().default(false),
    orientationMustMatch: z.boolean().default(true),
    preferredAgeBands: z.array(ageBand).max(6).optional(),
    maxDistanceKm: z.number().positive().max(20_000).optional().describe('How far the newcomer would travel to meet in person, in km (default 50)'),
    programSince: programSince.optional(),
    acceptsAsyncOnly: z
      .boolean()
      .default(false)
      .describe('Contact by text with no hour in common is fine: without it, a sponsor with no hour in common is never proposed'),
    seeking: z.boolean().default(true),
  })
  .meta({ id: 'NewcomerProfileInput' });

const sponsorProfileFields = z
  .strictObject({
    ...common,
    // Required unless the program counts time in the program (then programSince is): the service checks which.
    recoveryDate: recoveryDate.optional(),
    programSince: programSince.optional(),
    lgbtqAffirming: z.boolean().default(false),
    experiencesOnCard: z.array(experience).max(30).default([]),
    capacity: z.number().int().min(1).max(10),
    acceptingNewcomers: z.boolean().default(true),
    hasOwnSponsor: z.boolean().default(false),
    stepsCompleted: z.number().int().min(0).max(12).default(0),
    sponsorsGenders: z
      .array(gender)
      .min(1)
      .max(5)
      .optional()
      .describe('The genders of newcomers you will sponsor. Absent: as the program\'s gender rule pairs people'),
    newcomerAgeBands: z.array(ageBand).min(1).max(6).optional().describe('The age bands of newcomers you will sponsor. Absent: any age'),
    languagesForSponsoring: z
      .array(language)
      .min(1)
      .max(10)
      .optional()
      .describe('The languages you will sponsor in, among your languages. Absent: all of them'),
    bio: z.string().trim().max(500).optional(),
  })
  .meta({ id: 'SponsorProfileInput' });

export type NewcomerProfileInput = z.output<typeof newcomerProfileFields>;
export type SponsorProfileInput = z.output<typeof sponsorProfileFields>;

// Some of a profile's checks need data (is the program known, does it list
// these experiences, is the recovery date past in the member's zone): the
// service runs them. So that a member sees every error in one answer, the
// route hands a failed parse on to the service (deferErrors) instead of
// answering 400 before those checks have run.
export const newcomerProfileBody = deferErrors(newcomerProfileFields);
export const sponsorProfileBody = deferErrors(sponsorProfileFields);
export type NewcomerProfileBody = z.output<typeof newcomerProfileBody>;
export type SponsorProfileBody = z.output<typeof sponsorProfileBody>;

const windowView = z.object({ day: z.string(), start: z.string().meta(timeMeta), end: z.string().meta(timeMeta) });

// The profiles as a coordinator reads them: without the contact, which is the
// member's own and the introduction's (the own views below add it back).
export const newcomerProfileView = newcomerProfileFields
  .omit({ contact: true })
  .extend({ userId: z.string(), displayName: z.string(), availability: z.array(windowView), updatedAt: z.string() })
  .meta({ id: 'NewcomerProfile' });
export const sponsorProfileView = sponsorProfileFields
  .omit({ contact: true })
  .extend({
    userId: z.string(),
    displayName: z.string(),
    availability: z.array(windowView),
    availableSince: z.string().optional().describe('When you last started taking newcomers (set by the service): among equal matches, who waited longer comes first'),
    updatedAt: z.string(),
  })
  .meta({ id: 'SponsorProfile' });

/** The member's own profiles: with the contact, its default filled in. */
export const ownNewcomerProfileView = newcomerProfileView.extend({ contact: contactView }).meta({ id: 'OwnNewcomerProfile' });
export const ownSponsorProfileView = sponsorProfileView.extend({ contact: contactView }).meta({ id: 'OwnSponsorProfile' });
