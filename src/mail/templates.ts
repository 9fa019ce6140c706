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
// `displayName` is always the recipient's own name.
export interface TemplateData {
  welcome: { displayName: string; crisisLine: string };
  'match-asked': { displayName: string };
  'match-sponsor-accepted': { displayName: string };
  'match-chosen': { displayName: string };
  'match-expired': { displayName: string };
  /** `contact`: a ready-made block, one item a line, of what the other person chose to share (or a sentence saying they shared nothing yet). */
  'match-introduction': { displayName: string; otherName: string; contact: string; crisisLine: string };
  'match-closed': { displayName: string };
  'match-withdrawn-newcomer': { displayName: string };
  'match-withdrawn-sponsor': { displayName: string };
  'match-flagged': { displayName: string };
  'concern-raised': { displayName: string };
  'match-ongoing-asked': { displayName: string };
  'checkin-alert': { displayName: string };
  /** `link`: the single-use verification link (a URL under the public URL). */
  'verify-email': { displayName: string; link: string; crisisLine: string };
  'password-reset': { displayName: string; link: string };
  /** To the new address. */
  'email-change-confirm': { displayName: string; link: string };
  /** To the old address: `resetLink` is where a password reset starts. */
  'email-change-notice': { displayName: string; resetLink: string };
  'password-changed': { displayName: string; resetLink: string };
  /** To the account that uses an address someone asked to move their account to (`displayName`: that account's, the reader's). */
  'email-change-in-use': { displayName: string; resetLink: string };
}
export type TemplateName = keyof TemplateData;

/**
 * Who reads each mail. A coordinator's mail names no member and no health matter
 * anywhere (they read the details in the service); a member's mail never gives a
 * reason for a match ending.
 */
export type Audience = 'member' | 'coordinator';
export const TEMPLATE_AUDIENCE: { readonly [N in TemplateName]: Audience } = {
  welcome: 'member',
  'match-asked': 'member',
  'match-sponsor-accepted': 'member',
  'match-chosen': 'coordinator',
  'match-expired': 'coordinator',
  'match-introduction': 'member',
  'match-closed': 'member',
  'match-withdrawn-newcomer': 'member',
  'match-withdrawn-sponsor': 'member',
  'match-flagged': 'coordinator',
  'concern-raised': 'coordinator',
  'match-ongoing-asked': 'member',
  'checkin-alert': 'coordinator',
  'verify-email': 'member',
  'password-reset': 'member',
  'email-change-confirm': 'member',
  'email-change-notice': 'member',
  'password-changed': 'member',
  'email-change-in-use': 'member',
};

interface TemplateText {
  subject: string;
  /** Plain paragraphs; the first is what an inbox preview shows, so it stays neutral. */
  paragraphs: readonly string[];
  /** The words of the link back to the service. */
  action: string;
  /** Where that link leads (a value that must be under the public URL); the public URL itself when absent. */
  link?: string;
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
  // To a sponsor.
  'match-asked': {
    en: {
      subject: 'Someone would like to connect',
      paragraphs: [
        'Hello {displayName}. Someone would like to connect with you.',
        'A member has asked whether you would be their sponsor. Please read their card in the service and accept or decline within the next few days.',
        'Saying no is always all right: your time and your limits come first.',
      ],
      action: 'Read their card',
    },
  },
  // To the newcomer.
  'match-sponsor-accepted': {
    en: {
      subject: 'Good news',
      paragraphs: [
        'Hello {displayName}, good news: the person proposed to you has said yes.',
        'Please confirm in the service, and you and your new sponsor will be introduced by email.',
        'Only then are contact details shared, and only what each of you chose to share.',
      ],
      action: 'Confirm',
    },
  },
  // To a coordinator: no member, no detail.
  'match-chosen': {
    en: {
      subject: 'Something needs your review',
      paragraphs: [
        'Hello {displayName}. A member chose someone from their proposals, and a match is waiting for your review.',
        'You will find it in your review queue in the service.',
      ],
      action: 'Open the review queue',
    },
  },
  'match-expired': {
    en: {
      subject: 'An update',
      paragraphs: [
        'Hello {displayName}. A proposed match was not answered in time and has expired.',
        'The request is open again. You will find it in the service, if you can help find someone else.',
      ],
      action: 'See the open requests',
    },
  },
  // To each member once the match is active.
  'match-introduction': {
    en: {
      subject: 'Time to meet',
      paragraphs: [
        'Hello {displayName}. You and {otherName} have both said yes, so it is time to meet.',
        'What {otherName} chose to share with you:\n{contact}',
        'For a first conversation, a short call or a coffee somewhere public is plenty. Say what you hope for, listen, and agree how and how often you will be in touch. There is no need to get everything right the first time.',
        'Please keep what {otherName} shared between the two of you. Either of you can end the match in the service at any time, without having to explain.',
        'A sponsor shares their own experience; peer support is not treatment. If you are in crisis, call or text {crisisLine}. You do not have to wait for anyone.',
      ],
      action: 'Open the service',
    },
  },
  // To the other member, whoever ended it: never a reason.
  'match-closed': {
    en: {
      subject: 'An update',
      paragraphs: [
        'Hello {displayName}, we have an update for you.',
        'This match has ended. You can ask for a new sponsor at any time.',
        'There is nothing you need to do. If you would like to talk, a coordinator is there for you in the service.',
      ],
      action: 'Open the service',
    },
  },
  // To the newcomer: no reason, no blame.
  'match-withdrawn-newcomer': {
    en: {
      subject: 'An update',
      paragraphs: [
        'Hello {displayName}, we have an update for you.',
        'The match that was being arranged for you cannot go ahead.',
        'Your request is open again, so you do not need to ask twice, and a coordinator will help you find someone.',
      ],
      action: 'Open the service',
    },
  },
  // To the sponsor, after their recovery date changed.
  'match-withdrawn-sponsor': {
    en: {
      subject: 'A note for you',
      paragraphs: [
        'Hello {displayName}, a short note for you.',
        'Your recovery date has changed, so the introductions that had not been made yet were withdrawn. That is all it means: there is no judgement in it, and nothing you need to explain to anyone.',
        'You are welcome here, just as before. Looking after yourself comes first.',
        'If you would like to talk, a coordinator is there for you; you can reach them in the service.',
      ],
      action: 'Open the service',
    },
  },
  'match-flagged': {
    en: {
      subject: 'Something needs your review',
      paragraphs: [
        'Hello {displayName}. A match needs a conversation.',
        'Please read the details in the service; they are kept there, not in email.',
      ],
      action: 'Read the details',
    },
  },
  'concern-raised': {
    en: {
      subject: 'A concern needs attention',
      paragraphs: [
        'Hello {displayName}. A concern about a match needs your attention.',
        'To keep everyone private, the details are only in the service.',
      ],
      action: 'Read the details',
    },
  },
  // To the other member.
  'match-ongoing-asked': {
    en: {
      subject: 'A question for you',
      paragraphs: [
        'Hello {displayName}. The person you have been meeting would like to carry on together.',
        'They would like to continue as an ongoing match. If you would like that too, you can say yes in the service. There is no hurry.',
      ],
      action: 'Answer in the service',
    },
  },
  // To a coordinator, after a "need help now" answer or missed check-ins: no member, no detail.
  'checkin-alert': {
    en: {
      subject: 'Someone may need your support',
      paragraphs: [
        'Hello {displayName}. Someone in a program you look after may need support after a check-in.',
        'Please open your alerts in the service soon, today if you can. To keep everyone private, the details are only there.',
      ],
      action: 'Open your alerts',
    },
  },
  // Sent at sign-up, and again on request: the only email an unconfirmed address receives.
  'verify-email': {
    en: {
      subject: 'Please confirm your email address',
      paragraphs: [
        'Hello {displayName}, and welcome. Please confirm that this email address is yours.',
        'Open the link below within 48 hours. It works once. Until you confirm, you can complete your profile and read your proposals, but no introduction can be made for you.',
        'If you did not sign up, you can ignore this email: nothing will be sent to this address again unless someone confirms it.',
        'If you are in crisis, call or text {crisisLine}. You do not have to wait for anyone here.',
      ],
      action: 'Confirm my email address',
      link: '{link}',
    },
  },
  'password-reset': {
    en: {
      subject: 'Your password reset link',
      paragraphs: [
        'Hello {displayName}. Someone, we hope you, asked to reset the password of your account.',
        'Open the link below within 30 minutes to choose a new password. It works once. Choosing a new password signs you out everywhere else.',
        'If you did not ask for this, you can ignore this email: your password stays as it is.',
      ],
      action: 'Choose a new password',
      link: '{link}',
    },
  },
  'email-change-confirm': {
    en: {
      subject: 'Please confirm your new email address',
      paragraphs: [
        'Hello {displayName}. You asked to use this email address for your account.',
        'Open the link below within 24 hours to confirm it. It works once. Until you do, your account keeps its current address.',
        'If you did not ask for this, you can ignore this email.',
      ],
      action: 'Confirm this address',
      link: '{link}',
    },
  },
  'email-change-notice': {
    en: {
      subject: 'A change to your account',
      paragraphs: [
        'Hello {displayName}. Someone asked to move your account to another email address. The change happens only when it is confirmed from that address.',
        'If this was you, there is nothing more to do here.',
        'If it was not you, please reset your password now: a reset ends every session and cancels the change.',
      ],
      action: 'Reset my password',
      link: '{resetLink}',
    },
  },
  'password-changed': {
    en: {
      subject: 'A change to your account',
      paragraphs: [
        'Hello {displayName}. The password of your account was just changed, and every other session was signed out.',
        'If this was you, there is nothing more to do.',
        'If it was not you, please reset your password now with the link below.',
      ],
      action: 'Reset my password',
      link: '{resetLink}',
    },
  },
  'email-change-in-use': {
    en: {
      subject: 'About your email address',
      paragraphs: [
        'Hello {displayName}. Someone asked to use this email address for another account. Your account already uses it, so nothing has changed.',
        'If this was you, you are already signed up with this address: sign in, or reset your password with the link below. If it was not you, you can ignore this email.',
      ],
      action: 'Reset the password',
      link: '{resetLink}',
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

/** A mailed link leads only to the service itself. */
function linkUnder(publicUrl: string, link: string, template: string): string {
  const url = new URL(link);
  if (url.origin !== new URL(publicUrl).origin) throw new Error(`The link of the ${template} mail must lead to the public URL.`);
  return url.href;
}

/**
 * A paragraph as HTML: escaped whole after filling, so every value in it is; only
 * then are its line breaks (a multi-line contact block) turned into `<br>`.
 */
function htmlLines(paragraph: string): string {
  return escapeHtml(paragraph).replace(/\r\n|\r|\n/g, '<br>\n');
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
  const href = words.link ? linkUnder(publicUrl, fill(words.link, values, name), name) : publicUrl;
  const text = [...paragraphs, `${action}: ${href}`, '--', footer].join('\n\n') + '\n';
  const html = [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    ...paragraphs.map((p) => `<p>${htmlLines(p)}</p>`),
    `<p><a href="${escapeHtml(href)}">${escapeHtml(action)}</a></p>`,
    `<hr><p><small>${htmlLines(footer)}</small></p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}
