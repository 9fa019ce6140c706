import { expect } from 'chai';
import { z } from 'zod';
import { displayName } from '../../src/lib/display-name.ts';

// The schema sits inside a request body in use, so it is checked the same way
// here: issues carry the field's path and a message that names it.
const body = z.strictObject({ displayName });

const accepted: Array<[string, string, string]> = [
  ['a plain first name', 'Sam', 'Sam'],
  ['a name with a space and a hyphen', 'Mary-Jo Ann', 'Mary-Jo Ann'],
  ['a name padded with spaces', '  Robin ', 'Robin'],
  ['a decomposed Zoë', 'Zoe\u0308', 'Zo\u00EB'],
  ['a Persian name with a ZWNJ between letters', '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645', '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645'],
  ['a Devanagari name with a ZWJ after a virama', '\u0915\u094D\u200D\u0937\u093F\u0924\u093F', '\u0915\u094D\u200D\u0937\u093F\u0924\u093F'],
  ['a name in Arabic script', '\u0645\u062D\u0645\u062F', '\u0645\u062D\u0645\u062F'],
  ['a chosen name of digits and letters', 'R2', 'R2'],
  ['a name with an emoji beside letters', 'Sam \u{1F33B}', 'Sam \u{1F33B}'],
  ['a name of 60 characters', 'a'.repeat(60), 'a'.repeat(60)],
];

const refused: Array<[string, string, RegExp]> = [
  ['an empty name', '', /letter or digit/],
  ['only spaces', '   ', /letter or digit/],
  ['only a zero-width space', '\u200B', /letter or digit/],
  ['only punctuation', '-.-', /letter or digit/],
  ['a right-to-left override', '\u202Eevil', /U\+202E/],
  ['a left-to-right mark', 'Sam\u200E', /U\+200E/],
  ['an Arabic letter mark', 'Sam\u061C', /U\+061C/],
  ['a first-strong isolate', '\u2068Sam', /U\+2068/],
  ['a zero-width space inside', 'S\u200Bam', /U\+200B/],
  ['a NUL', 'Sam\u0000', /U\+0000/],
  ['a newline', 'Sam\nAdmin', /U\+000A/],
  ['a lone high surrogate', 'Sam\uD800', /U\+D800/],
  ['a lone low surrogate', '\uDC00Sam', /U\+DC00/],
  ['a tag character', 'Sam\u{E0041}', /U\+E0041/],
  ['a cancel tag', 'Sam\u{E007F}', /U\+E007F/],
  ['a private-use character', 'Sam\uE000', /U\+E000/],
  ['an unassigned code point', 'Sam\u0378', /U\+0378/],
  ['a noncharacter', 'Sam\uFFFF', /U\+FFFF/],
  ['a ZWNJ at the start', '\u200CSam', /U\+200C/],
  ['a ZWJ at the end', 'Sam\u200D', /U\+200D/],
  ['a ZWJ between emoji', '\u{1F468}\u200D\u{1F469} Sam', /U\+200D/],
  ['a name of 61 characters', 'a'.repeat(61), /at most 60/],
];

describe('display names (src/lib/display-name.ts)', () => {
  for (const [what, input, stored] of accepted) {
    it(`when a display name is ${what}, then it is accepted as ${JSON.stringify(stored)}`, () => {
      const r = body.safeParse({ displayName: input });
      expect(r.success, JSON.stringify(r.error?.issues)).to.equal(true);
      expect(r.data?.displayName).to.equal(stored);
    });
  }

  for (const [what, input, message] of refused) {
    it(`when a display name has ${what}, then it is refused with a message naming the field`, () => {
      const r = body.safeParse({ displayName: input });
      expect(r.success).to.equal(false);
      const issues = r.error!.issues;
      expect(issues.map((i) => i.path.join('.'))).to.include('displayName');
      expect(issues.map((i) => i.message).join(' | ')).to.match(/^Display name /).and.to.match(message);
    });
  }
});
