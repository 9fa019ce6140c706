import type { Response } from 'express';
import type { ErrorKind, FieldError } from '../errors.ts';

/** An error kind, or `internal`: the failure nobody expected (500). */
export type ProblemKind = ErrorKind | 'internal';

// The only kind -> status table, and the only place that knows status numbers.
const statusOf: Record<ProblemKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'payload-too-large': 413,
  'rate-limited': 429,
  internal: 500,
  unavailable: 503,
};

const titleOf: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
  requestId?: string;
}

export function statusForKind(kind: ProblemKind): number {
  return statusOf[kind];
}

/**
 * What a status set by Express or its middleware (body-parser, send) means
 * here: a client error (4xx) is `not-found` when it is a 404 and `validation`
 * (a request we could not read) otherwise; anything else is not a client error.
 */
export function kindOfClientStatus(status: unknown): 'not-found' | 'validation' | undefined {
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return status === statusOf['not-found'] ? 'not-found' : 'validation';
}

export function sendProblem(
  res: Response,
  p: { kind: ProblemKind; slug: string; detail: string; instance: string; errors?: FieldError[]; members?: Readonly<Record<string, unknown>> },
): void {
  const status = statusOf[p.kind];
  const body: Problem = {
    // Extension members first: the standard ones below cannot be overridden by them (a member must not
    // be named like one: `type`, `title`, `status`, `detail`, `instance`, `errors`, `requestId`).
    ...p.members,
    type: `/problems/${p.slug}`,
    title: titleOf[status] ?? 'Error',
    status,
    detail: p.detail,
    instance: p.instance,
    ...(p.errors ? { errors: p.errors } : {}),
  };
  const id = res.getHeader('X-Request-Id');
  if (typeof id === 'string') body.requestId = id;
  if (p.kind === 'unauthenticated') res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}
