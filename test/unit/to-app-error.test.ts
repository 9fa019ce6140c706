import { expect } from 'chai';
import mongoose from 'mongoose';
import { AppError, methodNotAllowed, type ErrorKind } from '../../src/errors.ts';
import { ChainConflict } from '../../src/db/chain.ts';
import { toAppError } from '../../src/http/to-app-error.ts';

// Errors as their libraries raise them: body-parser and Express attach `type`
// and `status`; the driver's errors come from the driver itself.
const withFields = (e: Error, fields: Record<string, unknown>) => Object.assign(e, fields);

async function serverSelectionError(): Promise<unknown> {
  const client = new mongoose.mongo.MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100');
  try {
    await client.connect();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await client.close();
  }
}

async function bufferingTimeout(): Promise<unknown> {
  // A connection that never opens: the command waits in mongoose's buffer until it gives up.
  const conn = mongoose.createConnection();
  const Thing = conn.model('Thing', new mongoose.Schema({ name: String }, { bufferTimeoutMS: 50 }));
  try {
    await Thing.findOne({ name: 'x' });
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await conn.close();
  }
}

describe('toAppError: every failure that is not an AppError becomes one, or is left for the 500', () => {
  const cases: Array<[string, () => unknown, ErrorKind, string]> = [
    ['malformed JSON (body-parser)', () => withFields(new SyntaxError('Unexpected end of JSON input'), { type: 'entity.parse.failed', status: 400 }), 'validation', 'malformed-json'],
    ['a body over the limit (body-parser)', () => withFields(new Error('request entity too large'), { type: 'entity.too.large', status: 413 }), 'payload-too-large', 'payload-too-large'],
    ['an unsupported charset (body-parser, 415)', () => withFields(new Error('unsupported charset'), { type: 'charset.unsupported', status: 415 }), 'validation', 'bad-request'],
    ['an undecodable path (Express, 400)', () => withFields(new URIError('Failed to decode param'), { status: 400 }), 'validation', 'bad-request'],
    ['a missing static file (404 as statusCode)', () => withFields(new Error('Not Found'), { statusCode: 404 }), 'not-found', 'not-found'],
    ['a CastError', () => new mongoose.Error.CastError('ObjectId', 'nope', '_id'), 'not-found', 'not-found'],
    ['a duplicate key', () => new mongoose.mongo.MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error' }), 'conflict', 'conflict'],
    ['a lost chain race', () => new ChainConflict('version 3 of x was taken by another writer'), 'conflict', 'concurrent-change'],
    ['no server to select', serverSelectionError, 'unavailable', 'database-unavailable'],
    ['a dropped connection', () => new mongoose.mongo.MongoNetworkError('connection closed'), 'unavailable', 'database-unavailable'],
    ['a closed client', () => new mongoose.mongo.MongoNotConnectedError('Client must be connected before running operations'), 'unavailable', 'database-unavailable'],
    ['a command that timed out in mongoose’s buffer', bufferingTimeout, 'unavailable', 'database-unavailable'],
  ];
  for (const [what, make, kind, slug] of cases) {
    it(`when the error is ${what}, then an AppError of kind ${kind} (${slug})`, async () => {
      const err = await make();
      expect(err, 'the arrangement made no error').to.be.instanceOf(Error);
      const app = toAppError(err);
      expect(app).to.be.instanceOf(AppError);
      expect({ kind: app!.kind, slug: app!.slug }).to.deep.equal({ kind, slug });
    });
  }

  it('when the error is already an AppError (a wrong method included), then it is returned as it is', () => {
    const wrongMethod = methodNotAllowed(['GET', 'HEAD']);
    expect(toAppError(wrongMethod)).to.equal(wrongMethod);
    expect(wrongMethod.kind).to.equal('method-not-allowed');
    expect(wrongMethod.extra.allow).to.deep.equal(['GET', 'HEAD']);
  });

  it('when the error is unexpected, then undefined: the error handler answers 500', () => {
    for (const err of [
      new Error('boom'),
      new TypeError('x is not a function'),
      withFields(new Error('stream not readable'), { type: 'stream.not.readable', status: 500 }),
      new mongoose.Error('some other mongoose failure'),
      new mongoose.mongo.MongoServerError({ code: 2, errmsg: 'BadValue' }),
      'a string',
      null,
      undefined,
    ]) {
      expect(toAppError(err), String(err)).to.equal(undefined);
    }
  });
});
