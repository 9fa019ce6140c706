import { expect } from 'chai';
import {
  durationText,
  experienceName,
  experiencesText,
  hoursText,
  isFromTable,
  minimumText,
  ruleText,
  text,
  TEXTS,
  type TextKey,
} from '../../src/matching/texts.ts';
import { RULES } from '../../src/matching/types.ts';

// The one table of texts (issue 9, honest explanations): the words themselves.

describe('texts: the one table', () => {
  it('when every hard rule is looked up, then each has its own sentence from the table', () => {
    for (const rule of RULES) {
      const said = ruleText(rule);
      expect(said, rule).to.be.a('string').and.not.equal('');
      expect(isFromTable(said), rule).to.equal(true);
    }
    expect(new Set(RULES.map((r) => ruleText(r))).size).to.equal(RULES.length);
  });

  it('when the gender rule fails, then it names the newcomer’s preference only when they stated one, else the program’s rule', () => {
    expect(ruleText('gender-rule', { genderPreferenceStated: true })).to.equal('Outside the newcomer’s sponsor gender preference');
    expect(ruleText('gender-rule', { genderPreferenceStated: false })).to.equal('The program pairs people of the same gender');
  });

  it('when a template is filled, then every placeholder is replaced, and a missing value stays visible', () => {
    expect(text('program.same', { program: 'Narcotics Anonymous' })).to.equal('Both in Narcotics Anonymous');
    expect(text('program.same')).to.equal('Both in {program}');
  });

  it('when a sentence is a filled template, then it is from the table; when it is not, then it is not', () => {
    expect(isFromTable(text('availability.hours', { amount: hoursText(180) }))).to.equal(true);
    expect(isFromTable('Both in Narcotics Anonymous')).to.equal(true);
    expect(isFromTable('3.3 h a week in common')).to.equal(false);
    expect(isFromTable('Leaving this newcomer unmatched gave a higher total score')).to.equal(false);
    // The small words are parts of sentences, never sentences of their own.
    expect(isFromTable('3 and 4')).to.equal(false);
  });

  it('when the table is read, then no sentence shames or blames (relapse, failure, clean)', () => {
    for (const [key, sentence] of Object.entries(TEXTS) as Array<[TextKey, string]>) {
      expect(sentence, key).not.to.match(/relapse|failed|failure|\bclean\b|addict\b|only \d|lost/i);
    }
  });

  const hours: Array<[number, string]> = [
    [5, 'less than 15 minutes'],
    [15, 'about 15 minutes'],
    [30, 'about 30 minutes'],
    [40, 'about 45 minutes'],
    [60, 'about an hour'],
    [70, 'about an hour'],
    [90, 'about an hour and a half'],
    [120, 'about 2 hours'],
    [150, 'about two and a half hours'],
    [179, 'about two and a half hours'],
    [180, 'about 3 hours'],
    [200, 'about 3 hours'],
    [210, 'about 4 hours'],
    [600, 'about 10 hours'],
  ];
  for (const [minutes, said] of hours) {
    it(`when ${minutes} minutes a week are in common, then it reads '${said}' (never '${(minutes / 60).toFixed(1)} h')`, () => {
      expect(hoursText(minutes)).to.equal(said);
    });
  }

  it('when the overlap is under 3 hours, then it never reads "3 hours" (full points start at 3 hours)', () => {
    for (let m = 1; m < 180; m++) expect(hoursText(m)).not.to.equal('about 3 hours');
  });

  const durations: Array<[number, number, string]> = [
    [1, 0, '1 day'],
    [59, 1, '59 days'],
    [200, 6, '6 months'],
    [365, 12, '1 year'],
    [366, 11, '11 months'],
    [400, 13, '1 year and 1 month'],
    [700, 22, '1 year and 10 months'],
    [730, 24, '2 years'],
    [2190, 71, '5 years'],
  ];
  for (const [days, months, said] of durations) {
    it(`when the time is ${days} days and ${months} calendar months, then it reads '${said}'`, () => {
      expect(durationText(days, months)).to.equal(said);
    });
  }

  it('when a program minimum is whole years, then it reads in years; otherwise in days', () => {
    expect(minimumText(365)).to.equal('1 year');
    expect(minimumText(730)).to.equal('2 years');
    expect(minimumText(180)).to.equal('180 days');
  });

  const experiences: Array<[string, string]> = [
    ['co-occurring-mental-health', 'co-occurring mental health'],
    ['lgbtq', 'LGBTQ+'],
    ['parent', 'being a parent'],
    ['chronic-pain', 'chronic pain'],
    ['partner-of-someone-in-addiction', 'partner of someone in addiction'],
    ['a-new-one', 'a new one'],
  ];
  for (const [key, name] of experiences) {
    it(`when the experience is '${key}', then it reads '${name}'`, () => {
      expect(experienceName(key)).to.equal(name);
    });
  }

  it('when several experiences are shared, then they read as a list of display names', () => {
    expect(experiencesText(['co-occurring-mental-health', 'lgbtq', 'opioids'])).to.equal('co-occurring mental health, LGBTQ+ and opioids');
  });
});
