import { bytesToHex, InvalidInputError } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNASSIGNED_SWARM_ID } from './constants.js';
import {
  createSwarmIndex,
  pubkeyToSwarmSpace,
  swarmForPubkey,
  swarmIdFromHex,
  swarmIdToHex,
} from './swarm-space.js';

const MASK = (1n << 64n) - 1n;

/** The nearest swarm by brute force: smallest ring distance, ties to the left (lower) side. */
function nearestByBruteForce(ids: readonly bigint[], point: bigint): bigint {
  const sorted = [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length === 1) return sorted[0] as bigint;
  let right = sorted.find((id) => id >= point);
  if (right === undefined) right = sorted[0] as bigint;
  const rightIndex = sorted.indexOf(right);
  const left = sorted[(rightIndex + sorted.length - 1) % sorted.length] as bigint;
  const toRight = (right - point) & MASK;
  const toLeft = (point - left) & MASK;
  return toRight < toLeft ? right : left;
}

/** A Session ID whose swarm-space value is `value` (three zero words and `value`). */
function sessionIdFor(value: bigint): string {
  return `05${'0'.repeat(48)}${value.toString(16).padStart(16, '0')}`;
}

describe('pubkeyToSwarmSpace', () => {
  // Vectors from libsession-util's tests (tests/test_swarm.cpp, "pubkey_to_swarm_space").
  const vectors: [string, bigint][] = [
    ['3506f4a71324b7dd114eddbf4e311f39dde243e1f2cb97c40db1961f70ebaae8', 17589930838143112648n],
    ['cf27da303a50ac8c4b2d43d27259505c9bcd73fc21cf2a57902c3d050730b604', 10370619079776428163n],
    ['d3511706b8b34f6e8411bf07bd22ba6b2435ca56846fbccf6eb1e166a6cd15cc', 2144983569669512198n],
    ['0f06693428fca9102a451e3f28d9cc743d8ea60a89ab6aa69eb119470c11cbd3', 9690840703409570833n],
    ['ffba630924aa1224bb930dde21c0d11bf004608f2812217f8ac812d6c7e3ad48', 4532060000165252872n],
    ['eeeeeeeeeeeeeeee777777777777777711111111111111118888888888888888', 0n],
    ['0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 0n],
    ['fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe', 1n],
    ['ffffffffffffffffffffffffffffffffffffffffffffffff7fffffffffffffff', 1n << 63n],
    ['000000000000000000000000000000000000000000000000ffffffffffffffff', MASK],
    ['0000000000000000000000000000000000000000000000000123456789abcdef', 0x0123456789abcdefn],
  ];

  it.each(vectors)('maps %s to %s (libsession-util vector)', (hex, expected) => {
    expect(pubkeyToSwarmSpace(hex)).toBe(expected);
    expect(pubkeyToSwarmSpace(`05${hex}`)).toBe(expected);
    expect(pubkeyToSwarmSpace(hex.toUpperCase())).toBe(expected);
  });

  it('XORs the four big-endian 64-bit chunks (hand-computed)', () => {
    // 0x0102030405060708 ^ 0x1000000000000000 ^ 0x00000000000000ff ^ 0x8000000000000001
    //   = 0x91020304050607f6
    const hex = '0102030405060708' + '1000000000000000' + '00000000000000ff' + '8000000000000001';
    expect(pubkeyToSwarmSpace(hex)).toBe(0x91020304050607f6n);
  });

  it('drops the prefix byte whatever it is, for hex and bytes', () => {
    const key = new Uint8Array(32);
    key[7] = 0x2a;
    key[31] = 0x01;
    const expected = 0x2an ^ 0x01n;
    expect(pubkeyToSwarmSpace(key)).toBe(expected);
    for (const prefix of [0x05, 0x03, 0x15, 0x25, 0x00, 0xff]) {
      const prefixed = new Uint8Array(33);
      prefixed[0] = prefix;
      prefixed.set(key, 1);
      expect(pubkeyToSwarmSpace(prefixed)).toBe(expected);
      expect(pubkeyToSwarmSpace(bytesToHex(prefixed))).toBe(expected);
    }
  });

  it('gives the same value for the bytes and the hex of any key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 33 }), (bytes) => {
        const value = pubkeyToSwarmSpace(bytes);
        expect(pubkeyToSwarmSpace(bytesToHex(bytes))).toBe(value);
        const key = bytes.subarray(bytes.length - 32);
        const view = new DataView(key.buffer, key.byteOffset, 32);
        let expected = 0n;
        for (let i = 0; i < 4; i++) expected ^= view.getBigUint64(i * 8, false);
        expect(value).toBe(expected);
      }),
    );
  });

  it('rejects other lengths, non-hex text and other types with InvalidInputError', () => {
    for (const bad of [
      '',
      '00'.repeat(31),
      '00'.repeat(34),
      `${'0'.repeat(63)}g`,
      `zz${'0'.repeat(64)}`,
      `${'0'.repeat(63)}é`,
      new Uint8Array(31),
      new Uint8Array(34),
      42,
      null,
      undefined,
      [1, 2, 3],
    ]) {
      expect(() => pubkeyToSwarmSpace(bad as string)).toThrow(InvalidInputError);
    }
  });
});

describe('swarmForPubkey', () => {
  // Vectors from libsession-util's tests (tests/test_swarm.cpp, "get_swarm").
  const swarms = [100n, 200n, 300n, 399n, 498n, 596n, 694n];
  const cases: [string, bigint][] = [
    // exact matches
    ['0000000000000064', 100n],
    ['00000000000000c8', 200n],
    ['00000000000001f2', 498n],
    // nearest
    ['0000000000000000', 100n],
    ['0000000000000001', 100n],
    // nearest with wrap-around
    ['8000000000000000', 694n],
    ['a000000000000000', 100n],
    ['ffffffffffffffff', 100n],
    ['fffffffffffffffe', 100n],
    // exact midpoints go to the lower swarm
    ['0000000000000095', 100n],
    ['0000000000000096', 100n],
    ['0000000000000097', 200n],
    ['00000000000000f9', 200n],
    ['00000000000000fa', 200n],
    ['00000000000000fb', 300n],
    ['000000000000015d', 300n],
    ['000000000000015e', 399n],
    ['00000000000001c0', 399n],
    ['00000000000001c1', 498n],
    ['0000000000000222', 498n],
    ['0000000000000223', 498n],
    ['0000000000000224', 596n],
    ['0000000000000285', 596n],
    ['0000000000000286', 694n],
    // the long-way midpoint between 694 and 100 goes "left", to 694
    ['800000000000018c', 694n],
    ['800000000000018d', 694n],
    ['800000000000018e', 100n],
  ];

  it.each(cases)('maps swarm-space %s to swarm %s (libsession-util vector)', (value, expected) => {
    expect(swarmForPubkey(swarms, sessionIdFor(BigInt(`0x${value}`)))).toBe(expected);
    expect(swarmForPubkey(swarms, BigInt(`0x${value}`))).toBe(expected);
  });

  it('breaks a tie across the wrap toward the highest swarm (it is the left one)', () => {
    // With a swarm at 2^64 - 20 the midpoint to 100 is 40: ties go to the left side, which is
    // the highest swarm.
    const withHigh = [...swarms, MASK - 19n];
    expect(swarmForPubkey(withHigh, 0x27n)).toBe(MASK - 19n);
    expect(swarmForPubkey(withHigh, 0x28n)).toBe(MASK - 19n);
    expect(swarmForPubkey(withHigh, 0x29n)).toBe(100n);
    // And with a swarm at 0, the top of the ring is 1 away from it (no overflow).
    const withZero = [0n, ...withHigh];
    expect(swarmForPubkey(withZero, MASK)).toBe(0n);
    expect(swarmForPubkey(withZero, MASK - 1n)).toBe(0n);
  });

  it('maps everything to a single swarm', () => {
    for (const point of [0n, 1n, 1n << 63n, MASK]) expect(swarmForPubkey([42n], point)).toBe(42n);
    expect(swarmForPubkey([42n], `05${'ab'.repeat(32)}`)).toBe(42n);
  });

  it('accepts the IDs in any order and with duplicates', () => {
    const shuffled = [596n, 100n, 694n, 300n, 100n, 498n, 200n, 399n];
    for (const [value, expected] of cases) {
      expect(swarmForPubkey(shuffled, BigInt(`0x${value}`))).toBe(expected);
    }
  });

  it('agrees with a brute-force nearest search on random swarms and points', () => {
    const id = fc.oneof(
      fc.bigInt({ min: 0n, max: MASK - 1n }),
      fc.constantFrom(0n, 1n, MASK - 1n, 1n << 63n, (1n << 63n) - 1n),
    );
    const point = fc.oneof(
      fc.bigInt({ min: 0n, max: MASK }),
      fc.constantFrom(0n, MASK, 1n << 63n, (1n << 32n) - 1n, 1n << 32n),
    );
    fc.assert(
      fc.property(
        fc.array(id, { minLength: 1, maxLength: 12 }),
        fc.array(point, { minLength: 1, maxLength: 20 }),
        (ids, points) => {
          const index = createSwarmIndex(ids);
          for (const value of points) {
            expect(index.swarmFor(value)).toBe(nearestByBruteForce(ids, value));
          }
          // Midpoints between neighbours are the interesting ties.
          const sorted = index.ids;
          for (let i = 0; i < sorted.length; i++) {
            const a = sorted[i] as bigint;
            const b = sorted[(i + 1) % sorted.length] as bigint;
            const middle = (a + (((b - a) & MASK) >> 1n)) & MASK;
            for (const value of [middle, (middle + 1n) & MASK, (middle - 1n) & MASK]) {
              expect(index.swarmFor(value)).toBe(nearestByBruteForce(ids, value));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('maps hex, bytes and the swarm-space value of a key to the same swarm', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: MASK - 1n }), { minLength: 1, maxLength: 8 }),
        fc.uint8Array({ minLength: 33, maxLength: 33 }),
        (ids, key) => {
          const index = createSwarmIndex(ids);
          const expected = nearestByBruteForce(ids, pubkeyToSwarmSpace(key));
          expect(index.swarmFor(key)).toBe(expected);
          expect(index.swarmFor(bytesToHex(key))).toBe(expected);
          expect(index.swarmFor(key.subarray(1))).toBe(expected);
          expect(index.swarmFor(pubkeyToSwarmSpace(key))).toBe(expected);
        },
      ),
    );
  });

  it('rejects an empty swarm list, bad IDs and bad pubkeys', () => {
    expect(() => swarmForPubkey([], 1n)).toThrow(InvalidInputError);
    expect(() => swarmForPubkey([UNASSIGNED_SWARM_ID], 1n)).toThrow(InvalidInputError);
    expect(() => swarmForPubkey([-1n], 1n)).toThrow(InvalidInputError);
    expect(() => swarmForPubkey([5 as unknown as bigint], 1n)).toThrow(InvalidInputError);
    expect(() => swarmForPubkey('1' as unknown as bigint[], 1n)).toThrow(InvalidInputError);
    expect(() => swarmForPubkey([1n], -1n)).toThrow(InvalidInputError);
    expect(() => swarmForPubkey([1n], 1n << 64n)).toThrow(InvalidInputError);
    expect(() => swarmForPubkey([1n, 2n], 'abc')).toThrow(InvalidInputError);
  });

  it('exposes the distinct sorted IDs, frozen', () => {
    const index = createSwarmIndex([3n, 1n, 2n, 3n]);
    expect(index.ids).toEqual([1n, 2n, 3n]);
    expect(Object.isFrozen(index.ids)).toBe(true);
  });
});

describe('swarm ID hex', () => {
  it('writes 16 zero-padded lower-case hex digits', () => {
    expect(swarmIdToHex(0n)).toBe('0000000000000000');
    expect(swarmIdToHex(0xabcn)).toBe('0000000000000abc');
    expect(swarmIdToHex((1n << 63n) - 1n)).toBe('7fffffffffffffff');
    expect(swarmIdToHex(UNASSIGNED_SWARM_ID)).toBe('ffffffffffffffff');
  });

  it('reads 1 to 16 hex digits in either case', () => {
    expect(swarmIdFromHex('0000000000000abc')).toBe(0xabcn);
    expect(swarmIdFromHex('ABC')).toBe(0xabcn);
    expect(swarmIdFromHex('ffffffffffffffff')).toBe(UNASSIGNED_SWARM_ID);
  });

  it('round-trips every 64-bit value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MASK }), (id) => {
        expect(swarmIdFromHex(swarmIdToHex(id))).toBe(id);
      }),
    );
  });

  it('rejects out-of-range IDs and malformed hex', () => {
    expect(() => swarmIdToHex(-1n)).toThrow(InvalidInputError);
    expect(() => swarmIdToHex(1n << 64n)).toThrow(InvalidInputError);
    expect(() => swarmIdToHex(1 as unknown as bigint)).toThrow(InvalidInputError);
    for (const bad of ['', '0x10', '1'.repeat(17), 'g', ' 1', '-1']) {
      expect(() => swarmIdFromHex(bad)).toThrow(InvalidInputError);
    }
  });
});
