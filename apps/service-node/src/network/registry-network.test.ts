import {
  ATOMIC_UNITS_PER_COIN as COIN,
  createMemoryLedger,
  createRegistration,
  createRegistryFollower,
  devnetParams,
  type GenesisConfig,
  type MemoryLedger,
} from '@murmur/registry';
import { bytesToHex } from '@murmur/wire';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type NodeKeys, nodeKeysFromSeed } from '../keys.js';
import { createNodeMetrics } from '../metrics.js';
import { seedOf, testCrypto } from '../test-support/harness.js';
import { createUptimeProver, type UptimeProver } from '../uptime.js';
import type { NetworkView } from './network-view.js';
import { createRegistryNetworkView } from './registry-network.js';

/** Hang guard for the waits (vi.waitFor's default is 1 s, too short for a busy machine). */
const WAIT = { timeout: 30_000, interval: 20 };

const stops: (() => unknown)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function setUp() {
  const crypto = await testCrypto();
  const authority = crypto.ed25519KeyPairFromSeed(seedOf(90));
  const operator = crypto.ed25519KeyPairFromSeed(seedOf(91));
  const chainId = 'service-node-test';
  let now = Date.now();
  const clock = { now: () => now };
  const ledger: MemoryLedger = createMemoryLedger(
    {
      genesis: {
        chainId,
        params: devnetParams,
        timestamp: now,
        authority: bytesToHex(authority.publicKey),
        allocations: [{ address: bytesToHex(operator.publicKey), amount: 1_000n * COIN }],
      },
    },
    { crypto, clock },
  );
  const keys: NodeKeys = nodeKeysFromSeed(crypto, seedOf(7));
  const follower = createRegistryFollower({ source: ledger, pollIntervalMs: 20 }, { crypto });
  const view: NetworkView = createRegistryNetworkView(
    { self: { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex } },
    { follower },
  );
  stops.push(() => view.stop());
  const produce = () => {
    now += 1_000;
    return ledger.produceBlock({ timestamp: now });
  };
  const register = () => {
    const tx = createRegistration(
      {
        chainId,
        feeBasisPoints: 0,
        operatorStake: devnetParams.stakingRequirement,
        nonce: 1,
      },
      { node: keys.ed25519, operator },
      crypto,
    );
    expect(ledger.submit(tx).accepted).toBe(true);
    return produce();
  };
  return { crypto, ledger, keys, follower, view, produce, register, clock };
}

describe('the registry network view', () => {
  it('is starting until caught up, not-active until registered, then ready in its swarm', async () => {
    const { view, register, keys } = await setUp();
    expect(view.state().state).toBe('starting');
    const changes: number[] = [];
    view.onChange(({ current }) => changes.push(current.height));
    await view.start();
    await vi.waitFor(() => expect(view.state().state).toBe('not-active'), WAIT);
    register();
    await vi.waitFor(() => expect(view.state().state).toBe('ready'), WAIT);
    const state = view.state();
    if (state.state !== 'ready') throw new Error('not ready');
    expect(state.swarm.members.map((member) => member.ed25519)).toEqual([keys.ed25519Hex]);
    expect(view.snapshot()?.node(keys.ed25519Hex)?.x25519).toBe(keys.x25519Hex);
    expect(changes.length).toBeGreaterThanOrEqual(1);
  });

  it('does not emit a change for blocks that change nothing it uses', async () => {
    const { view, register, produce, follower } = await setUp();
    await view.start();
    register();
    await vi.waitFor(() => expect(view.state().state).toBe('ready'), WAIT);
    let changes = 0;
    view.onChange(() => {
      changes += 1;
    });
    produce();
    produce();
    await vi.waitFor(() => expect(follower.height).toBe(3), WAIT);
    expect(changes).toBe(0);
    expect(view.snapshot()?.height).toBe(3);
  });
});

describe('uptime proofs', () => {
  it('sends the first proof at once, retries while unregistered, and announces the address', async () => {
    const { view, register, produce, ledger, keys, crypto, follower, clock } = await setUp();
    await view.start();
    await vi.waitFor(() => expect(follower.genesis).toBeDefined(), WAIT);
    const metrics = createNodeMetrics();
    const prover: UptimeProver = createUptimeProver(
      {
        ip: '127.0.0.1',
        storagePort: 22_021,
        relayPort: 22_022,
        version: [0, 1, 0],
        retryInitialDelayMs: 10,
      },
      { source: ledger, genesis: () => follower.genesis, keys, crypto, clock, metrics },
    );
    stops.push(() => prover.stop());
    prover.start();
    // Not registered yet: refused, and retried.
    await vi.waitFor(() => expect(prover.last?.result?.accepted).toBe(false), WAIT);
    expect(prover.last?.result).toMatchObject({ reason: 'unknown-node' });
    register();
    await vi.waitFor(() => expect(prover.last?.result?.accepted).toBe(true), WAIT);
    produce();
    await vi.waitFor(
      () =>
        expect(view.snapshot()?.node(keys.ed25519Hex)).toMatchObject({
          ip: '127.0.0.1',
          storagePort: 22_021,
          relayPort: 22_022,
        }),
      WAIT,
    );
    expect(await metrics.registry.getSingleMetricAsString('murmur_uptime_proofs_total')).toMatch(
      /result="accepted"\} 1/,
    );
  });

  it('sends the first proof as soon as the genesis is known, not a retry interval later', async () => {
    vi.useFakeTimers();
    try {
      const submitted: unknown[] = [];
      const crypto = await testCrypto();
      let genesis: GenesisConfig | undefined;
      const prover = createUptimeProver(
        { ip: '1.2.3.4', storagePort: 1, relayPort: 2, version: [0, 1, 0] },
        {
          source: {
            async submitTransaction(tx) {
              submitted.push(tx);
              return { id: 'x', accepted: true };
            },
          },
          genesis: () => genesis,
          keys: nodeKeysFromSeed(crypto, seedOf(8)),
          crypto,
        },
      );
      stops.push(() => prover.stop());
      prover.start();
      await vi.advanceTimersByTimeAsync(500);
      expect(submitted).toHaveLength(0);
      genesis = { chainId: 'c', params: devnetParams, timestamp: 0, authority: '00'.repeat(32) };
      // The default 1 s failure retry would wait until 1,000 ms; the genesis wait looks every 100.
      await vi.advanceTimersByTimeAsync(100);
      expect(submitted).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops its timer on stop()', async () => {
    vi.useFakeTimers();
    try {
      const submitted: unknown[] = [];
      const crypto = await testCrypto();
      const prover = createUptimeProver(
        { ip: '1.2.3.4', storagePort: 1, relayPort: 2, version: [0, 1, 0] },
        {
          source: {
            async submitTransaction(tx) {
              submitted.push(tx);
              return { id: 'x', accepted: true };
            },
          },
          genesis: () => ({
            chainId: 'c',
            params: devnetParams,
            timestamp: 0,
            authority: '00'.repeat(32),
          }),
          keys: nodeKeysFromSeed(crypto, seedOf(8)),
          crypto,
        },
      );
      prover.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(submitted).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(devnetParams.uptimeProofIntervalMs);
      expect(submitted).toHaveLength(2);
      prover.stop();
      await vi.advanceTimersByTimeAsync(devnetParams.uptimeProofIntervalMs * 5);
      expect(submitted).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
