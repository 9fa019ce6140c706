import type { z } from 'zod';
import { AppError, type FieldError } from '../errors.ts';

/**
 * A field the client left out is "Required", whatever its type: zod 4's default
 * ("Invalid input: expected string, received undefined") reads like a type
 * mistake. JSON has no undefined, so an undefined input is always a missing
 * field. This is a per-parse error map, not a global `z.config`, so that it
 * applies to request input only (config and internal parses keep zod's words)
 * and nothing changes at import time; a message a schema sets itself still wins.
 */
export const requestErrorMap: z.core.$ZodErrorMap = (issue) =>
  issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')
    ? 'Required'
    : undefined;

/** zod issues as `errors[]`, naming each offending path (and each unknown key) without echoing values. */
export function fieldErrors(error: { issues: readonly z.core.$ZodIssue[] }): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...base, key].join('.'), message: 'Unknown field.' });
    } else {
      out.push({ path: base.join('.'), message: issue.message });
    }
  }
  return out;
}

export function parse<S extends z.ZodType>(schema: S, value: unknown, where = 'request'): z.infer<S> {
  const result = schema.safeParse(value, { error: requestErrorMap });
  if (!result.success) {
    throw new AppError('validation', 'invalid-request', `The ${where} has invalid or unknown fields.`, {
      errors: fieldErrors(result.error),
    });
  }
  return result.data;
}
