/**
 * The ledger-following directory over a real registry follower and an in-process ledger: a node
 * becomes linkable once it is active and its uptime proof gives a relay port, and stops being so
 * when it leaves.
 */

import { createMemoryLedger } from '@murmur/registry';
// The registry's own test chain (deterministic keys, registrations, proofs), used as a fixture:
// test support through the declared dependency (tools/config/vitest.ts testSupportAliases).
import { COIN, TestChain, testCrypto } from '@murmur/registry/test-support/chain';
import { bytesToHex, silentLogger } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { followerDirectory, type RelayDirectoryService } from './directory.js';

let directory: RelayDirectoryService | undefined;
afterEach(async () => {
  await directory?.stop();
});

/** Waits until `check()` holds; 30 s is a hang guard, not a speed requirement. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the directory');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('followerDirectory', () => {
  it('lists active nodes with a relay port from their uptime proof, and drops nodes that leave', async () => {
    const crypto = await testCrypto();
    const chain = new TestChain(crypto, { allocations: { op: 1_000n * COIN } });
    let now = chain.genesis.timestamp;
    const ledger = createMemoryLedger(
      { genesis: chain.genesis },
      { crypto, clock: { now: () => now } },
    );
    const block = () => {
      now += chain.genesis.params.blockTimeMs;
      const produced = ledger.produceBlock({ timestamp: now });
      chain.block(produced.block.transactions as never);
    };
    directory = followerDirectory(crypto, ledger, silentLogger());
    await directory.start();
    const n1 = chain.address('n1');
    expect(directory.lookup(n1)).toBeUndefined();
    ledger.submit(chain.register('n1', 'op', 100n * COIN, { nonce: 1 }));
    block();
    ledger.submit(
      chain.proof('n1', {
        ip: '10.1.2.3',
        relayPort: 23_000,
        timestamp: now + chain.genesis.params.blockTimeMs,
      }),
    );
    block();
    await until(() => directory?.lookup(n1) !== undefined && directory.ready());
    expect(directory.ready()).toBe(true);
    expect(directory.address(n1)).toMatchObject({ ip: '10.1.2.3', relayPort: 23_000 });
    expect(bytesToHex(directory.lookup(n1)?.x25519 as Uint8Array)).toBe(
      bytesToHex(crypto.ed25519PublicKeyToX25519(chain.key('n1').publicKey)),
    );
    expect(directory.lookup(chain.address('n2'))).toBeUndefined();
    // Decommissioned: no longer active, so no longer a relay anyone may link to or extend to.
    ledger.submit(chain.stateChange('n1', 'decommission', 'test'));
    block();
    await until(() => directory?.lookup(n1) === undefined);
    expect(directory.lookup(n1)).toBeUndefined();
    expect(directory.size()).toBe(0);
  });
});
