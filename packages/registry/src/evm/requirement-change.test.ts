/**
 * A staking requirement change by the contract owner reaches followers on a real anvil: the
 * derived registry's parameters follow it from the block of `StakingRequirementUpdated` on, a
 * node registered before fills at its old requirement, one registered after at the new one,
 * and a node or a client following the chain sees both active in their swarm.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryFollower } from '../follower.js';
import { checkStateInvariants, getNode, swarms } from '../queries.js';
import { COIN, testCrypto } from '../test-support/chain.js';
import { EvmTestChain } from '../test-support/evm.js';
import type { RegistryState } from '../types.js';
import type { EvmLedgerError } from './evm-ledger-source.js';

let crypto: MurmurCrypto;
let chain: EvmTestChain;
beforeAll(async () => {
  crypto = await testCrypto();
  chain = await EvmTestChain.start(crypto);
});
afterAll(async () => {
  await chain?.stop();
});

describe('staking requirement changes on the EVM ledger', () => {
  it('reach the followers: new registrations at the new requirement, earlier ones at theirs', async () => {
    const source = chain.ledgerSource({ pollIntervalMs: 50 });
    const errors: EvmLedgerError[] = [];
    source.on('error', (error) => errors.push(error));
    const follower = createRegistryFollower(
      { source, pollIntervalMs: 50, applyOptions: { verifySignatures: false } },
      { crypto },
    );
    follower.start();
    try {
      await chain.register('op', 'early', 40n * COIN, { storagePort: 20_100 });
      await chain.setRequirement(200n * COIN);
      await chain.register('op', 'late', 100n * COIN, { storagePort: 20_200 });
      await chain.contribute('a', 'early', 60n * COIN);
      await chain.contribute('b', 'late', 100n * COIN);
      await source.sync();
      await follower.sync();
      const state = (await follower.waitForHeight(source.state?.height ?? 0)) as RegistryState;
      expect(state.params.stakingRequirement).toBe(200n * COIN);
      expect(state.params.minOperatorStake).toBe(50n * COIN);
      const early = getNode(state, chain.nodeKeyHex('early'));
      const late = getNode(state, chain.nodeKeyHex('late'));
      expect(early).toMatchObject({
        status: 'active',
        stake: 100n * COIN,
        requirement: 100n * COIN,
      });
      expect(late).toMatchObject({ status: 'active', stake: 200n * COIN });
      expect([...swarms(state).values()].flat().sort()).toEqual(
        [chain.nodeKeyHex('early'), chain.nodeKeyHex('late')].sort(),
      );
      expect(checkStateInvariants(state)).toEqual([]);
      // Nothing was ignored: the change is followed, not reported as trouble.
      expect(errors.map((error) => error.message)).toEqual([]);
      // The follower's state is the source's.
      expect(state.hash).toBe(source.state?.hash);
    } finally {
      follower.stop();
      await source.stop();
    }
  });
});
