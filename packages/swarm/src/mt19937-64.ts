/**
 * The 64-bit Mersenne Twister (`std::mt19937_64`) and oxend's portable uniform draw, bit for bit,
 * so that every follower of the same block hash makes the same random choices as oxend does.
 *
 * The generator keeps its 312 words as two `Uint32Array` halves: the twist and the tempering run
 * on plain 32-bit numbers, and a `bigint` is built only for {@link Mt19937_64.next}.
 */
import { InvalidInputError } from '@murmur/wire';

const STATE_SIZE = 312;
const SHIFT_SIZE = 156;
// Matrix A = 0xB5026F5AA96619E9.
const MATRIX_A_HIGH = 0xb502_6f5a;
const MATRIX_A_LOW = 0xa966_19e9;
// The initialisation multiplier f = 6364136223846793005.
const INIT_MULTIPLIER = 6_364_136_223_846_793_005n;
const UINT64_MASK = 0xffff_ffff_ffff_ffffn;
const UINT64_MAX = UINT64_MASK;
const TWO_POW_32 = 0x1_0000_0000;

/** The seed `std::mt19937_64` uses when none is given. */
export const MT19937_64_DEFAULT_SEED = 5489n;

/**
 * `std::mt19937_64`: the 64-bit Mersenne Twister with the C++ standard's parameters
 * (n = 312, m = 156, r = 31, a = 0xB5026F5AA96619E9, u = 29, d = 0x5555555555555555, s = 17,
 * b = 0x71D67FFFEDA60000, t = 37, c = 0xFFF7EEE000000000, l = 43, f = 6364136223846793005).
 *
 * @example
 * ```ts
 * const rng = new Mt19937_64(5489n);
 * rng.next(); // 14514284786278117030n, as std::mt19937_64{}() in C++
 * ```
 */
export class Mt19937_64 {
  readonly #high = new Uint32Array(STATE_SIZE);
  readonly #low = new Uint32Array(STATE_SIZE);
  #index = STATE_SIZE;
  /** Low half of the last output of {@link Mt19937_64.nextHigh}. */
  #lastLow = 0;

  /** Seeds the generator like `std::mt19937_64(seed)`; the seed is taken modulo 2^64. */
  constructor(seed: bigint = MT19937_64_DEFAULT_SEED) {
    if (typeof seed !== 'bigint' || seed < 0n || seed > UINT64_MAX) {
      throw new InvalidInputError('seed must be a bigint between 0 and 2^64 - 1', {
        details: { field: 'seed' },
      });
    }
    let word = seed;
    for (let i = 0; i < STATE_SIZE; i++) {
      if (i > 0) word = (INIT_MULTIPLIER * (word ^ (word >> 62n)) + BigInt(i)) & UINT64_MASK;
      this.#high[i] = Number(word >> 32n);
      this.#low[i] = Number(word & 0xffff_ffffn);
    }
  }

  /** The next 64-bit output, as `rng()` in C++. */
  next(): bigint {
    const high = this.nextHigh();
    return (BigInt(high) << 32n) | BigInt(this.#lastLow);
  }

  /**
   * The next output, split: returns its high 32 bits and keeps the low 32 bits for
   * {@link Mt19937_64.lastLow}. For hot loops that must not allocate a `bigint`.
   */
  nextHigh(): number {
    if (this.#index >= STATE_SIZE) this.#twist();
    const i = this.#index++;
    let high = this.#high[i] as number;
    let low = this.#low[i] as number;
    // y ^= (y >> 29) & 0x5555555555555555
    low ^= ((low >>> 29) | (high << 3)) & 0x5555_5555;
    high ^= (high >>> 29) & 0x5555_5555;
    // y ^= (y << 17) & 0x71D67FFFEDA60000
    high ^= ((high << 17) | (low >>> 15)) & 0x71d6_7fff;
    low ^= (low << 17) & 0xeda6_0000;
    // y ^= (y << 37) & 0xFFF7EEE000000000
    high ^= (low << 5) & 0xfff7_eee0;
    // y ^= y >> 43
    low ^= high >>> 11;
    this.#lastLow = low >>> 0;
    return high >>> 0;
  }

  /** Low 32 bits of the output last returned by {@link Mt19937_64.nextHigh}. */
  lastLow(): number {
    return this.#lastLow;
  }

  #twist(): void {
    const high = this.#high;
    const low = this.#low;
    for (let i = 0; i < STATE_SIZE; i++) {
      const next = (i + 1) % STATE_SIZE;
      const shifted = (i + SHIFT_SIZE) % STATE_SIZE;
      // x = (mt[i] & upper 33 bits) | (mt[i + 1] & lower 31 bits)
      const xHigh = high[i] as number;
      const xLow = ((low[i] as number) & 0x8000_0000) | ((low[next] as number) & 0x7fff_ffff);
      // x >> 1, then ^ a when x is odd
      let aHigh = xHigh >>> 1;
      let aLow = (xLow >>> 1) | ((xHigh & 1) << 31);
      if ((xLow & 1) !== 0) {
        aHigh ^= MATRIX_A_HIGH;
        aLow ^= MATRIX_A_LOW;
      }
      high[i] = (high[shifted] as number) ^ aHigh;
      low[i] = (low[shifted] as number) ^ aLow;
    }
    this.#index = 0;
  }
}

/**
 * A deterministic integer uniformly drawn from [0, n), as oxend's
 * `tools::uniform_distribution_portable`: with max = 2^64 - 1,
 * secureMax = max - max mod n; draw x until x < secureMax; return x / (secureMax / n).
 *
 * The result has the type of `n`. `n` must be at least 1 (and at most 2^64 - 1; a `number` must be
 * a safe integer).
 */
export function uniformPortable(rng: Mt19937_64, n: number): number;
export function uniformPortable(rng: Mt19937_64, n: bigint): bigint;
export function uniformPortable(rng: Mt19937_64, n: number | bigint): number | bigint;
export function uniformPortable(rng: Mt19937_64, n: number | bigint): number | bigint {
  if (!(rng instanceof Mt19937_64)) {
    throw new InvalidInputError('rng must be an Mt19937_64', { details: { field: 'rng' } });
  }
  if (typeof n === 'number') {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new InvalidInputError(`n must be a safe integer of at least 1, got ${n}`, {
        details: { field: 'n' },
      });
    }
    if (n <= TWO_POW_32) return uniformSmall(rng, n);
    return Number(uniformBig(rng, BigInt(n)));
  }
  if (typeof n !== 'bigint' || n < 1n || n > UINT64_MAX) {
    throw new InvalidInputError('n must be a bigint between 1 and 2^64 - 1', {
      details: { field: 'n' },
    });
  }
  return uniformBig(rng, n);
}

function uniformBig(rng: Mt19937_64, n: bigint): bigint {
  const secureMax = UINT64_MAX - (UINT64_MAX % n);
  const quotient = secureMax / n;
  let x: bigint;
  do x = rng.next();
  while (x >= secureMax);
  return x / quotient;
}

/**
 * The same draw for 1 <= n <= 2^32 without `bigint`s, for assignSwarms' hot loops.
 *
 * With M = 2^64 - 1, r = M mod n and q = floor(M / n) (so secureMax = M - r = n·q), the answer
 * is floor(x / q) for x < secureMax. r and q come from a long division of M in 16-bit limbs
 * (every step stays below 2^48, exact in doubles). floor(x / q) is estimated in doubles (off by
 * at most one for these sizes) and corrected by comparing k·q with x exactly.
 */
function uniformSmall(rng: Mt19937_64, n: number): number {
  let remainder = 0;
  let quotientHigh = 0;
  let quotientLow = 0;
  for (let limb = 0; limb < 4; limb++) {
    const dividend = remainder * 0x1_0000 + 0xffff;
    const digit = Math.floor(dividend / n); // < 2^16 because remainder < n
    remainder = dividend - digit * n;
    if (limb < 2) quotientHigh = quotientHigh * 0x1_0000 + digit;
    else quotientLow = quotientLow * 0x1_0000 + digit;
  }
  // secureMax = 2^64 - 1 - r with r < 2^32: its high half is all ones.
  const secureLow = 0xffff_ffff - remainder;
  const quotient = quotientHigh * TWO_POW_32 + quotientLow; // rounded; used for the estimate only
  for (;;) {
    const high = rng.nextHigh();
    const low = rng.lastLow();
    if (high === 0xffff_ffff && low >= secureLow) continue;
    let k = Math.min(Math.floor((high * TWO_POW_32 + low) / quotient), n - 1);
    while (k > 0 && compareProduct(k, quotientHigh, quotientLow, high, low) > 0) k--;
    while (k + 1 < n && compareProduct(k + 1, quotientHigh, quotientLow, high, low) <= 0) k++;
    return k;
  }
}

/**
 * Sign of k·q - x, exactly, for q = qHigh·2^32 + qLow, x = xHigh·2^32 + xLow and k·q < 2^64
 * (which holds for every k < n because n·q = secureMax < 2^64).
 */
function compareProduct(
  k: number,
  qHigh: number,
  qLow: number,
  xHigh: number,
  xLow: number,
): number {
  // k·qLow = k·(a·2^16 + b) with partial products below 2^48.
  const upper = k * (qLow >>> 16);
  const lower = k * (qLow & 0xffff);
  const lowSum = (upper % 0x1_0000) * 0x1_0000 + lower; // < 2^49
  const productLow = lowSum % TWO_POW_32;
  const productHigh = k * qHigh + Math.floor(upper / 0x1_0000) + Math.floor(lowSum / TWO_POW_32);
  if (productHigh !== xHigh) return productHigh > xHigh ? 1 : -1;
  if (productLow !== xLow) return productLow > xLow ? 1 : -1;
  return 0;
}

/**
 * The generator oxend seeds for a block's swarm update: `std::mt19937_64` seeded with the first
 * 8 bytes of the block hash read as a little-endian uint64 (oxend `memcpy`s them).
 */
export function rngFromBlockHash(blockHash: Uint8Array): Mt19937_64 {
  return new Mt19937_64(seedFromBlockHash(blockHash));
}

/** The seed {@link rngFromBlockHash} uses: bytes 0..7 of the hash, little-endian. */
export function seedFromBlockHash(blockHash: Uint8Array): bigint {
  if (!(blockHash instanceof Uint8Array) || blockHash.length < 8) {
    throw new InvalidInputError('blockHash must be a Uint8Array of at least 8 bytes', {
      details: { field: 'blockHash', length: (blockHash as { length?: unknown })?.length },
    });
  }
  return new DataView(blockHash.buffer, blockHash.byteOffset, 8).getBigUint64(0, true);
}
