/**
 * The staking rules' numbers, as one parameter set: {@link oxenParams} (the seed's Oxen HF19
 * numbers) and {@link devnetParams} (the same shape, scaled to seconds and small stakes).
 */
import { InvalidInputError } from '@murmur/wire';

/** Atomic units per coin (Oxen, SESH: 9 decimals). */
export const ATOMIC_UNITS_PER_COIN = 1_000_000_000n;

/** A non-negative rational number of blocks per block, kept as two integers. */
export interface Rational {
  /** Integer numerator, ≥ 0. */
  numerator: number;
  /** Integer denominator, ≥ 1. */
  denominator: number;
}

/**
 * Every number the staking rules use. Amounts are integers in atomic units (`bigint`); delays
 * are in blocks where the rule counts blocks and in milliseconds where it compares timestamps.
 * Both sets below have the same shape; a devnet only scales them.
 */
export interface RegistryParams {
  /** Name of the set (`oxen`, `devnet`, or a custom name). Informational. */
  name: string;
  /** Target time between blocks, in milliseconds. Informational for the rules; ledgers use it. */
  blockTimeMs: number;
  /** Total stake that activates a node (Oxen: 15,000 coins). */
  stakingRequirement: bigint;
  /** Minimum operator stake at registration (Oxen: requirement / 4). */
  minOperatorStake: bigint;
  /** Most contributors a node can have, the operator included (Oxen HF19: 10). */
  maxContributors: number;
  /** Blocks between an unlock request and the node's exit (Oxen: 15 days = 10,800 blocks). */
  unlockBlocks: number;
  /** Blocks a deregistered node's stakes stay locked (Oxen: 30 days = 21,600 blocks). */
  deregistrationLockBlocks: number;
  /** How often a node is expected to send an uptime proof (Oxen: 1 h). Nodes use it. */
  uptimeProofIntervalMs: number;
  /** How long an uptime proof keeps a node passing (Oxen: 2 h 5 min). */
  uptimeProofValidityMs: number;
  /** A new proof is accepted only this long after the previous accepted one (Oxen: 30 min). */
  uptimeProofMinGapMs: number;
  /** A proof's timestamp must be within ± this of its block's timestamp (Oxen: 5 min). */
  uptimeProofTimestampToleranceMs: number;
  /** Whether uptime proofs must carry a public IPv4 address (Oxen: yes; a loopback devnet: no). */
  requirePublicIp: boolean;
  /** Decommission credit a node starts with when it becomes active (Oxen: 2 h = 60 blocks). */
  decommissionCreditInitialBlocks: number;
  /**
   * A failing node with at least this much credit is decommissioned, with less it is
   * deregistered (Oxen: 2 h = 60 blocks, the same as the initial credit).
   */
  decommissionMinimumCreditBlocks: number;
  /**
   * Credit earned per block of activity, as a rational (Oxen: 24 h per 30 days = 1 block per
   * 30 blocks). Credit = initial + floor(blocksActive × numerator / denominator), capped.
   */
  decommissionCreditEarnBlocksPerBlock: Rational;
  /** Most credit a node can hold (Oxen: 48 h = 1,440 blocks). */
  decommissionCreditMaxBlocks: number;
  /** Coins minted each block for the reward leader (Oxen HF15+: 16.5 coins). */
  rewardPerBlock: bigint;
  /** Whether the genesis authority may mint coins with faucet transactions (devnet only). */
  faucetEnabled: boolean;
  /** Largest single faucet amount (absent: no limit). */
  faucetMaxAmount?: bigint | undefined;
  /** Most transactions one block may carry. */
  maxTransactionsPerBlock: number;
}

const COIN = ATOMIC_UNITS_PER_COIN;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * The seed's Oxen numbers (HF19 rules, 2-minute blocks, 720 blocks a day): requirement 15,000
 * coins, operator ≥ 25%, ≤ 10 contributors, unlock 15 days, deregistered stakes locked 30 days,
 * uptime proofs every hour, valid 2 h 5 min, 30 min apart at least, ±5 min; decommission credit
 * 2 h to start, +24 h per 30 days, capped at 48 h; 16.5 coins per block to the leader.
 */
export const oxenParams: RegistryParams = Object.freeze({
  name: 'oxen',
  blockTimeMs: 2 * MINUTE,
  stakingRequirement: 15_000n * COIN,
  minOperatorStake: (15_000n * COIN) / 4n,
  maxContributors: 10,
  unlockBlocks: 10_800,
  deregistrationLockBlocks: 21_600,
  uptimeProofIntervalMs: HOUR,
  uptimeProofValidityMs: 2 * HOUR + 5 * MINUTE,
  uptimeProofMinGapMs: 30 * MINUTE,
  uptimeProofTimestampToleranceMs: 5 * MINUTE,
  requirePublicIp: true,
  decommissionCreditInitialBlocks: 60,
  decommissionMinimumCreditBlocks: 60,
  decommissionCreditEarnBlocksPerBlock: Object.freeze({ numerator: 1, denominator: 30 }),
  decommissionCreditMaxBlocks: 1_440,
  rewardPerBlock: 16_500_000_000n,
  faucetEnabled: false,
  faucetMaxAmount: undefined,
  maxTransactionsPerBlock: 10_000,
});

/**
 * The devnet set: the same shape at 1-second blocks, where one Oxen hour becomes 5 seconds.
 * Requirement 100 coins (operator ≥ 25), ≤ 10 contributors, unlock after 10 blocks,
 * deregistered stakes locked 20 blocks; proofs every 5 s, valid 11 s, ≥ 2.5 s apart, ±5 s;
 * credit 120 blocks to start (decommission needs 10), +1 per 30 blocks, capped at 240; 1 coin per
 * block; faucet on (≤ 10,000 coins a transaction); private addresses allowed in proofs.
 */
export const devnetParams: RegistryParams = Object.freeze({
  name: 'devnet',
  blockTimeMs: 1_000,
  stakingRequirement: 100n * COIN,
  minOperatorStake: 25n * COIN,
  maxContributors: 10,
  unlockBlocks: 10,
  deregistrationLockBlocks: 20,
  uptimeProofIntervalMs: 5_000,
  uptimeProofValidityMs: 11_000,
  uptimeProofMinGapMs: 2_500,
  uptimeProofTimestampToleranceMs: 5_000,
  requirePublicIp: false,
  // Two minutes of outage at 1 s blocks: a node killed for a devnet drill (DEVNET.md) is
  // decommissioned, not deregistered, and comes back with `restart` (with 10 blocks, a 22 s
  // kill deregistered it for good).
  decommissionCreditInitialBlocks: 120,
  decommissionMinimumCreditBlocks: 10,
  decommissionCreditEarnBlocksPerBlock: Object.freeze({ numerator: 1, denominator: 30 }),
  decommissionCreditMaxBlocks: 240,
  rewardPerBlock: COIN,
  faucetEnabled: true,
  faucetMaxAmount: 10_000n * COIN,
  maxTransactionsPerBlock: 10_000,
});

/** The named parameter sets. */
export const parameterSets: Readonly<Record<'oxen' | 'devnet', RegistryParams>> = Object.freeze({
  oxen: oxenParams,
  devnet: devnetParams,
});

/**
 * A parameter set by name (`oxen` or `devnet`) with some values replaced. The result is checked
 * with {@link validateParams}.
 */
export function resolveParams(
  name: 'oxen' | 'devnet',
  overrides: Partial<RegistryParams> = {},
): RegistryParams {
  const base = parameterSets[name];
  if (base === undefined) {
    throw new InvalidInputError(`unknown parameter set ${JSON.stringify(name)}`, {
      details: { field: 'params.name' },
    });
  }
  const params: RegistryParams = { ...base, ...overrides };
  validateParams(params);
  return Object.freeze(params);
}

/**
 * The parameters counted in blocks that stand for durations (unlock, deregistration lock,
 * decommission credit): {@link scaleParamsToBlockTime} scales them. The credit earned per block
 * is a ratio of blocks to blocks and keeps its value at any block time.
 */
export const BLOCK_COUNTED_PARAMS = Object.freeze([
  'unlockBlocks',
  'deregistrationLockBlocks',
  'decommissionCreditInitialBlocks',
  'decommissionMinimumCreditBlocks',
  'decommissionCreditMaxBlocks',
] as const);

/** One of {@link BLOCK_COUNTED_PARAMS}. */
export type BlockCountedParam = (typeof BLOCK_COUNTED_PARAMS)[number];

/**
 * `params` at the block time `blockTimeMs`, with its block-counted durations
 * ({@link BLOCK_COUNTED_PARAMS}) scaled so that they last as long in seconds as at
 * `params.blockTimeMs`: each becomes `round(blocks × params.blockTimeMs / blockTimeMs)`, at
 * least 1 (0 stays 0). Without scaling, the devnet set at 250 ms blocks would give a failing
 * node 2.5 s of decommission credit instead of 10 s. The result is checked with
 * {@link validateParams}.
 *
 * @throws `InvalidInputError` when `blockTimeMs` is not a positive safe integer.
 */
export function scaleParamsToBlockTime(
  params: RegistryParams,
  blockTimeMs: number,
): RegistryParams {
  if (!Number.isSafeInteger(blockTimeMs) || blockTimeMs < 1) {
    fail('blockTimeMs', 'must be an integer ≥ 1');
  }
  const scaled: RegistryParams = { ...params, blockTimeMs };
  for (const key of BLOCK_COUNTED_PARAMS) {
    const blocks = params[key];
    scaled[key] =
      blocks === 0 ? 0 : Math.max(1, Math.round((blocks * params.blockTimeMs) / blockTimeMs));
  }
  validateParams(scaled);
  return Object.freeze(scaled);
}

function fail(field: string, rule: string): never {
  throw new InvalidInputError(`params/${field} ${rule}`, { details: { field: `params/${field}` } });
}

function checkInteger(params: RegistryParams, field: keyof RegistryParams, minimum: number): void {
  const value = params[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    fail(field, `must be an integer ≥ ${minimum}`);
  }
}

/**
 * Checks that a parameter set is usable: integers where integers are needed, positive stakes,
 * operator minimum within the requirement, and so on. Throws {@link InvalidInputError} naming
 * the field.
 */
export function validateParams(params: RegistryParams): void {
  if (typeof params.name !== 'string' || params.name.length === 0 || params.name.length > 64) {
    fail('name', 'must be a string of 1 to 64 characters');
  }
  checkInteger(params, 'blockTimeMs', 1);
  if (typeof params.stakingRequirement !== 'bigint' || params.stakingRequirement <= 0n) {
    fail('stakingRequirement', 'must be a positive bigint');
  }
  if (
    typeof params.minOperatorStake !== 'bigint' ||
    params.minOperatorStake <= 0n ||
    params.minOperatorStake > params.stakingRequirement
  ) {
    fail('minOperatorStake', 'must be a positive bigint no larger than the requirement');
  }
  checkInteger(params, 'maxContributors', 1);
  checkInteger(params, 'unlockBlocks', 1);
  checkInteger(params, 'deregistrationLockBlocks', 0);
  checkInteger(params, 'uptimeProofIntervalMs', 1);
  checkInteger(params, 'uptimeProofValidityMs', 1);
  checkInteger(params, 'uptimeProofMinGapMs', 0);
  checkInteger(params, 'uptimeProofTimestampToleranceMs', 0);
  if (typeof params.requirePublicIp !== 'boolean') fail('requirePublicIp', 'must be a boolean');
  checkInteger(params, 'decommissionCreditInitialBlocks', 0);
  checkInteger(params, 'decommissionMinimumCreditBlocks', 0);
  checkInteger(params, 'decommissionCreditMaxBlocks', 0);
  const earn = params.decommissionCreditEarnBlocksPerBlock;
  if (
    typeof earn !== 'object' ||
    earn === null ||
    !Number.isSafeInteger(earn.numerator) ||
    earn.numerator < 0 ||
    !Number.isSafeInteger(earn.denominator) ||
    earn.denominator < 1
  ) {
    fail('decommissionCreditEarnBlocksPerBlock', 'must be {numerator ≥ 0, denominator ≥ 1}');
  }
  if (params.decommissionCreditInitialBlocks > params.decommissionCreditMaxBlocks) {
    fail('decommissionCreditInitialBlocks', 'must not exceed decommissionCreditMaxBlocks');
  }
  if (typeof params.rewardPerBlock !== 'bigint' || params.rewardPerBlock < 0n) {
    fail('rewardPerBlock', 'must be a bigint ≥ 0');
  }
  if (typeof params.faucetEnabled !== 'boolean') fail('faucetEnabled', 'must be a boolean');
  if (
    params.faucetMaxAmount !== undefined &&
    (typeof params.faucetMaxAmount !== 'bigint' || params.faucetMaxAmount <= 0n)
  ) {
    fail('faucetMaxAmount', 'must be a positive bigint when present');
  }
  checkInteger(params, 'maxTransactionsPerBlock', 1);
}
