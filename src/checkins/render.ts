// The weekly check-in's email and pages, rendered from the words in texts.ts.
// Pure: no I/O, no clock, no config read.
//
// Every value is escaped where it enters the HTML. Only http(s) addresses
// become links. The pages use no script and nothing from elsewhere (helmet's
// default CSP; an inline <style> is allowed), and their forms post to the same
// origin with the signed token as a hidden `token` input: a mail scanner that
// follows a link only ever sees a page asking to confirm.

import escapeHtml from 'escape-html';
import { linkPageDocument } from '../http/link-page.ts';
import type { CrisisResources } from '../config.ts';
import { checkPublicUrl, mentionsHealth, type Language, type RenderedMail } from '../mail/templates.ts';
import { CHECK_IN_TEXTS, type CheckInTexts } from './texts.ts';

export const ANSWERS = ['well', 'struggling', 'help'] as const;
export type Answer = (typeof ANSWERS)[number];

/** Where the pages' forms post. */
export const CHECK_IN_FORM_PATHS = {
  respond: '/check-ins/respond',
  note: '/check-ins/note',
  pause: '/check-ins/pause',
  concern: '/check-ins/concern',
} as const;

/** The longest note and concern, in UTF-16 code units (what a browser's maxlength and `string.length` count). */
export const NOTE_MAX_LENGTH = 1000;
export const CONCERN_MAX_LENGTH = 2000;

export interface CheckInMailItem {
  role: 'newcomer' | 'sponsor';
  otherName: string;
  answerUrls: Record<Answer, string>;
  noteUrl: string;
  concernUrl?: string;
}
export interface CheckInMailData {
  displayName: string;
  items: CheckInMailItem[];
  pauseUrl: string;
  crisis: CrisisResources;
}

function fill(words: string, values: Readonly<Record<string, string>>): string {
  return words.replace(/\{([A-Za-z]+)\}/g, (_m, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`The check-in words need a value for {${key}}.`);
    return value;
  });
}

/** Like fill, for HTML: the words are escaped, the values are HTML already. */
function fillHtml(words: string, html: Readonly<Record<string, string>>): string {
  return words
    .split(/(\{[A-Za-z]+\})/)
    .map((part) => {
      const key = /^\{([A-Za-z]+)\}$/.exec(part)?.[1];
      if (key === undefined) return escapeHtml(part);
      const value = html[key];
      if (value === undefined) throw new Error(`The check-in words need a value for {${key}}.`);
      return value;
    })
    .join('');
}

/** Escaped whole, then its own line breaks become <br>. */
function htmlLines(words: string): string {
  return escapeHtml(words).replace(/\r\n|\r|\n/g, '<br>\n');
}

/** A link in the email; `ask`, a question said before it, stays outside the link's words. */
interface MailLink {
  ask?: string;
  words: string;
  url: string;
}

function crisisLines(crisis: CrisisResources): string[] {
  return crisis.items.map((i) => `${i.name} — ${i.how}`);
}

/**
 * One email for all of a member's matches, a section each. A member in a
 * match as the newcomer is asked how their week went; as the sponsor, how
 * sponsoring is going, with a link to raise a concern.
 */
export function renderCheckInMail(data: CheckInMailData, opts: { publicUrl: string; language?: Language }): RenderedMail {
  const language = opts.language ?? 'en';
  const t = CHECK_IN_TEXTS[language];
  const publicUrl = checkPublicUrl(opts.publicUrl);
  if (data.items.length === 0) throw new Error('A check-in mail needs at least one match.');
  const subject = t.mail.subject;
  if (mentionsHealth(subject)) throw new Error('The subject of the check-in mail would reveal what the service is about.');

  const sections = data.items.map((item): { heading: string; question: string; answers: MailLink[]; more: MailLink[] } => {
    const values = { otherName: item.otherName };
    return {
      heading: fill(t.mail.section, values),
      question: fill(t.mail.question[item.role], values),
      answers: ANSWERS.map((a) => ({ words: t.answers[a], url: checkPublicUrl(item.answerUrls[a]) })),
      more: [
        { words: fill(t.mail.note[item.role], values), url: checkPublicUrl(item.noteUrl) },
        ...(item.role === 'sponsor' && item.concernUrl !== undefined ? [{ ask: t.mail.concernAsk, words: fill(t.mail.concern, values), url: checkPublicUrl(item.concernUrl) }] : []),
      ],
    };
  });
  const greeting = fill(t.mail.greeting, { displayName: data.displayName });
  const pause: MailLink = { ask: t.mail.pauseAsk, words: t.mail.pause, url: checkPublicUrl(data.pauseUrl) };
  const crisis = crisisLines(data.crisis);
  const footer = fill(t.mail.footer, { publicUrl });

  const text = [
    greeting,
    ...sections.map((s) => [s.heading, s.question, ...[...s.answers, ...s.more].map((l) => `${l.ask ? `${l.ask} ` : ''}${l.words}: ${l.url}`)].join('\n')),
    `${pause.ask} ${pause.words}: ${pause.url}\n${t.mail.resume}`,
    [t.crisis.heading, t.crisis.intro, ...crisis, ...(data.crisis.note ? [data.crisis.note] : [])].join('\n'),
    t.mail.notTreatment,
    t.mail.signOff,
    '--',
    footer,
  ].join('\n\n') + '\n';

  const link = (l: MailLink) => `${l.ask ? `${escapeHtml(l.ask)} ` : ''}<a href="${escapeHtml(l.url)}">${escapeHtml(l.words)}</a>`;
  const html = [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${htmlLines(greeting)}</p>`,
    ...sections.map((s) =>
      [
        `<h2>${escapeHtml(s.heading)}</h2>`,
        `<p>${escapeHtml(s.question)}</p>`,
        '<ul>',
        ...s.answers.map((l) => `<li>${link(l)}</li>`),
        '</ul>',
        ...s.more.map((l) => `<p>${link(l)}</p>`),
      ].join('\n'),
    ),
    `<p>${link(pause)}<br>\n${escapeHtml(t.mail.resume)}</p>`,
    `<h2>${escapeHtml(t.crisis.heading)}</h2>`,
    `<p>${escapeHtml(t.crisis.intro)}</p>`,
    '<ul>',
    ...crisis.map((line) => `<li>${escapeHtml(line)}</li>`),
    '</ul>',
    ...(data.crisis.note ? [`<p>${htmlLines(data.crisis.note)}</p>`] : []),
    `<p>${escapeHtml(t.mail.notTreatment)}</p>`,
    `<p>${escapeHtml(t.mail.signOff)}</p>`,
    `<hr><p><small>${htmlLines(footer)}</small></p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}

// ---- pages ----

export interface PageOpts {
  language?: Language;
  crisis: CrisisResources;
}

// Large touch targets, readable on a phone; nothing loaded from elsewhere.
const STYLE = [
  'body{margin:0;font:1.125rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}',
  'main{max-width:36rem;margin:0 auto;padding:1rem}',
  'h1{font-size:1.5rem;line-height:1.25}',
  'h2{font-size:1.25rem;line-height:1.3}',
  'a{color:#1d4f91}',
  '.crisis{border:2px solid #8a1c1c;border-radius:.5rem;padding:0 1rem;margin:1.5rem 0}',
  '.crisis:first-child{margin-top:0}',
  'button{display:block;width:100%;min-height:3rem;margin:1.5rem 0;padding:.75rem 1rem;font:inherit;font-weight:600;color:#fff;background:#1d4f91;border:0;border-radius:.5rem;cursor:pointer}',
  'a:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #c77c00;outline-offset:2px}',
  'fieldset{border:0;padding:0;margin:0 0 1rem}',
  'legend,label{font-weight:600}',
  '.choice{display:flex;align-items:center;gap:.75rem;min-height:3rem}',
  '.choice input{width:1.5rem;height:1.5rem;margin:0;flex:none}',
  '.choice label{font-weight:400}',
  'textarea{display:block;width:100%;box-sizing:border-box;margin-top:.25rem;padding:.5rem;font:inherit}',
  '.hint{color:#444}',
  '.action{display:inline-block;min-height:3rem;line-height:3rem}',
].join('\n');

function texts(p: PageOpts): { language: Language; t: CheckInTexts } {
  const language = p.language ?? 'en';
  return { language, t: CHECK_IN_TEXTS[language] };
}

function htmlDocument(language: Language, title: string, main: readonly string[]): string {
  return linkPageDocument({ language, title, style: STYLE, main });
}

/** The crisis resources as a section; `first` when they open the page (then they hold its top heading). */
function crisisSection(t: CheckInTexts, crisis: CrisisResources, first: boolean): string {
  const h = first ? 'h1' : 'h2';
  return [
    '<section class="crisis" aria-labelledby="crisis-heading">',
    `<${h} id="crisis-heading">${escapeHtml(t.crisis.heading)}</${h}>`,
    `<p>${escapeHtml(t.crisis.intro)}</p>`,
    '<ul>',
    ...crisis.items.map((i) => `<li><strong>${escapeHtml(i.name)}</strong> — ${escapeHtml(i.how)}</li>`),
    '</ul>',
    ...(crisis.note ? [`<p>${htmlLines(crisis.note)}</p>`] : []),
    '</section>',
  ].join('\n');
}

function heading(words: string, level: 1 | 2): string {
  return `<h${level}>${escapeHtml(words)}</h${level}>`;
}

function para(words: string, attrs = ''): string {
  return `<p${attrs}>${escapeHtml(words)}</p>`;
}

function form(path: string, token: string, fields: readonly string[], button: string): string {
  return [
    `<form method="post" action="${path}">`,
    `<input type="hidden" name="token" value="${escapeHtml(token)}">`,
    ...fields,
    `<button type="submit">${escapeHtml(button)}</button>`,
    '</form>',
  ].join('\n');
}

/** A link on a page: a path on this service, or an http(s) address; anything else (javascript:, data:) is refused. */
function checkPageLink(url: string): string {
  const resolved = new URL(url, 'https://this-service.invalid/');
  if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:') throw new Error('A link on a check-in page must be a path or an http(s) address.');
  return url;
}

/**
 * GET /check-ins/respond: asks to confirm `answer` with one button (POST
 * /check-ins/respond, hidden `token`). For 'help' the crisis
 * resources come first, before anything else in <main>. `previous`: the answer
 * already recorded for this check-in, if any; the page says that sending changes it.
 */
export function confirmAnswerPage(p: PageOpts & { token: string; answer: Answer; previous?: Answer; otherName: string; role: 'newcomer' | 'sponsor' }): string {
  const { language, t } = texts(p);
  const w = t.pages.confirm;
  const help = p.answer === 'help';
  const values = { otherName: p.otherName, answer: t.answers[p.answer] };
  const main = [
    ...(help ? [crisisSection(t, p.crisis, true)] : []),
    heading(w.heading, help ? 2 : 1),
    para(fill(w.context, values)),
    para(fill(w.question[p.role], values)),
    `<p>${fillHtml(w.yourAnswer, { answer: `<strong>${escapeHtml(values.answer)}</strong>` })}</p>`,
    ...(p.previous !== undefined && p.previous !== p.answer ? [para(fill(w.previous, { ...values, previous: t.answers[p.previous] }))] : []),
    ...(help ? [para(w.helpTold)] : []),
    para(w.nothingYet, ' class="hint"'),
    // The token says which answer: the form carries nothing else.
    form(CHECK_IN_FORM_PATHS.respond, p.token, [], w.button),
    ...(help ? [] : [crisisSection(t, p.crisis, false)]),
  ];
  return htmlDocument(language, w.title, main);
}

/**
 * After POST /check-ins/respond: thanks; for 'help' the crisis resources first,
 * then that a coordinator has been told and will reach out. `changedFrom`: the
 * answer this one replaced. Links to the note page (`noteUrl`, a path).
 */
export function answerRecordedPage(p: PageOpts & { answer: Answer; changedFrom?: Answer; noteUrl: string }): string {
  const { language, t } = texts(p);
  const w = t.pages.recorded;
  const help = p.answer === 'help';
  const noteUrl = checkPageLink(p.noteUrl);
  const main = [
    ...(help ? [crisisSection(t, p.crisis, true)] : []),
    heading(w.heading, help ? 2 : 1),
    para(w.said[p.answer]),
    ...(p.changedFrom !== undefined && p.changedFrom !== p.answer ? [para(fill(w.changed, { previous: t.answers[p.changedFrom], answer: t.answers[p.answer] }))] : []),
    para(w.noteInvite),
    `<p><a class="action" href="${escapeHtml(noteUrl)}">${escapeHtml(w.noteLink)}</a></p>`,
    ...(help ? [] : [crisisSection(t, p.crisis, false)]),
  ];
  return htmlDocument(language, w.title, main);
}

/**
 * GET /check-ins/note: a form (POST /check-ins/note) with an optional `answer`
 * (radio, `current` preselected), a `note` (textarea, at most NOTE_MAX_LENGTH)
 * and, for a newcomer, a `share` checkbox (value "yes", unticked by default).
 */
export function notePage(p: PageOpts & { token: string; role: 'newcomer' | 'sponsor'; current?: Answer; otherName: string }): string {
  const { language, t } = texts(p);
  const w = t.pages.note;
  const values = { otherName: p.otherName, max: String(NOTE_MAX_LENGTH) };
  const fields = [
    '<fieldset>',
    `<legend>${escapeHtml(w.answerLegend)}</legend>`,
    ...ANSWERS.map(
      (a) =>
        `<div class="choice"><input type="radio" id="answer-${a}" name="answer" value="${a}"${a === p.current ? ' checked' : ''}><label for="answer-${a}">${escapeHtml(t.answers[a])}</label></div>`,
    ),
    para(w.helpHint, ' class="hint"'),
    '</fieldset>',
    `<label for="note">${escapeHtml(fill(w.noteLabel, values))}</label>`,
    `<textarea id="note" name="note" rows="6" maxlength="${NOTE_MAX_LENGTH}"></textarea>`,
    ...(p.role === 'newcomer'
      ? [
          `<div class="choice"><input type="checkbox" id="share" name="share" value="yes" aria-describedby="share-hint"><label for="share">${escapeHtml(w.share)}</label></div>`,
          para(fill(w.shareHint, values), ' class="hint" id="share-hint"'),
        ]
      : []),
  ];
  const main = [heading(w.heading, 1), para(fill(w.context, values)), form(CHECK_IN_FORM_PATHS.note, p.token, fields, w.button), crisisSection(t, p.crisis, false)];
  return htmlDocument(language, w.title, main);
}

export function noteRecordedPage(p: PageOpts & { shared: boolean }): string {
  const { language, t } = texts(p);
  const w = t.pages.noteRecorded;
  const main = [heading(w.heading, 1), para(w.saved), para(p.shared ? w.shared : w.notShared), crisisSection(t, p.crisis, false)];
  return htmlDocument(language, w.title, main);
}

/** GET /check-ins/pause: confirm pausing ALL check-ins (POST /check-ins/pause). */
export function pauseConfirmPage(p: PageOpts & { token: string }): string {
  const { language, t } = texts(p);
  const w = t.pages.pause;
  const main = [heading(w.heading, 1), para(w.what), form(CHECK_IN_FORM_PATHS.pause, p.token, [], w.button), crisisSection(t, p.crisis, false)];
  return htmlDocument(language, w.title, main);
}

/** After pausing: paused for every match, and how to turn check-ins back on (the settings in the service). */
export function pausedPage(p: PageOpts): string {
  const { language, t } = texts(p);
  const w = t.pages.paused;
  const main = [heading(w.heading, 1), para(w.what), para(w.resume), crisisSection(t, p.crisis, false)];
  return htmlDocument(language, w.title, main);
}

/** GET /check-ins/concern (sponsors): a required `text` (at most CONCERN_MAX_LENGTH), POST /check-ins/concern; the other member is not told. */
export function concernPage(p: PageOpts & { token: string; otherName: string }): string {
  const { language, t } = texts(p);
  const w = t.pages.concern;
  const values = { otherName: p.otherName, max: String(CONCERN_MAX_LENGTH) };
  const fields = [
    `<label for="text">${escapeHtml(fill(w.label, values))}</label>`,
    `<textarea id="text" name="text" rows="8" maxlength="${CONCERN_MAX_LENGTH}" required></textarea>`,
  ];
  const main = [heading(w.heading, 1), para(fill(w.intro, values)), para(fill(w.notTold, values)), form(CHECK_IN_FORM_PATHS.concern, p.token, fields, w.button), crisisSection(t, p.crisis, false)];
  return htmlDocument(language, w.title, main);
}

export function concernRecordedPage(p: PageOpts): string {
  const { language, t } = texts(p);
  const w = t.pages.concernRecorded;
  return htmlDocument(language, w.title, [heading(w.heading, 1), para(w.what), crisisSection(t, p.crisis, false)]);
}

/**
 * A link that is invalid, expired, tampered with or someone else's: never why
 * beyond "expired or not valid". The crisis resources come right after the
 * first sentence: whoever clicked may have meant "I need help now".
 */
export function invalidLinkPage(p: PageOpts): string {
  const { language, t } = texts(p);
  const w = t.pages.invalid;
  return htmlDocument(language, w.title, [heading(w.heading, 1), para(w.nothingRecorded), crisisSection(t, p.crisis, false), para(w.whatToDo)]);
}

/** The service could not answer (e.g. the database is away): try again later; the crisis resources near the top, as on invalidLinkPage. */
export function unavailablePage(p: PageOpts): string {
  const { language, t } = texts(p);
  const w = t.pages.unavailable;
  return htmlDocument(language, w.title, [heading(w.heading, 1), para(w.what), crisisSection(t, p.crisis, false), para(w.whatToDo)]);
}

/** A form posted with something wrong: says what, and how to go back (no script, so the browser's Back button). */
export function badFormPage(p: PageOpts & { problem: 'note-too-long' | 'concern-empty' | 'concern-too-long' | 'answer-unknown' }): string {
  const { language, t } = texts(p);
  const w = t.pages.badForm;
  const max = String(p.problem === 'note-too-long' ? NOTE_MAX_LENGTH : CONCERN_MAX_LENGTH);
  const answers = ANSWERS.map((a) => t.answers[a]).join(', ');
  const main = [heading(w.heading, 1), para(fill(w.problems[p.problem], { max, answers })), para(w.nothingSaved), para(w.back), crisisSection(t, p.crisis, false)];
  return htmlDocument(language, w.title, main);
}
