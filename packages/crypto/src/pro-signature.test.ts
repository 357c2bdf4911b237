/**
 * The `Envelope.proSig` decoy: what libsession-util writes for a sender without a Session Pro
 * key (`encode_for_destination` in `src/session_protocol.cpp`): `R = r·B` for a random scalar,
 * `s` a second random scalar, so that it reads like a real Ed25519 signature and verifies against
 * nothing.
 */

import { bytesToHex as hex } from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBoth } from './test-support/backends.js';
import type { CryptoBackend, MurmurCrypto } from './types.js';

/** The order of the prime-order subgroup, L = 2^252 + 27742317777372353535851937790883648493. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function scalarValue(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let index = bytes.length - 1; index >= 0; index--) {
    value = (value << 8n) | BigInt(bytes[index] as number);
  }
  return value;
}

function scalarBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let rest = value;
  for (let index = 0; index < 32; index++) {
    out[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

describe('proSignatureDecoy', () => {
  let both: Record<CryptoBackend, MurmurCrypto>;
  beforeAll(async () => {
    both = await loadBoth();
  });

  it('is R = r·B (no clamping) followed by s', () => {
    for (const crypto of Object.values(both)) {
      const s = scalarBytes(12345n);
      const decoy = crypto.proSignatureDecoy({ r: scalarBytes(1n), s });
      // 1·B is the Ed25519 base point.
      expect(hex(decoy.subarray(0, 32))).toBe(
        '5866666666666666666666666666666666666666666666666666666666666666',
      );
      expect(decoy.subarray(32)).toEqual(s);
      expect(() => crypto.proSignatureDecoy({ r: new Uint8Array(32), s })).toThrow(/not be zero/);
      expect(() => crypto.proSignatureDecoy({ r: new Uint8Array(31), s })).toThrow(/scalars\.r/);
    }
  });

  it('agrees between the backends for the same scalars (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: L - 1n }),
        fc.bigInt({ min: 0n, max: L - 1n }),
        (r, s) => {
          const scalars = { r: scalarBytes(r), s: scalarBytes(s) };
          expect(both.native.proSignatureDecoy(scalars)).toEqual(
            both.wasm.proSignatureDecoy(scalars),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('draws a fresh valid-looking signature each time: R on the curve, s below L', () => {
    for (const crypto of Object.values(both)) {
      const seen = new Set<string>();
      for (let round = 0; round < 50; round++) {
        const decoy = crypto.proSignatureDecoy();
        expect(decoy).toHaveLength(64);
        // R is a point of the prime-order subgroup (libsodium refuses anything else here).
        expect(() => crypto.ed25519PublicKeyToX25519(decoy.subarray(0, 32))).not.toThrow();
        const s = scalarValue(decoy.subarray(32));
        expect(s > 0n && s < L).toBe(true);
        seen.add(hex(decoy));
      }
      expect(seen.size).toBe(50);
      const someone = crypto.generateIdentity();
      const decoy = crypto.proSignatureDecoy();
      expect(crypto.verify(decoy, new Uint8Array(10), someone.ed25519.publicKey)).toBe(false);
    }
  });
});
