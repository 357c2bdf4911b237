/**
 * A small deterministic random source for the scenario (which nodes leave, which fail, the
 * random pubkeys): xoshiro128** seeded from a string. The same seed always gives the same
 * sequence, on every platform. Not for keys: node keys come from `@murmur/crypto`.
 */

/** A seeded pseudo-random sequence. */
export interface Random {
  /** The next 32-bit unsigned integer. */
  nextUint32(): number;
  /** A float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number;
  /** An integer in [0, n), without modulo bias. `n` must be an integer in [1, 2^32]. */
  integer(n: number): number;
  /** Fills `bytes` with random bytes and returns it. */
  fill(bytes: Uint8Array): Uint8Array;
}

/** Mixes a string into four non-zero 32-bit words (cyrb128-style, then splitmix32 avalanche). */
function seedWords(seed: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  const words: [number, number, number, number] = [h1, h2, h3, h4];
  for (let i = 0; i < 4; i++) {
    let z = ((words[i] as number) + Math.imul(0x9e3779b9, i + 1 + seed.length)) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    words[i] = z >>> 0 || 0x9e3779b9;
  }
  return words;
}

/**
 * A xoshiro128** sequence seeded from `seed` (any string; the empty string is a valid seed).
 *
 * @example
 * ```ts
 * const random = createRandom('murmur');
 * random.integer(6); // the same value on every run
 * ```
 */
export function createRandom(seed: string): Random {
  let [a, b, c, d] = seedWords(seed);
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return {
    nextUint32,
    nextFloat: () => nextUint32() / 0x1_0000_0000,
    integer(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) {
        throw new RangeError(`integer(n) needs an integer n in [1, 2^32], got ${n}`);
      }
      // Rejection sampling: draw until the value falls below the largest multiple of n.
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % n;
      }
    },
    fill(bytes: Uint8Array): Uint8Array {
      let i = 0;
      for (; i + 4 <= bytes.length; i += 4) {
        const x = nextUint32();
        bytes[i] = x >>> 24;
        bytes[i + 1] = (x >>> 16) & 0xff;
        bytes[i + 2] = (x >>> 8) & 0xff;
        bytes[i + 3] = x & 0xff;
      }
      if (i < bytes.length) {
        let x = nextUint32();
        for (; i < bytes.length; i++) {
          bytes[i] = x & 0xff;
          x >>>= 8;
        }
      }
      return bytes;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * `count` distinct items of `items` chosen uniformly at random (a partial Fisher–Yates shuffle
 * of a copy), in the order drawn. Takes every item when `count` ≥ `items.length`.
 */
export function sample<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const take = Math.min(Math.max(0, Math.floor(count)), pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + random.integer(pool.length - i);
    const swap = pool[i] as T;
    pool[i] = pool[j] as T;
    pool[j] = swap;
  }
  return pool.slice(0, take);
}
