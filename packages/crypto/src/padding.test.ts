import { bytesToHex, InvalidInputError, PayloadMalformedError, utf8Encode } from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { BACKENDS } from './test-support/backends.js';
import type { MurmurCrypto } from './types.js';

/** The older desktop padding: 0x80 then zeros to a length of 160k − 1. */
function legacyPad(bytes: Uint8Array): Uint8Array {
  const length = Math.ceil((bytes.length + 2) / 160) * 160 - 1;
  const out = new Uint8Array(length);
  out.set(bytes);
  out[bytes.length] = 0x80;
  return out;
}

describe.each(BACKENDS)('padding on the %s backend', (backend) => {
  let crypto: MurmurCrypto;
  beforeAll(async () => {
    crypto = await loadCrypto({ backend });
  });

  it('pads "hello" to 160 bytes: the text, 0x80, then zeros', () => {
    const padded = crypto.padMessage(utf8Encode('hello'));
    expect(padded).toHaveLength(160);
    expect(bytesToHex(padded)).toBe(`68656c6c6f80${'00'.repeat(154)}`);
  });

  it('gives the lengths Session gives, a whole extra block when n + 1 is a multiple of 160', () => {
    const lengths = [0, 1, 158, 159, 160, 318, 319, 320].map(
      (n) => crypto.padMessage(new Uint8Array(n)).length,
    );
    expect(lengths).toEqual([160, 160, 160, 320, 320, 320, 480, 480]);
  });

  it('round-trips every message (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (bytes) => {
        const padded = crypto.padMessage(bytes);
        expect(padded.length % 160).toBe(0);
        expect(padded.length).toBeGreaterThan(bytes.length);
        expect(crypto.unpadMessage(padded)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("reads Session's older 160k − 1 lengths (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (bytes) => {
        const padded = legacyPad(bytes);
        expect((padded.length + 1) % 160).toBe(0);
        expect(crypto.unpadMessage(padded)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('returns an unpadded message whole, as Session clients do', () => {
    expect(crypto.unpadMessage(utf8Encode('plain'))).toEqual(utf8Encode('plain'));
    expect(crypto.unpadMessage(new Uint8Array([1, 2, 0, 0]))).toEqual(new Uint8Array([1, 2, 0, 0]));
  });

  it('refuses input with no terminator at all, and input that is not bytes', () => {
    expect(() => crypto.unpadMessage(new Uint8Array(0))).toThrow(PayloadMalformedError);
    expect(() => crypto.unpadMessage(new Uint8Array(160))).toThrow(PayloadMalformedError);
    expect(() => crypto.padMessage('hello' as unknown as Uint8Array)).toThrow(InvalidInputError);
  });
});
