import { silentLogger, utf8Encode } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerLinkError } from '../errors.js';
import { nodeKeysFromSeed } from '../keys.js';
import { createNodeMetrics } from '../metrics.js';
import type { ServiceNodeInfo } from '../network/network-view.js';
import { createStaticNetworkView } from '../network/static-network.js';
import type { PeerNetwork } from '../peers/peer-network.js';
import { seedOf, testCrypto } from '../test-support/harness.js';
import { metricValue, waitFor } from '../test-support/peer-harness.js';
import { createPeerReplicator } from './peer-replicator.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

const STORED = JSON.stringify({
  hash: 'h'.repeat(43),
  signature: `${'A'.repeat(86)}==`,
  expiry: 1,
});

async function smallNetwork() {
  const crypto = await testCrypto();
  const keys = Array.from({ length: 3 }, (_, i) => nodeKeysFromSeed(crypto, seedOf(140 + i)));
  const nodes: ServiceNodeInfo[] = keys.map((k, i) => ({
    ed25519: k.ed25519Hex,
    x25519: k.x25519Hex,
    ip: '127.0.0.1',
    storagePort: 21_000 + i,
    relayPort: undefined,
    swarmId: 0n,
  }));
  const self = keys[0] as (typeof keys)[0];
  return {
    keys,
    network: createStaticNetworkView({
      self: { ed25519: self.ed25519Hex, x25519: self.x25519Hex },
      nodes,
    }),
  };
}

describe('retries to members that failed under load', () => {
  it('sends the request again to a member that answered 503 or timed out, in the background', async () => {
    const { keys, network } = await smallNetwork();
    const [, busy, fine] = keys as [unknown, { ed25519Hex: string }, { ed25519Hex: string }];
    const received = new Map<string, number>();
    const peers = {
      async request(peer: string) {
        const count = (received.get(peer) ?? 0) + 1;
        received.set(peer, count);
        if (peer === busy.ed25519Hex && count < 3) {
          return { status: 503, body: utf8Encode('Overloaded, try again shortly') };
        }
        return { status: 200, body: utf8Encode(STORED) };
      },
    } as unknown as PeerNetwork;
    const metrics = createNodeMetrics();
    const replicator = createPeerReplicator(
      { retryDelayMs: 5 },
      { peers, network, logger: silentLogger(), metrics, stillHeld: () => true },
    );
    const results = await replicator.replicate({
      method: 'store',
      pubkey: `05${'11'.repeat(32)}`,
      raw: {},
    });
    expect(results[busy.ed25519Hex]).toMatchObject({ failed: true, code: 503 });
    expect(results[fine.ed25519Hex]).not.toHaveProperty('failed');
    await waitFor(() => received.get(busy.ed25519Hex) === 3 && replicator.retriesQueued() === 0);
    expect(received.get(fine.ed25519Hex)).toBe(1);
    expect(await metricValue(metrics, 'murmur_replication_retried_total')).toBe(1);
    replicator.stop();
  });

  it('stops retrying a store once this node no longer holds the message (no resurrection after a delete)', async () => {
    const { keys, network } = await smallNetwork();
    const [, down] = keys as [unknown, { ed25519Hex: string }];
    const received = new Map<string, number>();
    let held = true;
    const peers = {
      async request(peer: string) {
        received.set(peer, (received.get(peer) ?? 0) + 1);
        if (peer === down.ed25519Hex) throw new PeerLinkError('down', 'unreachable', peer);
        return { status: 200, body: utf8Encode(STORED) };
      },
    } as unknown as PeerNetwork;
    const replicator = createPeerReplicator(
      { retryDelayMs: 20, retryAttempts: 3 },
      { peers, network, logger: silentLogger(), stillHeld: () => held },
    );
    await replicator.replicate({ method: 'store', pubkey: `05${'11'.repeat(32)}`, raw: {} });
    // Deleted here before the first retry is due.
    held = false;
    await waitFor(() => replicator.retriesQueued() === 0);
    expect(received.get(down.ed25519Hex)).toBe(1);
    // Other methods are never retried (catch-up orders them).
    held = true;
    await replicator.replicate({ method: 'delete', pubkey: `05${'11'.repeat(32)}`, raw: {} });
    expect(replicator.retriesQueued()).toBe(0);
    replicator.stop();
  });

  it('does not retry a refusal (4xx), and gives up after the attempts', async () => {
    const { keys, network } = await smallNetwork();
    const [, refusing, down] = keys as [unknown, { ed25519Hex: string }, { ed25519Hex: string }];
    const received = new Map<string, number>();
    const peers = {
      async request(peer: string) {
        received.set(peer, (received.get(peer) ?? 0) + 1);
        if (peer === refusing.ed25519Hex) return { status: 401, body: utf8Encode('no') };
        throw new PeerLinkError('down', 'unreachable', peer);
      },
    } as unknown as PeerNetwork;
    const replicator = createPeerReplicator(
      { retryDelayMs: 1, retryAttempts: 3 },
      { peers, network, logger: silentLogger(), stillHeld: () => true },
    );
    await replicator.replicate({ method: 'store', pubkey: `05${'11'.repeat(32)}`, raw: {} });
    await waitFor(() => received.get(down.ed25519Hex) === 4 && replicator.retriesQueued() === 0);
    expect(received.get(refusing.ed25519Hex)).toBe(1);
    replicator.stop();
  });
});

describe('the peer replicator', () => {
  it('forwards to a swarm of 20 members with one listener on the caller’s signal (no MaxListenersExceededWarning)', async () => {
    process.on('warning', onWarning);
    const crypto = await testCrypto();
    const keys = Array.from({ length: 20 }, (_, i) => nodeKeysFromSeed(crypto, seedOf(100 + i)));
    const nodes: ServiceNodeInfo[] = keys.map((k, i) => ({
      ed25519: k.ed25519Hex,
      x25519: k.x25519Hex,
      ip: '127.0.0.1',
      storagePort: 20_000 + i,
      relayPort: undefined,
      swarmId: 0n,
    }));
    const self = keys[0] as (typeof keys)[0];
    const network = createStaticNetworkView({
      self: { ed25519: self.ed25519Hex, x25519: self.x25519Hex },
      nodes,
    });
    let listenersSeen = 0;
    // As a peer link does: one abort listener per request on the signal it is given.
    const peers = {
      async request(
        _peer: string,
        _fields: unknown,
        _body: Uint8Array,
        options: { signal?: AbortSignal },
      ) {
        options.signal?.addEventListener('abort', () => undefined, { once: true });
        listenersSeen += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return { status: 200, body: utf8Encode('{"deleted":[],"signature":"x"}') };
      },
    } as unknown as PeerNetwork;
    const replicator = createPeerReplicator({}, { peers, network, logger: silentLogger() });
    const controller = new AbortController();
    const results = await replicator.replicate(
      { method: 'delete', pubkey: `05${'11'.repeat(32)}`, raw: {} },
      { signal: controller.signal },
    );
    expect(Object.keys(results)).toHaveLength(19);
    await new Promise((resolve) => setImmediate(resolve));
    expect(listenersSeen).toBe(19);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
