// Every word the service mails, in one table: a reviewer reads all of it in one
// sitting, and a language is added as data (a new key beside 'en').
// `{name}` marks a value filled in per message; `{publicUrl}` is always available.
//
// Privacy: a subject, a sender and the first lines of a body show on lock
// screens, in notifications and in inbox previews, to whoever is near the
// phone. None of them may say what this service is about: no program, no
// "recovery", no substance. A subject is checked at render time (mentionsHealth).

import escapeHtml from 'escape-html';

export const LANGUAGES = ['en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** What each template is rendered from. */
export interface TemplateData {
  welcome: { displayName: string; crisisLine: string };
}
export type TemplateName = keyof TemplateData;

interface TemplateText {
  subject: string;
  /** Plain paragraphs; the first is what an inbox preview shows, so it stays neutral. */
  paragraphs: readonly string[];
  /** The words of the link back to the service. */
  action: string;
}

interface Layout {
  signOff: string;
  footer: string;
}

const TEMPLATES: { readonly [N in TemplateName]: Readonly<Record<Language, TemplateText>> } = {
  welcome: {
    en: {
      subject: 'Welcome',
      paragraphs: [
        'Hello {displayName}, and welcome. Your account is ready.',
        'What happens next: complete your profile, so that the people proposed to you fit what you ask for. You will then see your proposals and choose whom you would like to ask. A coordinator reviews every match before anyone is introduced.',
        'How we keep you anonymous: here people know each other by first names or display names only. Nobody sees your email address or contact details until you both agree to be introduced.',
        'If you are in crisis, call or text {crisisLine}. You do not have to wait for anyone here.',
      ],
      action: 'Complete your profile',
    },
  },
};

const LAYOUT: Readonly<Record<Language, Layout>> = {
  en: {
    signOff: 'Take care.',
    footer: 'You receive this email because an account was made with this address at {publicUrl}. If that was not you, you can ignore it.',
  },
};

export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as readonly TemplateName[];

// Words that would tell an onlooker what the service is about. Short program
// initials only as capitals, so that ordinary words are not caught.
const HEALTH_WORDS =
  /recover|sponsor|sober|sobriety|addict|alcohol|drink|drug|relapse|narcotic|cocaine|meth\b|marijuana|cannabis|heroin|opioid|anonymous|twelve.?step|12.?step|al-?anon|nar-?anon|lifering|dharma|refuge|rehab|detox|clean time|newcomer|mental health|gambl|substance|abstinen|craving|treatment|therapy|\bsmart\b|\bstep(s|work)?\b/i;
const PROGRAM_INITIALS = /\b(AA|NA|CA|CMA|MA|HA|WFS)\b/;

/** Whether the words would reveal, to anyone who glimpses them, what this service is about. */
export function mentionsHealth(words: string): boolean {
  return HEALTH_WORDS.test(words) || PROGRAM_INITIALS.test(words);
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface RenderOptions {
  publicUrl: string;
  language?: Language;
}

function fill(words: string, values: Readonly<Record<string, string>>, template: string): string {
  return words.replace(/\{([A-Za-z]+)\}/g, (_m, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`The ${template} mail needs a value for {${key}}.`);
    return value;
  });
}

/** A link we mail must lead to the web (never `javascript:` or a file). */
export function checkPublicUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('The public URL must be an http(s) address.');
  return url.href;
}

export function renderTemplate<N extends TemplateName>(name: N, data: TemplateData[N], opts: RenderOptions): RenderedMail {
  const language = opts.language ?? 'en';
  const words = TEMPLATES[name][language];
  const layout = LAYOUT[language];
  const publicUrl = checkPublicUrl(opts.publicUrl);
  const values: Record<string, string> = { ...(data as Record<string, string>), publicUrl };
  const subject = fill(words.subject, values, name);
  if (mentionsHealth(subject)) throw new Error(`The subject of the ${name} mail would reveal what the service is about.`);
  const paragraphs = [...words.paragraphs.map((p) => fill(p, values, name)), layout.signOff];
  const footer = fill(layout.footer, values, name);
  const action = fill(words.action, values, name);
  const text = [...paragraphs, `${action}: ${publicUrl}`, '--', footer].join('\n\n') + '\n';
  // Every paragraph is escaped whole after filling, so every value in it is.
  const html = [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${escapeHtml(publicUrl)}">${escapeHtml(action)}</a></p>`,
    `<hr><p><small>${escapeHtml(footer)}</small></p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}
