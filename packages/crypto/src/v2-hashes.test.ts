import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLibsodiumV2Hashes, nobleV2Hashes, type V2Hashes } from './v2-hashes.js';

let wasm: V2Hashes;
beforeAll(async () => {
  wasm = await loadLibsodiumV2Hashes();
});

describe('V2 hashes', () => {
  it('libsodium and @noble/hashes give the same bytes (BLAKE2b keyed + personalised, SHA3, SHAKE)', () => {
    const personal = new TextEncoder().encode('SessionV2Message');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3_000 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 2_000 }),
        (message, key, outLength, xofLength) => {
          expect(wasm.blake2b(message, key, personal, outLength)).toEqual(
            nobleV2Hashes.blake2b(message, key, personal, outLength),
          );
          expect(wasm.sha3_256(message)).toEqual(nobleV2Hashes.sha3_256(message));
          expect(wasm.shake256(message, xofLength)).toEqual(
            nobleV2Hashes.shake256(message, xofLength),
          );
        },
      ),
      { numRuns: 60 },
    );
    // A message larger than the first scratch area, then a small one again.
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(wasm.sha3_256(big)).toEqual(nobleV2Hashes.sha3_256(big));
    expect(wasm.sha3_256(big.subarray(0, 10))).toEqual(nobleV2Hashes.sha3_256(big.subarray(0, 10)));
  });

  it('matches published answers: SHA3-256("abc") and SHAKE256("")', () => {
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(hex(wasm.sha3_256(new TextEncoder().encode('abc')))).toBe(
      '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
    );
    expect(hex(wasm.shake256(new Uint8Array(0), 32))).toBe(
      '46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f',
    );
  });
});
