import type { z } from 'zod';
import { AppError, type FieldError } from '../errors.ts';

/** zod issues as `errors[]`, naming each offending path (and each unknown key) without echoing values. */
export function fieldErrors(error: z.ZodError): FieldError[] {
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
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError('validation', 'invalid-request', `The ${where} has invalid or unknown fields.`, {
      errors: fieldErrors(result.error),
    });
  }
  return result.data;
}
