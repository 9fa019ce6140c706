export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'payload-too-large'
  | 'rate-limited'
  | 'unavailable';

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly kind: ErrorKind,
    readonly slug: string,
    readonly detail: string,
    readonly extra: {
      errors?: FieldError[];
      retryAfterSeconds?: number;
      allow?: readonly string[];
      cause?: unknown;
      /** Extension members of the problem (RFC 9457 §3.2): what the client needs to act, e.g. the current state and the actions allowed from it. Never personal data. */
      members?: Readonly<Record<string, unknown>>;
    } = {},
  ) {
    // The cause (a driver error) is kept for the log, never shown to the client.
    super(detail, extra.cause === undefined ? undefined : { cause: extra.cause });
  }
}

export const notFound = (what: string) => new AppError('not-found', `${what}-not-found`, `No such ${what.replace(/-/g, ' ')}.`);
export const forbidden = (detail = 'You are not allowed to do this.') => new AppError('forbidden', 'forbidden', detail);
export const methodNotAllowed = (allow: readonly string[]) =>
  new AppError('method-not-allowed', 'method-not-allowed', `This route answers only ${allow.join(', ')}.`, { allow });
