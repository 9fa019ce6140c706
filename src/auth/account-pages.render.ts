// The pages an account email's links open (verify, reset, confirm a new
// address) and the form that asks for a reset link. Pure: no I/O, no clock.
//
// Every word and value is escaped where it enters the HTML. No script and
// nothing loaded from elsewhere (helmet's default CSP allows the inline
// <style>); forms post to the same origin, the link's token in a hidden field,
// so a mail scanner that follows a link only ever sees a page asking to confirm.

import escapeHtml from 'escape-html';
import { linkPageDocument } from '../http/link-page.ts';

/** Where the pages live and their forms post. */
export const ACCOUNT_PAGE_PATHS = {
  verifyEmail: '/account/verify-email',
  resetPassword: '/account/reset-password',
  confirmEmail: '/account/confirm-email',
  forgotPassword: '/account/forgot-password',
} as const;

/** The registration rules for a password (auth.schemas.ts), in UTF-16 code units like zod's and a browser's. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
export const EMAIL_MAX_LENGTH = 254;

export interface PageOpts {
  /** Said at the foot of every page (the crisis line of the service's config). */
  crisisLine: string;
}

export type PasswordProblem = 'mismatch' | 'too-short' | 'too-long' | 'common' | 'missing';

const PASSWORD_PROBLEMS: Record<PasswordProblem, string> = {
  missing: 'Type your new password in both boxes.',
  mismatch: 'The two passwords are not the same. Type the new password again in both boxes.',
  'too-short': `Your new password is too short: use at least ${PASSWORD_MIN_LENGTH} characters.`,
  'too-long': `Your new password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`,
  common: 'This password is one of the most common ones, easy to guess. Choose another.',
};

// Large touch targets, readable on a phone.
const STYLE = [
  'body{margin:0;font:1.125rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}',
  'main{max-width:36rem;margin:0 auto;padding:1rem}',
  'h1{font-size:1.5rem;line-height:1.25}',
  'a{color:#1d4f91}',
  'label{display:block;font-weight:600;margin-top:1rem}',
  'input[type=password],input[type=email]{display:block;width:100%;box-sizing:border-box;min-height:3rem;margin-top:.25rem;padding:.5rem;font:inherit;border:1px solid #767676;border-radius:.25rem}',
  'button{display:block;width:100%;min-height:3rem;margin:1.5rem 0;padding:.75rem 1rem;font:inherit;font-weight:600;color:#fff;background:#1d4f91;border:0;border-radius:.5rem;cursor:pointer}',
  'a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #c77c00;outline-offset:2px}',
  '.problem{border-left:4px solid #8a1c1c;padding-left:.75rem;color:#8a1c1c;font-weight:600}',
  '.hint{color:#444}',
  'footer{margin-top:2rem;border-top:1px solid #ddd;padding-top:.5rem;color:#444;font-size:1rem}',
].join('\n');

function htmlDocument(p: PageOpts, title: string, main: readonly string[]): string {
  const footer = `<footer><p>${escapeHtml(`If you are in crisis, call or text ${p.crisisLine}. You do not have to wait for anyone here.`)}</p></footer>`;
  return linkPageDocument({ language: 'en', title, style: STYLE, main, footer });
}

const heading = (words: string) => `<h1>${escapeHtml(words)}</h1>`;
const para = (words: string, attrs = '') => `<p${attrs}>${escapeHtml(words)}</p>`;
const problem = (words: string) => `<p class="problem" role="alert" id="problem">${escapeHtml(words)}</p>`;

function form(path: string, token: string | undefined, fields: readonly string[], button: string): string {
  return [
    `<form method="post" action="${escapeHtml(path)}">`,
    ...(token === undefined ? [] : [`<input type="hidden" name="token" value="${escapeHtml(token)}">`]),
    ...fields,
    `<button type="submit">${escapeHtml(button)}</button>`,
    '</form>',
  ].join('\n');
}

// ---- verify the address (after registering) ----

/** GET /account/verify-email: one button (POST, hidden `token`). */
export function verifyEmailPage(p: PageOpts & { token: string }): string {
  return htmlDocument(p, 'Confirm your email address', [
    heading('Confirm your email address'),
    para('Press the button to confirm that this email address is yours.'),
    form(ACCOUNT_PAGE_PATHS.verifyEmail, p.token, [], 'Confirm my email address'),
  ]);
}

export function emailVerifiedPage(p: PageOpts): string {
  return htmlDocument(p, 'Your address is confirmed', [heading('Your address is confirmed'), para('Thank you. You can close this page and go back to the app.')]);
}

// ---- reset the password ----

/** GET /account/reset-password, and the same form again with `problem` when a POST was not right (the token kept, never the passwords). */
export function resetPasswordPage(p: PageOpts & { token: string; problem?: PasswordProblem }): string {
  const describedBy = p.problem ? 'problem password-hint' : 'password-hint';
  const input = (id: string) =>
    `<input type="password" id="${id}" name="${id}" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" maxlength="${PASSWORD_MAX_LENGTH}" required aria-describedby="${describedBy}"${p.problem ? ' aria-invalid="true"' : ''}>`;
  const fields = [
    `<label for="password">${escapeHtml('New password')}</label>`,
    input('password'),
    para(`At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a strong password that is easy to remember.`, ' class="hint" id="password-hint"'),
    `<label for="repeat">${escapeHtml('The same password again')}</label>`,
    input('repeat'),
  ];
  return htmlDocument(p, 'Choose a new password', [
    heading('Choose a new password'),
    ...(p.problem ? [problem(PASSWORD_PROBLEMS[p.problem])] : []),
    para('After this, every device signed in to your account is signed out, and you sign in with the new password.'),
    form(ACCOUNT_PAGE_PATHS.resetPassword, p.token, fields, 'Change my password'),
  ]);
}

export function passwordChangedPage(p: PageOpts): string {
  return htmlDocument(p, 'Your password is changed', [
    heading('Your password is changed'),
    para('You can sign in with your new password. Every device that was signed in to your account has been signed out.'),
  ]);
}

// ---- confirm a new address ----

/** GET /account/confirm-email: one button (POST, hidden `token`). */
export function confirmEmailPage(p: PageOpts & { token: string }): string {
  return htmlDocument(p, 'Confirm your new email address', [
    heading('Confirm your new email address'),
    para('Press the button to use this email address for your account. Until you do, your account keeps its current address.'),
    form(ACCOUNT_PAGE_PATHS.confirmEmail, p.token, [], 'Use this address for my account'),
  ]);
}

export function emailChangedPage(p: PageOpts): string {
  return htmlDocument(p, 'Your new address is confirmed', [
    heading('Your new address is confirmed'),
    para('Your account now uses this email address: sign in with it from now on.'),
  ]);
}

/** 409: another account claimed the address first. */
export function emailTakenPage(p: PageOpts): string {
  return htmlDocument(p, 'This address is already in use', [
    heading('This address is already in use'),
    para('Another account uses this email address, so it cannot be moved to yours. Your account keeps its current address.'),
  ]);
}

// ---- ask for a reset link ----

/** GET /account/forgot-password, and again with `invalid` (the typed address kept) when it is not an address. */
export function forgotPasswordPage(p: PageOpts & { email?: string; invalid?: boolean }): string {
  const fields = [
    `<label for="email">${escapeHtml('Email address')}</label>`,
    `<input type="email" id="email" name="email" autocomplete="email" maxlength="${EMAIL_MAX_LENGTH}" required${p.email ? ` value="${escapeHtml(p.email)}"` : ''}${p.invalid ? ' aria-invalid="true" aria-describedby="problem"' : ''}>`,
  ];
  return htmlDocument(p, 'Forgot your password?', [
    heading('Forgot your password?'),
    ...(p.invalid ? [problem('This is not an email address. Check it and try again.')] : []),
    para('Give the email address of your account, and we will send it a link to choose a new password.'),
    form(ACCOUNT_PAGE_PATHS.forgotPassword, undefined, fields, 'Send me a link'),
  ]);
}

/** The same page for every address: whether an account uses it is never told (the address is not repeated either). */
export function resetRequestedPage(p: PageOpts): string {
  return htmlDocument(p, 'Check your email', [
    heading('Check your email'),
    para('If an account uses this address, a link to choose a new password is on its way. It works once, for 30 minutes.'),
    para('Nothing came? Look in your spam folder, or ask again in a few minutes.', ' class="hint"'),
  ]);
}

// ---- when it does not work ----

/** 400: a link expired, used, replaced, tampered with or cut short; never which. */
export function invalidLinkPage(p: PageOpts): string {
  return htmlDocument(p, 'This link does not work', [
    heading('This link does not work'),
    para('It may have expired, been used already, or been replaced by a newer one. Nothing was changed.'),
    `<p><a href="${ACCOUNT_PAGE_PATHS.forgotPassword}">${escapeHtml('Ask for a new link to choose a password')}</a></p>`,
    para('For a new link to confirm your address, sign in to the app and ask for one there.'),
  ]);
}

/** 404: an address under /account that is no page. */
export function notFoundPage(p: PageOpts): string {
  return htmlDocument(p, 'No such page', [heading('No such page'), para('Check the link in your email: it may have been cut short.')]);
}

/** 429: too many requests from the client's network. */
export function tooManyPage(p: PageOpts): string {
  return htmlDocument(p, 'Too many tries', [heading('Too many tries'), para('Too many requests came from your network. Wait a few minutes and try again.')]);
}

/** 503: the service could not answer (the database is away). */
export function unavailablePage(p: PageOpts): string {
  return htmlDocument(p, 'Please try again later', [
    heading('Please try again later'),
    para('We could not finish this just now. Wait a few minutes and try again. If the link stops working, you can ask for a new one.'),
  ]);
}
