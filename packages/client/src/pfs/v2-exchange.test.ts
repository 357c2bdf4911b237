/**
 * Two clients exchange Session Protocol V2 messages both ways through real onion requests on the
 * in-process fake network: each publishes its bundle to namespace −21, fetches the other's from
 * two swarm members, seals with V2, stores in namespace 0, retrieves (signed) and opens. The
 * fake nodes' RPC hook plays namespace −21 (owner-signed store, unsigned retrieve, newest kept).
 */
import { type Identity, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, parseResponse } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { installAccountKeysNamespace } from '../test-support/account-keys-namespace.js';
import { createFakeNetwork } from '../test-support/fake-network.js';
import { fakeNetworkTransport } from '../test-support/fake-transport.js';
import type { Transport } from '../transport.js';
import { createMemoryAccountKeyStore } from './account-key-store.js';
import { type AccountKeysManager, createAccountKeysManager } from './account-keys-manager.js';
import { createPeerKeyCache } from './peer-keys.js';
import { createPeerKeysService } from './peer-keys-service.js';
import { publishAccountBundle, swarmBundleFetchers } from './pfs-network.js';
import { openAnyStoredMessage, sealTextMessageV2 } from './v2-content.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

function network(owners: Identity[]) {
  const fake = createFakeNetwork({ crypto });
  const { transport, clock } = fakeNetworkTransport(
    fake,
    crypto,
    owners.map((owner) => owner.sessionId),
  );
  // Namespace −21 as the service node plays it: the owner's signed store, an open retrieve.
  installAccountKeysNamespace(fake, crypto, () => clock.value);
  return { transport, clock };
}

interface Party {
  identity: Identity;
  keys: AccountKeysManager;
}

async function send(transport: Transport, from: Party, to: Party, text: string, now: () => number) {
  const service = createPeerKeysService({
    crypto,
    cache: createPeerKeyCache(now),
    fetchersFor: (id) => swarmBundleFetchers(transport, id),
    now,
  });
  const decision = await service.prepare(to.identity.sessionId, {
    requirePfs: true,
    fallback: 'v1',
  });
  if (decision.action !== 'send' || decision.protocol !== 'v2')
    throw new Error(`no V2: ${decision.action}`);
  const sealed = sealTextMessageV2(
    crypto,
    from.identity,
    to.identity.sessionId,
    { text, sentAt: now() },
    { keys: decision.keys },
  );
  await transport.swarmRequest({
    pubkey: to.identity.sessionId,
    method: 'store',
    params: (t) => ({
      pubkey: to.identity.sessionId,
      namespace: 0,
      timestamp: t,
      ttl: 3_600_000,
      data: sealed.data,
    }),
    parse: (body) => parseResponse('store', body),
  });
}

async function receive(transport: Transport, party: Party) {
  const { value } = await transport.swarmRequest({
    pubkey: party.identity.sessionId,
    method: 'retrieve',
    params: (t) => ({
      pubkey: party.identity.sessionId,
      namespace: 0,
      timestamp: t,
      pubkey_ed25519: bytesToHex(party.identity.ed25519.publicKey),
      signature: crypto.signRequest(
        'retrieve',
        { namespace: 0, timestamp: t },
        party.identity.ed25519.secretKey,
      ),
    }),
    parse: (body) => parseResponse('retrieve', body),
  });
  return value.messages.map((message) =>
    openAnyStoredMessage(crypto, party.identity, message.data, party.keys.all()),
  );
}

describe('a V2 exchange both ways through onion requests', () => {
  it('each side publishes, fetches the other from two members, and reads forward-secret messages', async () => {
    const alice = crypto.generateIdentity();
    const bob = crypto.generateIdentity();
    const { transport, clock } = network([alice, bob]);
    const now = () => clock.value;
    const party = (identity: Identity): Party => ({
      identity,
      keys: createAccountKeysManager({
        crypto,
        identity,
        store: createMemoryAccountKeyStore(),
        deviceId: crypto.randomBytes(32),
        now,
        publish: (bundle, ttl) => publishAccountBundle(transport, crypto, identity, bundle, ttl),
        linkedDevices: () => 0,
      }),
    });
    const a = party(alice);
    const b = party(bob);
    await a.keys.enable();
    await b.keys.enable();
    await send(transport, a, b, 'hello Bob, forward-secret', now);
    await send(transport, b, a, 'hello Alice, forward-secret too', now);
    const atBob = await receive(transport, b);
    const atAlice = await receive(transport, a);
    expect(atBob.map((m) => [m.from, m.protocol, m.forwardSecret, m.content])).toEqual([
      [alice.sessionId, 'v2', true, expect.objectContaining({ text: 'hello Bob, forward-secret' })],
    ]);
    expect(atAlice.map((m) => [m.from, m.protocol, m.forwardSecret, m.content])).toEqual([
      [
        bob.sessionId,
        'v2',
        true,
        expect.objectContaining({ text: 'hello Alice, forward-secret too' }),
      ],
    ]);
  });
});
