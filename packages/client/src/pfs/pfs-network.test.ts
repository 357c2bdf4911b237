/**
 * Publishing and fetching account-key bundles through real onion requests on the in-process fake
 * network. Namespace −21 is modelled per node with the nodes' RPC hook (signed store by the
 * owner only, unsigned retrieve, the newest bundle kept), so that one member can be made to hide
 * or replay a bundle while another answers honestly.
 */
import {
  ACCOUNT_KEYS_NAMESPACE,
  type Identity,
  loadCrypto,
  type MurmurCrypto,
} from '@murmur/crypto';
import { bytesToHex, HARDFORK } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFakeNetwork, type FakeNode } from '../test-support/fake-network.js';
import { fakeNetworkTransport } from '../test-support/fake-transport.js';
import { createMemoryAccountKeyStore } from './account-key-store.js';
import { createAccountKeysManager } from './account-keys-manager.js';
import { createPeerKeyCache, decideSend, fetchPeerKeys } from './peer-keys.js';
import { publishAccountBundle, swarmBundleFetchers } from './pfs-network.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const HOUR = 3600 * 1000;

function setup(owner: Identity) {
  const network = createFakeNetwork({ crypto });
  const swarm = network.swarmOf(owner.sessionId);
  const { transport, clock } = fakeNetworkTransport(network, crypto, [owner.sessionId]);
  // Namespace −21 on each member: what it holds, and who asked.
  const outbox = new Map<FakeNode, string>();
  const asked = new Set<FakeNode>();
  for (const node of swarm) {
    node.rpcHook = (method, raw) => {
      const params = raw as {
        namespace?: number;
        pubkey?: string;
        pubkey_ed25519?: string;
        timestamp?: number;
        signature?: string;
        data?: string;
      };
      if (params.namespace !== ACCOUNT_KEYS_NAMESPACE) return undefined;
      if (method === 'retrieve') {
        asked.add(node);
        const data = outbox.get(node);
        return {
          status: 200,
          body: {
            messages:
              data === undefined
                ? []
                : [{ hash: 'h'.repeat(43), timestamp: 1, expiration: 2, data }],
            more: false,
            t: clock.value,
            hf: [...HARDFORK],
          },
        };
      }
      if (method === 'store') {
        const ok =
          params.pubkey === owner.sessionId &&
          params.pubkey_ed25519 === bytesToHex(owner.ed25519.publicKey) &&
          crypto.verifyRequest(
            'store',
            { namespace: ACCOUNT_KEYS_NAMESPACE, timestamp: params.timestamp ?? 0 },
            params.signature as string,
            owner.ed25519.publicKey,
          );
        if (!ok) return { status: 401, body: 'store signature verification failed' };
        for (const member of swarm) outbox.set(member, params.data as string); // newest replaces
        return {
          status: 200,
          body: { swarm: {}, hash: 'h'.repeat(43), t: clock.value, hf: [...HARDFORK] },
        };
      }
      return undefined;
    };
  }
  return { transport, swarm, outbox, asked, clock };
}

describe('account-key bundles over onion requests', () => {
  it('publishes through the manager; a sender fetches from two members and sends V2', async () => {
    const bob = crypto.generateIdentity();
    const alice = crypto.generateIdentity();
    const { transport, asked, clock } = setup(bob);
    const keys = createAccountKeysManager({
      crypto,
      identity: bob,
      store: createMemoryAccountKeyStore(),
      deviceId: crypto.randomBytes(32),
      now: () => clock.value,
      publish: (bundle, ttl) => publishAccountBundle(transport, crypto, bob, bundle, ttl),
      linkedDevices: () => 0,
    });
    await keys.enable();
    const cache = createPeerKeyCache(() => clock.value);
    const found = await fetchPeerKeys(
      crypto,
      bob.sessionId,
      swarmBundleFetchers(transport, bob.sessionId),
      () => clock.value,
    );
    expect(asked.size).toBe(2);
    expect(found.kind).toBe('keys');
    if (found.kind !== 'keys') return;
    cache.recordKeys(bob.sessionId, found.keys);
    const decision = decideSend(
      cache.get(bob.sessionId),
      { requirePfs: false, fallback: 'v1' },
      clock.value,
    );
    expect(decision).toMatchObject({ action: 'send', protocol: 'v2' });
    const sealed = crypto.encryptV2(
      new TextEncoder().encode('hi'),
      alice,
      bob.sessionId,
      found.keys,
    );
    expect(crypto.decryptIncoming(sealed, bob, { accountKeys: keys.all() }).protocol).toBe('v2');
  });

  it('one member hiding the bundle, or replaying an old one, does not win; both hiding is a NAK', async () => {
    const bob = crypto.generateIdentity();
    const { transport, swarm, outbox, clock } = setup(bob);
    const bundleAt = (ms: number) => {
      const fresh = crypto.generateAccountKeys();
      return {
        fresh,
        data: Buffer.from(
          crypto.encodeAccountKeyBundle(
            {
              mlkem768PublicKey: fresh.mlkem768.publicKey,
              x25519PublicKey: fresh.x25519.publicKey,
              created: Math.floor(ms / 1000),
            },
            bob,
          ),
        ).toString('base64'),
      };
    };
    const current = bundleAt(clock.value - HOUR);
    const old = bundleAt(clock.value - 72 * HOUR);
    for (const [index, node] of swarm.entries()) {
      outbox.set(node, index === 0 ? old.data : current.data);
    }
    const found = await fetchPeerKeys(
      crypto,
      bob.sessionId,
      swarmBundleFetchers(transport, bob.sessionId),
      () => clock.value,
    );
    expect(found.kind === 'keys' && found.keys.x25519PublicKey).toEqual(
      current.fresh.x25519.publicKey,
    );
    for (const node of swarm) outbox.delete(node);
    expect(
      await fetchPeerKeys(
        crypto,
        bob.sessionId,
        swarmBundleFetchers(transport, bob.sessionId),
        () => clock.value,
      ),
    ).toEqual({ kind: 'none' });
  });

  it('a store to namespace −21 signed by someone else is refused', async () => {
    const bob = crypto.generateIdentity();
    const mallory = crypto.generateIdentity();
    const { transport } = setup(bob);
    const forged = { ...mallory, sessionId: bob.sessionId };
    await expect(
      publishAccountBundle(transport, crypto, forged, new Uint8Array([1, 2, 3]), HOUR),
    ).rejects.toMatchObject({ status: 401 });
  });
});
