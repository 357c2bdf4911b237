import { swarmForPubkey } from '@murmur/swarm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from './random.js';
import { createStoredData } from './stored-data.js';

const UINT64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_fffen });

describe('createStoredData', () => {
  it('stores every pubkey in the swarm @murmur/swarm names', () => {
    const data = createStoredData(5_000, createRandom('a'));
    const ids = [10n, 1n << 62n, 1n << 63n, 0xf000_0000_0000_0000n];
    expect(data.update(ids)).toEqual({ moved: 0, lookedUp: 5_000 });
    expect(data.verify()).toBe(0);
    const counts = data.countsBySwarm();
    expect([...counts.keys()]).toEqual(ids);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(5_000);
    // Quarter-ring arcs hold about a quarter each; the first arc straddles the wrap.
    for (const id of ids) expect(data.pubkeysIn(id)).toBeGreaterThan(500);
    expect(data.pubkeysIn(12345n)).toBe(0);
  });

  it('counts as moved exactly the pubkeys whose swarm changed (brute force)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(UINT64, { minLength: 1, maxLength: 40 }),
        fc.uniqueArray(UINT64, { minLength: 0, maxLength: 6 }),
        fc.integer({ min: 0, max: 6 }),
        (initial, extra, removeCount) => {
          const random = createRandom(`moves-${initial.length}-${extra.length}`);
          const data = createStoredData(800, random);
          data.update(initial);
          const before = Array.from({ length: data.count }, (_, i) => data.swarmAt(i));
          const next = [...initial.slice(removeCount), ...extra];
          if (next.length === 0) {
            expect(data.update(next).moved).toBe(800);
            return;
          }
          const { moved } = data.update(next);
          let expected = 0;
          for (let i = 0; i < data.count; i++) {
            // An independent lookup per pubkey, with no index shared with the model.
            const swarm = swarmForPubkey(next, data.pointAt(i));
            expect(data.swarmAt(i)).toBe(swarm);
            if (before[i] !== swarm) expected++;
          }
          expect(moved).toBe(expected);
          expect(data.verify()).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('looks up only pubkeys near the changed IDs when few change', () => {
    const random = createRandom('incremental');
    const data = createStoredData(20_000, random);
    const ids = Array.from(
      { length: 200 },
      () => (BigInt(random.nextUint32()) << 32n) | BigInt(random.nextUint32()),
    );
    data.update(ids);
    const next = [...ids.slice(1), 0x0123_4567_89ab_cdefn];
    const { lookedUp, moved } = data.update(next);
    expect(lookedUp).toBeLessThan(20_000 / 10);
    expect(moved).toBeGreaterThan(0);
    expect(data.verify()).toBe(0);
    expect([...data.countsBySwarm().values()].reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('is deterministic for a seed and refuses a bad count', () => {
    const a = createStoredData(1_000, createRandom('same'));
    const b = createStoredData(1_000, createRandom('same'));
    a.update([1n, 2n ** 63n]);
    b.update([1n, 2n ** 63n]);
    expect([...a.countsBySwarm()]).toEqual([...b.countsBySwarm()]);
    expect(() => createStoredData(0, createRandom('x'))).toThrow(RangeError);
    expect(() => a.pointAt(1_000)).toThrow(RangeError);
    expect(createStoredData(3, createRandom('x')).swarmAt(0)).toBeUndefined();
  });
});
