/**
 * Staking requirement changes: the authority's `staking-requirement` transaction (on an EVM
 * ledger, derived from the contract owner's `StakingRequirementUpdated`) applies to
 * registrations from then on; a node registered before keeps the requirement it was registered
 * at, and fills and activates at it.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeRequirement, openRoom } from './apply.js';
import { decodeTransaction, encodeTransaction } from './codec.js';
import { checkStateInvariants, getNode, stateSnapshot } from './queries.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

function chain() {
  return new TestChain(crypto, {
    params: { stakingRequirement: 100n * COIN, minOperatorStake: 25n * COIN },
    allocations: { op: 1_000n * COIN, a: 1_000n * COIN, b: 1_000n * COIN },
  });
}

describe('staking requirement changes', () => {
  it('apply to new registrations; earlier nodes keep theirs', async () => {
    const c = chain();
    expect(c.submit(c.register('pending', 'op', 40n * COIN)).accepted).toBe(true);
    expect(c.submit(c.register('solo', 'op', 100n * COIN)).accepted).toBe(true);
    expect(c.submit(c.requirement(200n * COIN)).accepted).toBe(true);
    expect(c.state.params.stakingRequirement).toBe(200n * COIN);
    expect(c.state.params.minOperatorStake).toBe(50n * COIN);

    // The pending node still fills at 100 coins.
    const pending = getNode(c.state, c.address('pending'));
    expect(pending?.requirement).toBe(100n * COIN);
    expect(openRoom(pending as NonNullable<typeof pending>, c.state.params)).toBe(60n * COIN);
    expect(c.submit(c.contribute('pending', 'a', 60n * COIN)).accepted).toBe(true);
    expect(getNode(c.state, c.address('pending'))?.status).toBe('active');
    expect(getNode(c.state, c.address('solo'))?.status).toBe('active');

    // New registrations need the new numbers.
    const low = c.submit(c.register('late', 'op', 40n * COIN));
    expect(low).toMatchObject({ accepted: false, reason: 'operator-stake-too-low' });
    expect(c.submit(c.register('late', 'op', 100n * COIN)).accepted).toBe(true);
    const late = getNode(c.state, c.address('late'));
    expect(late?.status).toBe('awaiting-contributions');
    expect(late?.requirement).toBeUndefined();
    expect(nodeRequirement(late as NonNullable<typeof late>, c.state.params)).toBe(200n * COIN);
    expect(c.submit(c.contribute('late', 'b', 100n * COIN)).accepted).toBe(true);
    expect(getNode(c.state, c.address('late'))).toMatchObject({
      status: 'active',
      stake: 200n * COIN,
    });
    expect(checkStateInvariants(c.state)).toEqual([]);
    // The snapshot (and so the state digest) carries each node's own requirement.
    const { nodes } = stateSnapshot(c.state) as {
      nodes: { ed25519: string; requirement?: string }[];
    };
    expect(nodes.find((node) => node.ed25519 === c.address('pending'))?.requirement).toBe(
      (100n * COIN).toString(),
    );
  });

  it('is the authority’s alone, with a valid amount', async () => {
    const c = chain();
    const forged = c.requirement(200n * COIN);
    const bySomeoneElse = { ...forged, signature: 'ab'.repeat(64) };
    expect(c.submit(bySomeoneElse)).toMatchObject({ accepted: false, reason: 'bad-signature' });
    const inverted = c.submit(c.requirement(10n * COIN, undefined, 20n * COIN));
    expect(inverted).toMatchObject({ accepted: false, reason: 'invalid-amount' });
    expect(c.submit(c.requirement(0n))).toMatchObject({
      accepted: false,
      reason: 'invalid-amount',
    });
    expect(c.state.params.stakingRequirement).toBe(100n * COIN);
  });

  it('round-trips through its JSON form', () => {
    const c = chain();
    const tx = c.requirement(300n * COIN);
    const json = encodeTransaction(tx);
    expect(json).toMatchObject({ type: 'staking-requirement', stakingRequirement: '300000000000' });
    expect(decodeTransaction(JSON.parse(JSON.stringify(json)))).toEqual(tx);
    expect(() => decodeTransaction({ ...json, stakingRequirement: '-1' })).toThrow(
      /stakingRequirement/,
    );
  });
});
