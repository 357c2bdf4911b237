import { AbortError, type AbortOptions, InvalidInputError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PathUnavailableError } from './errors.js';
import type { PathHealth } from './events.js';
import type { OnionNode } from './onion-node.js';
import {
  createPathManager,
  type PathManager,
  type PathManagerComponents,
  type PathManagerInit,
} from './path-manager.js';
import { fakeNode, recordingLogger, seededRandom } from './test-support/fixtures.js';

const POOL = Array.from({ length: 12 }, (_, i) => fakeNode(i));
const flush = () => vi.advanceTimersByTimeAsync(0);

let managers: PathManager[] = [];

function manager(
  init: PathManagerInit = {},
  components: Partial<PathManagerComponents> = {},
): PathManager & { healthLog: PathHealth[]; tested: OnionNode[] } {
  const tested: OnionNode[] = [];
  const testGuard =
    components.testGuard ??
    (async () => {
      // answers at once
    });
  const created = createPathManager(
    { random: seededRandom(7), ...init },
    {
      ...components,
      testGuard: (node, options) => {
        tested.push(node);
        return testGuard(node, options);
      },
    },
  );
  const healthLog: PathHealth[] = [];
  created.onHealthChange((event) => healthLog.push(event.health));
  managers.push(created);
  return Object.assign(created, { healthLog, tested });
}

async function healthyManager(init: PathManagerInit = {}) {
  const m = manager(init);
  m.setPool(POOL);
  await m.start();
  await flush();
  expect(m.health).toBe('healthy');
  return m;
}

const keysOf = (m: PathManager) => new Set(m.paths().flatMap((p) => p.nodes.map((n) => n.ed25519)));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  for (const m of managers) await m.stop();
  managers = [];
  vi.useRealTimers();
});

describe('building', () => {
  it('builds guardCount paths of `hops` nodes and goes offline → rebuilding → healthy', async () => {
    const m = manager();
    m.setPool(POOL);
    await m.start();
    await flush();
    expect(m.healthLog).toEqual(['rebuilding', 'healthy']);
    expect(m.paths()).toHaveLength(2);
    for (const path of m.paths()) expect(path.nodes).toHaveLength(3);
    expect(m.status()).toMatchObject({ health: 'healthy', paths: 2, wanted: 2, usableNodes: 12 });
  });

  it('tests guards before use and replaces the ones that fail', async () => {
    const bad = new Set(POOL.filter((_, i) => i % 2 === 0).map((n) => n.ed25519));
    const m = manager(
      {},
      {
        testGuard: async (node) => {
          if (bad.has(node.ed25519)) throw new Error('no answer');
        },
      },
    );
    m.setPool(POOL);
    await m.start();
    await flush();
    expect(m.health).toBe('healthy');
    const guards = m.paths().map((p) => p.nodes[0] as OnionNode);
    for (const guard of guards) {
      expect(bad.has(guard.ed25519)).toBe(false);
      expect(m.tested).toContainEqual(guard);
    }
  });

  it('counts a guard test that outlives guardTestTimeoutMs as a failure and aborts it', async () => {
    const slow = new Set(POOL.slice(0, 8).map((n) => n.ed25519));
    const signals: AbortSignal[] = [];
    const m = manager(
      { guardTestTimeoutMs: 5_000 },
      {
        testGuard: (node, options: AbortOptions) => {
          if (!slow.has(node.ed25519)) return Promise.resolve();
          if (options.signal) signals.push(options.signal);
          return new Promise(() => {
            // never settles: only the timeout ends it
          });
        },
      },
    );
    m.setPool(POOL);
    await m.start();
    await flush();
    await vi.advanceTimersByTimeAsync(5_000 * 8);
    expect(m.health).toBe('healthy');
    for (const path of m.paths())
      expect(slow.has((path.nodes[0] as OnionNode).ed25519)).toBe(false);
    expect(signals.length).toBeGreaterThan(0);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('goes degraded when fewer paths than wanted can be built', async () => {
    // Six nodes over three /24s, four of them in one: room for one path of three, not two.
    const crowded = [0, 1, 2, 3].map((i) => fakeNode(i, 0));
    const pool = [...crowded, fakeNode(4, 4), fakeNode(5, 5)];
    const m = manager();
    m.setPool(pool);
    await m.start();
    await flush();
    expect(m.health).toBe('degraded');
    expect(m.paths()).toHaveLength(1);
    expect(m.status().reason).toMatch(/1 of 2 paths ready: too few free nodes in distinct \/24/);
    const path = await m.getPath();
    expect(path.id).toBe((m.paths()[0] as { id: string }).id);
    expect(m.status().nextRetryAt).toBeDefined();
  });

  it('is offline with a clear reason when the pool is too small or too concentrated', async () => {
    const m = manager();
    const bootstraps: string[] = [];
    m.on('bootstrap', (event) => bootstraps.push(event.reason));
    m.setPool(POOL.slice(0, 5));
    await m.start();
    await flush();
    expect(m.health).toBe('offline');
    expect(m.status().reason).toMatch(/only 5 usable nodes; 6 are needed/);
    expect(m.needsBootstrap).toBe(true);
    expect(bootstraps).toHaveLength(1);
    const error = await m.getPath().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PathUnavailableError);
    expect((error as PathUnavailableError).health).toBe('offline');
    expect((error as Error).message).toMatch(/only 5 usable nodes/);

    m.setPool(Array.from({ length: 10 }, (_, i) => fakeNode(i, i % 2)));
    await flush();
    expect(m.health).toBe('offline');
    expect(m.status().reason).toMatch(/2 \/24 subnets/);

    m.setPool(POOL);
    await flush();
    expect(m.health).toBe('healthy');
    expect(m.needsBootstrap).toBe(false);
  });
});

describe('strikes', () => {
  it('drops a node after 3 strikes and rebuilds its path around the same guard', async () => {
    const m = await healthyManager();
    const [first] = m.paths();
    if (first === undefined) throw new Error('no path');
    const relay = first.nodes[1] as OnionNode;
    m.reportNodeFailure(relay.ed25519);
    m.reportNodeFailure(relay.x25519); // either key names the node
    await flush();
    expect(m.paths().map((p) => p.id)).toContain(first.id);

    m.healthLog.length = 0;
    m.reportNodeFailure(relay.ed25519);
    await flush();
    expect(m.healthLog).toEqual(['rebuilding', 'healthy']);
    expect(m.paths().map((p) => p.id)).not.toContain(first.id);
    expect(keysOf(m).has(relay.ed25519)).toBe(false);
    expect(m.paths().map((p) => (p.nodes[0] as OnionNode).ed25519)).toContain(
      (first.nodes[0] as OnionNode).ed25519,
    );
    expect(m.status().usableNodes).toBe(11);
  });

  it('drops a guard after 3 strikes and picks another', async () => {
    const m = await healthyManager();
    const guard = m.paths()[0]?.nodes[0] as OnionNode;
    for (let i = 0; i < 3; i++) m.reportNodeFailure(guard.ed25519);
    await flush();
    expect(m.health).toBe('healthy');
    expect(m.paths()).toHaveLength(2);
    expect(keysOf(m).has(guard.ed25519)).toBe(false);
  });

  it('rebuilds a path after 3 path strikes, keeps its guard after a new test, blames its relays once', async () => {
    const m = await healthyManager();
    const [path] = m.paths();
    if (path === undefined) throw new Error('no path');
    const [guard, ...relays] = path.nodes as OnionNode[];
    if (guard === undefined) throw new Error('no guard');
    m.reportPathFailure(path.id);
    m.reportPathFailure(path.id);
    await flush();
    expect(m.paths().map((p) => p.id)).toContain(path.id);
    const testsBefore = m.tested.filter((n) => n.ed25519 === guard.ed25519).length;
    m.reportPathFailure(path.id);
    await flush();
    expect(m.health).toBe('healthy');
    expect(m.paths().map((p) => p.id)).not.toContain(path.id);
    expect(m.tested.filter((n) => n.ed25519 === guard.ed25519).length).toBe(testsBefore + 1);
    expect(m.paths().map((p) => (p.nodes[0] as OnionNode).ed25519)).toContain(guard.ed25519);
    // Each relay already has one strike: two more drop it.
    const relay = relays[0] as OnionNode;
    m.reportNodeFailure(relay.ed25519);
    m.reportNodeFailure(relay.ed25519);
    expect(m.status().usableNodes).toBe(11);
  });

  it('pathDetails: each path with its failures, their limit, when it was built and last succeeded or failed', async () => {
    let now = 1_000_000;
    const m = manager({ pathStrikeThreshold: 4 }, { clock: { now: () => now } });
    m.setPool(POOL);
    await m.start();
    await flush();
    const details = m.pathDetails();
    expect(details.map((d) => d.id)).toEqual(m.paths().map((p) => p.id));
    expect(details.map((d) => d.nodes)).toEqual(m.paths().map((p) => p.nodes));
    for (const d of details) {
      expect(d).toMatchObject({ failures: 0, failureLimit: 4, builtAt: 1_000_000 });
      expect(d.lastSuccessAt).toBeUndefined();
      expect(d.lastFailureAt).toBeUndefined();
    }
    const [first, second] = details;
    if (first === undefined || second === undefined) throw new Error('two paths');
    now += 5_000;
    m.reportPathFailure(first.id);
    now += 1_000;
    m.reportPathFailure(first.id);
    m.reportSuccess(second.id);
    const after = new Map(m.pathDetails().map((d) => [d.id, d]));
    expect(after.get(first.id)).toMatchObject({ failures: 2, lastFailureAt: 1_006_000 });
    expect(after.get(first.id)?.lastSuccessAt).toBeUndefined();
    expect(after.get(second.id)).toMatchObject({ failures: 0, lastSuccessAt: 1_006_000 });
    // A success clears the failures and keeps when the last one was.
    now += 1_000;
    m.reportSuccess(first.id);
    expect(m.pathDetails().find((d) => d.id === first.id)).toMatchObject({
      failures: 0,
      lastSuccessAt: 1_007_000,
      lastFailureAt: 1_006_000,
      builtAt: 1_000_000,
    });
  });

  it('clears strikes on success', async () => {
    const m = await healthyManager();
    const [path] = m.paths();
    if (path === undefined) throw new Error('no path');
    const relay = path.nodes[2] as OnionNode;
    m.reportPathFailure(path.id);
    m.reportPathFailure(path.id);
    m.reportNodeFailure(relay.ed25519);
    m.reportNodeFailure(relay.ed25519);
    m.reportSuccess(path.id);
    m.reportPathFailure(path.id);
    m.reportPathFailure(path.id);
    m.reportNodeFailure(relay.ed25519);
    m.reportNodeFailure(relay.ed25519);
    await flush();
    expect(m.paths().map((p) => p.id)).toContain(path.id);
    expect(m.status().usableNodes).toBe(12);
  });

  it('ignores unknown nodes and paths, refuses malformed keys', async () => {
    const m = await healthyManager();
    m.reportNodeFailure('ab'.repeat(32));
    m.reportPathFailure('path-999');
    m.reportSuccess('path-999');
    expect(() => m.reportNodeFailure('nope')).toThrow(InvalidInputError);
    expect(m.health).toBe('healthy');
  });

  it('brings dropped nodes back on the next setPool', async () => {
    const m = await healthyManager();
    const node = m.paths()[0]?.nodes[1] as OnionNode;
    for (let i = 0; i < 3; i++) m.reportNodeFailure(node.ed25519);
    expect(m.status().usableNodes).toBe(11);
    m.setPool(POOL);
    expect(m.status().usableNodes).toBe(12);
  });
});

describe('backoff', () => {
  it('retries failed builds with bounded exponential delays and asks for a fresh pool', async () => {
    let answer = false;
    const m = manager(
      { retryInitialMs: 1_000, retryMaxMs: 8_000, random: () => 0, maxGuardTestsPerBuild: 4 },
      {
        testGuard: async () => {
          if (!answer) throw new Error('offline');
        },
      },
    );
    const bootstraps: string[] = [];
    m.on('bootstrap', (event) => bootstraps.push(event.reason));
    m.setPool(POOL);
    await m.start();
    await flush();
    expect(m.health).toBe('offline');
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const { nextRetryAt, consecutiveFailures } = m.status();
      expect(consecutiveFailures).toBe(attempt + 1);
      if (nextRetryAt === undefined) throw new Error('no retry scheduled');
      const delay = nextRetryAt - Date.now();
      delays.push(delay);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(m.status().consecutiveFailures).toBe(attempt + 1);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(m.tested.length).toBe(7 * 4); // at most maxGuardTestsPerBuild tests per build
    expect(bootstraps).toEqual(['onion paths failed to build 3 times in a row']);
    const error = await m.getPath().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PathUnavailableError);
    expect((error as PathUnavailableError).details).toMatchObject({
      nextRetryAt: m.status().nextRetryAt,
    });

    answer = true;
    await vi.advanceTimersByTimeAsync(8_000);
    expect(m.health).toBe('healthy');
    expect(m.status()).toMatchObject({ consecutiveFailures: 0 });
    expect(m.status().nextRetryAt).toBeUndefined();
  });

  it('adds at most 10% jitter', async () => {
    const m = manager(
      { retryInitialMs: 1_000, random: () => 0.999 },
      {
        testGuard: async () => {
          throw new Error('offline');
        },
      },
    );
    m.setPool(POOL);
    await m.start();
    await flush();
    const delay = (m.status().nextRetryAt as number) - Date.now();
    expect(delay).toBeGreaterThan(1_000);
    expect(delay).toBeLessThanOrEqual(1_100);
  });
});

describe('getPath', () => {
  it('waits while paths are being built', async () => {
    const m = manager(
      {},
      {
        testGuard: () => new Promise((resolve) => setTimeout(resolve, 500)),
      },
    );
    m.setPool(POOL);
    await m.start();
    expect(m.health).toBe('rebuilding');
    let resolved = false;
    const pending = m.getPath().then((path) => {
      resolved = true;
      return path;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).nodes).toHaveLength(3);
  });

  it('never returns a path holding an excluded node, rebuilding one if needed', async () => {
    const m = await healthyManager();
    const [a, b] = m.paths();
    if (a === undefined || b === undefined) throw new Error('no paths');
    const exclude = [(a.nodes[2] as OnionNode).ed25519, (b.nodes[1] as OnionNode).x25519];
    const path = await m.getPath({ exclude });
    for (const node of path.nodes) {
      expect(exclude).not.toContain(node.ed25519);
      expect(exclude).not.toContain(node.x25519);
    }
    await flush();
    expect(m.paths()).toHaveLength(2);
  });

  it('rejects before start, after stop, and on its signal', async () => {
    const m = manager({}, { testGuard: () => new Promise(() => undefined) });
    expect(await m.getPath().catch((e: unknown) => e)).toBeInstanceOf(PathUnavailableError);
    m.setPool(POOL);
    await m.start();
    const controller = new AbortController();
    const waiting = m.getPath({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await waiting).toBeInstanceOf(AbortError);
    await m.stop();
    const error = await m.getPath().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PathUnavailableError);
    expect((error as Error).message).toMatch(/stopped/);
    await expect(m.getPath({ exclude: ['x'] })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('lifecycle', () => {
  it('stop() aborts guard tests in flight and leaves no timer behind', async () => {
    const signals: AbortSignal[] = [];
    const m = manager(
      {},
      {
        testGuard: (_node, options) => {
          if (options.signal) signals.push(options.signal);
          return new Promise(() => undefined);
        },
      },
    );
    m.setPool(POOL);
    await m.start();
    await flush();
    expect(signals.length).toBe(2);
    await m.stop();
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(m.health).toBe('offline');
    expect(m.status().reason).toBe('stopped');
  });

  it('stop() clears a scheduled retry and the pool expiry timer; start() works again', async () => {
    let answer = false;
    const m = manager(
      {},
      {
        testGuard: async () => {
          if (!answer) throw new Error('no');
        },
      },
    );
    m.setPool(POOL);
    await m.start();
    await flush();
    expect(m.status().nextRetryAt).toBeDefined();
    await m.stop();
    expect(vi.getTimerCount()).toBe(0);
    answer = true;
    await m.start();
    await flush();
    expect(m.health).toBe('healthy');
  });

  it('survives a listener that throws', async () => {
    const logger = recordingLogger();
    const m = manager({}, { logger });
    m.onHealthChange(() => {
      throw new Error('listener bug');
    });
    m.setPool(POOL);
    await m.start();
    await flush();
    expect(m.health).toBe('healthy');
    expect(logger.lines.some((line) => line.level === 'warn')).toBe(true);
  });

  it('checks its options', () => {
    const testGuard = async () => undefined;
    for (const init of [
      { hops: 0 },
      { hops: 16 },
      { guardCount: 1.5 },
      { nodeStrikeThreshold: 0 },
      { cacheTtlMs: -1 },
      { retryInitialMs: 10, retryMaxMs: 5 },
      { storeKey: '' },
    ]) {
      expect(() => createPathManager(init, { testGuard })).toThrow(InvalidInputError);
    }
    expect(() => createPathManager({}, {} as never)).toThrow(InvalidInputError);
    const m = createPathManager({}, { testGuard });
    expect(() => m.setPool('x' as never)).toThrow(InvalidInputError);
    expect(m.setPool([POOL[0] as OnionNode, { ...(POOL[1] as OnionNode), ip: '0.0.0.0' }])).toEqual(
      {
        accepted: 1,
        rejected: 1,
      },
    );
  });
});

describe('strikes during a build', () => {
  it('leaves no stale retry behind when a rerun completes the paths', async () => {
    const m = await healthyManager();
    const [first, second] = m.paths();
    const relay = second?.nodes[1];
    if (first === undefined || relay === undefined) throw new Error('no paths');
    // The first path's rebuild starts (its guard is being retested) when the second path loses
    // a relay: the running build completes one path, falls short, and runs again.
    for (let i = 0; i < 3; i++) m.reportPathFailure(first.id);
    for (let i = 0; i < 3; i++) m.reportNodeFailure(relay.ed25519);
    await flush();
    expect(m.health).toBe('healthy');
    expect(m.status().nextRetryAt).toBeUndefined();
  });
});
