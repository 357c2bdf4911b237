import { bytesToHex, InvalidInputError, utf8Encode } from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { BACKENDS } from './test-support/backends.js';
import {
  hex,
  RFC7748_DH,
  RFC7748_ITERATED,
  RFC7748_SCALAR_MULT,
  RFC8032,
} from './test-support/fixtures.js';
import type { MurmurCrypto } from './types.js';

describe.each(BACKENDS)('primitives on the %s backend', (backend) => {
  let crypto: MurmurCrypto;
  beforeAll(async () => {
    crypto = await loadCrypto({ backend });
  });

  it('loads the backend it was asked for', () => {
    expect(crypto.backend).toBe(backend);
  });

  describe('Ed25519 (RFC 8032 section 7.1)', () => {
    it.each(RFC8032.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
      const pair = crypto.ed25519KeyPairFromSeed(hex(vector.secretKey));
      expect(bytesToHex(pair.publicKey)).toBe(vector.publicKey);
      expect(bytesToHex(pair.secretKey)).toBe(vector.secretKey + vector.publicKey);
      const message = hex(vector.message);
      const signature = crypto.sign(message, pair.secretKey);
      expect(bytesToHex(signature)).toBe(vector.signature);
      expect(crypto.verify(signature, message, pair.publicKey)).toBe(true);
    });

    it('rejects any single flipped bit of a signature or message', () => {
      const vector = RFC8032[2];
      const publicKey = hex(vector.publicKey);
      const message = hex(vector.message);
      const signature = hex(vector.signature);
      for (let bit = 0; bit < 512; bit++) {
        const tampered = signature.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(crypto.verify(tampered, message, publicKey)).toBe(false);
      }
      for (let bit = 0; bit < 16; bit++) {
        const tampered = message.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(crypto.verify(signature, tampered, publicKey)).toBe(false);
      }
    });

    it('returns false (never a prefix match) for signatures of any other length', () => {
      const vector = RFC8032[0];
      const signature = hex(vector.signature);
      const publicKey = hex(vector.publicKey);
      const longer = new Uint8Array(65);
      longer.set(signature);
      expect(crypto.verify(longer, new Uint8Array(0), publicKey)).toBe(false);
      expect(crypto.verify(signature.subarray(0, 63), new Uint8Array(0), publicKey)).toBe(false);
      expect(crypto.verify(new Uint8Array(0), new Uint8Array(0), publicKey)).toBe(false);
    });

    it('signs and verifies any message (property)', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ maxLength: 300 }),
          (seed, message) => {
            const pair = crypto.ed25519KeyPairFromSeed(seed);
            const signature = crypto.sign(message, pair.secretKey);
            expect(crypto.verify(signature, message, pair.publicKey)).toBe(true);
          },
        ),
        { numRuns: 50 },
      );
    });

    it('refuses keys and seeds of the wrong length before calling libsodium', () => {
      expect(() => crypto.sign(new Uint8Array(1), new Uint8Array(32))).toThrow(InvalidInputError);
      expect(() =>
        crypto.verify(new Uint8Array(64), new Uint8Array(1), new Uint8Array(31)),
      ).toThrow(InvalidInputError);
      expect(() => crypto.ed25519KeyPairFromSeed(new Uint8Array(16))).toThrow(InvalidInputError);
      expect(() => crypto.sign('text' as unknown as Uint8Array, new Uint8Array(64))).toThrow(
        InvalidInputError,
      );
    });

    it('converts Ed25519 public keys to X25519 and refuses invalid points', () => {
      const vector = RFC8032[0];
      expect(crypto.ed25519PublicKeyToX25519(hex(vector.publicKey))).toHaveLength(32);
      const identityPoint = hex('0100000000000000000000000000000000000000000000000000000000000000');
      expect(() => crypto.ed25519PublicKeyToX25519(identityPoint)).toThrow(InvalidInputError);
      // y = 2 is not the y-coordinate of any curve point.
      const notOnCurve = hex('0200000000000000000000000000000000000000000000000000000000000000');
      expect(() => crypto.ed25519PublicKeyToX25519(notOnCurve)).toThrow(InvalidInputError);
    });
  });

  describe('X25519 (RFC 7748)', () => {
    it.each(RFC7748_SCALAR_MULT.map((vector, index) => [index + 1, vector] as const))(
      'section 5.2 vector %i',
      (_index, vector) => {
        expect(bytesToHex(crypto.x25519(hex(vector.scalar), hex(vector.u)))).toBe(vector.output);
      },
    );

    it('section 5.2 iterated test, after 1 and 1000 iterations', () => {
      let k: Uint8Array = hex('0900000000000000000000000000000000000000000000000000000000000000');
      let u: Uint8Array = k.slice();
      for (let i = 1; i <= 1000; i++) {
        const next = crypto.x25519(k, u);
        u = k;
        k = next;
        if (i === 1) expect(bytesToHex(k)).toBe(RFC7748_ITERATED[1]);
      }
      expect(bytesToHex(k)).toBe(RFC7748_ITERATED[1000]);
    });

    it('section 6.1 Diffie-Hellman', () => {
      const alice = hex(RFC7748_DH.aliceSecret);
      const bob = hex(RFC7748_DH.bobSecret);
      const base = hex('0900000000000000000000000000000000000000000000000000000000000000');
      expect(bytesToHex(crypto.x25519(alice, base))).toBe(RFC7748_DH.alicePublic);
      expect(bytesToHex(crypto.x25519(bob, base))).toBe(RFC7748_DH.bobPublic);
      expect(bytesToHex(crypto.x25519(alice, hex(RFC7748_DH.bobPublic)))).toBe(RFC7748_DH.shared);
      expect(bytesToHex(crypto.x25519(bob, hex(RFC7748_DH.alicePublic)))).toBe(RFC7748_DH.shared);
    });

    it('gives a typed error instead of an all-zero shared secret', () => {
      expect(() => crypto.x25519(hex(RFC7748_DH.aliceSecret), new Uint8Array(32))).toThrow(
        InvalidInputError,
      );
    });

    it('gives the public key of a fixed secret key (RFC 7748 section 6.1)', () => {
      expect(bytesToHex(crypto.x25519PublicKey(hex(RFC7748_DH.aliceSecret)))).toBe(
        RFC7748_DH.alicePublic,
      );
      expect(bytesToHex(crypto.x25519PublicKey(hex(RFC7748_DH.bobSecret)))).toBe(
        RFC7748_DH.bobPublic,
      );
      expect(() => crypto.x25519PublicKey(new Uint8Array(31))).toThrow(InvalidInputError);
    });

    it('makes fresh key pairs whose shared secrets agree', () => {
      const a = crypto.x25519KeyPair();
      const b = crypto.x25519KeyPair();
      expect(a.secretKey).not.toEqual(b.secretKey);
      expect(crypto.x25519(a.secretKey, b.publicKey)).toEqual(
        crypto.x25519(b.secretKey, a.publicKey),
      );
    });
  });

  describe('ChaCha20-Poly1305 IETF (RFC 8439 section 2.8.2)', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = hex('070000004041424344454647');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const plaintext = utf8Encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const expected =
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691';

    it('seals and opens the RFC vector', () => {
      const sealed = crypto.chacha20Poly1305Encrypt(plaintext, nonce, key, aad);
      expect(bytesToHex(sealed)).toBe(expected);
      expect(crypto.chacha20Poly1305Decrypt(sealed, nonce, key, aad)).toEqual(plaintext);
    });

    it('refuses any single flipped bit, a wrong nonce and a short input with undefined', () => {
      const sealed = hex(expected);
      for (let bit = 0; bit < sealed.length * 8; bit += 7) {
        const tampered = sealed.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(crypto.chacha20Poly1305Decrypt(tampered, nonce, key, aad)).toBeUndefined();
      }
      const otherNonce = nonce.slice();
      otherNonce[11] = 1;
      expect(crypto.chacha20Poly1305Decrypt(sealed, otherNonce, key, aad)).toBeUndefined();
      expect(crypto.chacha20Poly1305Decrypt(sealed.subarray(0, 15), nonce, key)).toBeUndefined();
    });

    it('round-trips without associated data and refuses wrong key and nonce lengths', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2100 }), (message) => {
          const sealed = crypto.chacha20Poly1305Encrypt(message, nonce, key);
          expect(sealed.length).toBe(message.length + 16);
          expect(crypto.chacha20Poly1305Decrypt(sealed, nonce, key)).toEqual(message);
        }),
        { numRuns: 50 },
      );
      expect(() => crypto.chacha20Poly1305Encrypt(plaintext, new Uint8Array(24), key)).toThrow(
        InvalidInputError,
      );
      expect(() => crypto.chacha20Poly1305Decrypt(plaintext, nonce, new Uint8Array(16))).toThrow(
        InvalidInputError,
      );
    });
  });

  describe('hashes and MACs', () => {
    it('BLAKE2b (RFC 7693 appendix A, and the empty input)', () => {
      expect(bytesToHex(crypto.blake2b(utf8Encode('abc'), 64))).toBe(
        'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
      );
      expect(bytesToHex(crypto.blake2b(new Uint8Array(0)))).toBe(
        '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8',
      );
      const keyed = crypto.blake2b(utf8Encode('abc'), 32, new Uint8Array(16));
      expect(keyed).not.toEqual(crypto.blake2b(utf8Encode('abc'), 32));
    });

    it('BLAKE2b refuses output and key lengths outside 16..64', () => {
      expect(() => crypto.blake2b(new Uint8Array(1), 15)).toThrow(InvalidInputError);
      expect(() => crypto.blake2b(new Uint8Array(1), 65)).toThrow(InvalidInputError);
      expect(() => crypto.blake2b(new Uint8Array(1), 32, new Uint8Array(8))).toThrow(
        InvalidInputError,
      );
      expect(() => crypto.blake2b(new Uint8Array(1), 32, new Uint8Array(65))).toThrow(
        InvalidInputError,
      );
    });

    it('SHA-256 (FIPS 180-2 "abc")', () => {
      expect(bytesToHex(crypto.sha256(utf8Encode('abc')))).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
    });

    it('HMAC-SHA256 (RFC 4231 test case 2, a 4-byte key)', () => {
      expect(
        bytesToHex(
          crypto.hmacSha256(utf8Encode('Jefe'), utf8Encode('what do ya want for nothing?')),
        ),
      ).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    });

    it('HKDF-SHA256 (RFC 5869 test case 1) and its length limit', () => {
      const okm = crypto.hkdfSha256(
        hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
        hex('000102030405060708090a0b0c'),
        hex('f0f1f2f3f4f5f6f7f8f9'),
        42,
      );
      expect(bytesToHex(okm)).toBe(
        '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
      );
      expect(
        crypto.hkdfSha256(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 8160),
      ).toHaveLength(8160);
      expect(() =>
        crypto.hkdfSha256(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 8161),
      ).toThrow(InvalidInputError);
    });
  });

  describe('utilities', () => {
    it('random bytes have the asked length and differ', () => {
      expect(crypto.randomBytes(0)).toHaveLength(0);
      expect(crypto.randomBytes(33)).toHaveLength(33);
      expect(crypto.randomBytes(32)).not.toEqual(crypto.randomBytes(32));
      expect(() => crypto.randomBytes(-1)).toThrow(InvalidInputError);
      expect(() => crypto.randomBytes(1.5)).toThrow(InvalidInputError);
    });

    it('compares in constant time, and unequal lengths are unequal', () => {
      expect(crypto.equalConstantTime(hex('0102'), hex('0102'))).toBe(true);
      expect(crypto.equalConstantTime(hex('0102'), hex('0103'))).toBe(false);
      expect(crypto.equalConstantTime(hex('0102'), hex('010200'))).toBe(false);
      expect(crypto.equalConstantTime(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    });

    it('wipes bytes in place, subarrays included', () => {
      const bytes = hex('0102030405');
      crypto.wipe(bytes.subarray(1, 3));
      expect(bytesToHex(bytes)).toBe('0100000405');
      crypto.wipe(bytes);
      expect(bytesToHex(bytes)).toBe('0000000000');
      crypto.wipe(new Uint8Array(0));
    });
  });
});
