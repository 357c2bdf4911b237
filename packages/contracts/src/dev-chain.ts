/**
 * A development chain in one call (Node only): anvil from npm, Murmur's stake token and staking
 * contract deployed by anvil's first account, and a faucet for gas and stake tokens. Used by the
 * service node's tests, the benchmarks and the devnet's `--ledger evm`.
 */
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEther,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type Anvil, type AnvilOptions, startAnvil } from './anvil.js';
import { murmurStakeTokenAbi } from './artifacts.js';
import { type DeployInit, deployMurmurRegistry } from './index.js';

/** anvil's first account (the public `test test … junk` mnemonic): deployer and token owner. */
export const ANVIL_DEPLOYER_KEY: Hex =
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

/** Delays short enough for a devnet (seconds): exit 60 s, lock 120 s, node age 30 s, expiry 600 s. */
export const DEV_DELAYS = {
  exitDelay: 60n,
  deregistrationLock: 120n,
  minimumNodeAge: 30n,
  signatureExpiry: 600n,
} as const;

/** Options of {@link startDevChain}. */
export interface DevChainOptions {
  /** Atomic units (default 100 coins). */
  stakingRequirement?: bigint | undefined;
  /** Delays (default {@link DEV_DELAYS}). */
  delays?: Partial<Omit<DeployInit, 'stakingRequirement' | 'token'>> | undefined;
  anvil?: AnvilOptions | undefined;
}

/** A running development chain. */
export interface DevChain {
  readonly anvil: Anvil;
  readonly url: string;
  readonly chainId: number;
  readonly token: `0x${string}`;
  readonly staking: `0x${string}`;
  readonly deploymentBlock: bigint;
  readonly client: PublicClient;
  /** Gives `address` gas (100 ETH) and `stake` atomic units of the stake token. */
  fund(address: `0x${string}`, stake: bigint): Promise<void>;
  /** Moves the chain's clock forward and mines a block. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

/** Where the contracts of a development chain are. */
export interface DevChainDeployment {
  token: `0x${string}`;
  staking: `0x${string}`;
  deploymentBlock: bigint;
}

/** A development chain reached by URL (an anvil this process did not start). */
export type ConnectedDevChain = Omit<DevChain, 'anvil' | 'stop'>;

/**
 * Connects to the anvil at `url` (a devnet's, started as a process of its own) and deploys the
 * contracts there, or uses the `existing` deployment (checked: the staking contract must have
 * code, else the chain is not the one recorded).
 */
export async function connectDevChain(
  url: string,
  existing?: DevChainDeployment | undefined,
  options: Omit<DevChainOptions, 'anvil'> = {},
): Promise<ConnectedDevChain> {
  const transport = http(url, { retryCount: 0 });
  const client = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
  const test = createTestClient({ chain: foundry, mode: 'anvil', transport });
  const chainId = await client.getChainId();
  const chain = { ...foundry, id: chainId };
  const deployer = createWalletClient({
    chain,
    transport,
    account: privateKeyToAccount(ANVIL_DEPLOYER_KEY),
  });
  let deployment: DevChainDeployment;
  if (existing === undefined) {
    const deployed = await deployMurmurRegistry(deployer, client as PublicClient, {
      stakingRequirement: options.stakingRequirement ?? 100_000_000_000n,
      ...DEV_DELAYS,
      ...options.delays,
    });
    deployment = {
      token: deployed.token,
      staking: deployed.staking,
      deploymentBlock: deployed.blockNumber,
    };
  } else {
    const code = await client.getCode({ address: existing.staking });
    if (code === undefined || code === '0x') {
      throw new Error(
        `no staking contract at ${existing.staking} on ${url}: the chain is not the one recorded (its state was not kept); start afresh`,
      );
    }
    deployment = existing;
  }
  return {
    url,
    chainId,
    ...deployment,
    client: client as PublicClient,
    async fund(address, stake) {
      await test.setBalance({ address, value: parseEther('100') });
      if (stake > 0n) {
        const hash = await deployer.writeContract({
          address: deployment.token,
          abi: murmurStakeTokenAbi,
          functionName: 'mint',
          args: [address, stake],
        });
        await client.waitForTransactionReceipt({ hash });
      }
    },
    async advance(seconds) {
      await test.increaseTime({ seconds });
      await test.mine({ blocks: 1 });
    },
  };
}

/** Starts anvil and deploys the contracts. */
export async function startDevChain(options: DevChainOptions = {}): Promise<DevChain> {
  const anvil = await startAnvil(options.anvil);
  try {
    const connected = await connectDevChain(anvil.url, undefined, options);
    return { ...connected, anvil, stop: () => anvil.stop() };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
