import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OnionNode } from './onion-node.js';
import { decodePathCache, encodePathCache, PATH_CACHE_VERSION } from './path-cache.js';
import { createMemoryStore, createPathManager, type PathManager } from './path-manager.js';
import { fakeNode, recordingLogger, seededRandom } from './test-support/fixtures.js';

const KEY = 'murmur:onion:paths';
const HOUR = 60 * 60_000;
const TTL = 24 * HOUR;
const CACHED = Array.from({ length: 8 }, (_, i) => fakeNode(i));
const FRESH = Array.from({ length: 10 }, (_, i) => fakeNode(100 + i));
const flush = () => vi.advanceTimersByTimeAsync(0);
const NOW = Date.parse('2026-11-26T12:00:00Z');

function validCache(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: PATH_CACHE_VERSION,
    savedAt: NOW - HOUR,
    pool: CACHED.map((node) => ({ ...node })),
    guards: [(CACHED[3] as OnionNode).ed25519, (CACHED[5] as OnionNode).ed25519],
    ...overrides,
  };
}

let managers: PathManager[] = [];
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(async () => {
  for (const m of managers) await m.stop();
  managers = [];
  vi.useRealTimers();
});

function setup(text: string | undefined, testGuard = async (_node: OnionNode) => undefined) {
  const store = createMemoryStore(text === undefined ? {} : { [KEY]: text });
  const logger = recordingLogger();
  const tested: OnionNode[] = [];
  const m = createPathManager(
    { random: seededRandom(3), cacheTtlMs: TTL },
    {
      store,
      logger,
      testGuard: (node) => {
        tested.push(node);
        return testGuard(node);
      },
    },
  );
  const bootstraps: string[] = [];
  m.on('bootstrap', (event) => bootstraps.push(event.reason));
  managers.push(m);
  return { m, store, logger, bootstraps, tested };
}

const CORRUPT: [string, string, RegExp][] = [
  ['garbage', '{"version":1,"savedAt":', /not valid JSON/],
  ['not an object', '[1,2,3]', /not a JSON object/],
  ['another version', JSON.stringify(validCache({ version: 2 })), /version 2/],
  ['no version', JSON.stringify(validCache({ version: undefined })), /version null/],
  [
    'a bad address',
    JSON.stringify(validCache({ pool: [{ ...CACHED[0], ip: '300.1.1.1' }, ...CACHED.slice(1)] })),
    /schema/,
  ],
  [
    'port 0',
    JSON.stringify(validCache({ pool: [{ ...CACHED[0], port: 0 }, ...CACHED.slice(1)] })),
    /schema/,
  ],
  ['an unknown field', JSON.stringify(validCache({ paths: [] })), /schema/],
  [
    'a guard missing from the pool',
    JSON.stringify(validCache({ guards: ['ab'.repeat(32)] })),
    /guard is missing/,
  ],
  [
    'a node at 0.0.0.0',
    JSON.stringify(validCache({ pool: [{ ...CACHED[0], ip: '0.0.0.0' }, ...CACHED.slice(1)] })),
    /0\.0\.0\.0/,
  ],
  ['a stale savedAt', JSON.stringify(validCache({ savedAt: NOW - TTL - 1 })), /stale/],
  ['a savedAt in the future', JSON.stringify(validCache({ savedAt: NOW + 2 * HOUR })), /future/],
];

describe('a corrupted or stale cache', () => {
  for (const [name, text, reason] of CORRUPT) {
    it(`with ${name} is discarded, a bootstrap is asked for, and paths come from the fresh pool`, async () => {
      const { m, store, logger, bootstraps, tested } = setup(text);
      await m.start();
      await flush();
      expect(store.entries.has(KEY)).toBe(false);
      const warning = logger.lines.find((line) => line.level === 'warn');
      expect(warning?.message).toMatch(/discarding the cached path state/);
      const { reason: logged } = warning?.object ?? {};
      expect(String(logged)).toMatch(reason);
      expect(m.needsBootstrap).toBe(true);
      expect(bootstraps).toHaveLength(1);
      expect(bootstraps[0]).toMatch(reason);
      expect(m.health).toBe('offline');
      expect(tested).toHaveLength(0); // nothing from the broken cache was used

      m.setPool(FRESH);
      await flush();
      expect(m.health).toBe('healthy');
      expect(m.needsBootstrap).toBe(false);
      const fresh = new Set(FRESH.map((node) => node.ed25519));
      for (const path of m.paths())
        for (const node of path.nodes) expect(fresh.has(node.ed25519)).toBe(true);
      // The fresh state is what is saved now.
      const saved = decodePathCache(store.entries.get(KEY) as string, Date.now(), TTL);
      expect(saved.ok && saved.pool.length).toBe(FRESH.length);
    });
  }

  it('that cannot be read is treated as absent', async () => {
    const logger = recordingLogger();
    const m = createPathManager(
      {},
      {
        testGuard: async () => undefined,
        logger,
        store: {
          get: () => Promise.reject(new Error('disk on fire')),
          set: async () => undefined,
          delete: async () => undefined,
        },
      },
    );
    managers.push(m);
    await expect(m.start()).resolves.toBeUndefined();
    expect(m.needsBootstrap).toBe(true);
    expect(logger.lines.some((line) => line.level === 'warn')).toBe(true);
  });

  it('whose nodes all fail their guard test (a poisoned pool) leads to a bootstrap, not a path that stays broken', async () => {
    const poisoned = new Set(CACHED.map((node) => node.ed25519));
    const { m, bootstraps } = setup(JSON.stringify(validCache()), async (node) => {
      if (poisoned.has(node.ed25519)) throw new Error('no answer');
    });
    await m.start();
    await flush();
    expect(m.needsBootstrap).toBe(false);
    for (let i = 0; i < 3 && bootstraps.length === 0; i++) {
      await vi.advanceTimersByTimeAsync((m.status().nextRetryAt ?? Date.now()) - Date.now());
    }
    expect(bootstraps).toEqual(['onion paths failed to build 3 times in a row']);
    expect(m.health).toBe('offline');
    m.setPool(FRESH);
    await flush();
    expect(m.health).toBe('healthy');
  });
});

describe('a valid cache', () => {
  it('is loaded, its guards tested first and kept, without a bootstrap', async () => {
    const { m, bootstraps, tested } = setup(JSON.stringify(validCache()));
    await m.start();
    await flush();
    expect(bootstraps).toEqual([]);
    expect(m.health).toBe('healthy');
    const guards = [(CACHED[3] as OnionNode).ed25519, (CACHED[5] as OnionNode).ed25519];
    expect(tested.slice(0, 2).map((node) => node.ed25519)).toEqual(guards);
    expect(
      m
        .paths()
        .map((path) => (path.nodes[0] as OnionNode).ed25519)
        .sort(),
    ).toEqual([...guards].sort());
  });

  it('asks for a fresh pool when the cached one reaches its TTL', async () => {
    const { m, bootstraps } = setup(JSON.stringify(validCache()));
    await m.start();
    await flush();
    await vi.advanceTimersByTimeAsync(TTL - HOUR - 1);
    expect(bootstraps).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(bootstraps).toEqual(['the node pool expired']);
    expect(m.health).toBe('healthy'); // the paths keep working meanwhile
  });
});

describe('saving', () => {
  it('saves the pool and the guards with the time the pool was fetched', async () => {
    const { m, store } = setup(undefined);
    const fetchedAt = Date.now();
    m.setPool(FRESH);
    await m.start();
    await flush();
    await vi.advanceTimersByTimeAsync(HOUR);
    // A rebuild an hour later saves again, but savedAt stays the pool's fetch time.
    const path = m.paths()[0];
    if (path === undefined) throw new Error('no path');
    for (let i = 0; i < 3; i++) m.reportPathFailure(path.id);
    await flush();
    const saved = JSON.parse(store.entries.get(KEY) as string);
    expect(saved.version).toBe(PATH_CACHE_VERSION);
    expect(saved.savedAt).toBe(fetchedAt);
    expect(saved.guards.sort()).toEqual(
      m
        .paths()
        .map((p) => (p.nodes[0] as OnionNode).ed25519)
        .sort(),
    );
    expect(saved.pool).toHaveLength(FRESH.length);
  });

  it('logs a failed write and carries on', async () => {
    const logger = recordingLogger();
    const m = createPathManager(
      {},
      {
        testGuard: async () => undefined,
        logger,
        store: {
          get: async () => undefined,
          set: () => Promise.reject(new Error('read-only')),
          delete: async () => undefined,
        },
      },
    );
    managers.push(m);
    m.setPool(FRESH);
    await m.start();
    await flush();
    expect(m.health).toBe('healthy');
    expect(logger.lines.some((line) => line.message?.includes('could not be saved'))).toBe(true);
  });
});

describe('decodePathCache', () => {
  it('round-trips what encodePathCache writes', () => {
    const now = Date.now();
    const text = encodePathCache({
      savedAt: now,
      pool: CACHED,
      guards: [(CACHED[0] as OnionNode).ed25519],
    });
    expect(decodePathCache(text, now, TTL)).toEqual({
      ok: true,
      savedAt: now,
      pool: CACHED,
      guards: [(CACHED[0] as OnionNode).ed25519],
    });
  });
});
