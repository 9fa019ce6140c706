import { z } from 'zod';

// A display name is shown to other members as the only name they know someone
// by, so it must be visible and read the same way everywhere: no name made of
// nothing ("\u200B"), none that reverses what follows it ("\u202Eevil"), none
// that hides text in invisible characters. The joiners ZWNJ and ZWJ stay
// allowed between letters, where Persian and Indic names need them.

const MAX_LENGTH = 60;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

// Controls, lone surrogates, private use, unassigned and noncharacters, every
// invisible format character (bidi controls and isolates, zero-width space,
// tag characters…) and line or paragraph separators. The bidi controls and the
// tag block are also listed by code point, so that they stay refused whatever
// Unicode version the runtime knows.
const REFUSED = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Cf}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u{E0000}-\u{E007F}]/gu;

// A joiner after a letter (and the marks on it, such as a virama) and before a letter.
const JOINER_BETWEEN_LETTERS = /(?<=\p{L}\p{M}*)[\u200C\u200D](?=\p{L})/uy;

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function firstRefusedCharacter(name: string): { ch: string; isJoiner: boolean } | undefined {
  for (const m of name.matchAll(REFUSED)) {
    const ch = m[0];
    const isJoiner = ch === '\u200C' || ch === '\u200D';
    if (isJoiner) {
      JOINER_BETWEEN_LETTERS.lastIndex = m.index;
      if (JOINER_BETWEEN_LETTERS.test(name)) continue;
    }
    return { ch, isJoiner };
  }
  return undefined;
}

/** A first or chosen name: NFC, trimmed, visible, with no character that hides or reorders text. */
export const displayName = z
  .string()
  .normalize('NFC')
  .trim()
  .max(MAX_LENGTH, `Display name must be at most ${MAX_LENGTH} characters.`)
  .superRefine((name, ctx) => {
    if (!LETTER_OR_DIGIT.test(name)) {
      ctx.addIssue({ code: 'custom', message: 'Display name must contain at least one letter or digit.' });
    }
    const refused = firstRefusedCharacter(name);
    if (refused?.isJoiner) {
      ctx.addIssue({ code: 'custom', message: `Display name may contain ${codePoint(refused.ch)} (a zero-width joiner) only between letters.` });
    } else if (refused) {
      ctx.addIssue({
        code: 'custom',
        message: `Display name must not contain control, invisible or direction-changing characters (found ${codePoint(refused.ch)}).`,
      });
    }
  })
  .describe('A first name or chosen name; shown to possible matches.');
