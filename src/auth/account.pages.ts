// The pages an account email's links open: confirm the address, choose a new
// password, confirm a new address, and the form that asks for a reset link.
// No sign-in (the signed link is the authority), no JavaScript, readable on a
// phone. A GET only shows a page (it checks the link's signature and expiry,
// and changes nothing): only the POST of its form does the work, so a link
// preview or a mail scanner fetching the link uses nothing up.

import express, { type Request, type Response, type Router } from 'express';
import { linkPageField, sendLinkPage } from '../http/link-page.ts';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import { passwordResetBody } from './auth.schemas.ts';
import * as auth from './auth.service.ts';
import { isCommonPassword } from './passwords.ts';
import { verifyAccountLink, type AccountLinkPurpose } from './tokens.ts';
import {
  ACCOUNT_PAGE_PATHS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  confirmEmailPage,
  emailChangedPage,
  emailTakenPage,
  emailVerifiedPage,
  forgotPasswordPage,
  invalidLinkPage,
  notFoundPage,
  passwordChangedPage,
  resetPasswordPage,
  resetRequestedPage,
  tooManyPage,
  unavailablePage,
  verifyEmailPage,
  type PageOpts,
  type PasswordProblem,
} from './account-pages.render.ts';

export interface AccountAuditEntry {
  actorId: string;
  subjectIds: string[];
  action: string;
  route: string;
  requestId: string;
}

export interface AccountPagesDeps {
  /** The same deps the JSON routes use (authRoutes' `d`): a reset then clears the email's failed sign-ins, and reset mails share one per-address limit. */
  auth: auth.AuthDeps;
  log: Pick<Logger, 'warn'>;
  /** POSTs per client address per 15 minutes (GETs: five times as many). */
  ipLimitPer15Min: number;
  /** Records a completed verification, reset or change of address, as the JSON routes do. */
  audit?: (entry: AccountAuditEntry) => Promise<void>;
}

const send = sendLinkPage;

const field = linkPageField;
const isString = (v: unknown): v is string => typeof v === 'string';
/** A link's token as it may arrive (its signature is checked by the service): what the JSON routes accept. */
const linkToken = (v: unknown): string | undefined => (isString(v) && v.length >= 1 && v.length <= 4096 ? v : undefined);

/** The registration rules (auth.schemas.ts `newPassword`), as a problem the form can say. */
function passwordProblem(password: unknown, repeat: unknown): PasswordProblem | undefined {
  if (!isString(password) || !isString(repeat) || password === '') return 'missing';
  if (password !== repeat) return 'mismatch';
  if (password.length < PASSWORD_MIN_LENGTH) return 'too-short';
  if (password.length > PASSWORD_MAX_LENGTH) return 'too-long';
  if (isCommonPassword(password)) return 'common';
  return undefined;
}

export function accountPages(deps: AccountPagesDeps): Router {
  const router = express.Router();
  const d = deps.auth;
  const opts: PageOpts = { crisisLine: d.crisisLine ?? '988' };
  const nowSeconds = () => Math.floor(d.clock().getTime() / 1000);

  // A link is its own authority, and the reset form takes any address: a limit per client
  // address (the memory store counts per process, like the API's limits), counted before
  // anything is parsed. GETs only show a page: more of them.
  router.use(
    '/account',
    rateLimit({
      windowMs: 15 * 60_000,
      limit: (req) => (req.method === 'POST' ? deps.ipLimitPer15Min : deps.ipLimitPer15Min * 5),
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => `${req.method === 'POST' ? 'post' : 'get'}:${ipKeyGenerator(req.ip ?? '')}`,
      handler: (_req, res) => send(res, 429, tooManyPage(opts)),
    }),
  );
  router.use('/account', express.urlencoded({ extended: false, limit: '10kb', parameterLimit: 10 }));

  /** The link's token, if it is one of `purpose`'s, signed and unexpired (a GET's check: nothing is used). */
  const signedToken = (req: Request, purpose: AccountLinkPurpose): string | undefined => {
    const token = linkToken(field(req, 'token'));
    return token !== undefined && verifyAccountLink(d.tokens, purpose, token, nowSeconds()) ? token : undefined;
  };

  /** Answers with a page; the service's refusals become their friendly pages, anything else the 503 page. */
  const page = (name: string, handle: (req: Request, res: Response) => void | Promise<void>) => async (req: Request, res: Response) => {
    try {
      await handle(req, res);
    } catch (err) {
      if (err instanceof AppError && err.slug === 'invalid-link') return send(res, 400, invalidLinkPage(opts));
      if (err instanceof AppError && err.slug === 'email-taken') return send(res, 409, emailTakenPage(opts));
      deps.log.warn({ errName: (err as Error)?.name, errKind: err instanceof AppError ? err.kind : undefined, page: name }, 'account page failed');
      send(res, 503, unavailablePage(opts));
    }
  };

  /** After the work is done: recorded as the JSON routes record it. The change is made, so a failure to record is logged, not shown. */
  const audit = async (res: Response, action: string, path: string, userId: string) => {
    if (!deps.audit) return;
    try {
      await deps.audit({ actorId: userId, subjectIds: [userId], action, route: `POST ${path}`, requestId: String(res.getHeader('X-Request-Id') ?? '') });
    } catch (err) {
      deps.log.warn({ errName: (err as Error)?.name, action, user: userId }, 'account page not audited');
    }
  };

  // ---- verify the address ----
  router.get(
    ACCOUNT_PAGE_PATHS.verifyEmail,
    page('verify-email', (req, res) => {
      const token = signedToken(req, 'verify-email');
      send(res, token === undefined ? 400 : 200, token === undefined ? invalidLinkPage(opts) : verifyEmailPage({ ...opts, token }));
    }),
  );
  router.post(
    ACCOUNT_PAGE_PATHS.verifyEmail,
    page('verify-email', async (req, res) => {
      const token = signedToken(req, 'verify-email');
      if (token === undefined) return send(res, 400, invalidLinkPage(opts));
      // Not audited: confirming one's own address is no account event (a reset, a change of address, sign-out everywhere are).
      await auth.verifyEmail(d, token);
      send(res, 200, emailVerifiedPage(opts));
    }),
  );

  // ---- choose a new password ----
  router.get(
    ACCOUNT_PAGE_PATHS.resetPassword,
    page('reset-password', (req, res) => {
      const token = signedToken(req, 'password-reset');
      send(res, token === undefined ? 400 : 200, token === undefined ? invalidLinkPage(opts) : resetPasswordPage({ ...opts, token }));
    }),
  );
  router.post(
    ACCOUNT_PAGE_PATHS.resetPassword,
    page('reset-password', async (req, res) => {
      const token = signedToken(req, 'password-reset');
      if (token === undefined) return send(res, 400, invalidLinkPage(opts));
      const password = field(req, 'password');
      const problem = passwordProblem(password, field(req, 'repeat'));
      if (problem) return send(res, 400, resetPasswordPage({ ...opts, token, problem }));
      const { userId } = await auth.confirmPasswordReset(d, { token, password: password as string });
      await audit(res, 'password-reset', ACCOUNT_PAGE_PATHS.resetPassword, userId);
      send(res, 200, passwordChangedPage(opts));
    }),
  );

  // ---- confirm a new address ----
  router.get(
    ACCOUNT_PAGE_PATHS.confirmEmail,
    page('confirm-email', (req, res) => {
      const token = signedToken(req, 'email-change');
      send(res, token === undefined ? 400 : 200, token === undefined ? invalidLinkPage(opts) : confirmEmailPage({ ...opts, token }));
    }),
  );
  router.post(
    ACCOUNT_PAGE_PATHS.confirmEmail,
    page('confirm-email', async (req, res) => {
      const token = signedToken(req, 'email-change');
      if (token === undefined) return send(res, 400, invalidLinkPage(opts));
      const { user } = await auth.confirmEmailChange(d, token);
      await audit(res, 'email-change', ACCOUNT_PAGE_PATHS.confirmEmail, user.id);
      send(res, 200, emailChangedPage(opts));
    }),
  );

  // ---- ask for a reset link: the same page for every address ----
  router.get(
    ACCOUNT_PAGE_PATHS.forgotPassword,
    page('forgot-password', (_req, res) => send(res, 200, forgotPasswordPage(opts))),
  );
  router.post(
    ACCOUNT_PAGE_PATHS.forgotPassword,
    page('forgot-password', async (req, res) => {
      const raw = field(req, 'email');
      const parsed = passwordResetBody.safeParse({ email: raw });
      if (!parsed.success) return send(res, 400, forgotPasswordPage({ ...opts, invalid: true, ...(isString(raw) ? { email: raw.slice(0, 254) } : {}) }));
      await auth.requestPasswordReset(d, parsed.data.email);
      send(res, 200, resetRequestedPage(opts));
    }),
  );

  // Anything else under /account: the friendly page, never a JSON problem.
  router.all('/account', (_req, res) => send(res, 404, notFoundPage(opts)));
  router.all('/account/{*rest}', (_req, res) => send(res, 404, notFoundPage(opts)));
  return router;
}
