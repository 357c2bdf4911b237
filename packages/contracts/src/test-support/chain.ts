/**
 * A test chain: one anvil per test file, viem clients with `retryCount: 0`, the registry deployed
 * with short delays, and accounts funded with stake tokens.
 */
import {
  type Account,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PublicClient,
  parseEther,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type Anvil, startAnvil } from '../anvil.js';
import { murmurStakeTokenAbi, murmurStakingAbi } from '../artifacts.js';
import { ANVIL_DEPLOYER_KEY } from '../dev-chain.js';
import { type DeployInit, deployMurmurRegistry } from '../index.js';

export const COIN = 1_000_000_000n;

export const TEST_DEPLOY: DeployInit = {
  stakingRequirement: 100n * COIN,
  exitDelay: 600n,
  deregistrationLock: 1_200n,
  minimumNodeAge: 300n,
  signatureExpiry: 600n,
};

export interface TestChain {
  anvil: Anvil;
  client: PublicClient;
  test: TestClient<'anvil'>;
  deployer: WalletClient<Transport, typeof foundry, Account>;
  token: Address;
  staking: Address;
  deployBlock: bigint;
  /** A new funded account (ETH for gas, `stake` tokens, the staking contract approved). */
  newStaker(stake?: bigint): Promise<WalletClient<Transport, typeof foundry, Account>>;
  /** Moves the chain's clock forward and mines a block. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestChain(
  deploy: DeployInit = TEST_DEPLOY,
  anvilArgs: readonly string[] = [],
): Promise<TestChain> {
  const anvil = await startAnvil({ args: anvilArgs });
  const transport = http(anvil.url, { retryCount: 0 });
  const client = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
  const test = createTestClient({ chain: foundry, mode: 'anvil', transport });
  const deployer = createWalletClient({
    chain: foundry,
    transport,
    account: privateKeyToAccount(ANVIL_DEPLOYER_KEY),
  });
  const deployment = await deployMurmurRegistry(deployer, client as PublicClient, deploy);
  async function newStaker(stake = 1_000n * COIN) {
    const account = privateKeyToAccount(generatePrivateKey());
    await test.setBalance({ address: account.address, value: parseEther('100') });
    const wallet = createWalletClient({ chain: foundry, transport, account });
    const minted = await deployer.writeContract({
      address: deployment.token,
      abi: murmurStakeTokenAbi,
      functionName: 'mint',
      args: [account.address, stake],
    });
    await client.waitForTransactionReceipt({ hash: minted });
    const approved = await wallet.writeContract({
      address: deployment.token,
      abi: murmurStakeTokenAbi,
      functionName: 'approve',
      args: [deployment.staking, 2n ** 256n - 1n],
    });
    await client.waitForTransactionReceipt({ hash: approved });
    return wallet;
  }
  return {
    anvil,
    client: client as PublicClient,
    test: test as TestClient<'anvil'>,
    deployer,
    token: deployment.token,
    staking: deployment.staking,
    deployBlock: deployment.blockNumber,
    newStaker,
    async advance(seconds) {
      await test.increaseTime({ seconds });
      await test.mine({ blocks: 1 });
    },
    stop: () => anvil.stop(),
  };
}

export { murmurStakingAbi };
