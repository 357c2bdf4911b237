/**
 * Staking the nodes for real, through ledger transactions: each node's plan
 * (staking-plan.ts) and wallet files, faucet funding of every wallet, the registration (signed
 * by the operator wallet and co-signed by the node key) and, for a pooled node, the
 * contributions that fill it. Every answer of the ledger is checked.
 */
import { mkdirSync } from 'node:fs';
import {
  ATOMIC_UNITS_PER_COIN,
  createContribution,
  createRegistration,
  type GenesisConfig,
  type TransactionResult,
} from '@murmur/registry';
import { loadNodeKeyFile, loadOrCreateWalletFile, type Wallet } from '@murmur/registry/key-files';
import { fetchNextNonce } from '@murmur/registry/ledger-http';
import { type Context, withSignal } from '../context.js';
import { TransactionRefusedError } from '../errors.js';
import type { ManifestNode } from '../manifest.js';
import { checkAborted, mapLimit } from '../poll.js';
import { fundingFor, type StakingPlan, type StakingRules, stakingPlan } from './staking-plan.js';

/** Transactions a testnet has in flight at once while staking. */
const CONCURRENT_SUBMISSIONS = 8;

/** The part of a {@link Context} staking uses. */
export type StakingContext = Pick<Context, 'crypto' | 'client' | 'layout'>;

/**
 * The ID of an accepted transaction.
 *
 * @throws {@link TransactionRefusedError} (the ledger's reason as its `reason`) when refused.
 */
export function acceptedId(result: TransactionResult, what: string): string {
  if (result.accepted) return result.id;
  throw new TransactionRefusedError(
    result.reason,
    `the ledger refused the ${what}: ${result.reason}: ${result.message}`,
    { details: { id: result.id } },
  );
}

/** The chain's staking numbers. */
export function rulesOf(genesis: GenesisConfig): StakingRules {
  return {
    stakingRequirement: genesis.params.stakingRequirement,
    minOperatorStake: genesis.params.minOperatorStake,
    maxContributors: genesis.params.maxContributors,
  };
}

/** The stakes of one node and the wallets that put them up. */
export interface NodeStakes {
  node: ManifestNode;
  plan: StakingPlan;
  operator: Wallet;
  contributors: Wallet[];
}

/** Plans each node's stakes and loads (or creates) its wallet files. */
export function prepareStakes(
  context: StakingContext,
  nodes: readonly ManifestNode[],
  genesis: GenesisConfig,
): NodeStakes[] {
  const { crypto, layout } = context;
  const rules = rulesOf(genesis);
  mkdirSync(layout.walletsDir, { recursive: true, mode: 0o700 });
  return nodes.map((node) => {
    const plan = stakingPlan(node.index, node.pooled, rules);
    const operator = loadOrCreateWalletFile(crypto, layout.operatorWallet(node.name));
    const contributors = plan.contributions.map((_amount, j) =>
      loadOrCreateWalletFile(crypto, layout.contributorWallet(node.name, j + 1)),
    );
    return { node, plan, operator, contributors };
  });
}

/** Funds every wallet of `stakes` from the faucet (its stake plus a coin); checks each answer. */
export async function fundStakes(
  context: StakingContext,
  stakes: readonly NodeStakes[],
  onFunded: (done: number, total: number) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const funding: { wallet: Wallet; amount: bigint; what: string }[] = [];
  for (const { node, plan, operator, contributors } of stakes) {
    funding.push({
      wallet: operator,
      amount: fundingFor(plan.operatorStake, ATOMIC_UNITS_PER_COIN),
      what: `funding of ${node.name}'s operator`,
    });
    contributors.forEach((wallet, j) => {
      funding.push({
        wallet,
        amount: fundingFor(plan.contributions[j] as bigint, ATOMIC_UNITS_PER_COIN),
        what: `funding of ${node.name}'s contributor ${j + 1}`,
      });
    });
  }
  let done = 0;
  await mapLimit(funding, CONCURRENT_SUBMISSIONS, async ({ wallet, amount, what }) => {
    checkAborted(signal);
    acceptedId(
      await context.client.requestFaucet(wallet.address, amount, withSignal(signal)),
      what,
    );
    onFunded(++done, funding.length);
  });
}

/**
 * Submits each node's registration (signed by its operator wallet and its node key) and, for a
 * pooled node, the contributions that fill it; checks every answer.
 */
export async function registerStakes(
  context: StakingContext,
  stakes: readonly NodeStakes[],
  chainId: string,
  onSubmitted: (done: number, total: number) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { crypto, client, layout } = context;
  const total = stakes.reduce((sum, entry) => sum + 1 + entry.contributors.length, 0);
  let done = 0;
  await mapLimit(stakes, CONCURRENT_SUBMISSIONS, async ({ node, plan, operator, contributors }) => {
    checkAborted(signal);
    const keys = loadNodeKeyFile(crypto, layout.nodeDir(node.name));
    const registration = createRegistration(
      {
        chainId,
        feeBasisPoints: plan.feeBasisPoints,
        operatorStake: plan.operatorStake,
        nonce: await fetchNextNonce(client, operator.address, withSignal(signal)),
      },
      { node: keys.ed25519, operator: operator.keyPair },
      crypto,
    );
    crypto.wipe(keys.ed25519.secretKey);
    crypto.wipe(keys.x25519.secretKey);
    acceptedId(
      await client.submitTransaction(registration, withSignal(signal)),
      `registration of ${node.name}`,
    );
    onSubmitted(++done, total);
    for (const [j, wallet] of contributors.entries()) {
      const contribution = createContribution(
        {
          chainId,
          node: node.ed25519 as string,
          amount: plan.contributions[j] as bigint,
          nonce: await fetchNextNonce(client, wallet.address, withSignal(signal)),
        },
        wallet.keyPair,
        crypto,
      );
      acceptedId(
        await client.submitTransaction(contribution, withSignal(signal)),
        `contribution ${j + 1} to ${node.name}`,
      );
      onSubmitted(++done, total);
    }
  });
}

/** Funds, registers and fills `nodes` (no progress events); resolves their operators by name. */
export async function stakeNodes(
  context: StakingContext,
  nodes: readonly ManifestNode[],
  genesis: GenesisConfig,
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  const stakes = prepareStakes(context, nodes, genesis);
  await fundStakes(context, stakes, () => undefined, signal);
  await registerStakes(context, stakes, genesis.chainId, () => undefined, signal);
  return new Map(stakes.map(({ node, operator }) => [node.name, operator.address]));
}
