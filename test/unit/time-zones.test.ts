import { expect } from 'chai';
import { checkTimeZone, UNKNOWN_ZONE } from '../../src/profiles/time-zones.ts';

describe('time zones: region/city names only', () => {
  const accepted: Array<[string, string]> = [
    ['America/New_York', 'America/New_York'],
    ['america/new_york', 'America/New_York'],
    ['Europe/London', 'Europe/London'],
    ['Australia/Sydney', 'Australia/Sydney'],
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['Etc/UTC', 'UTC'],
  ];
  for (const [input, zone] of accepted) {
    it(`when the zone is ${input}, then it is accepted as ${zone}`, () => {
      expect(checkTimeZone(input)).to.deep.equal({ zone });
    });
  }

  const refused: Array<[string, string]> = [
    ['EST', 'Use a place-based zone such as America/New_York (not EST).'],
    ['est', 'Use a place-based zone such as America/New_York (not EST).'],
    ['PDT', 'Use a place-based zone such as America/Los_Angeles (not PDT).'],
    ['CET', 'Use a place-based zone such as Europe/Paris (not CET).'],
    ['GMT', 'Use a place-based zone such as Europe/London (not GMT).'],
    ['IST', 'Use a place-based zone such as Asia/Kolkata (not IST).'],
    ['GMT+5', 'Use a place-based zone such as Asia/Karachi (not a UTC offset, which misses daylight-saving changes).'],
    ['UTC-03:00', 'Use a place-based zone such as America/Sao_Paulo (not a UTC offset, which misses daylight-saving changes).'],
    ['+0530', 'Use a place-based zone such as Asia/Kolkata (not a UTC offset, which misses daylight-saving changes).'],
    ['UTC+13', 'Use a place-based zone such as America/New_York (not a UTC offset, which misses daylight-saving changes).'],
    ['US/Eastern', 'Use the place-based name America/New_York.'],
    ['EST5EDT', 'Use the place-based name America/New_York.'],
    ['Etc/GMT+5', UNKNOWN_ZONE],
    ['Mars/Olympus_Mons', UNKNOWN_ZONE],
    ['Europe/Atlantis', UNKNOWN_ZONE],
    ['', UNKNOWN_ZONE],
    ['<script>', UNKNOWN_ZONE],
  ];
  for (const [input, problem] of refused) {
    it(`when the zone is ${JSON.stringify(input)}, then it is refused with: ${problem}`, () => {
      expect(checkTimeZone(input)).to.deep.equal({ problem });
    });
  }

  it('when any region/city zone the runtime lists is given, then it is accepted, and its canonical spelling is accepted as itself', () => {
    const places = Intl.supportedValuesOf('timeZone').filter((z) => /^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)\//.test(z));
    expect(places.length).to.be.above(300);
    for (const zone of places) {
      const checked = checkTimeZone(zone);
      expect(checked, zone).to.have.property('zone');
      const canonical = (checked as { zone: string }).zone;
      expect(checkTimeZone(canonical), zone).to.deep.equal({ zone: canonical });
    }
  });

  it('when a suggestion is followed, then the suggested zone is accepted', () => {
    const suggestions = ['EST', 'CST', 'MST', 'PST', 'AKST', 'HST', 'AST', 'NST', 'BRT', 'GMT', 'WET', 'CET', 'EET', 'MSK', 'WAT', 'SAST', 'EAT', 'PKT', 'IST', 'SGT', 'HKT', 'JST', 'KST', 'AWST', 'ACST', 'AEST', 'NZST', 'UTC+4', 'UTC+6', 'UTC+7', 'UTC-10', 'UTC-9', 'UTC-7', 'UTC-6', 'UTC-4', 'UTC+0', 'UTC+1', 'UTC+2', 'UTC+3', 'UTC+8', 'UTC+9', 'UTC+10', 'UTC+12', 'UTC-8']
      .map((input) => checkTimeZone(input))
      .map((checked) => /such as (\S+) \(/.exec((checked as { problem: string }).problem)?.[1]);
    for (const zone of suggestions) {
      expect(zone).to.be.a('string');
      expect(checkTimeZone(zone!), zone).to.have.property('zone');
    }
  });
});
