import {
  bytesToHex,
  InvalidInputError,
  MAX_SWARM_ID,
  MIN_SWARM_SIZE,
  NEW_SWARM_SIZE,
} from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNASSIGNED_SWARM_ID } from './constants.js';
import { assignSwarms, swarmMembers } from './formation.js';
import { Mt19937_64 } from './mt19937-64.js';
import { createSwarmIndex } from './swarm-space.js';
import { referenceAssignSwarms } from './test-support/reference-formation.js';

/** Deterministic node keys: four mt19937_64 outputs each. */
function makeKeys(count: number, seed: bigint): string[] {
  const rng = new Mt19937_64(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: 4 }, () => rng.next().toString(16).padStart(16, '0')).join(''),
  );
}

/** A deterministic 32-byte "block hash" for block `height`. */
function blockHash(height: number): Uint8Array {
  const rng = new Mt19937_64(BigInt(height) + 1_000_000n);
  const hash = new Uint8Array(32);
  const view = new DataView(hash.buffer);
  for (let i = 0; i < 4; i++) view.setBigUint64(i * 8, rng.next());
  return hash;
}

/** A Fisher-Yates shuffle driven by mt19937_64 (a copy; the input is left alone). */
function shuffle<T>(items: readonly T[], seed: bigint): T[] {
  const rng = new Mt19937_64(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Number(rng.next() % BigInt(i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Nodes present in both assignments whose swarm differs. */
function movedNodes(before: ReadonlyMap<string, bigint>, after: ReadonlyMap<string, bigint>) {
  return [...after].filter(([key, id]) => before.has(key) && before.get(key) !== id);
}

/** The invariants every result must satisfy. */
function checkInvariants(assignment: Map<string, bigint>, active: readonly string[]): void {
  const expectedKeys = [...new Set(active.map((key) => key.toLowerCase()))].sort();
  // Every active node exactly once (a Map cannot hold a key twice), and nothing else.
  expect([...assignment.keys()]).toEqual(expectedKeys);
  for (const id of assignment.values()) {
    expect(id).toBeGreaterThanOrEqual(0n);
    expect(id).toBeLessThanOrEqual(MAX_SWARM_ID);
  }
  const swarms = swarmMembers(assignment);
  if (expectedKeys.length >= MIN_SWARM_SIZE) {
    for (const members of swarms.values()) {
      expect(members.length).toBeGreaterThanOrEqual(MIN_SWARM_SIZE);
    }
  } else if (expectedKeys.length > 0) {
    expect(swarms.size).toBe(1);
  }
}

const hashArbitrary = fc.uint8Array({ minLength: 8, maxLength: 32 });
const keyArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);

describe('assignSwarms: scenarios', () => {
  it('returns an empty assignment when no node is active', () => {
    expect(assignSwarms(new Map(), [], blockHash(1)).size).toBe(0);
    const previous = new Map(makeKeys(3, 1n).map((key) => [key, 5n] as const));
    expect(assignSwarms(previous, [], blockHash(1)).size).toBe(0);
  });

  it('puts up to 13 fresh nodes in one swarm with ID 0', () => {
    for (const count of [1, 4, 5, 13]) {
      const keys = makeKeys(count, 2n);
      const assignment = assignSwarms(new Map(), keys, blockHash(count));
      expect(new Set(assignment.values())).toEqual(new Set([0n]));
      checkInvariants(assignment, keys);
    }
  });

  it('cuts a second swarm of 7 at 2^63 - 1 when the 14th node arrives', () => {
    // Excess 14 - 5 = 9 >= 7 + 2 x 1: seven nodes leave swarm 0 for the middle of the ring.
    const keys = makeKeys(14, 3n);
    const assignment = assignSwarms(new Map(), keys, blockHash(3));
    const swarms = swarmMembers(assignment);
    expect([...swarms.keys()]).toEqual([0n, (1n << 63n) - 1n]);
    expect([...swarms.values()].map((members) => members.length)).toEqual([7, 7]);
  });

  it('grows from 0 to 100 nodes one at a time, moving at most 7 nodes per join', () => {
    const keys = makeKeys(100, 4n);
    let assignment = new Map<string, bigint>();
    for (let count = 1; count <= keys.length; count++) {
      const active = keys.slice(0, count);
      const next = assignSwarms(assignment, active, blockHash(count));
      checkInvariants(next, active);
      expect(movedNodes(assignment, next).length).toBeLessThanOrEqual(NEW_SWARM_SIZE);
      expect(next).toEqual(referenceAssignSwarms(assignment, active, blockHash(count)));
      assignment = next;
    }
    const sizes = [...swarmMembers(assignment).values()].map((members) => members.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    // 100 nodes settle into swarms of 5..9 (the excess rule leaves 2 spare per swarm on average).
    expect(sizes.length).toBeGreaterThanOrEqual(11);
    expect(sizes.length).toBeLessThanOrEqual(14);
  });

  it('shrinks from 100 nodes down to 5 one at a time, ending in a single swarm', () => {
    const keys = makeKeys(100, 5n);
    let assignment = assignSwarms(new Map(), keys, blockHash(0));
    const leaving = [...keys].sort().reverse(); // some fixed order unrelated to the swarms
    let active = [...keys];
    let height = 1;
    while (active.length > 5) {
      const gone = leaving.pop() as string;
      active = active.filter((key) => key !== gone);
      const next = assignSwarms(assignment, active, blockHash(height));
      checkInvariants(next, active);
      expect(movedNodes(assignment, next).length).toBeLessThanOrEqual(
        MIN_SWARM_SIZE - 1 + NEW_SWARM_SIZE,
      );
      expect(next).toEqual(referenceAssignSwarms(assignment, active, blockHash(height)));
      assignment = next;
      height++;
    }
    expect(swarmMembers(assignment).size).toBe(1);
  });

  it('rescues a swarm that fell under 5 with one node from a large swarm', () => {
    const keys = makeKeys(22, 6n);
    // Swarm 100: 4 nodes; swarms 200 and 300: 9 each. The 75th percentile size is 9, so swarms
    // over max(5, 9 - 1) = 8 may be robbed: both, with 8 excess for a deficit of 1.
    const previous = new Map(keys.map((key, i) => [key, i < 4 ? 100n : i < 13 ? 200n : 300n]));
    const assignment = assignSwarms(previous, keys, blockHash(6));
    const sizes = new Map([...swarmMembers(assignment)].map(([id, m]) => [id, m.length]));
    expect(sizes.get(100n)).toBe(5);
    expect([sizes.get(200n), sizes.get(300n)].sort()).toEqual([8, 9]);
    expect(movedNodes(previous, assignment)).toHaveLength(1);
    expect(assignment).toEqual(referenceAssignSwarms(previous, keys, blockHash(6)));
  });

  it('dissolves a swarm under 5 when no swarm can spare a node', () => {
    const keys = makeKeys(14, 7n);
    // Swarm 100: 4 nodes; swarms 200 and 300: 5 each. No swarm is over 5: nothing to steal, so
    // swarm 100 dissolves and its 4 nodes go to the smallest swarms.
    const previous = new Map(keys.map((key, i) => [key, i < 4 ? 100n : i < 9 ? 200n : 300n]));
    const assignment = assignSwarms(previous, keys, blockHash(7));
    const swarms = swarmMembers(assignment);
    expect([...swarms.keys()]).toEqual([200n, 300n]);
    expect([...swarms.values()].map((m) => m.length).sort()).toEqual([7, 7]);
    expect(movedNodes(previous, assignment)).toHaveLength(4);
    expect(assignment).toEqual(referenceAssignSwarms(previous, keys, blockHash(7)));
  });

  it('keeps a single undersized swarm when the whole network has under 5 nodes', () => {
    const keys = makeKeys(4, 8n);
    const previous = new Map<string, bigint>([
      [keys[0] as string, 10n],
      [keys[1] as string, 10n],
      [keys[2] as string, 20n],
      [keys[3] as string, 20n],
    ]);
    // oxend would dissolve both swarms and crash on the empty map; Murmur stops at one swarm.
    const assignment = assignSwarms(previous, keys, blockHash(8));
    expect(new Set(assignment.values()).size).toBe(1);
    checkInvariants(assignment, keys);
  });

  it('treats nodes mapped to UNASSIGNED_SWARM_ID as new, and drops inactive nodes', () => {
    const keys = makeKeys(12, 9n);
    const previous = new Map<string, bigint>(keys.slice(0, 6).map((key) => [key, 42n]));
    previous.set(keys[6] as string, UNASSIGNED_SWARM_ID);
    previous.set(makeKeys(1, 99n)[0] as string, 42n); // inactive now
    const active = keys.slice(0, 10);
    const assignment = assignSwarms(previous, active, blockHash(9));
    expect(new Set(assignment.values())).toEqual(new Set([42n]));
    checkInvariants(assignment, active);
  });
});

describe('assignSwarms: regression vector', () => {
  // Fixed inputs and the assignment they gave when this was written (and that the naive
  // reference agrees with). Any change here is a change of the algorithm: it must be deliberate.
  it('gives the recorded assignment for 40 fresh nodes, then 3 leaves and 6 joins', () => {
    const keys = makeKeys(46, 2024n);
    const hashA = new Uint8Array(32).map((_, i) => i);
    const first = assignSwarms(new Map(), keys.slice(0, 40), hashA);
    const asIndices = (assignment: Map<string, bigint>) =>
      Object.fromEntries(
        [...swarmMembers(assignment)].map(([id, members]) => [
          id.toString(16).padStart(16, '0'),
          members.map((key) => keys.indexOf(key)).sort((a, b) => a - b),
        ]),
      );
    expect(asIndices(first)).toEqual(FIRST_EXPECTED);
    const hashB = new Uint8Array(32).map((_, i) => 255 - i);
    const active = [...keys.slice(3, 40), ...keys.slice(40)];
    const second = assignSwarms(first, active, hashB);
    expect(asIndices(second)).toEqual(SECOND_EXPECTED);
    expect(second).toEqual(referenceAssignSwarms(first, active, hashB));
  });
});

/** Swarm ID (hex) -> indices into `makeKeys(46, 2024n)` of its members. */
const FIRST_EXPECTED: Record<string, number[]> = {
  '0000000000000000': [3, 8, 12, 16, 19, 20, 27, 29],
  '3fffffffffffffff': [9, 13, 25, 28, 30, 32, 35, 37],
  '5fffffffffffffff': [1, 14, 18, 21, 23, 31, 39],
  '7fffffffffffffff': [4, 5, 6, 7, 10, 11, 34, 36],
  bfffffffffffffff: [0, 2, 15, 17, 22, 24, 26, 33, 38],
};
const SECOND_EXPECTED: Record<string, number[]> = {
  '0000000000000000': [3, 8, 12, 19, 20, 27],
  '3fffffffffffffff': [13, 28, 30, 32, 35, 37, 42],
  '5fffffffffffffff': [14, 18, 21, 23, 39, 41, 45],
  '7fffffffffffffff': [4, 5, 6, 7, 10, 11, 34, 36, 40],
  '9fffffffffffffff': [9, 16, 25, 26, 29, 31, 44],
  bfffffffffffffff: [15, 17, 22, 24, 33, 38, 43],
};

describe('assignSwarms: properties', () => {
  /** A network built by the algorithm itself: growth in a few random batches. */
  const grownNetwork = fc
    .record({
      keys: fc.uniqueArray(keyArbitrary, { minLength: 0, maxLength: 90 }),
      cuts: fc.array(fc.nat({ max: 90 }), { maxLength: 3 }),
      hashes: fc.array(hashArbitrary, { minLength: 4, maxLength: 4 }),
    })
    .map(({ keys, cuts, hashes }) => {
      const bounds = [...cuts.map((cut) => Math.min(cut, keys.length)), keys.length].sort(
        (a, b) => a - b,
      );
      let assignment = new Map<string, bigint>();
      bounds.forEach((bound, i) => {
        assignment = assignSwarms(assignment, keys.slice(0, bound), hashes[i] as Uint8Array);
      });
      return { keys, assignment };
    });

  it('matches the naive reference on arbitrary previous states and active sets', () => {
    // Arbitrary previous states (swarms of any size, including undersized ones) reach the Robin
    // Hood and dissolve steps in every combination.
    fc.assert(
      fc.property(
        fc.uniqueArray(keyArbitrary, { maxLength: 70 }),
        fc.array(fc.bigInt({ min: 0n, max: UNASSIGNED_SWARM_ID }), { minLength: 1, maxLength: 9 }),
        fc.array(fc.nat(), { maxLength: 70 }),
        fc.array(fc.boolean(), { maxLength: 70 }),
        fc.uniqueArray(keyArbitrary, { maxLength: 20 }),
        hashArbitrary,
        (keys, ids, choices, actives, joiners, hash) => {
          const previous = new Map<string, bigint>();
          keys.forEach((key, i) => {
            previous.set(key, ids[(choices[i] ?? i) % ids.length] as bigint);
          });
          const active = [
            ...keys.filter((_, i) => actives[i] ?? true),
            ...joiners.filter((key) => !previous.has(key)),
          ];
          const assignment = assignSwarms(previous, active, hash);
          checkInvariants(assignment, active);
          expect(assignment).toEqual(referenceAssignSwarms(previous, active, hash));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same output for the same inputs, whatever the order or case of the keys', () => {
    fc.assert(
      fc.property(
        grownNetwork,
        fc.uniqueArray(keyArbitrary, { maxLength: 10 }),
        hashArbitrary,
        fc.nat(),
        ({ keys, assignment }, joiners, hash, seed) => {
          const active = [...keys.slice(1), ...joiners.filter((key) => !assignment.has(key))];
          const expected = assignSwarms(assignment, active, hash);
          expect(assignSwarms(assignment, active, hash)).toEqual(expected);
          const shuffled = shuffle(active, BigInt(seed));
          expect(assignSwarms(assignment, shuffled, hash)).toEqual(expected);
          const upper = new Map([...assignment].map(([key, id]) => [key.toUpperCase(), id]));
          const upperActive = active.map((key, i) => (i % 2 === 0 ? key.toUpperCase() : key));
          expect(assignSwarms(upper, upperActive, hash)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('moves at most NEW_SWARM_SIZE existing nodes when one node joins', () => {
    fc.assert(
      fc.property(
        grownNetwork,
        keyArbitrary,
        hashArbitrary,
        ({ keys, assignment }, joiner, hash) => {
          fc.pre(!assignment.has(joiner));
          const active = [...keys, joiner];
          const next = assignSwarms(assignment, active, hash);
          checkInvariants(next, active);
          expect(movedNodes(assignment, next).length).toBeLessThanOrEqual(NEW_SWARM_SIZE);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('moves at most MIN_SWARM_SIZE - 1 + NEW_SWARM_SIZE nodes when one node leaves', () => {
    // A leave either leaves every swarm at 5+ (nothing moves), or one swarm drops to 4 and is
    // rescued with 1 node, or it dissolves: its 4 nodes move and, at most once, a new swarm of 7
    // may be cut from the excess they add.
    fc.assert(
      fc.property(grownNetwork, fc.nat(), hashArbitrary, ({ keys, assignment }, pick, hash) => {
        fc.pre(keys.length > 0);
        const gone = keys[pick % keys.length] as string;
        const active = keys.filter((key) => key !== gone);
        const next = assignSwarms(assignment, active, hash);
        checkInvariants(next, active);
        expect(movedNodes(assignment, next).length).toBeLessThanOrEqual(
          MIN_SWARM_SIZE - 1 + NEW_SWARM_SIZE,
        );
      }),
      { numRuns: 100 },
    );
  });

  it('covers the ring: every pubkey maps to an existing swarm, and every swarm gets pubkeys', () => {
    // Counted, then asserted once per run (an expect per pubkey made this test slow enough to
    // time out on a busy machine), with runs and pubkeys sized for a loaded 2-core box.
    fc.assert(
      fc.property(grownNetwork, fc.integer({ min: 1, max: 2 ** 31 }), ({ assignment }, seed) => {
        fc.pre(assignment.size > 0);
        const swarms = swarmMembers(assignment);
        const index = createSwarmIndex([...swarms.keys()]);
        const rng = new Mt19937_64(BigInt(seed));
        const hits = new Map<bigint, number>();
        const pubkey = new Uint8Array(33);
        const view = new DataView(pubkey.buffer);
        pubkey[0] = 0x05;
        let unknown = 0;
        for (let i = 0; i < 4_000; i++) {
          for (let word = 0; word < 4; word++) view.setBigUint64(1 + word * 8, rng.next());
          const id = index.swarmFor(pubkey);
          if (!swarms.has(id)) unknown += 1;
          hits.set(id, (hits.get(id) ?? 0) + 1);
        }
        expect(unknown).toBe(0);
        // IDs made by halving the largest gap leave every swarm an arc of at least 1/64 of the
        // ring for up to 32 swarms: about 60 of 4,000 random pubkeys; the chance that one gets
        // none is (63/64)^4000 < 1e-27.
        expect(hits.size).toBe(swarms.size);
      }),
      { numRuns: 20 },
    );
  });
});

describe('assignSwarms: purity and validation', () => {
  it('does not mutate its inputs', () => {
    const keys = makeKeys(30, 10n);
    const previous = assignSwarms(new Map(), keys.slice(0, 20), blockHash(1));
    const previousCopy = new Map(previous);
    const active = [...keys];
    const activeCopy = [...active];
    const hash = blockHash(2);
    const hashCopy = hash.slice();
    assignSwarms(previous, active, hash);
    expect(previous).toEqual(previousCopy);
    expect([...previous.keys()]).toEqual([...previousCopy.keys()]);
    expect(active).toEqual(activeCopy);
    expect(hash).toEqual(hashCopy);
  });

  it('rejects malformed keys, duplicates, bad swarm IDs and short hashes', () => {
    const keys = makeKeys(6, 11n);
    const hash = blockHash(1);
    const bad =
      (previous: Map<string, bigint>, active: string[], h = hash) =>
      () =>
        assignSwarms(previous, active, h);
    expect(bad(new Map(), [...keys, 'abc'])).toThrow(InvalidInputError);
    expect(bad(new Map(), [...keys, `${'g'.repeat(64)}`])).toThrow(InvalidInputError);
    expect(bad(new Map(), [...keys, keys[0] as string])).toThrow(InvalidInputError);
    expect(bad(new Map(), [...keys, (keys[0] as string).toUpperCase()])).toThrow(InvalidInputError);
    expect(bad(new Map(), [...keys, 5 as unknown as string])).toThrow(InvalidInputError);
    expect(bad(new Map([['xyz', 1n]]), keys)).toThrow(InvalidInputError);
    expect(bad(new Map([[keys[0] as string, -1n]]), keys)).toThrow(InvalidInputError);
    expect(bad(new Map([[keys[0] as string, 1n << 64n]]), keys)).toThrow(InvalidInputError);
    expect(bad(new Map([[keys[0] as string, 3 as unknown as bigint]]), keys)).toThrow(
      InvalidInputError,
    );
    expect(
      bad(
        new Map([
          [keys[0] as string, 1n],
          [(keys[0] as string).toUpperCase(), 2n],
        ]),
        keys,
      ),
    ).toThrow(InvalidInputError);
    expect(bad(new Map(), keys, new Uint8Array(7))).toThrow(InvalidInputError);
    expect(() => assignSwarms({} as Map<string, bigint>, keys, hash)).toThrow(InvalidInputError);
    expect(() => assignSwarms(new Map(), 'abc' as unknown as string[], hash)).toThrow(
      InvalidInputError,
    );
  });
});

describe('swarmMembers', () => {
  it('groups by swarm, IDs ascending, members sorted', () => {
    const assignment = new Map<string, bigint>([
      ['c', 2n],
      ['a', 2n],
      ['b', 1n],
      ['d', UNASSIGNED_SWARM_ID],
    ]);
    expect([...swarmMembers(assignment)]).toEqual([
      [1n, ['b']],
      [2n, ['a', 'c']],
      [UNASSIGNED_SWARM_ID, ['d']],
    ]);
    expect(() => swarmMembers([] as unknown as Map<string, bigint>)).toThrow(InvalidInputError);
  });
});
