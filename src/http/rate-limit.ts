import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Options, type RateLimitRequestHandler } from 'express-rate-limit';
import { normaliseEmail } from '../lib/email.ts';
import { AppError } from '../errors.ts';

// The memory store counts per process: with several API instances, give each
// limiter a shared store (e.g. rate-limit-redis) or a sticky load balancer.
function limiter(opts: Partial<Options> & { slug: string; detail: string; extensions?: Record<string, unknown> }): RateLimitRequestHandler {
  const { slug, detail, extensions, ...rest } = opts;
  return rateLimit({
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...rest,
    handler: (req, _res, next, options) => {
      const resetTime = (req as unknown as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      // express-rate-limit's store sets resetTime from the wall clock (it takes no clock), so
      // the wait is measured on the same clock; the service's injected clock would not match it.
      const retryAfterSeconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(options.windowMs / 1000);
      next(new AppError('rate-limited', slug, detail, { retryAfterSeconds, ...(extensions ? { members: extensions } : {}) }));
    },
  });
}

const emailKey = (body: unknown): string => {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? normaliseEmail(email).slice(0, 254) : '';
};

const ipKey = (req: { ip?: string | undefined }) => `ip:${ipKeyGenerator(req.ip ?? '')}`;

/** Where the owner of a limited email goes instead of waiting: a reset link works at once and clears the failures. */
export const PASSWORD_RESET_PATH = '/api/v1/auth/password-reset';

export interface LoginLimiters {
  handlers: RequestHandler[];
  /** Forgets an email's failed sign-ins (a completed password reset: the owner proved they hold the address). */
  clearEmail(email: string): Promise<void>;
}

/**
 * More than `max` failed logins a minute for one IP, or for one email, → 429.
 * The email's limit cannot lock its owner out: its 429 says that a password
 * reset works at once, and a completed reset clears the email's failures.
 */
export function loginLimiters(max: number, opts: { passwordIsRight?(email: string, password: string): Promise<boolean> } = {}): LoginLimiters {
  const common = { windowMs: 60_000, limit: max, skipSuccessfulRequests: true };
  // Emails whose owner completed a reset lately (until when, on the limiter's wall clock): for a quarter of an
  // hour the right password passes their limit, so an attacker who goes on guessing cannot lock them out again.
  const proven = new Map<string, number>();
  const PROVEN_MS = 15 * 60_000;
  const byEmail = limiter({
    ...common,
    slug: 'too-many-login-attempts',
    detail:
      'Too many failed sign-in attempts for this email address. Wait a minute and try again, or reset your password: a reset link works at once, and using it lets you sign in again straight away.',
    extensions: { passwordReset: PASSWORD_RESET_PATH },
    keyGenerator: (req) => `email:${emailKey(req.body)}`,
    skip: async (req) => {
      const email = emailKey(req.body);
      if (email === '') return true;
      const until = proven.get(email);
      if (until === undefined) return false;
      if (until <= Date.now()) {
        proven.delete(email);
        return false;
      }
      const password = (req.body as { password?: unknown }).password;
      return typeof password === 'string' && (await (opts.passwordIsRight?.(email, password) ?? Promise.resolve(false)));
    },
  });
  return {
    handlers: [
      limiter({ ...common, slug: 'too-many-login-attempts', detail: 'Too many failed sign-in attempts from this address. Wait a minute and try again.', keyGenerator: ipKey }),
      byEmail,
    ],
    clearEmail: (email) => {
      const key = normaliseEmail(email).slice(0, 254);
      byEmail.resetKey(`email:${key}`); // the memory store forgets at once
      proven.set(key, Date.now() + PROVEN_MS);
      return Promise.resolve();
    },
  };
}

/** Requests per client IP to one account route (verification, reset, changes). */
export function accountIpLimiter(perFifteenMinutes: number): RequestHandler {
  return limiter({
    windowMs: 15 * 60_000,
    limit: perFifteenMinutes,
    slug: 'too-many-requests',
    detail: 'Too many requests from this address. Wait a few minutes and try again.',
    keyGenerator: ipKey,
  });
}

/**
 * Requests per signed-in account (after authentication): `limit` in `windowMs`;
 * with `failuresOnly`, only 401 answers count (a wrong current password).
 */
export function accountLimiter(opts: { windowMs: number; limit: number; failuresOnly?: boolean; detail: string }): RequestHandler {
  return limiter({
    windowMs: opts.windowMs,
    limit: opts.limit,
    skipSuccessfulRequests: opts.failuresOnly ?? false,
    // A failure is a wrong password (401): a new password refused by the rules (400) is not a guess.
    ...(opts.failuresOnly ? { requestWasSuccessful: (_req: unknown, res: { statusCode: number }) => res.statusCode !== 401 } : {}),
    slug: 'too-many-requests',
    detail: opts.detail,
    keyGenerator: (_req, res) => `account:${String((res.locals.actor as { id?: string } | undefined)?.id ?? '')}`,
  });
}

/**
 * A count kept without answering 429: for a route that must answer the same
 * whatever happens (a password reset), the caller silently does less past it.
 */
export interface QuietLimit {
  /** True while `key` is within the limit (and counts this use). */
  take(key: string): Promise<boolean>;
}

export function quietLimit(windowMs: number, limit: number): QuietLimit {
  const store = new MemoryStore();
  store.init({ windowMs } as Options);
  return {
    async take(key) {
      const { totalHits } = await store.increment(key);
      return totalHits <= limit;
    },
  };
}

export function registrationLimiter(perHour: number): RequestHandler {
  return limiter({
    windowMs: 3_600_000,
    limit: perHour,
    slug: 'too-many-registrations',
    detail: 'Too many accounts were created from this address. Try again later.',
    keyGenerator: ipKey,
  });
}
