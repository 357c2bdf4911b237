import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidResponseError, MurmurError, NotFoundError } from './errors.js';
import { jsonErrorAnswer } from './json-errors.js';

describe('jsonErrorAnswer', () => {
  it('answers a schema validation failure 400 INVALID_INPUT', () => {
    const error = Object.assign(new Error('body/x must be string'), { validation: [{}] });
    expect(jsonErrorAnswer(error)).toEqual({
      status: 400,
      code: 'INVALID_INPUT',
      message: 'body/x must be string',
      log: undefined,
    });
  });

  it("keeps a Murmur error's code and status, or the status given for its code", () => {
    expect(jsonErrorAnswer(new NotFoundError('no account x'))).toEqual({
      status: 404,
      code: 'NOT_FOUND',
      message: 'no account x',
      log: undefined,
    });
    expect(jsonErrorAnswer(new InvalidInputError('bad', { status: 422 }))).toMatchObject({
      status: 422,
      code: 'INVALID_INPUT',
    });
    // No status of its own: the app's table, else 500 (logged as a warning).
    const stale = new MurmurError('STALE_KEYS', 'keys changed', { retryable: false });
    expect(jsonErrorAnswer(stale, { statusByCode: { STALE_KEYS: 409 } })).toMatchObject({
      status: 409,
      code: 'STALE_KEYS',
      log: undefined,
    });
    expect(jsonErrorAnswer(new InvalidResponseError('odd answer'))).toEqual({
      status: 500,
      code: 'INVALID_RESPONSE',
      message: 'odd answer',
      log: 'warn',
    });
  });

  it("answers the framework's own 4xx errors as the caller's, a body over the limit TOO_LARGE", () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(jsonErrorAnswer(tooLarge)).toMatchObject({ status: 413, code: 'TOO_LARGE' });
    const badJson = Object.assign(new Error('Unexpected token'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    expect(jsonErrorAnswer(badJson)).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
  });

  it('answers anything else 500 INTERNAL without its message, to be logged as an error', () => {
    expect(jsonErrorAnswer(new TypeError('secret detail'))).toEqual({
      status: 500,
      code: 'INTERNAL',
      message: 'internal error',
      log: 'error',
    });
    expect(
      jsonErrorAnswer('thrown text', { internalMessage: 'internal error (see the log)' }),
    ).toMatchObject({ status: 500, message: 'internal error (see the log)' });
  });
});
