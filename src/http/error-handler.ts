import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import { sendProblem, statusForKind } from './problem.ts';

interface BodyParserError {
  type?: string;
  status?: number;
}

export function notFoundHandler(): RequestHandler {
  return (req, res) => {
    sendProblem(res, { status: 404, slug: 'route-not-found', detail: 'There is no such route.', instance: req.path });
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
    if (err instanceof AppError) {
      if (err.extra.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.extra.retryAfterSeconds));
      sendProblem(res, {
        status: statusForKind(err.kind),
        slug: err.slug,
        detail: err.detail,
        instance,
        ...(err.extra.errors ? { errors: err.extra.errors } : {}),
      });
      return;
    }
    const bp = err as BodyParserError;
    if (bp?.type === 'entity.parse.failed') {
      sendProblem(res, { status: 400, slug: 'malformed-json', detail: 'The request body is not valid JSON.', instance });
      return;
    }
    if (bp?.type === 'entity.too.large') {
      sendProblem(res, { status: 413, slug: 'payload-too-large', detail: 'The request body is larger than allowed.', instance });
      return;
    }
    // Other client errors raised by Express itself or its middleware: an
    // undecodable path parameter (400), a static asset that is not there (404).
    const status = bp?.status ?? (err as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      if (status === 404) sendProblem(res, { status: 404, slug: 'not-found', detail: 'No such resource.', instance });
      else sendProblem(res, { status: 400, slug: 'bad-request', detail: 'The request could not be read.', instance });
      return;
    }
    const name = (err as { name?: string })?.name;
    if (name === 'CastError') {
      sendProblem(res, { status: 404, slug: 'not-found', detail: 'No such resource.', instance });
      return;
    }
    if ((err as { code?: unknown })?.code === 11000) {
      sendProblem(res, { status: 409, slug: 'conflict', detail: 'This conflicts with existing data.', instance });
      return;
    }
    if (name === 'ChainConflict') {
      sendProblem(res, { status: 409, slug: 'concurrent-change', detail: 'Someone else changed this at the same moment; try again.', instance });
      return;
    }
    if (name === 'MongoServerSelectionError' || name === 'MongoNetworkError' || name === 'MongoNotConnectedError') {
      logger.error({ reqId: req.id, errName: name }, 'database unavailable');
      sendProblem(res, { status: 503, slug: 'database-unavailable', detail: 'The service is temporarily unavailable.', instance });
      return;
    }
    // Only the error's name, code and stack frames: driver and validation
    // errors carry the offending values (emails, profile fields) elsewhere.
    const e = err as { name?: string; code?: unknown; stack?: string };
    // The first line of a stack repeats the message, which may hold values: frames only.
    const frames = e?.stack?.split('\n').slice(1).join('\n');
    logger.error({ reqId: req.id, errName: e?.name, errCode: e?.code, frames }, 'unexpected error');
    sendProblem(res, { status: 500, slug: 'internal', detail: 'Something went wrong on our side. The request id identifies it.', instance });
  };
}
