import {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  InvalidInputError,
  MurmurError,
  utf8Encode,
} from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { SIGNED_REQUEST_METHODS } from './request-signing.js';
import { BACKENDS } from './test-support/backends.js';
import {
  hex,
  IDENTITIES,
  MESSAGE_HASH_VECTORS,
  SIGNED_REQUEST_VECTORS,
} from './test-support/fixtures.js';
import type { Identity, MurmurCrypto, SignedRequestMethod, SignedRequestParams } from './types.js';

const TIMESTAMP = 1767225600000;
const HASH = MESSAGE_HASH_VECTORS[0].hash;
const TOKEN = `05030000${IDENTITIES.bob.ed25519PublicKey}`;

function fieldOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return (error.details as { field?: unknown }).field;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe.each(BACKENDS)('storage RPC signatures on the %s backend', (backend) => {
  let crypto: MurmurCrypto;
  let alice: Identity;
  beforeAll(async () => {
    crypto = await loadCrypto({ backend });
    alice = crypto.identityFromSeed(hex(IDENTITIES.alice.seed));
  });

  it('has a vector for every method', () => {
    expect(new Set(SIGNED_REQUEST_VECTORS.map((vector) => vector.method))).toEqual(
      new Set(SIGNED_REQUEST_METHODS),
    );
  });

  it.each(SIGNED_REQUEST_VECTORS.map((vector, index) => [index, vector.method, vector] as const))(
    'vector %i (%s): exact bytes and signature',
    (_index, method, vector) => {
      const bytes = crypto.signedRequestBytes(method, vector.params);
      expect(bytesToHex(bytes)).toBe(vector.messageHex);
      const message = crypto.signedRequestMessage(method, vector.params);
      expect(message).toHaveLength(bytes.length);
      if (vector.message !== undefined) expect(message).toBe(vector.message);
      expect(crypto.signRequest(method, vector.params, alice.ed25519.secretKey)).toBe(
        vector.signature,
      );
      expect(
        crypto.verifyRequest(method, vector.params, vector.signature, alice.ed25519.publicKey),
      ).toBe(true);
    },
  );

  it('rejects any single flipped bit of a request signature (property)', () => {
    const vector = SIGNED_REQUEST_VECTORS[0];
    if (vector === undefined) throw new Error('no vectors');
    const signature = base64ToBytes(vector.signature);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 511 }), (bit) => {
        const tampered = signature.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(
          crypto.verifyRequest(
            vector.method,
            vector.params,
            bytesToBase64(tampered),
            alice.ed25519.publicKey,
          ),
        ).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a signature over other params, by another key, or that is not 64 bytes of base64', () => {
    const params = { timestamp: TIMESTAMP };
    const signature = crypto.signRequest('retrieve', params, alice.ed25519.secretKey);
    expect(
      crypto.verifyRequest(
        'retrieve',
        { timestamp: TIMESTAMP + 1 },
        signature,
        alice.ed25519.publicKey,
      ),
    ).toBe(false);
    expect(
      crypto.verifyRequest(
        'retrieve',
        { namespace: 2, timestamp: TIMESTAMP },
        signature,
        alice.ed25519.publicKey,
      ),
    ).toBe(false);
    expect(crypto.verifyRequest('delete_all', params, signature, alice.ed25519.publicKey)).toBe(
      false,
    );
    expect(
      crypto.verifyRequest('retrieve', params, signature, hex(IDENTITIES.bob.ed25519PublicKey)),
    ).toBe(false);
    for (const bad of [
      '',
      'not base64!',
      signature.slice(0, 40),
      `${signature}AAAA`,
      42 as unknown as string,
    ]) {
      expect(crypto.verifyRequest('retrieve', params, bad, alice.ed25519.publicKey)).toBe(false);
    }
    expect(
      crypto.verifyRequest(
        'retrieve',
        params,
        signature.replace(/=+$/, ''),
        alice.ed25519.publicKey,
      ),
    ).toBe(true);
    expect(() => crypto.verifyRequest('retrieve', params, signature, new Uint8Array(31))).toThrow(
      InvalidInputError,
    );
  });

  it('uses an empty NS for namespace 0, given or not, and base 10 otherwise', () => {
    expect(crypto.signedRequestMessage('retrieve', { namespace: 0, timestamp: TIMESTAMP })).toBe(
      `retrieve${TIMESTAMP}`,
    );
    expect(
      crypto.signedRequestMessage('retrieve', { namespace: -32768, timestamp: TIMESTAMP }),
    ).toBe(`retrieve-32768${TIMESTAMP}`);
    expect(crypto.signedRequestMessage('delete_before', { namespace: 'all', before: 5 })).toBe(
      'delete_beforeall5',
    );
    expect(crypto.signedRequestMessage('expire_all', { namespace: 'all', expiry: 5 })).toBe(
      'expire_allall5',
    );
  });

  it('signs store with sig_timestamp, else timestamp, and reads stringified integers', () => {
    expect(crypto.signedRequestMessage('store', { timestamp: TIMESTAMP, sig_timestamp: 7 })).toBe(
      'store7',
    );
    expect(crypto.signedRequestMessage('store', { timestamp: `${TIMESTAMP}` })).toBe(
      `store${TIMESTAMP}`,
    );
    expect(
      crypto.signedRequestMessage('get_expiries', { timestamp: '0042', messages: ['a'] }),
    ).toBe('get_expiries42a');
  });

  it('signs expire in each mode, with one expiry or one per message', () => {
    const messages = [HASH, 'second'];
    expect(crypto.signedRequestMessage('expire', { messages, expiry: 9, shorten: true })).toBe(
      `expireshorten9${HASH}second`,
    );
    expect(
      crypto.signedRequestMessage('expire', { messages, expiry: 9, extend: true, shorten: false }),
    ).toBe(`expireextend9${HASH}second`);
    expect(crypto.signedRequestMessage('expire', { messages, expiry: [9, 10] })).toBe(
      `expire910${HASH}second`,
    );
  });

  it('takes subaccount tokens as bytes, hex or base64, alone or in a list', () => {
    const bytes = hex(TOKEN);
    const expected = crypto.signedRequestBytes('revoke_subaccount', {
      timestamp: 1,
      revoke: TOKEN,
    });
    expect(crypto.signedRequestBytes('revoke_subaccount', { timestamp: 1, revoke: bytes })).toEqual(
      expected,
    );
    expect(
      crypto.signedRequestBytes('revoke_subaccount', {
        timestamp: 1,
        revoke: bytesToBase64(bytes),
      }),
    ).toEqual(expected);
    expect(
      crypto.signedRequestBytes('revoke_subaccount', { timestamp: 1, revoke: [bytes] }),
    ).toEqual(expected);
    expect(bytesToHex(expected)).toBe(`${bytesToHex(utf8Encode('revoke_subaccount1'))}${TOKEN}`);
  });

  const missing: [SignedRequestMethod, SignedRequestParams, string][] = [
    ['store', {}, 'timestamp'],
    ['retrieve', { namespace: 2 }, 'timestamp'],
    ['delete', {}, 'messages'],
    ['delete', { messages: [] }, 'messages'],
    ['delete_all', { namespace: 'all' }, 'timestamp'],
    ['delete_before', { timestamp: 1 }, 'before'],
    ['expire', { expiry: 1 }, 'messages'],
    ['expire', { messages: [HASH] }, 'expiry'],
    ['expire_all', { timestamp: 1 }, 'expiry'],
    ['get_expiries', { messages: [HASH] }, 'timestamp'],
    ['get_expiries', { timestamp: 1 }, 'messages'],
    ['revoke_subaccount', { timestamp: 1 }, 'revoke'],
    ['unrevoke_subaccount', { revoke: TOKEN, timestamp: 1 }, 'unrevoke'],
    ['unrevoke_subaccount', { unrevoke: TOKEN }, 'timestamp'],
  ];
  it.each(missing)('%s without a required field names it (%j → %s)', (method, params, field) => {
    expect(fieldOf(() => crypto.signedRequestMessage(method, params))).toBe(field);
  });

  const malformed: [string, SignedRequestMethod, SignedRequestParams, string][] = [
    ['namespace "all" for store', 'store', { namespace: 'all', timestamp: 1 }, 'namespace'],
    ['namespace "all" for retrieve', 'retrieve', { namespace: 'all', timestamp: 1 }, 'namespace'],
    ['an out-of-range namespace', 'delete_all', { namespace: 32768, timestamp: 1 }, 'namespace'],
    ['a fractional namespace', 'retrieve', { namespace: 1.5, timestamp: 1 }, 'namespace'],
    ['a negative timestamp', 'retrieve', { timestamp: -1 }, 'timestamp'],
    ['a non-numeric timestamp', 'retrieve', { timestamp: '12a' }, 'timestamp'],
    [
      'shorten and extend',
      'expire',
      { messages: [HASH], expiry: 1, shorten: true, extend: true },
      'shorten',
    ],
    [
      'an expiry list of the wrong length',
      'expire',
      { messages: [HASH], expiry: [1, 2] },
      'expiry',
    ],
    ['a hash that is not printable ASCII', 'delete', { messages: ['a b'] }, 'messages[0]'],
    ['a short token', 'revoke_subaccount', { timestamp: 1, revoke: '0503' }, 'revoke'],
    [
      'a bad token in a list',
      'unrevoke_subaccount',
      { timestamp: 1, unrevoke: [TOKEN, new Uint8Array(35)] },
      'unrevoke[1]',
    ],
  ];
  it.each(malformed)('refuses %s', (_what, method, params, field) => {
    expect(fieldOf(() => crypto.signedRequestMessage(method, params))).toBe(field);
  });

  it('refuses unknown methods and a missing params object', () => {
    expect(() => crypto.signedRequestMessage('info' as SignedRequestMethod, {})).toThrow(
      InvalidInputError,
    );
    expect(() =>
      crypto.signedRequestMessage('store', undefined as unknown as SignedRequestParams),
    ).toThrow(InvalidInputError);
    expect(() => crypto.signRequest('store', { timestamp: 1 }, new Uint8Array(32))).toThrow(
      InvalidInputError,
    );
  });

  describe('messageHash', () => {
    it.each(MESSAGE_HASH_VECTORS.map((vector) => [vector.namespace, vector.hash] as const))(
      'namespace %i: "hello" for Alice',
      (namespace, hash) => {
        const computed = crypto.messageHash(
          IDENTITIES.alice.sessionId,
          namespace,
          utf8Encode('hello'),
        );
        expect(computed).toBe(hash);
        expect(computed).toHaveLength(43);
      },
    );

    it('is BLAKE2b-256 of prefix ‖ key ‖ NS ‖ data, unpadded base64 (property)', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 33, maxLength: 33 }),
          fc.integer({ min: -32768, max: 32767 }),
          fc.uint8Array({ maxLength: 500 }),
          (pubkey, namespace, data) => {
            const ns = namespace === 0 ? new Uint8Array(0) : utf8Encode(String(namespace));
            const expected = bytesToBase64(
              crypto.blake2b(new Uint8Array([...pubkey, ...ns, ...data])),
              { padded: false },
            );
            expect(crypto.messageHash(bytesToHex(pubkey), namespace, data)).toBe(expected);
          },
        ),
        { numRuns: 100 },
      );
    });

    it('refuses a malformed pubkey, namespace or data', () => {
      for (const run of [
        () => crypto.messageHash(IDENTITIES.alice.sessionId.slice(2), 0, new Uint8Array(0)),
        () => crypto.messageHash('zz'.repeat(33), 0, new Uint8Array(0)),
        () => crypto.messageHash(IDENTITIES.alice.sessionId, 40000, new Uint8Array(0)),
        () => crypto.messageHash(IDENTITIES.alice.sessionId, 0, 'data' as unknown as Uint8Array),
      ]) {
        expect(run).toThrow(MurmurError);
      }
    });
  });
});
