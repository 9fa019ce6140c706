import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import { normaliseEmail } from '../lib/email.ts';
import { AppError } from '../errors.ts';

// The memory store counts per process: with several API instances, give each
// limiter a shared store (e.g. rate-limit-redis) or a sticky load balancer.
function limiter(opts: Partial<Options> & { slug: string; detail: string }): RequestHandler {
  const { slug, detail, ...rest } = opts;
  return rateLimit({
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...rest,
    handler: (req, _res, next, options) => {
      const resetTime = (req as unknown as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      // express-rate-limit's store sets resetTime from the wall clock (it takes no clock), so
      // the wait is measured on the same clock; the service's injected clock would not match it.
      const retryAfterSeconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(options.windowMs / 1000);
      next(new AppError('rate-limited', slug, detail, { retryAfterSeconds }));
    },
  });
}

const emailKey = (body: unknown): string => {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? normaliseEmail(email).slice(0, 254) : '';
};

/** More than `max` failed logins a minute for one IP, or for one email, → 429. */
export function loginLimiters(max: number): RequestHandler[] {
  const common = { windowMs: 60_000, limit: max, skipSuccessfulRequests: true };
  const detail = 'Too many failed sign-in attempts. Wait a minute and try again.';
  return [
    limiter({ ...common, slug: 'too-many-login-attempts', detail, keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? '')}` }),
    limiter({
      ...common,
      slug: 'too-many-login-attempts',
      detail,
      keyGenerator: (req) => `email:${emailKey(req.body)}`,
      skip: (req) => emailKey(req.body) === '',
    }),
  ];
}

export function registrationLimiter(perHour: number): RequestHandler {
  return limiter({
    windowMs: 3_600_000,
    limit: perHour,
    slug: 'too-many-registrations',
    detail: 'Too many accounts were created from this address. Try again later.',
    keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? '')}`,
  });
}
