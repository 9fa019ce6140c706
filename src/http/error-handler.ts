import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import { sendProblem } from './problem.ts';
import { toAppError } from './to-app-error.ts';

export function notFoundHandler(): RequestHandler {
  return (_req, _res, next) => {
    next(new AppError('not-found', 'route-not-found', 'There is no such route.'));
  };
}

// One place turns every failure into problem+json. Driver messages, stacks and
// request contents never reach the client; the log gets the request id and the
// error, never the body.
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const instance = req.path;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const e = err as { name?: string; code?: unknown; stack?: string } | null | undefined;
    const known = toAppError(err);
    if (known) {
      if (known.kind === 'unavailable') {
        const cause = (known.cause ?? err) as { name?: string } | undefined;
        logger.error({ reqId: req.id, errName: cause?.name }, 'database unavailable');
      }
      if (known.extra.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(known.extra.retryAfterSeconds));
      if (known.extra.allow) res.setHeader('Allow', known.extra.allow.join(', '));
      sendProblem(res, {
        kind: known.kind,
        slug: known.slug,
        detail: known.detail,
        instance,
        ...(known.extra.errors ? { errors: known.extra.errors } : {}),
        ...(known.extra.members ? { members: known.extra.members } : {}),
      });
      return;
    }
    // Only the error's name, code and stack frames: driver and validation
    // errors carry the offending values (emails, profile fields) elsewhere.
    // The first line of a stack repeats the message, which may hold values: frames only.
    const frames = e?.stack?.split('\n').slice(1).join('\n');
    logger.error({ reqId: req.id, errName: e?.name, errCode: e?.code, frames }, 'unexpected error');
    sendProblem(res, { kind: 'internal', slug: 'internal', detail: 'Something went wrong on our side. The request id identifies it.', instance });
  };
}
