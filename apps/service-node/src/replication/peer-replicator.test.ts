import { silentLogger, utf8Encode } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../keys.js';
import type { ServiceNodeInfo } from '../network/network-view.js';
import { createStaticNetworkView } from '../network/static-network.js';
import type { PeerNetwork } from '../peers/peer-network.js';
import { seedOf, testCrypto } from '../test-support/harness.js';
import { createPeerReplicator } from './peer-replicator.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
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
