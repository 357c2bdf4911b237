/**
 * @packageDocumentation
 * `@murmur/contracts`: Murmur's staking registry on an EVM chain. The Solidity sources live in
 * `contracts/`; this entry gives their ABIs and bytecode (compiled with solc-js, committed, and
 * checked by a test that recompiles them) and {@link deployMurmurRegistry}. `@murmur/contracts/anvil`
 * starts a local anvil from the npm package (Node only).
 */
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem';
import {
  murmurStakeTokenAbi,
  murmurStakeTokenBytecode,
  murmurStakingAbi,
  murmurStakingBytecode,
} from './artifacts.js';

// The generated artifacts file also holds test-only contracts (the reentrancy attacker): only the
// registry's contracts and the compiler version are public.
export {
  murmurStakeTokenAbi,
  murmurStakeTokenBytecode,
  murmurStakingAbi,
  murmurStakingBytecode,
  SOLC_VERSION,
} from './artifacts.js';

/** Contract statuses, as `MurmurStaking.Status` numbers them. */
export const NodeStatus = Object.freeze({
  None: 0,
  AwaitingContributions: 1,
  Active: 2,
  Deregistered: 3,
} as const);

/** `MurmurStaking.REASON_FAILED_UPTIME`. */
export const REASON_FAILED_UPTIME = 1;

/** Options of {@link deployMurmurRegistry}. Durations are seconds of `block.timestamp`. */
export interface DeployInit {
  /** Staking requirement in atomic units (9 decimals). */
  stakingRequirement: bigint;
  /** Exit request → exit. */
  exitDelay: bigint;
  /** How long a deregistered node's stakes stay locked. */
  deregistrationLock: bigint;
  /** Active time before the quorum may remove a node. */
  minimumNodeAge: bigint;
  /** Validity of a quorum decision's timestamp, either side of the block's. */
  signatureExpiry: bigint;
  /** An existing stake token; absent: a new {@link murmurStakeTokenAbi} token is deployed. */
  token?: Address | undefined;
}

/** What {@link deployMurmurRegistry} deployed. */
export interface Deployment {
  token: Address;
  staking: Address;
  /** Block of the staking contract's creation (followers start there). */
  blockNumber: bigint;
}

/** Deploys the stake token (unless given) and the staking contract; waits for both receipts. */
export async function deployMurmurRegistry(
  wallet: WalletClient<Transport, Chain, Account>,
  client: PublicClient,
  init: DeployInit,
): Promise<Deployment> {
  let token = init.token;
  if (token === undefined) {
    const hash = await wallet.deployContract({
      abi: murmurStakeTokenAbi,
      bytecode: murmurStakeTokenBytecode,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.contractAddress == null) throw new Error('the token deployment made no contract');
    token = receipt.contractAddress;
  }
  const hash = await wallet.deployContract({
    abi: murmurStakingAbi,
    bytecode: murmurStakingBytecode,
    args: [
      token,
      init.stakingRequirement,
      init.exitDelay,
      init.deregistrationLock,
      init.minimumNodeAge,
      init.signatureExpiry,
    ],
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.contractAddress == null) throw new Error('the registry deployment made no contract');
  return { token, staking: receipt.contractAddress, blockNumber: receipt.blockNumber };
}
