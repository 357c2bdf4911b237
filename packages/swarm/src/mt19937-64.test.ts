import { InvalidInputError } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MT19937_64_DEFAULT_SEED,
  Mt19937_64,
  rngFromBlockHash,
  seedFromBlockHash,
  uniformPortable,
} from './mt19937-64.js';

const MASK = (1n << 64n) - 1n;
const UINT64_MAX = MASK;

/** std::mt19937_64 written straight from the C++ standard's definition, in bigint. */
function referenceMt(seed: bigint): () => bigint {
  const n = 312;
  const m = 156;
  const state: bigint[] = [seed & MASK];
  for (let i = 1; i < n; i++) {
    const previous = state[i - 1] as bigint;
    state.push((6364136223846793005n * (previous ^ (previous >> 62n)) + BigInt(i)) & MASK);
  }
  let index = n;
  const upper = MASK ^ ((1n << 31n) - 1n);
  const lower = (1n << 31n) - 1n;
  return () => {
    if (index >= n) {
      for (let i = 0; i < n; i++) {
        const x = ((state[i] as bigint) & upper) | ((state[(i + 1) % n] as bigint) & lower);
        const xA = (x & 1n) === 1n ? (x >> 1n) ^ 0xb5026f5aa96619e9n : x >> 1n;
        state[i] = (state[(i + m) % n] as bigint) ^ xA;
      }
      index = 0;
    }
    let y = state[index++] as bigint;
    y ^= (y >> 29n) & 0x5555555555555555n;
    y ^= (y << 17n) & 0x71d67fffeda60000n;
    y ^= (y << 37n) & 0xfff7eee000000000n;
    y ^= y >> 43n;
    return y & MASK;
  };
}

/** oxend's uniform_distribution_portable, in bigint, over any source of 64-bit outputs. */
function referenceUniform(next: () => bigint, n: bigint): bigint {
  const secureMax = UINT64_MAX - (UINT64_MAX % n);
  let x: bigint;
  do x = next();
  while (x >= secureMax);
  return x / (secureMax / n);
}

/** An Mt19937_64 that replays scripted 64-bit outputs (to reach the rejection branch). */
class ScriptedRng extends Mt19937_64 {
  readonly #outputs: bigint[];
  #low = 0;
  draws = 0;
  constructor(outputs: bigint[]) {
    super(1n);
    this.#outputs = [...outputs];
  }
  override next(): bigint {
    const high = this.nextHigh();
    return (BigInt(high) << 32n) | BigInt(this.#low);
  }
  override nextHigh(): number {
    const value = this.#outputs[this.draws++];
    if (value === undefined) throw new Error('script exhausted');
    this.#low = Number(value & 0xffffffffn);
    return Number(value >> 32n);
  }
  override lastLow(): number {
    return this.#low;
  }
}

describe('Mt19937_64', () => {
  it('gives the C++ standard value for the 10000th output of a default-seeded generator', () => {
    // [rand.predef]: "the 10000th consecutive invocation of a default-constructed object of type
    // mt19937_64 produces the value 9981545732273789042".
    const rng = new Mt19937_64();
    let value = 0n;
    for (let i = 0; i < 10_000; i++) value = rng.next();
    expect(value).toBe(9_981_545_732_273_789_042n);
    expect(MT19937_64_DEFAULT_SEED).toBe(5489n);
  });

  it('gives the well-known first outputs for seed 5489', () => {
    const rng = new Mt19937_64(5489n);
    expect(rng.next()).toBe(14_514_284_786_278_117_030n);
    expect(rng.next()).toBe(4_620_546_740_167_642_908n);
    expect(rng.next()).toBe(13_109_570_281_517_897_720n);
  });

  it('matches a bigint rendition of the standard for any seed, across several twists', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: UINT64_MAX }), (seed) => {
        const rng = new Mt19937_64(seed);
        const reference = referenceMt(seed);
        for (let i = 0; i < 700; i++) expect(rng.next()).toBe(reference());
      }),
      { numRuns: 15 },
    );
  });

  it('splits outputs into halves consistently with next()', () => {
    const a = new Mt19937_64(77n);
    const b = new Mt19937_64(77n);
    for (let i = 0; i < 1000; i++) {
      const high = a.nextHigh();
      expect((BigInt(high) << 32n) | BigInt(a.lastLow())).toBe(b.next());
    }
  });

  it('rejects seeds that are not 64-bit bigints', () => {
    expect(() => new Mt19937_64(-1n)).toThrow(InvalidInputError);
    expect(() => new Mt19937_64(1n << 64n)).toThrow(InvalidInputError);
    expect(() => new Mt19937_64(5 as unknown as bigint)).toThrow(InvalidInputError);
  });
});

describe('uniformPortable', () => {
  it('gives these exact values for seed 5489', () => {
    // First output 14514284786278117030: for n = 10, q = floor((2^64 - 1) / 10) =
    // 1844674407370955161 and 14514284786278117030 / q = 7.87 -> 7.
    expect(uniformPortable(new Mt19937_64(5489n), 10)).toBe(7);
    const rng = new Mt19937_64(5489n);
    const draws = Array.from({ length: 12 }, () => uniformPortable(rng, 100));
    const reference = referenceMt(5489n);
    expect(draws).toEqual(
      Array.from({ length: 12 }, () => Number(referenceUniform(reference, 100n))),
    );
    // The first three by hand: q = floor((2^64 - 1) / 100) = 184467440737095516, and
    // 14514284786278117030 / q = 78.7, 4620546740167642908 / q = 25.05, 13109570281517897720 / q = 71.07.
    expect(draws).toEqual([78, 25, 71, 94, 1, 40, 25, 2, 52, 34, 27, 56]);
  });

  it('returns the type of n, and the number path agrees with the bigint path', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: UINT64_MAX }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 2 ** 32 })), {
          minLength: 1,
          maxLength: 200,
        }),
        (seed, sizes) => {
          const a = new Mt19937_64(seed);
          const b = new Mt19937_64(seed);
          for (const n of sizes) {
            const small = uniformPortable(a, n);
            const big = uniformPortable(b, BigInt(n));
            expect(typeof small).toBe('number');
            expect(typeof big).toBe('bigint');
            expect(BigInt(small)).toBe(big);
            expect(small).toBeGreaterThanOrEqual(0);
            expect(small).toBeLessThan(n);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('agrees with the reference for large bigint and unsafe-looking number bounds', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: UINT64_MAX }),
        fc.bigInt({ min: 1n, max: UINT64_MAX }),
        (seed, n) => {
          const reference = referenceMt(seed);
          expect(uniformPortable(new Mt19937_64(seed), n)).toBe(referenceUniform(reference, n));
        },
      ),
      { numRuns: 100 },
    );
    const rng = new Mt19937_64(9n);
    const reference = referenceMt(9n);
    for (const n of [2 ** 32 + 1, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(uniformPortable(rng, n)).toBe(Number(referenceUniform(reference, BigInt(n))));
    }
  });

  it('rejects draws at or above secureMax (bigint and number paths)', () => {
    // n = 2^63 + 1: secureMax = 2^63 + 1 and q = 1, so roughly half of all outputs are redrawn
    // and an accepted output is its own answer.
    const n = (1n << 63n) + 1n;
    const scripted = new ScriptedRng([UINT64_MAX, 1n << 63n]);
    expect(uniformPortable(scripted, n)).toBe(1n << 63n);
    expect(scripted.draws).toBe(2);
    // n = 3: 2^64 - 1 is divisible by 3, so secureMax = 2^64 - 1 and only 2^64 - 1 is redrawn.
    const three = new ScriptedRng([UINT64_MAX, UINT64_MAX - 1n, 0n]);
    expect(uniformPortable(three, 3)).toBe(2);
    expect(three.draws).toBe(2);
    // n = 10: secureMax = 2^64 - 6; 2^64 - 6 is redrawn, 2^64 - 7 gives 9.
    const ten = new ScriptedRng([UINT64_MAX - 5n, UINT64_MAX - 6n]);
    expect(uniformPortable(ten, 10)).toBe(9);
    expect(ten.draws).toBe(2);
    // n = 2^32: secureMax = 2^64 - 2^32.
    const top = new ScriptedRng([UINT64_MAX - 0xffffffffn, UINT64_MAX - 0x100000000n]);
    expect(uniformPortable(top, 2 ** 32)).toBe(2 ** 32 - 1);
    expect(top.draws).toBe(2);
    // n = 1 always gives 0 but still consumes a draw (and redraws 2^64 - 1).
    const one = new ScriptedRng([UINT64_MAX, 12345n]);
    expect(uniformPortable(one, 1)).toBe(0);
    expect(one.draws).toBe(2);
  });

  it('gives exact answers at bucket boundaries on the number path', () => {
    // x = k * q - 1 and x = k * q for q = floor((2^64 - 1) / n).
    for (const n of [2, 3, 7, 10, 1000, 65_537, 4_294_967_295]) {
      const q = UINT64_MAX / BigInt(n);
      for (const k of [1n, BigInt(n) - 1n]) {
        const rng = new ScriptedRng([k * q - 1n, k * q]);
        expect(uniformPortable(rng, n)).toBe(Number(k - 1n));
        expect(uniformPortable(rng, n)).toBe(Number(k));
      }
    }
  });

  it('is roughly uniform', () => {
    const rng = new Mt19937_64(2024n);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const value = uniformPortable(rng, 6);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    for (const count of counts) {
      expect(count).toBeGreaterThan(9_500);
      expect(count).toBeLessThan(10_500);
    }
  });

  it('rejects bounds below 1 or beyond 64 bits', () => {
    const rng = new Mt19937_64(1n);
    expect(() => uniformPortable(rng, 0)).toThrow(InvalidInputError);
    expect(() => uniformPortable(rng, 1.5)).toThrow(InvalidInputError);
    expect(() => uniformPortable(rng, 2 ** 60)).toThrow(InvalidInputError);
    expect(() => uniformPortable(rng, 0n)).toThrow(InvalidInputError);
    expect(() => uniformPortable(rng, 1n << 64n)).toThrow(InvalidInputError);
    expect(() => uniformPortable({} as Mt19937_64, 3)).toThrow(InvalidInputError);
  });
});

describe('rngFromBlockHash', () => {
  it('seeds with the first 8 bytes of the hash read little-endian', () => {
    const hash = new Uint8Array(32);
    hash.set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff]);
    expect(seedFromBlockHash(hash)).toBe(0x0807060504030201n);
    const fromHash = rngFromBlockHash(hash);
    const direct = new Mt19937_64(0x0807060504030201n);
    for (let i = 0; i < 5; i++) expect(fromHash.next()).toBe(direct.next());
  });

  it('reads a hash that is a view into a larger buffer at its own offset', () => {
    const buffer = new Uint8Array(40).fill(0xaa);
    buffer.set([1, 0, 0, 0, 0, 0, 0, 0], 8);
    expect(seedFromBlockHash(buffer.subarray(8, 40))).toBe(1n);
  });

  it('rejects hashes shorter than 8 bytes and non-bytes', () => {
    expect(() => rngFromBlockHash(new Uint8Array(7))).toThrow(InvalidInputError);
    expect(() => rngFromBlockHash('00'.repeat(32) as unknown as Uint8Array)).toThrow(
      InvalidInputError,
    );
  });
});
