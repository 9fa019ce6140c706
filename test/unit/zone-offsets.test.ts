import { expect } from 'chai';
import fc from 'fast-check';
import { checkTimeZone, offsetMsAt, offsetsOnUtcDay } from '../../src/lib/zone-offsets.ts';

// The expected instants follow the zone rules of tzdata 2025c (the runtime's ICU).

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const at = (iso: string): number => Date.parse(iso);
const hm = (sign: 1 | -1, h: number, m: number, s = 0): number => sign * (h * HOUR_MS + m * MINUTE_MS + s * SECOND_MS);

// The oracle: the offset Intl names (GMT-00:44:30), not the wall clock the module reads.
const namers = new Map<string, Intl.DateTimeFormat>();
function namedOffsetMs(zone: string, t: number): number {
  let namer = namers.get(zone);
  if (namer === undefined) {
    namer = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    namers.set(zone, namer);
  }
  const name = namer.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (m === null) throw new Error(`unreadable offset name ${JSON.stringify(name)} in ${zone}`);
  if (m[1] === undefined) return 0;
  return hm(m[1] === '-' ? -1 : 1, Number(m[2]), Number(m[3]), Number(m[4] ?? 0));
}

describe('zone offsets', () => {
  describe('offsetMsAt on either side of a change, to the second', () => {
    const cases: { zone: string; change: string; before: number; after: number; when: string }[] = [
      { zone: 'America/New_York', change: '2026-03-08T07:00:00Z', before: hm(-1, 5, 0), after: hm(-1, 4, 0), when: 'New York springs forward (02:00 EST → 03:00 EDT)' },
      { zone: 'America/New_York', change: '2026-11-01T06:00:00Z', before: hm(-1, 4, 0), after: hm(-1, 5, 0), when: 'New York falls back (02:00 EDT → 01:00 EST)' },
      { zone: 'Australia/Lord_Howe', change: '2026-04-04T15:00:00Z', before: hm(1, 11, 0), after: hm(1, 10, 30), when: 'Lord Howe falls back by 30 minutes' },
      { zone: 'Australia/Lord_Howe', change: '2026-10-03T15:30:00Z', before: hm(1, 10, 30), after: hm(1, 11, 0), when: 'Lord Howe springs forward by 30 minutes' },
      { zone: 'Africa/Monrovia', change: '1972-01-07T00:44:30Z', before: hm(-1, 0, 44, 30), after: 0, when: 'Monrovia leaves its historic -0:44:30 for GMT' },
    ];
    for (const c of cases) {
      it(`when ${c.when}, then the offset changes at ${c.change} and not a second earlier`, () => {
        const change = at(c.change);

        expect(offsetMsAt(c.zone, change - SECOND_MS)).to.equal(c.before);
        expect(offsetMsAt(c.zone, change - 1)).to.equal(c.before);
        expect(offsetMsAt(c.zone, change)).to.equal(c.after);
        expect(offsetsOnUtcDay(c.zone, Math.floor(change / DAY_MS))).to.deep.equal({ before: c.before, after: c.after, changeAt: change });
      });
    }
  });

  describe('offsetMsAt where nothing changes', () => {
    const cases: { zone: string; t: string; offset: number; when: string }[] = [
      { zone: 'Asia/Kathmandu', t: '2026-06-15T12:00:00Z', offset: hm(1, 5, 45), when: 'Kathmandu keeps +5:45 all year' },
      { zone: 'Asia/Kathmandu', t: '2026-12-15T12:00:00Z', offset: hm(1, 5, 45), when: 'Kathmandu in its winter' },
      { zone: 'Africa/Monrovia', t: '1960-06-01T12:00:00Z', offset: hm(-1, 0, 44, 30), when: 'Monrovia before 1972 (seconds in the offset)' },
      { zone: 'UTC', t: '2026-03-08T07:00:00Z', offset: 0, when: 'UTC on the New York change day' },
    ];
    for (const c of cases) {
      it(`when ${c.when}, then the offset is ${c.offset} ms and the day has no change`, () => {
        expect(offsetMsAt(c.zone, at(c.t))).to.equal(c.offset);
        expect(offsetsOnUtcDay(c.zone, Math.floor(at(c.t) / DAY_MS))).to.deep.equal({ before: c.offset, after: c.offset, changeAt: Infinity });
      });
    }
  });

  describe('zone names', () => {
    const bad: { zone: unknown; when: string }[] = [
      { zone: 'Mars/Olympus_Mons', when: 'the zone is unknown' },
      { zone: '', when: 'the zone is empty (Intl would take the machine zone)' },
      { zone: undefined, when: 'no zone is given at all (Intl would take the machine zone)' },
      { zone: ' UTC', when: 'the zone has a stray space' },
    ];
    for (const c of bad) {
      it(`when ${c.when}, then every entry point throws a RangeError that names it`, () => {
        const zone = c.zone as string;
        const message = `Unknown time zone: ${JSON.stringify(c.zone)}`;

        expect(() => checkTimeZone(zone)).to.throw(RangeError, message);
        expect(() => offsetMsAt(zone, 0)).to.throw(RangeError, message);
        expect(() => offsetsOnUtcDay(zone, 0)).to.throw(RangeError, message);
      });
    }

    it('when a zone is written in another case, then it is accepted as Intl accepts it', () => {
      expect(() => checkTimeZone('america/new_york')).to.not.throw();
      expect(offsetMsAt('america/new_york', at('2026-01-15T12:00:00Z'))).to.equal(hm(-1, 5, 0));
    });
  });

  describe('properties', () => {
    const ZONES = [
      'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Chatham',
      'Asia/Kathmandu', 'Asia/Tehran', 'America/Havana', 'Africa/Casablanca', 'Pacific/Apia', 'Africa/Monrovia', 'UTC',
    ];
    const FROM = at('1950-01-01T00:00:00Z');
    const TO = at('2060-01-01T00:00:00Z');

    it('when any instant is asked about, then the offset is the one Intl names for it', () => {
      fc.assert(
        fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (zone, t) => {
          expect(offsetMsAt(zone, t), `${zone} at ${new Date(t).toISOString()}`).to.equal(namedOffsetMs(zone, t));
        }),
        { numRuns: 2000 },
      );
    });

    it('when every day of years with changes is looked at, then Intl names the old offset a second before each change and the new one from it', () => {
      // Monrovia's 1972 change, Samoa skipping 30 December 2011, and the coming changes.
      const years: [number, number][] = [[1972, 1972], [2011, 2011], [2026, 2027]];
      let changes = 0;
      for (const zone of ZONES) {
        for (const [first, last] of years) {
          for (let day = at(`${first}-01-01T00:00:00Z`) / DAY_MS; day < at(`${last + 1}-01-01T00:00:00Z`) / DAY_MS; day++) {
            const { before, after, changeAt } = offsetsOnUtcDay(zone, day);
            const where = `${zone} on ${new Date(day * DAY_MS).toISOString().slice(0, 10)}`;

            expect(namedOffsetMs(zone, day * DAY_MS), where).to.equal(before);
            if (changeAt === Infinity) {
              expect(after, where).to.equal(before);
              expect(namedOffsetMs(zone, (day + 1) * DAY_MS - SECOND_MS), where).to.equal(before);
            } else {
              changes++;
              // A change at the next midnight is found on the day it ends.
              expect(changeAt, where).to.be.above(day * DAY_MS).and.at.most((day + 1) * DAY_MS);
              expect(changeAt % SECOND_MS, where).to.equal(0);
              expect(namedOffsetMs(zone, changeAt - SECOND_MS), where).to.equal(before);
              expect(namedOffsetMs(zone, changeAt), where).to.equal(after);
            }
          }
        }
      }
      expect(changes, 'changes seen by the sweep').to.be.above(50);
    });
  });
});
