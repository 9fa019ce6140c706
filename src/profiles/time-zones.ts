// A profile's time zone places its availability windows on the real calendar,
// so it must follow the place's daylight-saving rules. An abbreviation or an
// offset does not: the runtime takes EST for America/Panama, a fixed UTC-5
// all year, and a New Yorker who typed it would be an hour off every summer.
// So only IANA region/city names (and UTC) are accepted, and a common
// abbreviation gets a suggestion.

const AREAS = new Set(['africa', 'america', 'antarctica', 'arctic', 'asia', 'atlantic', 'australia', 'europe', 'indian', 'pacific']);
const UTC_NAMES = new Set(['utc', 'etc/utc']);
const REGION_CITY = /^([A-Za-z]+)\/[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)?$/;

// Many abbreviations are ambiguous (IST is India, Ireland or Israel; CST is
// also China): each points at its commonest reading, and the member chooses.
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  ET: 'America/New_York', EST: 'America/New_York', EDT: 'America/New_York',
  CT: 'America/Chicago', CST: 'America/Chicago', CDT: 'America/Chicago',
  MT: 'America/Denver', MST: 'America/Denver', MDT: 'America/Denver',
  PT: 'America/Los_Angeles', PST: 'America/Los_Angeles', PDT: 'America/Los_Angeles',
  AKST: 'America/Anchorage', AKDT: 'America/Anchorage',
  HST: 'Pacific/Honolulu',
  AST: 'America/Halifax', ADT: 'America/Halifax',
  NST: 'America/St_Johns', NDT: 'America/St_Johns',
  BRT: 'America/Sao_Paulo',
  GMT: 'Europe/London', BST: 'Europe/London',
  WET: 'Europe/Lisbon', WEST: 'Europe/Lisbon',
  CET: 'Europe/Paris', CEST: 'Europe/Paris',
  EET: 'Europe/Athens', EEST: 'Europe/Athens',
  MSK: 'Europe/Moscow',
  WAT: 'Africa/Lagos', SAST: 'Africa/Johannesburg', EAT: 'Africa/Nairobi',
  PKT: 'Asia/Karachi', IST: 'Asia/Kolkata',
  SGT: 'Asia/Singapore', HKT: 'Asia/Hong_Kong', JST: 'Asia/Tokyo', KST: 'Asia/Seoul',
  AWST: 'Australia/Perth', ACST: 'Australia/Adelaide', ACDT: 'Australia/Adelaide',
  AEST: 'Australia/Sydney', AEDT: 'Australia/Sydney',
  NZST: 'Pacific/Auckland', NZDT: 'Pacific/Auckland',
};

// "GMT+5", "UTC-03:00", "+0530": the offset as people write it (east is +),
// not the inverted POSIX sign of Etc/GMT+5.
const OFFSET = /^(?:UTC|GMT|UT)?\s*([+-])(\d{1,2})(?::?([0-5]\d))?$/i;
const BY_OFFSET_MINUTES: ReadonlyMap<number, string> = new Map([
  [-600, 'Pacific/Honolulu'], [-540, 'America/Anchorage'], [-480, 'America/Los_Angeles'], [-420, 'America/Denver'],
  [-360, 'America/Chicago'], [-300, 'America/New_York'], [-240, 'America/Halifax'], [-180, 'America/Sao_Paulo'],
  [0, 'Europe/London'], [60, 'Europe/Paris'], [120, 'Europe/Athens'], [180, 'Europe/Moscow'], [240, 'Asia/Dubai'],
  [300, 'Asia/Karachi'], [330, 'Asia/Kolkata'], [360, 'Asia/Dhaka'], [420, 'Asia/Bangkok'], [480, 'Asia/Singapore'],
  [540, 'Asia/Tokyo'], [600, 'Australia/Sydney'], [720, 'Pacific/Auckland'],
]);

export const UNKNOWN_ZONE = 'Must be an IANA time zone such as America/New_York or Europe/London.';

/** The runtime's canonical spelling of a zone it knows ('europe/london' → 'Europe/London'), or undefined. */
export function canonicalTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const isPlace = (zone: string): boolean => AREAS.has(REGION_CITY.exec(zone)?.[1]?.toLowerCase() ?? '');

export type TimeZoneCheck = { zone: string } | { problem: string };

/**
 * A region/city zone or UTC in its canonical spelling, or what to say instead.
 * A message names only a zone or an abbreviation from the tables above (or one
 * the runtime knows), never the text the member sent.
 */
export function checkTimeZone(input: string): TimeZoneCheck {
  const canonical = canonicalTimeZone(input);
  if (UTC_NAMES.has(input.toLowerCase()) && canonical) return { zone: canonical };
  if (isPlace(input) && canonical && isPlace(canonical)) return { zone: canonical };

  const abbreviation = input.trim().toUpperCase();
  const suggestion = ABBREVIATIONS[abbreviation];
  if (suggestion) return { problem: `Use a place-based zone such as ${suggestion} (not ${abbreviation}).` };

  const offset = OFFSET.exec(input.trim());
  if (offset) {
    const minutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3] ?? 0));
    const near = BY_OFFSET_MINUTES.get(minutes) ?? 'America/New_York';
    return { problem: `Use a place-based zone such as ${near} (not a UTC offset, which misses daylight-saving changes).` };
  }

  // A legacy name the runtime maps to a place (US/Eastern, EST5EDT).
  if (canonical && isPlace(canonical)) return { problem: `Use the place-based name ${canonical}.` };
  return { problem: UNKNOWN_ZONE };
}
