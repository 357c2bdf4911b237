import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PathUnavailableError } from './errors.js';
import { type OnionNode, subnetOf } from './onion-node.js';
import { createPathManager, type OnionPath, type PathManager } from './path-manager.js';
import { poolShortfall, selectRelays } from './path-selection.js';
import { fakeNode, seededRandom } from './test-support/fixtures.js';

/** Lets a manager whose guard tests resolve at once finish its build. */
async function settle(manager: PathManager): Promise<void> {
  for (let i = 0; i < 200 && manager.health === 'rebuilding'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function checkPaths(
  paths: readonly OnionPath[],
  pool: readonly OnionNode[],
  hops: number,
  guardCount: number,
  failing: ReadonlySet<string>,
): void {
  const poolKeys = new Set(pool.map((node) => node.ed25519));
  expect(paths.length).toBeLessThanOrEqual(guardCount);
  const seen = new Set<string>();
  for (const path of paths) {
    expect(path.nodes).toHaveLength(hops);
    // At most one node per /24 on a path, the guard included.
    expect(new Set(path.nodes.map((node) => subnetOf(node.ip))).size).toBe(hops);
    for (const node of path.nodes) {
      // No node on two paths (so guards are distinct, and never relays elsewhere).
      expect(seen.has(node.ed25519)).toBe(false);
      seen.add(node.ed25519);
      expect(poolKeys.has(node.ed25519)).toBe(true);
    }
    // Guards passed their test.
    expect(failing.has((path.nodes[0] as OnionNode).ed25519)).toBe(false);
  }
}

const scenario = fc.record({
  hops: fc.integer({ min: 1, max: 4 }),
  guardCount: fc.integer({ min: 1, max: 3 }),
  nodeCount: fc.integer({ min: 0, max: 36 }),
  subnets: fc.integer({ min: 1, max: 14 }),
  subnetPicks: fc.array(fc.nat({ max: 1000 }), { minLength: 36, maxLength: 36 }),
  failing: fc.array(fc.boolean(), { minLength: 36, maxLength: 36 }),
  seed: fc.integer(),
  excludePicks: fc.array(fc.nat({ max: 1000 }), { maxLength: 4 }),
});

describe('path constraints (property tests over random pools)', () => {
  it('every path keeps the /24, disjointness, guard and exclude rules', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (input) => {
        const pool = Array.from({ length: input.nodeCount }, (_, index) =>
          fakeNode(index, (input.subnetPicks[index] as number) % input.subnets),
        );
        const failing = new Set(
          pool.filter((_, index) => input.failing[index]).map((node) => node.ed25519),
        );
        const manager = createPathManager(
          {
            hops: input.hops,
            guardCount: input.guardCount,
            random: seededRandom(input.seed),
            maxGuardTestsPerBuild: 100,
          },
          {
            testGuard: async (node) => {
              if (failing.has(node.ed25519)) throw new Error('unreachable');
            },
          },
        );
        manager.setPool(pool);
        await manager.start();
        try {
          await settle(manager);
          checkPaths(manager.paths(), pool, input.hops, input.guardCount, failing);

          const onPaths = manager.paths().flatMap((path) => path.nodes);
          const exclude = input.excludePicks
            .map((pick) => onPaths[pick % Math.max(onPaths.length, 1)])
            .filter((node): node is OnionNode => node !== undefined)
            .map((node, index) => (index % 2 === 0 ? node.ed25519 : node.x25519));
          try {
            const path = await manager.getPath({ exclude });
            for (const node of path.nodes) {
              expect(exclude).not.toContain(node.ed25519);
              expect(exclude).not.toContain(node.x25519);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(PathUnavailableError);
          }
          await settle(manager);
          checkPaths(manager.paths(), pool, input.hops, input.guardCount, failing);
        } finally {
          await manager.stop();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('builds every wanted path when the pool is large, spread out and all guards answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer(),
        async (hops, guardCount, extra, seed) => {
          const pool = Array.from({ length: hops * guardCount + extra }, (_, i) => fakeNode(i));
          const manager = createPathManager(
            { hops, guardCount, random: seededRandom(seed) },
            { testGuard: async () => undefined },
          );
          manager.setPool(pool);
          await manager.start();
          try {
            await settle(manager);
            expect(manager.health).toBe('healthy');
            expect(manager.paths()).toHaveLength(guardCount);
            checkPaths(manager.paths(), pool, hops, guardCount, new Set());
          } finally {
            await manager.stop();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('selectRelays draws distinct subnets, never the guard’s, or gives up', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        (subnets, count, seed) => {
          const nodes = subnets.map((subnet, index) => fakeNode(index, subnet));
          const [guard, ...candidates] = nodes as [OnionNode, ...OnionNode[]];
          const relays = selectRelays(candidates, guard, count, seededRandom(seed));
          const available = new Set(
            candidates.map((node) => subnetOf(node.ip)).filter((s) => s !== subnetOf(guard.ip)),
          );
          if (available.size < count) {
            expect(relays).toBeUndefined();
            return;
          }
          expect(relays).toHaveLength(count);
          const used = new Set([subnetOf(guard.ip), ...(relays ?? []).map((n) => subnetOf(n.ip))]);
          expect(used.size).toBe(count + 1);
        },
      ),
    );
  });

  it('poolShortfall names what is missing', () => {
    const spread = Array.from({ length: 6 }, (_, i) => fakeNode(i));
    expect(poolShortfall(spread, 3, 2)).toBeUndefined();
    expect(poolShortfall(spread.slice(0, 5), 3, 2)).toMatch(/only 5 usable nodes; 6 are needed/);
    const packed = Array.from({ length: 10 }, (_, i) => fakeNode(i, i % 2));
    expect(poolShortfall(packed, 3, 2)).toMatch(/only 2 \/24 subnets/);
  });
});
