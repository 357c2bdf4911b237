import { MAX_SWARM_ID } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GapIndex, newSwarmId } from './new-swarm-id.js';

const ascending = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

describe('newSwarmId', () => {
  it('gives 0 for the first swarm', () => {
    expect(newSwarmId([])).toBe(0n);
  });

  it('puts the second swarm half way round the 2^64 - 1 point ring', () => {
    // Wrap gap from 0 to 0 = MAX_ID + 1 = 2^64 - 1; half of it, rounded down, is 2^63 - 1.
    expect(newSwarmId([0n])).toBe((1n << 63n) - 1n);
    // From 2^63 - 1 the largest gap is the wrap gap (2^63 vs 2^63 - 1): its middle wraps past
    // MAX_ID: (2^63 - 1) + 2^62 + ... computed modulo 2^64 - 1.
    const third = newSwarmId([0n, (1n << 63n) - 1n]);
    expect(third).toBe((1n << 63n) - 1n + (1n << 62n));
  });

  it('wraps the new ID modulo MAX_ID + 1', () => {
    // One swarm at MAX_ID: the wrap gap is the whole ring, 2^64 - 1; its middle is
    // MAX_ID + 2^63 - 1, which is 2^63 - 2 after wrapping.
    expect(newSwarmId([MAX_SWARM_ID])).toBe((1n << 63n) - 2n);
  });

  it('prefers the lowest-starting gap among equal gaps, and the wrap gap only when larger', () => {
    // Gaps 100 and 100, wrap gap huge: the wrap gap wins.
    const huge = newSwarmId([0n, 100n, 200n]);
    expect(huge).toBe(200n + (MAX_SWARM_ID + 1n - 200n) / 2n);
    // 2^64 - 1 = 3g: IDs 0, g, 2g make three equal gaps, the wrap gap included
    // (MAX_ID - 2g + 0 + 1 = g). The gap starting at 0 wins.
    const g = (MAX_SWARM_ID + 1n) / 3n;
    expect(g * 3n).toBe(MAX_SWARM_ID + 1n);
    expect(newSwarmId([0n, g, 2n * g])).toBe(g / 2n);
    // Among equal inner gaps the lower start wins: gaps g + 1, g + 1, wrap g - 2.
    expect(newSwarmId([0n, g + 1n, 2n * g + 2n])).toBe((g + 1n) / 2n);
    // One more point on the wrap gap's side makes it strictly larger: it wins.
    expect(newSwarmId([1n, g, 2n * g])).toBe(2n * g + (g + 1n) / 2n);
  });
});

describe('GapIndex', () => {
  it('agrees with newSwarmId while IDs come and go', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('grow' as const) }),
      fc.record({
        kind: fc.constant('insert' as const),
        id: fc.bigInt({ min: 0n, max: MAX_SWARM_ID }),
      }),
      fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt({ min: 0n, max: MAX_SWARM_ID }), { maxLength: 6 }),
        fc.array(operation, { maxLength: 60 }),
        (initial, operations) => {
          const ids = [...initial].sort(ascending);
          const index = new GapIndex(ids);
          expect(index.nextId()).toBe(newSwarmId(ids));
          for (const step of operations) {
            if (step.kind === 'grow') {
              const id = newSwarmId(ids);
              if (ids.includes(id)) continue;
              index.insert(id);
              ids.push(id);
            } else if (step.kind === 'insert') {
              if (ids.includes(step.id)) continue;
              index.insert(step.id);
              ids.push(step.id);
            } else {
              if (ids.length === 0) continue;
              const [id] = ids.splice(step.at % ids.length, 1);
              index.remove(id as bigint);
            }
            ids.sort(ascending);
            expect(index.size).toBe(ids.length);
            expect(index.nextId()).toBe(newSwarmId(ids));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
