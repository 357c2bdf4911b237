import { describe, expect, it } from 'vitest';
import { HARDFORK } from './constants.js';
import { bytesToBase32z, hexToBytes } from './encoding.js';
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
  type MurmurError,
  NextNodeNotFoundError,
  NodeNotReadyError,
  NotFoundError,
  OverloadedError,
  PayloadMalformedError,
  RateLimitedError,
  RequestTimeoutError,
  SignatureRequiredError,
  StorageFullError,
  TooLargeError,
  TtlOutOfRangeError,
  UnsupportedError,
  UpstreamFailedError,
  WrongSwarmError,
} from './errors.js';
import { createChecker } from './schema-check.js';
import { GetSwarmResponseSchema, toSwarmMember, toSwarmNode } from './schemas/get-swarm.js';
import {
  errorFromResponse,
  responseFromError,
  STATUS_BY_ERROR_CODE,
  statusForError,
} from './status.js';
import {
  MURMUR_SWARM_NODE,
  MURMUR_SWARM_NODE_NOW,
  NODE_A,
  NODE_B,
  NOW,
  SESSION_SWARM_NODE,
  X25519,
} from './test-support/samples.js';

describe('errorFromResponse', () => {
  it.each<[number, unknown, new (...args: never[]) => MurmurError, ErrorCode]>([
    [400, 'Invalid ciphertext', InvalidInputError, 'INVALID_INPUT'],
    [401, 'retrieve: request signature required', SignatureRequiredError, 'SIGNATURE_REQUIRED'],
    [
      401,
      'store: signature required to store to namespace 3',
      SignatureRequiredError,
      'SIGNATURE_REQUIRED',
    ],
    [401, 'retrieve signature verification failed', BadSignatureError, 'BAD_SIGNATURE'],
    [403, 'Provided expiry/TTL is not valid.', TtlOutOfRangeError, 'TTL_OUT_OF_RANGE'],
    [403, 'Forbidden: subaccount revoked', ForbiddenError, 'FORBIDDEN'],
    [404, '', NotFoundError, 'NOT_FOUND'],
    [406, 'Timestamp error: check your clock', ClockOutOfSyncError, 'CLOCK_OUT_OF_SYNC'],
    [425, '', ClockOutOfSyncError, 'CLOCK_OUT_OF_SYNC'],
    [410, 'long polling removed', UnsupportedError, 'UNSUPPORTED'],
    [413, 'too big', TooLargeError, 'TOO_LARGE'],
    [429, '', RateLimitedError, 'RATE_LIMITED'],
    [502, `Next node not found: ${NODE_A}`, NextNodeNotFoundError, 'NEXT_NODE_NOT_FOUND'],
    [502, 'Bad gateway', UpstreamFailedError, 'UPSTREAM_FAILED'],
    [503, 'Snode not ready', NodeNotReadyError, 'NODE_NOT_READY'],
    [503, `Snode not ready: ${NODE_A}`, NodeNotReadyError, 'NODE_NOT_READY'],
    [503, 'Service Unavailable', OverloadedError, 'OVERLOADED'],
    [504, 'Request time out', RequestTimeoutError, 'REQUEST_TIMEOUT'],
    [507, '', StorageFullError, 'STORAGE_FULL'],
    [500, 'Oxen Server error', UpstreamFailedError, 'UPSTREAM_FAILED'],
    [599, '', UpstreamFailedError, 'UPSTREAM_FAILED'],
    [418, '', InvalidResponseError, 'INVALID_RESPONSE'],
    [200, '{}', InvalidResponseError, 'INVALID_RESPONSE'],
    [302, '', InvalidResponseError, 'INVALID_RESPONSE'],
  ])('%i %j → %s', (status, body, type, code) => {
    const error = errorFromResponse(status, body);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject({ status });
  });

  it('keeps 425 and other 5xx statuses', () => {
    expect(errorFromResponse(425, '').status).toBe(425);
    expect(errorFromResponse(406, '').status).toBe(406);
    expect(errorFromResponse(500, '').status).toBe(500);
    expect(errorFromResponse(599, '').status).toBe(599);
  });

  it('carries the key of the node a relay could not find', () => {
    const error = errorFromResponse(502, `Next node not found: ${NODE_A.toUpperCase()}`);
    expect((error as NextNodeNotFoundError).nodeKey).toBe(NODE_A);
    expect(error.retryable).toBe(true);
    const noKey = errorFromResponse(502, 'Next node not found: nonsense');
    expect(noKey).toBeInstanceOf(NextNodeNotFoundError);
    expect((noKey as NextNodeNotFoundError).nodeKey).toBeUndefined();
  });

  it('reads the storage server\'s other 502 form, "Next node is currently unreachable: <key>"', () => {
    const error = errorFromResponse(502, `Next node is currently unreachable: ${NODE_A}`);
    expect(error).toBeInstanceOf(NextNodeNotFoundError);
    expect((error as NextNodeNotFoundError).nodeKey).toBe(NODE_A);
  });

  it('reads the 421 body as text, bytes or parsed JSON (Session and Murmur members)', () => {
    const body = {
      snodes: [SESSION_SWARM_NODE, MURMUR_SWARM_NODE],
      swarm: 'ABC',
      t: NOW,
      hf: [19, 4],
    };
    for (const form of [
      body,
      JSON.stringify(body),
      new TextEncoder().encode(JSON.stringify(body)),
    ]) {
      const error = errorFromResponse(421, form);
      expect(error).toBeInstanceOf(WrongSwarmError);
      expect(error.retryable).toBe(true);
      expect((error as WrongSwarmError).swarmId).toBe('abc');
      expect((error as WrongSwarmError).members).toEqual([
        {
          pubkeyEd25519: NODE_A,
          pubkeyX25519: X25519,
          ip: '203.0.113.7',
          port: 22_021,
        },
        {
          pubkeyEd25519: NODE_B,
          pubkeyX25519: X25519,
          ip: '127.0.0.1',
          port: 40_001,
        },
      ]);
    }
  });

  it('takes the port from the string when port_https is missing', () => {
    const { port_https: _https, port_omq: _omq, ...legacy } = MURMUR_SWARM_NODE;
    const error = errorFromResponse(421, { snodes: [legacy], swarm: '1', t: NOW, hf: [19, 4] });
    expect((error as WrongSwarmError).members).toEqual([
      { pubkeyEd25519: NODE_B, pubkeyX25519: X25519, ip: '127.0.0.1', port: 40_001 },
    ]);
  });

  it('still says "wrong swarm" when the 421 body is unusable, with no members', () => {
    for (const body of ['not json', { snodes: 'x' }, undefined]) {
      const error = errorFromResponse(421, body) as WrongSwarmError;
      expect(error).toBeInstanceOf(WrongSwarmError);
      expect(error.members).toEqual([]);
      expect(error.swarmId).toBeUndefined();
      expect(error.cause).toBeDefined();
    }
  });

  it('keeps a short preview of long bodies', () => {
    const error = errorFromResponse(400, 'x'.repeat(5_000));
    const { body } = error.details as { body: string };
    expect(body.length).toBeLessThan(210);
    expect(error.message.length).toBeLessThan(240);
  });
});

describe('the one swarm-member encoder (get_swarm entries and 421 bodies)', () => {
  it("writes Session's fields in Session's order, port as a string, no QUIC port", () => {
    const node = toSwarmNode({
      pubkeyEd25519: NODE_B,
      pubkeyX25519: X25519,
      ip: '127.0.0.1',
      port: 40_001,
    });
    // SS rpc/request_handler.cpp swarm_to_json: address, pubkey_legacy, pubkey_x25519,
    // pubkey_ed25519, port (string), port_https, [port_omq, port_quic: QUIC, not served], ip.
    expect(JSON.stringify(node)).toBe(JSON.stringify(MURMUR_SWARM_NODE_NOW));
    expect(node).not.toHaveProperty('port_omq');
    expect(node).not.toHaveProperty('port_quic');
    expect(toSwarmMember(node)).toEqual({
      pubkeyEd25519: NODE_B,
      pubkeyX25519: X25519,
      ip: '127.0.0.1',
      port: 40_001,
    });
  });

  it("z-base-32 as Session writes .snode addresses (the spec's vectors)", () => {
    expect(bytesToBase32z(hexToBytes('f0bfc7'))).toBe('6n9hq');
    expect(bytesToBase32z(hexToBytes('d47a04'))).toBe('4t7ye');
  });
});

describe('responseFromError', () => {
  it('answers a wrong swarm with Session’s 421 JSON', () => {
    const members = [
      {
        pubkeyEd25519: NODE_A,
        pubkeyX25519: X25519,
        ip: '10.0.0.1',
        port: 40_001,
      },
      { pubkeyEd25519: NODE_B, pubkeyX25519: X25519, ip: '10.0.0.2', port: 40_011 },
    ];
    const response = responseFromError(
      new WrongSwarmError('not ours', { swarmId: 'ff00', members }),
      { now: NOW },
    );
    expect(response).toEqual({
      status: 421,
      body: {
        snodes: [
          {
            address: `${bytesToBase32z(hexToBytes(NODE_A))}.snode`,
            pubkey_legacy: NODE_A,
            pubkey_x25519: X25519,
            pubkey_ed25519: NODE_A,
            port: '40001',
            port_https: 40_001,
            ip: '10.0.0.1',
          },
          {
            address: `${bytesToBase32z(hexToBytes(NODE_B))}.snode`,
            pubkey_legacy: NODE_B,
            pubkey_x25519: X25519,
            pubkey_ed25519: NODE_B,
            port: '40011',
            port_https: 40_011,
            ip: '10.0.0.2',
          },
        ],
        swarm: 'ff00',
        t: NOW,
        hf: [...HARDFORK],
      },
    });
    expect(createChecker(GetSwarmResponseSchema).check(response.body)).toBe(true);
  });

  it('omits t without a clock and reports the invalid swarm without an ID', () => {
    const response = responseFromError(new WrongSwarmError('x', { members: [] }), {
      hardfork: [20, 1],
    });
    expect(response.body).toEqual({ snodes: [], swarm: 'ffffffffffffffff', hf: [20, 1] });
  });

  it.each<[MurmurError, number, string, { method?: string }]>([
    [new NextNodeNotFoundError('gone', NODE_A), 502, `Next node not found: ${NODE_A}`, {}],
    [new NextNodeNotFoundError('gone'), 502, 'Next node not found', {}],
    [new NodeNotReadyError('still syncing the ledger'), 503, 'Snode not ready', {}],
    [
      new ClockOutOfSyncError('store: too early'),
      406,
      'Timestamp error: check your clock',
      { method: 'store' },
    ],
    [
      new ClockOutOfSyncError('retrieve timestamp too far from current time'),
      406,
      'retrieve timestamp too far from current time',
      { method: 'retrieve' },
    ],
    [new ClockOutOfSyncError('early', { status: 425 }), 425, 'early', {}],
    [new ForbiddenError('subaccount revoked'), 403, 'Forbidden: subaccount revoked', {}],
    [
      new SignatureRequiredError('retrieve: request signature required'),
      401,
      'retrieve: request signature required',
      {},
    ],
    [
      new SignatureRequiredError('store into namespace 3 must be signed'),
      401,
      'store into namespace 3 must be signed (request signature required)',
      {},
    ],
    [
      new BadSignatureError('store signature verification failed'),
      401,
      'store signature verification failed',
      {},
    ],
    [new TtlOutOfRangeError('store: TTL too long'), 403, 'store: TTL too long', {}],
    [new InvalidInputError('store: `ttl` must be ...'), 400, 'store: `ttl` must be ...', {}],
    [new TooLargeError('too big'), 413, 'too big', {}],
    [new RateLimitedError('slow down'), 429, 'slow down', {}],
    [new NotFoundError('nothing deleted'), 404, 'nothing deleted', {}],
    [new StorageFullError('full'), 507, 'full', {}],
    [new RequestTimeoutError('Request time out'), 504, 'Request time out', {}],
    [new UpstreamFailedError('bad gateway'), 502, 'bad gateway', {}],
    [new OverloadedError('busy'), 503, 'busy', {}],
    [new UnsupportedError('no cbc'), 400, 'no cbc', {}],
    [new DecryptionFailedError('Invalid ciphertext'), 400, 'Invalid ciphertext', {}],
    [new PayloadMalformedError('bencode: bad'), 400, 'bencode: bad', {}],
    [new InvalidSessionIdError('bad id'), 400, 'bad id', {}],
    [new InvalidPhraseError('bad phrase'), 400, 'bad phrase', {}],
    [new InvalidResponseError('peer sent junk'), 502, 'peer sent junk', {}],
    [new AbortError(), 503, 'The operation was aborted', {}],
    [new InternalError('database exploded at /var/lib/x'), 500, 'Internal error', {}],
  ])('%s → %i %j', (error, status, body, options) => {
    expect(responseFromError(error, options)).toEqual({ status, body });
  });

  it('never leaks what is not a Murmur error', () => {
    for (const thrown of [new Error('secret path /home/me'), 'oops', undefined, { code: 'X' }]) {
      expect(responseFromError(thrown)).toEqual({ status: 500, body: 'Internal error' });
    }
  });

  it('has a status for every error code', () => {
    expect(Object.keys(STATUS_BY_ERROR_CODE)).toHaveLength(38);
    expect(statusForError(new Error('x'))).toBe(500);
    expect(statusForError(new ClockOutOfSyncError('x', { status: 425 }))).toBe(425);
  });
});

describe('round trip: error → response → error', () => {
  const errors: MurmurError[] = [
    new InvalidInputError('bad'),
    new SignatureRequiredError('retrieve: request signature required'),
    new SignatureRequiredError('needs a signature'),
    new BadSignatureError('bad sig'),
    new ForbiddenError('revoked'),
    new NotFoundError('none'),
    new TtlOutOfRangeError('ttl'),
    new ClockOutOfSyncError('clock'),
    new ClockOutOfSyncError('clock', { status: 425 }),
    new TooLargeError('big'),
    new WrongSwarmError('wrong', {
      swarmId: '7',
      members: [{ pubkeyEd25519: NODE_A, pubkeyX25519: X25519, ip: '1.2.3.4', port: 5 }],
    }),
    new RateLimitedError('slow'),
    new NextNodeNotFoundError('gone', NODE_B),
    new NodeNotReadyError('starting'),
    new OverloadedError('busy'),
    new StorageFullError('full'),
    new RequestTimeoutError('late'),
    new UpstreamFailedError('upstream'),
  ];

  it.each(errors.map((error) => [error.code, error] as const))(
    '%s keeps its code',
    (_code, error) => {
      const { status, body } = responseFromError(error, { now: NOW });
      const back = errorFromResponse(
        status,
        typeof body === 'string' ? body : JSON.stringify(body),
      );
      expect(back.code).toBe(error.code);
      expect(back.status).toBe(error.status);
      if (error instanceof WrongSwarmError) {
        expect((back as WrongSwarmError).members).toEqual(error.members);
        expect((back as WrongSwarmError).swarmId).toBe(error.swarmId);
      }
      if (error instanceof NextNodeNotFoundError) {
        expect((back as NextNodeNotFoundError).nodeKey).toBe(error.nodeKey);
      }
    },
  );

  it('classes without a status of their own come back as their status’ class', () => {
    expect(errorFromResponse(...pair(new UnsupportedError('x'))).code).toBe('INVALID_INPUT');
    expect(errorFromResponse(...pair(new PayloadMalformedError('x'))).code).toBe('INVALID_INPUT');
    expect(errorFromResponse(...pair(new InternalError())).code).toBe('UPSTREAM_FAILED');
  });
});

function pair(error: MurmurError): [number, unknown] {
  const { status, body } = responseFromError(error);
  return [status, body];
}
