/**
 * Pubkey -> swarm mapping, as Session's storage server does it (SS `pubkey_to_swarm_space`,
 * `get_swarm_by_pk`): the pubkey's 32 bytes (prefix dropped) become a point on the 2^64 ring by
 * XOR of their four big-endian 64-bit words, and the pubkey belongs to the swarm whose ID is
 * nearest on the ring; an exact tie goes to the lower side (left).
 *
 * The hot path works on two 32-bit halves and never allocates a `bigint` per pubkey.
 */
import { InvalidInputError } from '@murmur/wire';
import { UNASSIGNED_SWARM_ID } from './constants.js';

/** A swarm's ID: a point on the 2^64 ring, between 0 and 2^64 - 2. */
export type SwarmId = bigint;

/** Anything that names a pubkey: hex (64 or 66 characters), bytes (32 or 33) or its swarm-space value. */
export type PubkeyInput = Uint8Array | string | bigint;

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const TWO_POW_32 = 0x1_0000_0000;

/** Hex digit values by character code; -1 where the character is not a hex digit. */
const HEX_VALUES: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[65 + i] = 10 + i;
    table[97 + i] = 10 + i;
  }
  return table;
})();

/**
 * A pubkey's point in swarm space (two 32-bit halves). Written into `out` to avoid allocating.
 * Throws {@link InvalidInputError} for anything that is not 32/33 bytes or 64/66 hex characters.
 */
function swarmSpaceHalves(pubkey: Uint8Array | string, out: Uint32Array): void {
  let high = 0;
  let low = 0;
  if (typeof pubkey === 'string') {
    const length = pubkey.length;
    if (length !== 64 && length !== 66) throw invalidPubkey(`a hex string of ${length} characters`);
    let offset = length - 64;
    if (offset === 2 && (hexValue(pubkey, 0) < 0 || hexValue(pubkey, 1) < 0)) {
      throw invalidPubkey('a string that is not hex');
    }
    for (let word = 0; word < 8; word++) {
      let value = 0;
      for (let i = 0; i < 8; i++) {
        const digit = hexValue(pubkey, offset++);
        if (digit < 0) throw invalidPubkey('a string that is not hex');
        value = value * 16 + digit;
      }
      // Words alternate: high half, low half of each big-endian 64-bit chunk.
      if ((word & 1) === 0) high ^= value;
      else low ^= value;
    }
  } else if (pubkey instanceof Uint8Array) {
    const length = pubkey.length;
    if (length !== 32 && length !== 33) throw invalidPubkey(`${length} bytes`);
    const start = length - 32;
    for (let chunk = 0; chunk < 4; chunk++) {
      const i = start + chunk * 8;
      high ^=
        ((pubkey[i] as number) << 24) |
        ((pubkey[i + 1] as number) << 16) |
        ((pubkey[i + 2] as number) << 8) |
        (pubkey[i + 3] as number);
      low ^=
        ((pubkey[i + 4] as number) << 24) |
        ((pubkey[i + 5] as number) << 16) |
        ((pubkey[i + 6] as number) << 8) |
        (pubkey[i + 7] as number);
    }
  } else {
    throw invalidPubkey(`a ${pubkey === null ? 'null' : typeof pubkey}`);
  }
  out[0] = high >>> 0;
  out[1] = low >>> 0;
}

function hexValue(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? (HEX_VALUES[code] as number) : -1;
}

function invalidPubkey(got: string): InvalidInputError {
  return new InvalidInputError(
    `pubkey must be 32 bytes (or 33 with a prefix byte) or 64 hex characters (or 66 with a prefix), got ${got}`,
    { details: { field: 'pubkey' } },
  );
}

/**
 * A pubkey's point in swarm space: the XOR of the four 8-byte chunks of its 32 key bytes, each
 * read as a big-endian uint64. A leading prefix byte (33 bytes, or 66 hex characters such as a
 * Session ID's `05`) is dropped; its value does not matter.
 *
 * @example
 * ```ts
 * pubkeyToSwarmSpace('0000000000000000000000000000000000000000000000000123456789abcdef');
 * // 0x0123456789abcdefn
 * ```
 */
export function pubkeyToSwarmSpace(pubkey: Uint8Array | string): bigint {
  const halves = new Uint32Array(2);
  swarmSpaceHalves(pubkey, halves);
  return (BigInt(halves[0] as number) << 32n) | BigInt(halves[1] as number);
}

/** A set of swarm IDs prepared for fast lookups (sorted once, binary search per pubkey). */
export interface SwarmIndex {
  /** The swarm a pubkey (hex, bytes, or a swarm-space value) belongs to. */
  swarmFor(pubkey: PubkeyInput): SwarmId;
  /** The distinct swarm IDs, ascending. */
  readonly ids: readonly SwarmId[];
}

/**
 * Prepares `swarmIds` (any order; duplicates are merged) for many lookups. Use it whenever more
 * than a handful of pubkeys are mapped against the same swarms.
 *
 * Throws {@link InvalidInputError} when there is no swarm, or an ID is not a bigint in
 * [0, 2^64 - 2] (2^64 - 1 marks unassigned nodes and is never a swarm).
 *
 * @example
 * ```ts
 * const index = createSwarmIndex([100n, 200n, 300n]);
 * index.swarmFor('05' + '00'.repeat(31) + '96'); // 100n (150 is a tie: it goes left)
 * ```
 */
export function createSwarmIndex(swarmIds: readonly SwarmId[]): SwarmIndex {
  if (!Array.isArray(swarmIds)) {
    throw new InvalidInputError('swarmIds must be an array of bigint swarm IDs', {
      details: { field: 'swarmIds' },
    });
  }
  for (const id of swarmIds) checkSwarmId(id, 'swarmIds');
  const ids = [...new Set(swarmIds)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (ids.length === 0) {
    throw new InvalidInputError('there are no swarms to map a pubkey to', {
      details: { field: 'swarmIds' },
    });
  }
  const count = ids.length;
  const highs = new Uint32Array(count);
  const lows = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const id = ids[i] as bigint;
    highs[i] = Number(id >> 32n);
    lows[i] = Number(id & 0xffff_ffffn);
  }
  const frozenIds: readonly SwarmId[] = Object.freeze(ids);
  const halves = new Uint32Array(2);

  const swarmFor = (pubkey: PubkeyInput): SwarmId => {
    if (typeof pubkey === 'bigint') {
      if (pubkey < 0n || pubkey > UINT64_MAX) {
        throw new InvalidInputError('a swarm-space value must be between 0 and 2^64 - 1', {
          details: { field: 'pubkey' },
        });
      }
      halves[0] = Number(pubkey >> 32n);
      halves[1] = Number(pubkey & 0xffff_ffffn);
    } else {
      swarmSpaceHalves(pubkey, halves);
    }
    if (count === 1) return frozenIds[0] as bigint;
    const high = halves[0] as number;
    const low = halves[1] as number;
    // right = first index with id >= point (lower bound), wrapping to 0.
    let from = 0;
    let to = count;
    while (from < to) {
      const middle = (from + to) >>> 1;
      const middleHigh = highs[middle] as number;
      if (middleHigh < high || (middleHigh === high && (lows[middle] as number) < low)) {
        from = middle + 1;
      } else {
        to = middle;
      }
    }
    const right = from === count ? 0 : from;
    const left = right === 0 ? count - 1 : right - 1;
    // dright = (right - point) mod 2^64, dleft = (point - left) mod 2^64, as (high, low) pairs.
    let rightLow = (lows[right] as number) - low;
    let rightHigh = (highs[right] as number) - high;
    if (rightLow < 0) {
      rightLow += TWO_POW_32;
      rightHigh -= 1;
    }
    if (rightHigh < 0) rightHigh += TWO_POW_32;
    let leftLow = low - (lows[left] as number);
    let leftHigh = high - (highs[left] as number);
    if (leftLow < 0) {
      leftLow += TWO_POW_32;
      leftHigh -= 1;
    }
    if (leftHigh < 0) leftHigh += TWO_POW_32;
    const rightIsCloser = rightHigh < leftHigh || (rightHigh === leftHigh && rightLow < leftLow);
    return frozenIds[rightIsCloser ? right : left] as bigint;
  };

  return Object.freeze({ swarmFor, ids: frozenIds });
}

/**
 * The swarm a pubkey belongs to among `swarmIds` (any order): the nearest swarm ID on the 2^64
 * ring to the pubkey's swarm-space value, ties going left; with one swarm, that swarm.
 * `pubkey` is hex (64 or 66 characters), bytes (32 or 33) or an already computed swarm-space
 * value. Sorts the IDs on every call: for many lookups use {@link createSwarmIndex}.
 *
 * Throws {@link InvalidInputError} when there are no swarms or an input is malformed.
 */
export function swarmForPubkey(swarmIds: readonly SwarmId[], pubkey: PubkeyInput): SwarmId {
  return createSwarmIndex(swarmIds).swarmFor(pubkey);
}

/** Throws unless `id` is a bigint swarm ID in [0, 2^64 - 2]. */
export function checkSwarmId(id: unknown, field: string): asserts id is SwarmId {
  if (typeof id !== 'bigint' || id < 0n || id >= UNASSIGNED_SWARM_ID) {
    throw new InvalidInputError(
      `${field} must hold bigint swarm IDs between 0 and 2^64 - 2 (2^64 - 1 means unassigned), got ${String(id)}`,
      { details: { field } },
    );
  }
}

/**
 * A swarm ID as 16 lower-case hex characters, zero-padded: the form of the `swarm` field in
 * `get_swarm` and 421 answers. Accepts [0, 2^64 - 1] (the unassigned marker included).
 */
export function swarmIdToHex(id: SwarmId): string {
  if (typeof id !== 'bigint' || id < 0n || id > UINT64_MAX) {
    throw new InvalidInputError('a swarm ID must be a bigint between 0 and 2^64 - 1', {
      details: { field: 'swarmId' },
    });
  }
  return id.toString(16).padStart(16, '0');
}

/**
 * A swarm ID from its hex form. Accepts 1 to 16 hex digits in either case (peers may or may not
 * zero-pad), with no `0x` prefix and nothing else.
 */
export function swarmIdFromHex(hex: string): SwarmId {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{1,16}$/.test(hex)) {
    throw new InvalidInputError('a swarm ID must be 1 to 16 hex digits', {
      details: { field: 'swarmId' },
    });
  }
  return BigInt(`0x${hex}`);
}
