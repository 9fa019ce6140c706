const DAY_MS = 86_400_000;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date (proleptic Gregorian, UTC); NaN when it is no calendar date. */
export function dayNumberOfDate(ymd: string): number {
  const m = YMD.exec(ymd);
  if (m === null) return NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  // Not Date.UTC(y, …): it reads years 0 to 99 as 1900 to 1999.
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return NaN;
  return Math.floor(t.getTime() / DAY_MS);
}

export const isCalendarDate = (s: string): boolean => !Number.isNaN(dayNumberOfDate(s));
