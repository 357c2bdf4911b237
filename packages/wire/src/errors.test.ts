import { describe, expect, it } from 'vitest';
import {
  AbortError,
  BadSignatureError,
  ClockOutOfSyncError,
  DecryptionFailedError,
  type ErrorCode,
  ForbiddenError,
  InternalError,
  InvalidInputError,
  InvalidPhraseError,
  InvalidResponseError,
  InvalidSessionIdError,
  MurmurError,
  NextNodeNotFoundError,
  NodeNotReadyError,
  NotFoundError,
  OverloadedError,
  PayloadMalformedError,
  RateLimitedError,
  RequestTimeoutError,
  raceAbort,
  SignatureRequiredError,
  StaleKeysError,
  StorageFullError,
  TooLargeError,
  TtlOutOfRangeError,
  throwIfAborted,
  UnsupportedError,
  UpstreamFailedError,
  WrongSwarmError,
} from './errors.js';

describe('error classes', () => {
  it.each<[MurmurError, string, ErrorCode, boolean, number | undefined]>([
    [new InvalidInputError('m'), 'InvalidInputError', 'INVALID_INPUT', false, 400],
    [new InvalidResponseError('m'), 'InvalidResponseError', 'INVALID_RESPONSE', true, undefined],
    [new SignatureRequiredError('m'), 'SignatureRequiredError', 'SIGNATURE_REQUIRED', false, 401],
    [new BadSignatureError('m'), 'BadSignatureError', 'BAD_SIGNATURE', false, 401],
    [new ForbiddenError('m'), 'ForbiddenError', 'FORBIDDEN', false, 403],
    [new NotFoundError('m'), 'NotFoundError', 'NOT_FOUND', false, 404],
    [new TtlOutOfRangeError('m'), 'TtlOutOfRangeError', 'TTL_OUT_OF_RANGE', false, 403],
    [new ClockOutOfSyncError('m'), 'ClockOutOfSyncError', 'CLOCK_OUT_OF_SYNC', false, 406],
    [new TooLargeError('m'), 'TooLargeError', 'TOO_LARGE', false, 413],
    [new WrongSwarmError('m', { members: [] }), 'WrongSwarmError', 'WRONG_SWARM', true, 421],
    [new RateLimitedError('m'), 'RateLimitedError', 'RATE_LIMITED', true, 429],
    [new NextNodeNotFoundError('m'), 'NextNodeNotFoundError', 'NEXT_NODE_NOT_FOUND', true, 502],
    [new NodeNotReadyError('m'), 'NodeNotReadyError', 'NODE_NOT_READY', true, 503],
    [new OverloadedError('m'), 'OverloadedError', 'OVERLOADED', true, 503],
    [new StorageFullError('m'), 'StorageFullError', 'STORAGE_FULL', true, 507],
    [new RequestTimeoutError('m'), 'RequestTimeoutError', 'REQUEST_TIMEOUT', true, 504],
    [new UpstreamFailedError('m'), 'UpstreamFailedError', 'UPSTREAM_FAILED', true, 502],
    [new UnsupportedError('m'), 'UnsupportedError', 'UNSUPPORTED', false, 400],
    [new DecryptionFailedError('m'), 'DecryptionFailedError', 'DECRYPTION_FAILED', false, 400],
    [new InvalidSessionIdError('m'), 'InvalidSessionIdError', 'INVALID_SESSION_ID', false, 400],
    [new InvalidPhraseError('m'), 'InvalidPhraseError', 'INVALID_PHRASE', false, undefined],
    [new PayloadMalformedError('m'), 'PayloadMalformedError', 'PAYLOAD_MALFORMED', false, 400],
    [new StaleKeysError('m'), 'StaleKeysError', 'STALE_KEYS', true, 400],
    [new AbortError(), 'AbortError', 'ABORTED', false, undefined],
    [new InternalError(), 'InternalError', 'INTERNAL', true, 500],
  ])('%s', (error, name, code, retryable, status) => {
    expect(error).toBeInstanceOf(MurmurError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.details).toEqual({});
    expect(MurmurError.isInstance(error)).toBe(true);
  });

  it('let the status be overridden where a condition has two (406/425, 5xx)', () => {
    expect(new ClockOutOfSyncError('m', { status: 425 }).status).toBe(425);
    expect(new UpstreamFailedError('m', { status: 500 }).status).toBe(500);
    expect(new InvalidResponseError('m', { status: 502 }).status).toBe(502);
  });

  it('keep the default status when the override is explicitly undefined', () => {
    expect(new InvalidInputError('m', { status: undefined }).status).toBe(400);
    expect(new BadSignatureError('m', { status: undefined }).status).toBe(401);
  });

  it('keep the cause and the details', () => {
    const cause = new Error('low level');
    const error = new PayloadMalformedError('bad', { cause, details: { offset: 3 } });
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ offset: 3 });
    expect(new InvalidInputError('x')).not.toHaveProperty('cause');
  });

  it('carry the wrong swarm and the missing node', () => {
    const members = [{ pubkeyEd25519: 'a', pubkeyX25519: 'b', ip: '1.2.3.4', port: 1 }];
    const wrong = new WrongSwarmError('m', { swarmId: 'ff', members });
    expect(wrong.swarmId).toBe('ff');
    expect(wrong.members).toBe(members);
    expect(new NextNodeNotFoundError('m', 'ab').nodeKey).toBe('ab');
  });
});

describe('MurmurError.isInstance', () => {
  it('recognises errors from another copy of the package by the shared marker', () => {
    const foreign = new Error('x');
    Object.defineProperty(foreign, Symbol.for('@murmur/wire/error'), { value: true });
    expect(MurmurError.isInstance(foreign)).toBe(true);
  });

  it.each([new Error('x'), { code: 'INVALID_INPUT' }, null, undefined, 'INVALID_INPUT'])(
    'refuses %s',
    (value) => {
      expect(MurmurError.isInstance(value)).toBe(false);
    },
  );
});

describe('walk', () => {
  it('returns the deepest cause, or the first match', () => {
    const root = new TypeError('root');
    const middle = new UpstreamFailedError('middle', { cause: root });
    const top = new InvalidResponseError('top', { cause: middle });
    expect(top.walk()).toBe(root);
    expect(top.walk((error) => error instanceof UpstreamFailedError)).toBe(middle);
    expect(top.walk((error) => error instanceof RangeError)).toBeUndefined();
    expect(new InvalidInputError('alone').walk()).toBeInstanceOf(InvalidInputError);
  });

  it('stops on cycles', () => {
    const a = new InvalidInputError('a');
    const b = new InvalidInputError('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(b.walk()).toBeDefined();
  });
});

describe('toJSON', () => {
  it('gives name, code, message and details only', () => {
    const error = new TooLargeError('too big', {
      cause: new Error('secret'),
      details: { size: 9 },
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'TooLargeError',
      code: 'TOO_LARGE',
      message: 'too big',
      details: { size: 9 },
    });
  });
});

describe('throwIfAborted', () => {
  it('does nothing without a signal or before it aborts', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
  });

  it('throws an AbortError carrying the reason', () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    controller.abort(reason);
    let caught: unknown;
    try {
      throwIfAborted(controller.signal);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AbortError);
    expect((caught as AbortError).cause).toBe(reason);
  });
});

describe('raceAbort', () => {
  it('passes the promise through without a signal, or when it settles first', async () => {
    const work = Promise.resolve(7);
    expect(raceAbort(work, undefined)).toBe(work);
    const controller = new AbortController();
    await expect(raceAbort(Promise.resolve(8), controller.signal)).resolves.toBe(8);
    await expect(raceAbort(Promise.reject(new Error('no')), controller.signal)).rejects.toThrow(
      'no',
    );
    // The listener went with the settled promise: aborting now rejects nothing.
    controller.abort();
  });

  it('rejects with an AbortError carrying the reason, before or while it waits', async () => {
    const reason = new Error('closing');
    const before = new AbortController();
    before.abort(reason);
    const early = await raceAbort(Promise.resolve(1), before.signal).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(AbortError);
    expect((early as AbortError).cause).toBe(reason);
    const during = new AbortController();
    const pending = raceAbort(new Promise<number>(() => {}), during.signal).catch(
      (e: unknown) => e,
    );
    during.abort(reason);
    const late = await pending;
    expect(late).toBeInstanceOf(AbortError);
    expect((late as AbortError).code).toBe('ABORTED');
    expect((late as AbortError).cause).toBe(reason);
  });
});
