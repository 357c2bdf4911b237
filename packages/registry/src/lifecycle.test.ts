import type { MurmurCrypto } from '@murmur/crypto';
import { UNASSIGNED_SWARM_ID } from '@murmur/swarm';
import { beforeAll, describe, expect, it } from 'vitest';
import { decommissionCredit, splitReward } from './apply.js';
import { ATOMIC_UNITS_PER_COIN, oxenParams } from './params.js';
import {
  activeNodes,
  checkStateInvariants,
  getNode,
  nodeHistory,
  swarms,
  walletInfo,
} from './queries.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import type { TransactionResult } from './types.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

function accepted(results: TransactionResult[]): void {
  for (const result of results) expect(result).toMatchObject({ accepted: true });
}

describe('the whole lifecycle of a node (devnet parameters)', () => {
  it('register 25% + three contributors → active with a swarm → missed proofs → decommissioned → proof → recommissioned → failure → deregistered → stake locked, then released', () => {
    // The credit numbers of this story: 10 blocks to start (the devnet set has 120, for drills).
    const chain = new TestChain(crypto, { params: { decommissionCreditInitialBlocks: 10 } });
    const { params } = chain.state;
    const node = chain.address('n1');
    const invariants = () => expect(checkStateInvariants(chain.state)).toEqual([]);

    // Wallets funded by the faucet.
    accepted(
      chain.block([
        chain.faucet('op', 50n * COIN, 1),
        chain.faucet('a', 30n * COIN, 2),
        chain.faucet('b', 30n * COIN, 3),
        chain.faucet('c', 30n * COIN, 4),
      ]),
    );
    invariants();

    // Registered with the operator's 25% (fee 10%), then filled by three contributors.
    accepted(chain.block([chain.register('n1', 'op', 25n * COIN, { fee: 1_000 })]));
    accepted(chain.block([chain.proof('n1')]));
    accepted(chain.block([chain.contribute('n1', 'a', 25n * COIN)]));
    accepted(chain.block([chain.contribute('n1', 'b', 25n * COIN)]));
    expect(activeNodes(chain.state)).toEqual([]);
    accepted(chain.block([chain.contribute('n1', 'c', 25n * COIN)]));
    const activationHeight = chain.height;
    let record = getNode(chain.state, node);
    expect(record).toMatchObject({
      status: 'active',
      activationHeight,
      stake: params.stakingRequirement,
      ip: '127.0.0.1',
      storagePort: 22_021,
      relayPort: 22_022,
      credit: params.decommissionCreditInitialBlocks,
    });
    expect(record?.swarmId).not.toBe(UNASSIGNED_SWARM_ID);
    expect(swarms(chain.state)).toEqual(new Map([[record?.swarmId, [node]]]));
    expect(activeNodes(chain.state).map((entry) => entry.ed25519)).toEqual([node]);
    invariants();

    // It keeps proving for a while (every 5 blocks), earning the block rewards.
    for (let i = 0; i < 10; i++) chain.block(i % 5 === 0 ? [chain.proof('n1')] : []);
    expect(getNode(chain.state, node)?.status).toBe('active');
    const lastProofAt = getNode(chain.state, node)?.lastUptimeProofAt as number;
    invariants();

    // It stops: once the last proof is older than the validity, it is decommissioned (credit ≥ 10).
    while (chain.nextTimestamp - lastProofAt <= params.uptimeProofValidityMs) chain.block();
    expect(getNode(chain.state, node)?.status).toBe('active');
    chain.block();
    const decommissionHeight = chain.height;
    record = getNode(chain.state, node);
    expect(record).toMatchObject({
      status: 'decommissioned',
      decommissionHeight,
      decommissionedBy: 'uptime',
    });
    expect(record?.swarmId).toBe(UNASSIGNED_SWARM_ID);
    expect(swarms(chain.state).size).toBe(0);
    expect(activeNodes(chain.state)).toEqual([]);
    const creditAtDecommission = record?.credit as number;
    expect(creditAtDecommission).toBeGreaterThanOrEqual(params.decommissionMinimumCreditBlocks);
    invariants();

    // Credit burns one per block; no rewards while decommissioned.
    const balanceWhileDown = walletInfo(chain.state, chain.address('op')).balance;
    chain.advance(3);
    expect(getNode(chain.state, node)?.credit).toBe(creditAtDecommission - 3);
    expect(walletInfo(chain.state, chain.address('op')).balance).toBe(balanceWhileDown);

    // It comes back: a fresh proof recommissions it with credit − 2 × blocks decommissioned.
    accepted(chain.block([chain.proof('n1')]));
    const blocksDown = chain.height - decommissionHeight;
    record = getNode(chain.state, node);
    expect(record).toMatchObject({
      status: 'active',
      credit: Math.max(0, creditAtDecommission - 2 * blocksDown),
      lastRewardHeight: chain.height,
    });
    expect(record?.swarmId).not.toBe(UNASSIGNED_SWARM_ID);
    invariants();

    // It fails for good: too little credit left, so it is deregistered at once.
    const recommissionProofAt = record?.lastUptimeProofAt as number;
    while (chain.nextTimestamp - recommissionProofAt <= params.uptimeProofValidityMs) {
      chain.block();
    }
    chain.block();
    const deregistrationHeight = chain.height;
    expect(getNode(chain.state, node)).toBeUndefined();
    expect(activeNodes(chain.state)).toEqual([]);
    invariants();

    // Its stakes stay locked for deregistrationLockBlocks …
    const releaseHeight = deregistrationHeight + params.deregistrationLockBlocks;
    for (const name of ['op', 'a', 'b', 'c']) {
      expect(walletInfo(chain.state, chain.address(name))).toMatchObject({
        locked: 25n * COIN,
        lockedEntries: [{ node, kind: 'deregistered', releaseHeight, amount: 25n * COIN }],
      });
    }
    // … a contributor cannot get them back early …
    const early = chain.block([chain.unlock('n1', 'a')]);
    expect(early[0]).toMatchObject({ accepted: false, reason: 'unknown-node' });
    while (chain.height < releaseHeight - 1) chain.block();
    expect(walletInfo(chain.state, chain.address('a')).locked).toBe(25n * COIN);
    // … then they are released.
    chain.block();
    for (const name of ['op', 'a', 'b', 'c']) {
      expect(walletInfo(chain.state, chain.address(name)).locked).toBe(0n);
    }
    expect(walletInfo(chain.state, chain.address('a')).balance).toBeGreaterThanOrEqual(30n * COIN);
    invariants();

    const events = nodeHistory(chain.state, node);
    expect(events.map((event) => event.type)).toEqual([
      'registered',
      'contribution',
      'contribution',
      'contribution',
      'activated',
      'proof-missed',
      'decommissioned',
      'recommissioned',
      'proof-missed',
      'deregistered',
      'stake-released',
    ]);
    expect(events.find((event) => event.type === 'decommissioned')).toMatchObject({
      height: decommissionHeight,
      reason: 'uptime proof missing',
    });
    expect(events.find((event) => event.type === 'deregistered')).toMatchObject({
      height: deregistrationHeight,
      reason: 'uptime proof missing without enough decommission credit',
    });
    expect(events.at(-1)).toMatchObject({ height: releaseHeight, amount: 100n * COIN });
    // The rewards it earned while active were paid; nothing else was created.
    expect(chain.state.supply.rewards).toBeGreaterThan(0n);
    expect(chain.state.supply.faucet).toBe(140n * COIN);
  });

  it('deregisters a decommissioned node whose credit runs out', () => {
    const chain = new TestChain(crypto, { allocations: { op: 100n * COIN } });
    chain.block([chain.register('n1', 'op', 100n * COIN)]);
    let decommissionedAt = 0;
    while (getNode(chain.state, chain.address('n1'))?.status === 'active') {
      chain.block();
      decommissionedAt = chain.height;
    }
    const credit = getNode(chain.state, chain.address('n1'))?.credit as number;
    chain.advance(credit);
    expect(getNode(chain.state, chain.address('n1'))?.credit).toBe(0);
    chain.block();
    expect(getNode(chain.state, chain.address('n1'))).toBeUndefined();
    expect(nodeHistory(chain.state, chain.address('n1')).at(-1)).toMatchObject({
      type: 'deregistered',
      reason: 'decommission credit exhausted',
      height: decommissionedAt + credit + 1,
    });
  });

  it('measures the grace period from activation for a node that never proved', () => {
    const chain = new TestChain(crypto, { allocations: { op: 100n * COIN } });
    chain.block([chain.register('n1', 'op', 100n * COIN)]);
    const activatedAt = chain.timestamp;
    const validity = chain.state.params.uptimeProofValidityMs;
    while (chain.nextTimestamp - activatedAt <= validity) chain.block();
    expect(getNode(chain.state, chain.address('n1'))?.status).toBe('active');
    chain.block();
    expect(getNode(chain.state, chain.address('n1'))?.status).toBe('decommissioned');
  });
});

describe('decommission credit', () => {
  it('starts at the initial credit, earns 1 block per 30, and is capped', () => {
    const chain = new TestChain(crypto, {
      allocations: { op: 100n * COIN },
      params: {
        uptimeProofValidityMs: 10_000_000,
        decommissionCreditInitialBlocks: 10,
        decommissionCreditMaxBlocks: 12,
      },
    });
    chain.block([chain.register('n1', 'op', 100n * COIN)]);
    const node = () => getNode(chain.state, chain.address('n1'));
    expect(node()?.credit).toBe(10);
    chain.advance(29);
    expect(node()?.credit).toBe(10);
    chain.advance(1);
    expect(node()?.credit).toBe(11);
    chain.advance(30);
    expect(node()?.credit).toBe(12);
    chain.advance(90);
    expect(node()?.credit).toBe(12);
  });

  it('follows the oxen numbers: 2 h to start, 48 h cap, decommission after 2 h 5 min', () => {
    const chain = new TestChain(crypto, {
      params: { ...oxenParams, requirePublicIp: false },
      allocations: { op: 20_000n * ATOMIC_UNITS_PER_COIN },
    });
    expect(chain.state.params.stakingRequirement).toBe(15_000n * ATOMIC_UNITS_PER_COIN);
    const low = chain.block([chain.register('n1', 'op', 3_750n * ATOMIC_UNITS_PER_COIN - 1n)]);
    expect(low[0]).toMatchObject({ accepted: false, reason: 'operator-stake-too-low' });
    accepted(chain.block([chain.register('n1', 'op', 15_000n * ATOMIC_UNITS_PER_COIN)]));
    const record = getNode(chain.state, chain.address('n1'));
    expect(record?.credit).toBe(60);
    if (record === undefined) throw new Error('no node');
    expect(decommissionCredit(record, record.activationHeight + 30 * 1_440, oxenParams)).toBe(
      1_440,
    );
    // 2 h 5 min at 2-minute blocks: 62 blocks pass, the 63rd decommissions.
    chain.advance(62);
    expect(getNode(chain.state, chain.address('n1'))?.status).toBe('active');
    chain.advance(1);
    expect(getNode(chain.state, chain.address('n1'))).toMatchObject({
      status: 'decommissioned',
      credit: 62,
    });
  });
});

describe('rewards', () => {
  it('pay the operator fee first, the rest pro rata, the rounding to the operator', () => {
    const shares = splitReward(1_001n, {
      operator: 'op',
      feeBasisPoints: 1_000,
      stake: 100n,
      contributions: [
        { address: 'op', amount: 25n, reserved: 0n },
        { address: 'a', amount: 25n, reserved: 0n },
        { address: 'b', amount: 50n, reserved: 0n },
      ],
    });
    expect(shares).toEqual(
      new Map([
        ['op', 100n + 225n + 1n],
        ['a', 225n],
        ['b', 450n],
      ]),
    );
    expect([...shares.values()].reduce((sum, value) => sum + value, 0n)).toBe(1_001n);
  });

  it('go each block to the active node with the oldest (lastRewardHeight, activationHeight, key)', () => {
    const chain = new TestChain(crypto, {
      allocations: { op: 300n * COIN, a: 100n * COIN, b: 100n * COIN },
      params: { rewardPerBlock: 1_001n, uptimeProofValidityMs: 10_000_000 },
    });
    chain.block([chain.register('n1', 'op', 25n * COIN, { fee: 1_000 })]);
    chain.block([chain.contribute('n1', 'a', 25n * COIN)]);
    const before = {
      op: walletInfo(chain.state, chain.address('op')).balance,
      a: walletInfo(chain.state, chain.address('a')).balance,
      b: walletInfo(chain.state, chain.address('b')).balance,
    };
    chain.block([chain.contribute('n1', 'b', 50n * COIN)]);
    // n1 was rewarded in its activation block: fee 100, shares 225/225/450, 1 left over.
    expect(walletInfo(chain.state, chain.address('op')).balance - before.op).toBe(326n);
    expect(walletInfo(chain.state, chain.address('a')).balance - before.a).toBe(225n);
    expect(walletInfo(chain.state, chain.address('b')).balance - (before.b - 50n * COIN)).toBe(
      450n,
    );
    chain.block([chain.register('n2', 'op', 100n * COIN)]);
    const leaders: string[] = [];
    for (let i = 0; i < 6; i++) {
      chain.block();
      const n1 = getNode(chain.state, chain.address('n1'));
      const n2 = getNode(chain.state, chain.address('n2'));
      leaders.push(n1?.lastRewardHeight === chain.height ? 'n1' : 'n2');
      expect(n2?.lastRewardHeight === chain.height).toBe(leaders.at(-1) === 'n2');
    }
    expect(leaders).toEqual(['n1', 'n2', 'n1', 'n2', 'n1', 'n2']);
    expect(chain.state.supply.rewards).toBe(1_001n * BigInt(chain.height - 2));
    expect(checkStateInvariants(chain.state)).toEqual([]);
  });
});

describe('swarms', () => {
  it('are recomputed when the active set changes, from the block hash', () => {
    const names = Array.from({ length: 20 }, (_, i) => `node-${i}`);
    const build = () => {
      const chain = new TestChain(crypto, {
        allocations: { op: 10_000n * COIN },
        params: { uptimeProofValidityMs: 10_000_000 },
      });
      chain.block(
        names.map((name, i) => chain.register(name, 'op', 100n * COIN, { nonce: i + 1 })),
      );
      return chain;
    };
    const chain = build();
    const grouped = swarms(chain.state);
    expect(grouped.size).toBeGreaterThanOrEqual(2);
    for (const members of grouped.values()) expect(members.length).toBeGreaterThanOrEqual(5);
    expect([...grouped.values()].flat().sort()).toEqual(
      names.map((name) => chain.address(name)).sort(),
    );
    for (const node of activeNodes(chain.state)) {
      expect(grouped.get(node.swarmId)).toContain(node.ed25519);
    }
    // The same blocks give the same swarms.
    expect(swarms(build().state)).toEqual(grouped);
    // A block that changes nothing keeps them; a decommission recomputes them without the node.
    const assignment = chain.state.swarmAssignment;
    chain.block();
    expect(chain.state.swarmAssignment).toBe(assignment);
    chain.block([chain.stateChange('node-3', 'decommission', 'test')]);
    expect(chain.state.swarmAssignment.has(chain.address('node-3'))).toBe(false);
    expect(chain.state.swarmAssignment.size).toBe(19);
    expect(checkStateInvariants(chain.state)).toEqual([]);
  });
});
