import { expect } from 'chai';
import { z } from 'zod';
import { AppError } from '../../src/errors.ts';
import { deferErrors, parse } from '../../src/http/parse.ts';

const body = z.strictObject({
  name: z.string(),
  day: z.enum(['mon', 'tue']),
  preference: z.union([z.enum(['same', 'any']), z.array(z.string())]),
  count: z.number().int(),
  tags: z.array(z.string()),
  note: z.string({ error: 'Say something.' }),
});
const full = { name: 'a', day: 'mon', preference: 'any', count: 1, tags: [], note: 'n' };

function errorsOf(value: unknown) {
  try {
    parse(body, value, 'request body');
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return (err as AppError).extra.errors;
  }
  throw new Error('expected the parse to fail');
}

describe('parse: request validation errors', () => {
  const missing: Array<[string, keyof typeof full]> = [
    ['a string', 'name'],
    ['an enum', 'day'],
    ['a union', 'preference'],
    ['a number', 'count'],
    ['an array', 'tags'],
  ];
  for (const [kind, key] of missing) {
    it(`when ${kind} field is left out, then its error says "Required"`, () => {
      const { [key]: _left, ...rest } = full;
      expect(errorsOf(rest)).to.deep.equal([{ path: key, message: 'Required' }]);
    });
  }

  it('when a field is null, then its error names the type, not "Required"', () => {
    expect(errorsOf({ ...full, count: null })).to.deep.equal([{ path: 'count', message: 'Invalid input: expected number, received null' }]);
  });

  it('when a schema sets its own message, then a missing field keeps that message', () => {
    const { note: _left, ...rest } = full;
    expect(errorsOf(rest)).to.deep.equal([{ path: 'note', message: 'Say something.' }]);
  });

  it('when an unknown field is sent, then it is named without its value', () => {
    expect(errorsOf({ ...full, secret: 'hunter2' })).to.deep.equal([{ path: 'secret', message: 'Unknown field.' }]);
  });

  describe('deferErrors', () => {
    const deferred = deferErrors(z.strictObject({ program: z.string().min(2), zone: z.string().transform((v) => v.toUpperCase()), tags: z.array(z.string()).default([]) }));

    it('when the body is valid, then the parse succeeds with ok and the value', () => {
      expect(parse(deferred, { program: 'aa', zone: 'utc' })).to.deep.equal({ ok: true, value: { program: 'aa', zone: 'UTC', tags: [] } });
    });

    it('when some fields are bad, then the parse still succeeds and hands on every error with the fields that did parse', () => {
      expect(parse(deferred, { program: 'aa', tags: 'x', extra: 1 })).to.deep.equal({
        ok: false,
        errors: [
          { path: 'zone', message: 'Required' },
          { path: 'tags', message: 'Invalid input: expected array, received string' },
          { path: 'extra', message: 'Unknown field.' },
        ],
        valid: { program: 'aa' },
      });
    });

    it('when the body is not an object, then no field is valid', () => {
      const result = parse(deferred, ['aa']);
      expect(result.ok).to.equal(false);
      expect(result).to.have.deep.property('valid', {});
    });
  });
});
