/**
 * Account keys: the bundle codec and its XEd25519 signature, the replay rule on `t`, and the
 * rotation jitter, on both backends.
 */
import { encodeBencode } from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_BUNDLE_MAX_AGE_SECONDS,
  ACCOUNT_KEY_RETENTION_SECONDS,
  ACCOUNT_KEYS_NAMESPACE,
  accountKeyRotationTime,
} from './account-keys.js';
import { BACKENDS, loadBoth } from './test-support/backends.js';
import { hex, IDENTITIES, sequence } from './test-support/fixtures.js';
import {
  ACCOUNT_KEYS_VECTOR,
  BUNDLE_VECTOR,
  ROTATION_VECTOR,
  V2_CREATED,
  V2_INPUTS,
  XED25519_VECTOR,
} from './test-support/v2-fixtures.js';
import type { CryptoBackend, Identity, MurmurCrypto } from './types.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const input = (name: keyof typeof V2_INPUTS) => sequence(V2_INPUTS[name][0], V2_INPUTS[name][1]);
const concat = (...parts: (Uint8Array | string)[]) =>
  Uint8Array.from(
    parts.flatMap((part) => [
      ...(typeof part === 'string' ? new TextEncoder().encode(part) : part),
    ]),
  );

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe.each(BACKENDS)('account-key bundles (%s)', (backend) => {
  let both: Record<CryptoBackend, MurmurCrypto>;
  let c: MurmurCrypto;
  let bob: Identity;
  let carol: Identity;
  const bundle = () => ({
    mlkem768PublicKey: hex(ACCOUNT_KEYS_VECTOR.mlkem768PublicKey),
    x25519PublicKey: hex(ACCOUNT_KEYS_VECTOR.x25519PublicKey),
  });
  const at = (seconds: number) => ({ now: seconds * 1000 });
  beforeAll(async () => {
    both = await loadBoth();
    c = both[backend];
    bob = c.identityFromSeed(hex(IDENTITIES.bob.seed));
    carol = c.identityFromSeed(hex(IDENTITIES.carol.seed));
  });

  it('encodes the known-answer bundles, with and without t', () => {
    const signatureRandom = input('signatureRandom');
    const withTime = c.encodeAccountKeyBundle({ ...bundle(), created: V2_CREATED }, bob, {
      signatureRandom,
    });
    expect(toHex(withTime)).toBe(BUNDLE_VECTOR.withTime);
    const withoutTime = c.encodeAccountKeyBundle(bundle(), bob, { signatureRandom });
    expect(toHex(withoutTime)).toBe(BUNDLE_VECTOR.withoutTime);
    expect(withoutTime).toHaveLength(2 + 3 + 5 + 1184 + 3 + 3 + 32 + 3 + 3 + 64);
  });

  it('decodes and checks a bundle; its signature is plain Ed25519 under the Session ID', () => {
    const read = c.decodeAccountKeyBundle(
      hex(BUNDLE_VECTOR.withTime),
      bob.sessionId,
      at(V2_CREATED),
    );
    expect(toHex(read.mlkem768PublicKey)).toBe(ACCOUNT_KEYS_VECTOR.mlkem768PublicKey);
    expect(toHex(read.x25519PublicKey)).toBe(ACCOUNT_KEYS_VECTOR.x25519PublicKey);
    expect(read.created).toBe(V2_CREATED);
    // From a Buffer (as a node's base64 decoding gives), the keys are copies, not Buffer views.
    const fromBuffer = c.decodeAccountKeyBundle(
      Buffer.from(hex(BUNDLE_VECTOR.withTime)),
      bob.sessionId,
      at(V2_CREATED),
    );
    expect(Buffer.isBuffer(fromBuffer.x25519PublicKey)).toBe(false);
    expect(Buffer.isBuffer(fromBuffer.mlkem768PublicKey)).toBe(false);
    const legacy = c.decodeAccountKeyBundle(hex(BUNDLE_VECTOR.withoutTime), bob.sessionId);
    expect(legacy.created).toBeUndefined();
    const bytes = hex(BUNDLE_VECTOR.withTime);
    const edKey = c.xed25519PublicKey(c.parseSessionId(bob.sessionId));
    expect(c.verify(hex(BUNDLE_VECTOR.signature), bytes.subarray(0, -71), edKey)).toBe(true);
    // Bob's Ed25519 key has sign bit 0: the converted key is his Ed25519 key.
    expect(toHex(edKey)).toBe(IDENTITIES.bob.ed25519PublicKey);
    expect(ACCOUNT_KEYS_NAMESPACE).toBe(-21);
  });

  it('refuses a replayed old bundle (t more than 48 h ago) and one from the future', () => {
    const bytes = hex(BUNDLE_VECTOR.withTime);
    const limit = V2_CREATED + ACCOUNT_BUNDLE_MAX_AGE_SECONDS;
    expect(c.decodeAccountKeyBundle(bytes, bob.sessionId, at(limit)).created).toBe(V2_CREATED);
    expect(codeOf(() => c.decodeAccountKeyBundle(bytes, bob.sessionId, at(limit + 1)))).toBe(
      'STALE_KEYS',
    );
    expect(
      codeOf(() => c.decodeAccountKeyBundle(bytes, bob.sessionId, at(V2_CREATED - 3601))),
    ).toBe('STALE_KEYS');
    // Without t the age is unknown: accepted under the ordinary cache rules.
    expect(
      c.decodeAccountKeyBundle(hex(BUNDLE_VECTOR.withoutTime), bob.sessionId, at(limit + 1e6))
        .created,
    ).toBeUndefined();
  });

  it('refuses a bundle fetched for someone else, or with any signed byte changed', () => {
    const bytes = hex(BUNDLE_VECTOR.withTime);
    expect(codeOf(() => c.decodeAccountKeyBundle(bytes, carol.sessionId, at(V2_CREATED)))).toBe(
      'BAD_SIGNATURE',
    );
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 2 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const altered = bytes.slice();
        altered[i] = (altered[i] as number) ^ x;
        const code = codeOf(() => c.decodeAccountKeyBundle(altered, bob.sessionId, at(V2_CREATED)));
        expect(['BAD_SIGNATURE', 'PAYLOAD_MALFORMED', 'STALE_KEYS']).toContain(code);
      }),
      { numRuns: 60 },
    );
    // Changing only the time, re-encoded canonically, breaks the signature (t is signed).
    const retimed = concat(
      bytes.subarray(0, 1231),
      `1:ti${V2_CREATED + 86400}e`,
      bytes.subarray(1246),
    );
    expect(codeOf(() => c.decodeAccountKeyBundle(retimed, bob.sessionId, at(V2_CREATED)))).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('ignores unknown keys (signed before ~, unsigned after it) and refuses malformed bundles', () => {
    const { mlkem768PublicKey: m, x25519PublicKey: x } = bundle();
    const body = concat('d1:M1184:', m, '1:X32:', x, '1:Zi7e');
    const signature = c.xed25519Sign(bob.x25519.secretKey, body);
    const extended = concat(body, '1:~64:', signature, '2:~x3:abce');
    expect(c.decodeAccountKeyBundle(extended, bob.sessionId).created).toBeUndefined();
    expect(codeOf(() => c.decodeAccountKeyBundle(encodeBencode({ X: x }), bob.sessionId))).toBe(
      'PAYLOAD_MALFORMED',
    );
    expect(
      codeOf(() =>
        c.decodeAccountKeyBundle(
          encodeBencode({ M: m, X: x.subarray(1), '~': signature }),
          bob.sessionId,
        ),
      ),
    ).toBe('PAYLOAD_MALFORMED');
    expect(codeOf(() => c.decodeAccountKeyBundle(new Uint8Array([1, 2, 3]), bob.sessionId))).toBe(
      'PAYLOAD_MALFORMED',
    );
    expect(codeOf(() => c.decodeAccountKeyBundle(extended, 'not an id'))).toBe(
      'INVALID_SESSION_ID',
    );
  });
});

describe.each(BACKENDS)('XEd25519 (%s)', (backend) => {
  let c: MurmurCrypto;
  beforeAll(async () => {
    c = (await loadBoth())[backend];
  });

  it('signs the known answer with a negated scalar (sign bit set)', () => {
    const dave = c.identityFromSeed(new Uint8Array(32).fill(XED25519_VECTOR.seedByte));
    expect(toHex(dave.ed25519.publicKey)).toBe(XED25519_VECTOR.ed25519PublicKey);
    expect((dave.ed25519.publicKey[31] as number) >> 7).toBe(1);
    const converted = c.xed25519PublicKey(dave.x25519.publicKey);
    expect(toHex(converted)).toBe(XED25519_VECTOR.convertedPublicKey);
    const message = new TextEncoder().encode(XED25519_VECTOR.message);
    const signature = c.xed25519Sign(dave.x25519.secretKey, message, input('signatureRandom'));
    expect(toHex(signature)).toBe(XED25519_VECTOR.signature);
    expect(c.verify(signature, message, converted)).toBe(true);
    expect(c.xed25519Verify(signature, dave.x25519.publicKey, message)).toBe(true);
  });

  it('verifies for any key and message; refuses another key or message', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        (seed, message) => {
          const id = c.identityFromSeed(seed);
          const signature = c.xed25519Sign(id.x25519.secretKey, message);
          expect(c.xed25519Verify(signature, id.x25519.publicKey, message)).toBe(true);
          const converted = c.xed25519PublicKey(id.x25519.publicKey);
          expect(toHex(converted.subarray(0, 31))).toBe(
            toHex(id.ed25519.publicKey.subarray(0, 31)),
          );
          expect(c.xed25519Verify(signature, id.x25519.publicKey, concat(message, 'x'))).toBe(
            false,
          );
          const other = c.identityFromSeed(sequence((seed[0] as number) + 1, 32));
          expect(c.xed25519Verify(signature, other.x25519.publicKey, message)).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });
});

/**
 * libsession-util's own XEd25519 vectors (`tests/test_xed25519.cpp`): two libsodium secret keys
 * (seed ‖ public key), their X25519 public keys, and the sign-bit-0 key of the second, whose
 * Ed25519 key is negative. Its signing tests are randomised; they are replayed as properties.
 */
const LIBSESSION_XED25519 = {
  seed1:
    'fecd9a6034bc9aba273925dee7062b123334587c3c6257341afae2d7fe85e122f4ef873908f6a5377ba3853f0e2fa326eed9e741edf9f7d0311a3ecc66a57b32',
  seed2:
    '8659efdcbe0949e0f81141e6d397e8be75f45d09262f209d5950e97989eb43c73570b69a47dc094544c1c5089c40414bbda1ffdde8aab2617fe937ee74a5ee81',
  xpub1: 'fe94b7ad4b7f1cc1bb92671f1f0d243f226e115b33770465e82b503fc3e96e1f',
  xpub2: '05c9a9bf178fa644d44bebf628716dc7f2df3d0842e97881962c723699152073',
  pub2Abs: '3570b69a47dc094544c1c5089c40414bbda1ffdde8aab2617fe937ee74a5ee01',
} as const;

describe.each(BACKENDS)(
  'XEd25519 against libsession-util tests/test_xed25519.cpp (%s)',
  (backend) => {
    it('converts X25519 keys to the sign-bit-0 Ed25519 keys; signatures verify only there', async () => {
      const c = (await loadBoth())[backend];
      const v = LIBSESSION_XED25519;
      const one = c.identityFromSeed(hex(v.seed1).subarray(0, 32));
      const two = c.identityFromSeed(hex(v.seed2).subarray(0, 32));
      expect(toHex(one.ed25519.publicKey)).toBe(v.seed1.slice(64));
      expect(toHex(two.ed25519.publicKey)).toBe(v.seed2.slice(64));
      expect(toHex(one.x25519.publicKey)).toBe(v.xpub1);
      expect(toHex(two.x25519.publicKey)).toBe(v.xpub2);
      expect(toHex(c.xed25519PublicKey(hex(v.xpub1)))).toBe(v.seed1.slice(64));
      expect(toHex(c.xed25519PublicKey(hex(v.xpub2)))).toBe(v.pub2Abs);
      const message = new TextEncoder().encode('hello world');
      const signature1 = c.xed25519Sign(one.x25519.secretKey, message);
      const signature2 = c.xed25519Sign(two.x25519.secretKey, message);
      expect(c.verify(signature1, message, one.ed25519.publicKey)).toBe(true);
      expect(c.verify(signature2, message, two.ed25519.publicKey)).toBe(false);
      expect(c.verify(signature2, message, hex(v.pub2Abs))).toBe(true);
      expect(c.xed25519Verify(signature2, hex(v.xpub2), message)).toBe(true);
      expect(toHex(c.xed25519Sign(one.x25519.secretKey, message))).not.toBe(toHex(signature1));
    });
  },
);

describe('account-key rotation time', () => {
  it('matches the known answers for one and three devices', () => {
    const seed = input('accountSeed');
    const deviceId = input('deviceId');
    expect(accountKeyRotationTime({ seed, deviceId, created: V2_CREATED, devices: 1 })).toBe(
      ROTATION_VECTOR.oneDevice,
    );
    expect(accountKeyRotationTime({ seed, deviceId, created: V2_CREATED, devices: 3 })).toBe(
      ROTATION_VECTOR.threeDevices,
    );
  });

  it('falls in created + 11 h … 13 h, later with more devices, and depends on the seed', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 8 }),
        (seed, deviceId, devices) => {
          const one = accountKeyRotationTime({ seed, deviceId, created: V2_CREATED, devices: 1 });
          const many = accountKeyRotationTime({ seed, deviceId, created: V2_CREATED, devices });
          for (const time of [one, many]) {
            expect(time).toBeGreaterThanOrEqual((V2_CREATED + 11 * 3600) * 1000);
            expect(time).toBeLessThanOrEqual((V2_CREATED + 13 * 3600) * 1000);
          }
          expect(many).toBeGreaterThanOrEqual(one);
        },
      ),
      { numRuns: 100 },
    );
    expect(ACCOUNT_KEY_RETENTION_SECONDS).toBe(16 * 24 * 3600);
    expect(
      codeOf(() =>
        accountKeyRotationTime({
          seed: new Uint8Array(3),
          deviceId: input('deviceId'),
          created: 0,
          devices: 1,
        }),
      ),
    ).toBe('INVALID_INPUT');
  });
});
