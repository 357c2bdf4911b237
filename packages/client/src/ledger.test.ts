import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import {
  ATOMIC_UNITS_PER_COIN,
  createMemoryLedger,
  createRegistration,
  createUptimeProof,
  devnetParams,
  type MemoryLedger,
  swarms,
} from '@murmur/registry';
import { bytesToHex } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectMessages, eventually, HANG_GUARD_MS, testClient } from './test-support/clients.js';
import { createFakeNetwork, type FakeNetwork } from './test-support/fake-network.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

/** A ledger on which every node of `network` is registered, staked and has proved its address. */
function ledgerFor(network: FakeNetwork): MemoryLedger {
  const chainId = 'client-test';
  const operator = crypto.ed25519KeyPairFromSeed(crypto.randomBytes(32));
  const address = bytesToHex(operator.publicKey);
  const ledger = createMemoryLedger(
    {
      genesis: {
        chainId,
        params: devnetParams,
        timestamp: Date.now() - 10_000,
        authority: address,
        allocations: [
          { address, amount: 1_000n * ATOMIC_UNITS_PER_COIN * BigInt(network.nodes.length) },
        ],
      },
    },
    { crypto },
  );
  network.nodes.forEach((node, index) => {
    const result = ledger.submit(
      createRegistration(
        {
          chainId,
          feeBasisPoints: 0,
          operatorStake: devnetParams.stakingRequirement,
          nonce: index + 1,
        },
        { node: node.identity.ed25519, operator },
        crypto,
      ),
    );
    expect(result.accepted).toBe(true);
  });
  ledger.produceBlock();
  const timestamp = Date.now();
  for (const node of network.nodes) {
    ledger.submit(
      createUptimeProof(
        {
          chainId,
          ip: node.ip,
          storagePort: node.port,
          relayPort: node.port + 1,
          version: [0, 1, 0],
          timestamp,
        },
        node.identity.ed25519,
        crypto,
      ),
    );
  }
  ledger.produceBlock({ timestamp });
  network.assignSwarms(swarms(ledger.state));
  return ledger;
}

describe('client following a ledger', () => {
  it('takes nodes and swarms from the ledger: no seed, no get_swarm', async () => {
    const network = createFakeNetwork({ crypto, nodeCount: 12 });
    const ledger = ledgerFor(network);
    expect(swarms(ledger.state).size).toBeGreaterThan(0);
    const make = () => testClient(network, crypto, { init: { seeds: undefined, ledger } as never });
    const { client: alice } = make();
    const { client: bob } = make();
    try {
      for (const client of [alice, bob]) {
        await client.account.create();
        await client.start();
        await client.whenReady({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
      }
      const received = collectMessages(bob);
      const { id } = await alice.sendMessage(bob.sessionId as string, 'via the ledger');
      await alice.waitForDelivery(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
      await eventually(() => received.texts.length === 1, HANG_GUARD_MS, 'message');
      expect(network.stats.seedRequests).toBe(0);
      expect(network.stats.rpcByMethod.get('get_swarm') ?? 0).toBe(0);
      expect(network.stats.rpcStatus.get(421) ?? 0).toBe(0);
    } finally {
      await alice.stop();
      await bob.stop();
    }
  });
});
