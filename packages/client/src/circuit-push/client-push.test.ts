/** The default push source's wiring: when it is on, which scheme, where relays come from. */
import type { CircuitRelay } from '@murmur/circuits';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { silentLogger } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANG_GUARD_MS } from '../test-support/clients.js';
import { type ClientPushDeps, createClientCircuitPush } from './client-push.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const relay = (n: number): CircuitRelay => ({
  ed25519: n.toString(16).padStart(64, '0'),
  x25519: n.toString(16).padStart(64, '1'),
  ip: `127.0.${n}.1`,
  port: 5000 + n,
});

function deps(overrides: Partial<ClientPushDeps> = {}) {
  const urls: string[] = [];
  const refreshes = { count: 0 };
  let relays: CircuitRelay[] = [];
  const base: ClientPushDeps = {
    crypto,
    logger: silentLogger(),
    clock: { now: () => Date.now() },
    random: Math.random,
    webSocket: (url) => {
      urls.push(url);
      throw new Error('no network in this test');
    },
    nodeScheme: 'https',
    directory: {
      relays: () => relays,
      refresh: async () => {
        refreshes.count++;
        relays = [relay(1), relay(2), relay(3)];
        return [];
      },
    },
    guards: () => [],
    swarms: {
      get: () => ({ members: [{ ...relay(3), port: 22000 }], fetchedAt: 0 }),
      needsRefresh: () => false,
    },
    refreshSwarm: async () => undefined,
    poller: { caughtUp: async () => undefined, pollNow: () => undefined },
    onEvent: () => undefined,
    onError: () => undefined,
    ...overrides,
  };
  return { deps: base, urls, refreshes };
}

const startOptions = {
  sessionId: `05${'ab'.repeat(32)}`,
  ed25519PublicKey: 'cd'.repeat(32),
  namespaces: [0],
  now: () => Date.now(),
  signRequest: () => '',
  sign: () => new Uint8Array(64),
};

/** Waits until `condition()` holds (a hang guard of {@link HANG_GUARD_MS}, not a deadline). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('the default push source', () => {
  it('is off with push: false, and without any WebSocket implementation', () => {
    expect(createClientCircuitPush(false, deps().deps)).toBeUndefined();
    const hasGlobal = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
    const none = createClientCircuitPush(undefined, deps({ webSocket: undefined }).deps);
    expect(none === undefined).toBe(!hasGlobal);
  });

  it('asks the directory for relays once when none are known, and dials the guard over wss (https nodes)', async () => {
    const t = deps();
    const source = createClientCircuitPush(undefined, t.deps);
    expect(source).toBeDefined();
    await source?.start(() => undefined, startOptions);
    await until(() => t.urls.length > 0);
    await source?.stop();
    expect(t.refreshes.count).toBe(1);
    expect(t.urls[0]).toMatch(/^wss:\/\/127\.0\.[12]\.1:500[12]\/$/);
  });

  it('dials ws:// for plain-http nodes, or the scheme asked for', async () => {
    for (const [nodeScheme, relayScheme, expected] of [
      ['http', undefined, 'ws://'],
      ['https', 'ws', 'ws://'],
    ] as const) {
      const t = deps({ nodeScheme });
      const source = createClientCircuitPush(
        relayScheme === undefined ? {} : { relayScheme },
        t.deps,
      );
      await source?.start(() => undefined, startOptions);
      await until(() => t.urls.length > 0);
      await source?.stop();
      expect(t.urls[0]?.startsWith(expected)).toBe(true);
    }
  });

  it("refreshes the account's swarm when the cache needs it, for the exit", async () => {
    const refreshed: string[] = [];
    const t = deps({
      swarms: {
        get: () => ({ members: [{ ...relay(3), port: 22000 }], fetchedAt: 0 }),
        needsRefresh: () => refreshed.length === 0,
      },
      refreshSwarm: async (pubkey) => {
        refreshed.push(pubkey);
      },
    });
    const source = createClientCircuitPush(undefined, t.deps);
    await source?.start(() => undefined, startOptions);
    await until(() => t.urls.length > 0);
    await source?.stop();
    expect(refreshed).toEqual([startOptions.sessionId]);
  });
});
