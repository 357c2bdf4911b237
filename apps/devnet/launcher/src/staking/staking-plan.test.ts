import { loadCrypto } from '@murmur/crypto';
import {
  ATOMIC_UNITS_PER_COIN as COIN,
  createContribution,
  createFaucet,
  createMemoryLedger,
  createRegistration,
  devnetParams,
  getNode,
} from '@murmur/registry';
import { bytesToHex } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPooledEvery,
  isPooled,
  operatorPercent,
  type StakingRules,
  stakingPlan,
} from './staking-plan.js';

const devnet: StakingRules = {
  stakingRequirement: devnetParams.stakingRequirement,
  minOperatorStake: devnetParams.minOperatorStake,
  maxContributors: devnetParams.maxContributors,
};

describe('isPooled', () => {
  it('pools every k-th node, none with 0', () => {
    expect([1, 2, 3, 4, 5, 6].filter((i) => isPooled(i, 3))).toEqual([3, 6]);
    expect([1, 2, 3].filter((i) => isPooled(i, 0))).toEqual([]);
    expect([1, 2, 3].filter((i) => isPooled(i, 1))).toEqual([1, 2, 3]);
    expect(() => checkPooledEvery(-1)).toThrow(/pooledEvery/);
    expect(() => checkPooledEvery(1.5)).toThrow(/pooledEvery/);
  });
});

describe('stakingPlan', () => {
  it('stakes the whole requirement for a solo node', () => {
    expect(stakingPlan(1, false, devnet)).toEqual({
      pooled: false,
      operatorStake: 100n * COIN,
      feeBasisPoints: 0,
      contributions: [],
    });
  });

  it('fills a pooled node exactly, operator 25–50 %, 2 or 3 contributors each reaching the minimum at its turn', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 2, max: 12 }),
        fc.bigInt({ min: 4n, max: 10n ** 15n }),
        (index, maxContributors, requirement) => {
          const rules = {
            stakingRequirement: requirement,
            minOperatorStake: requirement / 4n,
            maxContributors,
          };
          const plan = stakingPlan(index, true, rules);
          expect(plan.pooled).toBe(true);
          expect(plan.operatorStake).toBeGreaterThanOrEqual(rules.minOperatorStake);
          expect(plan.operatorStake * 100n).toBeLessThanOrEqual(requirement * 50n);
          expect(plan.contributions.length).toBeGreaterThanOrEqual(1);
          expect(plan.contributions.length).toBeLessThanOrEqual(Math.min(3, maxContributors - 1));
          let stake = plan.operatorStake;
          let contributors = 1;
          for (const amount of plan.contributions) {
            const room = requirement - stake;
            const slots = BigInt(maxContributors - contributors);
            const minimum = (room + slots - 1n) / slots;
            expect(amount).toBeGreaterThanOrEqual(minimum);
            expect(amount).toBeLessThanOrEqual(room);
            stake += amount;
            contributors++;
          }
          expect(stake).toBe(requirement);
        },
      ),
    );
  });

  it('spreads the operator share over 25 to 50 percent', () => {
    const shares = new Set(Array.from({ length: 100 }, (_, i) => operatorPercent(i + 1)));
    expect(Math.min(...shares)).toBe(25);
    expect(Math.max(...shares)).toBe(50);
  });

  it('is accepted by the real registry rules: the node is active after one block', async () => {
    const crypto = await loadCrypto();
    const key = () => crypto.ed25519KeyPairFromSeed(crypto.randomBytes(32));
    const authority = key();
    const chainId = 'testnet-plan';
    const ledger = createMemoryLedger(
      {
        genesis: {
          chainId,
          params: devnetParams,
          timestamp: Date.now(),
          authority: bytesToHex(authority.publicKey),
        },
      },
      { crypto },
    );
    let authorityNonce = 0;
    const nodes: string[] = [];
    for (const index of [3, 6, 9, 12]) {
      const plan = stakingPlan(index, true, devnet);
      const node = key();
      const operator = key();
      const contributors = plan.contributions.map(() => key());
      for (const [wallet, amount] of [
        [operator, plan.operatorStake] as const,
        ...contributors.map((wallet, j) => [wallet, plan.contributions[j] as bigint] as const),
      ]) {
        const faucet = createFaucet(
          {
            chainId,
            to: bytesToHex(wallet.publicKey),
            amount: amount + COIN,
            nonce: ++authorityNonce,
          },
          authority,
          crypto,
        );
        expect(ledger.submit(faucet).accepted).toBe(true);
      }
      const registration = createRegistration(
        {
          chainId,
          feeBasisPoints: plan.feeBasisPoints,
          operatorStake: plan.operatorStake,
          nonce: 1,
        },
        { node, operator },
        crypto,
      );
      expect(ledger.submit(registration)).toMatchObject({ accepted: true });
      contributors.forEach((wallet, j) => {
        const contribution = createContribution(
          {
            chainId,
            node: bytesToHex(node.publicKey),
            amount: plan.contributions[j] as bigint,
            nonce: 1,
          },
          wallet,
          crypto,
        );
        expect(ledger.submit(contribution)).toMatchObject({ accepted: true });
      });
      nodes.push(bytesToHex(node.publicKey));
    }
    const { state } = ledger.produceBlock();
    for (const node of nodes) expect(getNode(state, node)?.status).toBe('active');
  });
});
