/**
 * Who stakes what for each node, decided from the node's position alone (so a resumed testnet
 * decides the same): a solo node's operator stakes the whole requirement; every
 * `pooledEvery`-th node is pooled, its operator staking 25–50 % (at least the chain's minimum)
 * and 2 or 3 contributors filling the rest with contribute transactions.
 */
import { InvalidInputError } from '@murmur/wire';

/** The chain's numbers the plan needs (from its genesis parameters). */
export interface StakingRules {
  stakingRequirement: bigint;
  minOperatorStake: bigint;
  maxContributors: number;
}

/** The stakes of one node. */
export interface StakingPlan {
  pooled: boolean;
  operatorStake: bigint;
  /** Operator fee, basis points. */
  feeBasisPoints: number;
  /** Contributions after the registration, in order. */
  contributions: bigint[];
}

/** Whether node `index` (1-based) is pooled: every `pooledEvery`-th node; 0 means none. */
export function isPooled(index: number, pooledEvery: number): boolean {
  return pooledEvery > 0 && index % pooledEvery === 0;
}

/** Checks `pooledEvery`: 0 (no pooled node) or a positive integer. */
export function checkPooledEvery(pooledEvery: number): void {
  if (!Number.isSafeInteger(pooledEvery) || pooledEvery < 0) {
    throw new InvalidInputError(
      `pooledEvery must be 0 (none) or a positive integer, not ${pooledEvery}`,
    );
  }
}

/** The operator's share of a pooled node, percent: 25 to 50, spread over the indexes. */
export function operatorPercent(index: number): number {
  return 25 + ((index * 37) % 26);
}

/** The plan of node `index`. */
export function stakingPlan(index: number, pooled: boolean, rules: StakingRules): StakingPlan {
  const requirement = rules.stakingRequirement;
  if (!pooled || rules.maxContributors < 2) {
    return { pooled: false, operatorStake: requirement, feeBasisPoints: 0, contributions: [] };
  }
  let operatorStake = (requirement * BigInt(operatorPercent(index))) / 100n;
  if (operatorStake < rules.minOperatorStake) operatorStake = rules.minOperatorStake;
  if (operatorStake >= requirement) {
    return { pooled: false, operatorStake: requirement, feeBasisPoints: 0, contributions: [] };
  }
  const rest = requirement - operatorStake;
  const count = Math.min(2 + (index % 2), rules.maxContributors - 1);
  // Rounded up, so that each contribution reaches the minimum the rules ask at its turn.
  const share = (rest + BigInt(count) - 1n) / BigInt(count);
  const contributions: bigint[] = [];
  for (let i = 0; i < count; i++) {
    contributions.push(i === count - 1 ? rest - share * BigInt(count - 1) : share);
  }
  return { pooled: true, operatorStake, feeBasisPoints: 500, contributions };
}

/** What a wallet gets from the faucet: its stake plus one coin of slack. */
export function fundingFor(stake: bigint, coin: bigint): bigint {
  return stake + coin;
}
