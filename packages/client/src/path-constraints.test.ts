import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectMessages, eventually, HANG_GUARD_MS, testClient } from './test-support/clients.js';
import { createFakeNetwork } from './test-support/fake-network.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

function subnetOf(ip: string): string {
  return ip.slice(0, ip.lastIndexOf('.'));
}

describe('onion paths the client uses (property, on random networks)', () => {
  it('every request: guard + 2 relays, distinct /24 subnets, no node twice, destination off the path', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 10, max: 20 })
          .chain((count) =>
            fc.tuple(
              fc.constant(count),
              fc.array(fc.integer({ min: 1, max: 8 }), { minLength: count, maxLength: count }),
            ),
          ),
        async ([count, subnets]) => {
          fc.pre(new Set(subnets).size >= 6);
          const network = createFakeNetwork({ crypto, nodeCount: count, subnets, swarmSize: 5 });
          const byKey = new Map(network.nodes.map((node) => [node.ed25519, node]));
          const { client: alice } = testClient(network, crypto);
          const { client: bob } = testClient(network, crypto);
          try {
            for (const client of [alice, bob]) {
              await client.account.create();
              await client.start();
              await client.whenReady({ signal: AbortSignal.timeout(HANG_GUARD_MS) });
            }
            const received = collectMessages(bob);
            await alice.sendMessage(bob.sessionId as string, 'ping');
            await eventually(() => received.texts.length === 1, HANG_GUARD_MS, 'message');
            expect(network.stats.routes.length).toBeGreaterThan(0);
            for (const route of network.stats.routes) {
              // guard, relay, relay, destination
              expect(route).toHaveLength(4);
              expect(new Set(route).size).toBe(4);
              const path = route.slice(0, 3).map((key) => byKey.get(key)?.ip as string);
              expect(new Set(path.map(subnetOf)).size).toBe(3);
            }
          } finally {
            await alice.stop();
            await bob.stop();
          }
        },
      ),
      { numRuns: 8 },
    );
  });
});
