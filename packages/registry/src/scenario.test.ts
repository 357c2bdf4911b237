/**
 * The devnet scenario of the ledger issue, in process: every transaction goes through the
 * mempool check a ledger's `POST /tx` uses (`MemoryLedger.submit`), blocks come from the
 * ledger's producer, and a follower keeps its own state from the ledger's blocks and feed.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { UNASSIGNED_SWARM_ID } from '@murmur/swarm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRegistryFollower } from './follower.js';
import { createMemoryLedger } from './memory-ledger.js';
import { checkStateInvariants, getNode, nextNonce, stateDigest, walletInfo } from './queries.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import type { Transaction, TransactionResult } from './types.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

describe('the devnet ledger scenario', () => {
  it('funds, registers, fills, activates, decommissions, recommissions, deregisters, releases; refuses the invalid', async () => {
    // TestChain provides named keys, the genesis and signed transactions; the ledger decides.
    const keys = new TestChain(crypto, { chainId: 'murmur-devnet' });
    let now = keys.genesis.timestamp;
    const ledger = createMemoryLedger(
      { genesis: keys.genesis },
      { crypto, clock: { now: () => now } },
    );
    const follower = createRegistryFollower({ source: ledger }, { crypto });
    follower.start();
    await follower.ready;
    const params = ledger.state.params;
    // The next nonce as the mempool will leave the wallet (what a wallet app would ask for).
    const nonce = (name: string) => nextNonce(ledger.pendingState, keys.address(name));
    const submit = (tx: Transaction): TransactionResult => ledger.submit(tx);
    const block = () => {
      now += params.blockTimeMs;
      return ledger.produceBlock();
    };
    const node = keys.address('n1');

    // Wallets funded (faucet).
    for (const name of ['op', 'a', 'b', 'c', 'spender']) {
      expect(submit(keys.faucet(name, 40n * COIN, nonce('authority')))).toMatchObject({
        accepted: true,
      });
    }
    block();
    // A node registered with the operator's 25%, proving its address before it fills.
    expect(submit(keys.register('n1', 'op', 25n * COIN, { nonce: nonce('op') }))).toMatchObject({
      accepted: true,
    });
    block();
    submit(keys.proof('n1', { timestamp: now + params.blockTimeMs }));
    block();

    // Invalid transactions are refused with their reasons.
    expect(submit(keys.contribute('n1', 'a', COIN, 1))).toMatchObject({
      accepted: false,
      reason: 'below-minimum-contribution',
    });
    const forged = {
      ...(keys.contribute('n1', 'a', 25n * COIN, 1) as Extract<
        Transaction,
        { type: 'contribute' }
      >),
      amount: 30n * COIN,
    };
    expect(submit(forged)).toMatchObject({ accepted: false, reason: 'bad-signature' });
    // Double spending: two transfers of the spender's 40 coins; the second cannot pass.
    expect(submit(keys.transfer('spender', 'x', 30n * COIN, 1))).toMatchObject({ accepted: true });
    expect(submit(keys.transfer('spender', 'y', 30n * COIN, 2))).toMatchObject({
      accepted: false,
      reason: 'insufficient-funds',
    });
    // A replay of an accepted transaction.
    const replayed = keys.transfer('spender', 'x', 30n * COIN, 1);
    expect(submit(replayed)).toMatchObject({ accepted: false, reason: 'bad-nonce' });
    block();
    expect(submit(replayed)).toMatchObject({ accepted: false, reason: 'bad-nonce' });

    // Filled by three contributors: active, with a swarm.
    for (const name of ['a', 'b', 'c']) {
      expect(submit(keys.contribute('n1', name, 25n * COIN, 1))).toMatchObject({
        accepted: true,
      });
    }
    const activation = block();
    expect(activation.results.every((result) => result.accepted)).toBe(true);
    expect(getNode(ledger.state, node)).toMatchObject({ status: 'active', ip: '127.0.0.1' });
    expect(getNode(ledger.state, node)?.swarmId).not.toBe(UNASSIGNED_SWARM_ID);

    // An 11th contributor (on a second node whose spots are mostly reserved).
    const reserved: Record<string, bigint> = {};
    for (let i = 0; i < 8; i++) reserved[`r${i}`] = COIN;
    submit(keys.faucet('op2', 100n * COIN, nonce('authority')));
    submit(keys.faucet('x', 100n * COIN, nonce('authority')));
    block();
    submit(keys.register('n2', 'op2', 25n * COIN, { reserved, nonce: 1 }));
    block();
    submit(keys.contribute('n2', 'x', 67n * COIN, 1));
    block();
    expect(submit(keys.contribute('n2', 'spender', 5n * COIN, 2))).toMatchObject({
      accepted: false,
      reason: 'too-many-contributors',
    });

    // It stops sending proofs: decommissioned while its credit lasts.
    while (getNode(ledger.state, node)?.status === 'active') block();
    expect(getNode(ledger.state, node)?.status).toBe('decommissioned');
    block();
    block();
    // It comes back: recommissioned.
    submit(keys.proof('n1', { timestamp: now + params.blockTimeMs }));
    block();
    expect(getNode(ledger.state, node)?.status).toBe('active');
    // It fails for good: deregistered, its stakes locked, then released.
    while (getNode(ledger.state, node) !== undefined) block();
    const deregisteredAt = ledger.height;
    expect(walletInfo(ledger.state, keys.address('a'))).toMatchObject({ locked: 25n * COIN });
    while (ledger.height < deregisteredAt + params.deregistrationLockBlocks) block();
    for (const name of ['op', 'a', 'b', 'c']) {
      expect(walletInfo(ledger.state, keys.address(name)).locked).toBe(0n);
    }
    expect(checkStateInvariants(ledger.state)).toEqual([]);

    // The follower saw the same chain.
    const followed = await follower.waitForHeight(ledger.height);
    expect(stateDigest(followed, crypto)).toBe(stateDigest(ledger.state, crypto));
    follower.stop();
  });
});
