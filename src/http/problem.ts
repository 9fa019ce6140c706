import type { Response } from 'express';
import type { ErrorKind, FieldError } from '../errors.ts';

// The only kind -> status table.
const statusOf: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'payload-too-large': 413,
  'rate-limited': 429,
  unavailable: 503,
};

const titleOf: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
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

export function statusForKind(kind: ErrorKind): number {
  return statusOf[kind];
}

export function sendProblem(
  res: Response,
  p: { status: number; slug: string; detail: string; instance: string; errors?: FieldError[] },
): void {
  const body: Problem = {
    type: `/problems/${p.slug}`,
    title: titleOf[p.status] ?? 'Error',
    status: p.status,
    detail: p.detail,
    instance: p.instance,
    ...(p.errors ? { errors: p.errors } : {}),
  };
  const id = res.getHeader('X-Request-Id');
  if (typeof id === 'string') body.requestId = id;
  if (p.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(p.status).type('application/problem+json').send(JSON.stringify(body));
}
