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

/** A body's parse, handed to the handler whole: the value, or every error and the fields that did parse. */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[]; valid: Partial<T> };

/** The fields of `input` that pass their own schema in `object`, whatever the others hold. */
function validFields<O extends z.ZodObject>(object: O, input: unknown): Partial<z.output<O>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return {};
  const valid: Record<string, unknown> = {};
  for (const [key, field] of Object.entries<z.ZodType>(object.shape)) {
    const result = field.safeParse((input as Record<string, unknown>)[key]);
    if (result.success) valid[key] = result.data;
  }
  return valid as Partial<z.output<O>>;
}

/**
 * `object` as a body whose service has checks of its own that need data (a
 * lookup, the clock) and must report them in the same answer as the format
 * errors. Those checks are async and a route's parse is synchronous, so they
 * cannot be refinements here: instead of a 400 from the route layer, a failed
 * parse reaches the handler as `{ ok: false, errors, valid }` and the service
 * answers with both lists at once. The OpenAPI document shows `object` (see
 * openapi.ts). The failure path parses again to get the issues with their
 * messages (a catch handler sees them only through a deprecated field).
 */
export function deferErrors<O extends z.ZodObject>(object: O) {
  return object
    .transform((value): Checked<z.output<O>> => ({ ok: true, value }))
    .catch(({ value }): Checked<z.output<O>> => {
      const result = object.safeParse(value, { error: requestErrorMap });
      if (result.success) return { ok: true, value: result.data };
      return { ok: false, errors: fieldErrors(result.error), valid: validFields(object, value) };
    });
}
